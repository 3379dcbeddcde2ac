#include "sweep/report.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace csbrnn::sweep {
namespace {

std::string xml(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<')
      o += "&lt;";
    else if (c == '>')
      o += "&gt;";
    else if (c == '&')
      o += "&amp;";
    else if (c == '"')
      o += "&quot;";
    else
      o += c;
  }
  return o;
}

std::string csv_cell(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string o = "\"";
  for (char c : s) o += c == '"' ? std::string("\"\"") : std::string(1, c);
  return o + "\"";
}

std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.4g", v);
  return b;
}

const char* kColors[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
                         "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac", "#1f77b4", "#8c564b"};

/// About five round ticks (1, 2 or 5 x 10^k apart) from the first multiple >= lo to hi.
std::vector<double> linear_ticks(double lo, double hi) {
  const double raw = (hi - lo) / 5;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  std::vector<double> t;
  for (double v = std::ceil(lo / step) * step; v <= hi + 1e-12; v += step) t.push_back(v);
  return t;
}

}  // namespace

int Table::col(const std::string& name) const {
  for (size_t i = 0; i < cols.size(); ++i)
    if (cols[i] == name) return int(i);
  return -1;
}

std::string csv_line(const std::vector<std::string>& cells) {
  std::string o;
  for (size_t i = 0; i < cells.size(); ++i) o += (i ? "," : "") + csv_cell(cells[i]);
  return o + "\n";
}

std::string table_csv(const Table& t) {
  std::string o = csv_line(t.cols);
  for (const auto& r : t.rows) o += csv_line(r);
  return o;
}

std::string bar_chart_svg(const std::string& title, const std::string& y_label,
                          const std::vector<std::string>& cats,
                          const std::vector<BarSeries>& series, bool allow_log) {
  double lo = INFINITY, hi = 0;
  for (const auto& s : series)
    for (double v : s.values)
      if (std::isfinite(v) && v > 0) lo = std::min(lo, v), hi = std::max(hi, v);
  if (!(hi > 0)) lo = 1, hi = 1;
  const bool logy = allow_log && hi / lo > 30;
  const int bar_w = std::max(6, std::min(28, 360 / std::max<int>(1, int(series.size()))));
  const int group_w = int(series.size()) * bar_w + 16;
  const int left = 70, top = 34, plot_h = 220, bottom = 70;
  const int legend_w = 260;
  const int plot_w = std::max(240, int(cats.size()) * group_w);
  const int legend_h = 16 * int(series.size()) + 20;
  const int width = left + plot_w + 20 + legend_w;
  const int height = top + std::max(plot_h + bottom, legend_h);
  double y0 = 0, y1 = hi * 1.1;
  if (logy) y0 = std::floor(std::log10(lo)), y1 = std::ceil(std::log10(hi) + 1e-9);
  auto ypix = [&](double v) {
    const double t = logy ? (std::log10(v) - y0) / (y1 - y0) : (v - y0) / (y1 - y0);
    return top + plot_h - t * plot_h;
  };
  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
    << "\" font-family=\"sans-serif\" font-size=\"11\">\n";
  o << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  o << "<text x=\"" << left << "\" y=\"18\" font-size=\"13\">" << xml(title) << "</text>\n";
  // axis + ticks
  o << "<line x1=\"" << left << "\" y1=\"" << top << "\" x2=\"" << left << "\" y2=\""
    << top + plot_h << "\" stroke=\"black\"/>\n";
  o << "<line x1=\"" << left << "\" y1=\"" << top + plot_h << "\" x2=\"" << left + plot_w
    << "\" y2=\"" << top + plot_h << "\" stroke=\"black\"/>\n";
  std::vector<double> ticks;
  if (logy) {
    for (double e = y0; e <= y1 + 1e-9; e += 1) ticks.push_back(std::pow(10.0, e));
  } else {
    ticks = linear_ticks(y0, y1);
  }
  for (double v : ticks) {
    const double y = ypix(v);
    o << "<line x1=\"" << left - 4 << "\" y1=\"" << y << "\" x2=\"" << left + plot_w << "\" y2=\""
      << y << "\" stroke=\"#ddd\"/>\n";
    o << "<text x=\"" << left - 6 << "\" y=\"" << y + 4 << "\" text-anchor=\"end\">" << num(v)
      << "</text>\n";
  }
  o << "<text transform=\"translate(14," << top + plot_h / 2 << ") rotate(-90)\" "
    << "text-anchor=\"middle\">" << xml(y_label) << (logy ? " (log scale)" : "") << "</text>\n";
  for (size_t c = 0; c < cats.size(); ++c) {
    const int gx = left + int(c) * group_w + 8;
    for (size_t s = 0; s < series.size(); ++s) {
      const double v = c < series[s].values.size() ? series[s].values[c] : NAN;
      if (!std::isfinite(v)) continue;
      const double y = logy && v <= 0 ? top + plot_h : ypix(std::max(v, logy ? lo : 0.0));
      o << "<rect x=\"" << gx + int(s) * bar_w << "\" y=\"" << y << "\" width=\"" << bar_w - 1
        << "\" height=\"" << std::max(0.0, top + plot_h - y) << "\" fill=\""
        << kColors[s % (sizeof kColors / sizeof *kColors)] << "\"><title>"
        << xml(series[s].name + " @ " + cats[c] + ": " + num(v)) << "</title></rect>\n";
    }
    o << "<text x=\"" << gx + (group_w - 16) / 2 << "\" y=\"" << top + plot_h + 14
      << "\" text-anchor=\"middle\">" << xml(cats[c]) << "</text>\n";
  }
  const int lx = left + plot_w + 20;
  for (size_t s = 0; s < series.size(); ++s) {
    const int y = top + 16 * int(s);
    o << "<rect x=\"" << lx << "\" y=\"" << y << "\" width=\"10\" height=\"10\" fill=\""
      << kColors[s % (sizeof kColors / sizeof *kColors)] << "\"/>\n";
    o << "<text x=\"" << lx + 14 << "\" y=\"" << y + 9 << "\">" << xml(series[s].name)
      << "</text>\n";
  }
  o << "</svg>\n";
  return o.str();
}

namespace {

/// An axis of a scatter plot: [lo, hi] (log10 of it when logarithmic) onto [p0, p1] pixels.
struct Axis {
  bool log = false;
  double lo = 0, hi = 1;
  double p0 = 0, p1 = 1;
  void fit(const std::vector<double>& v) {
    double a = INFINITY, b = -INFINITY;
    for (double x : v)
      if (std::isfinite(x)) a = std::min(a, x), b = std::max(b, x);
    if (!(b >= a)) a = 0, b = 1;
    log = a > 0 && b / a > 30;
    if (log) {
      lo = std::floor(std::log10(a)), hi = std::ceil(std::log10(b) + 1e-9);
    } else {
      const double pad = b > a ? (b - a) * 0.05 : std::max(1.0, std::fabs(a) * 0.05);
      lo = a >= 0 && a - pad < 0 ? 0.0 : a - pad;
      hi = b + pad;
    }
    if (hi <= lo) hi = lo + 1;
  }
  double pix(double x) const {
    const double t =
        log ? (std::log10(std::max(x, 1e-300)) - lo) / (hi - lo) : (x - lo) / (hi - lo);
    return p0 + t * (p1 - p0);
  }
  std::vector<double> ticks() const {
    std::vector<double> t;
    if (log) {
      for (double e = lo; e <= hi + 1e-9; e += 1) t.push_back(std::pow(10.0, e));
      return t;
    }
    return linear_ticks(lo, hi);
  }
};

}  // namespace

std::string scatter_svg(const std::string& title, const std::string& x_label,
                        const std::string& y_label, const std::vector<ScatterSeries>& series) {
  const int left = 70, top = 34, plot_w = 420, plot_h = 260, bottom = 46, legend_w = 220;
  const int legend_h = 16 * int(series.size()) + 20;
  const int width = left + plot_w + 20 + legend_w;
  const int height = top + std::max(plot_h + bottom, legend_h);
  std::vector<double> xs, ys;
  for (const auto& s : series)
    for (const auto& [x, y] : s.points) xs.push_back(x), ys.push_back(y);
  Axis ax, ay;
  ax.fit(xs);
  ay.fit(ys);
  ax.p0 = left, ax.p1 = left + plot_w;
  ay.p0 = top + plot_h, ay.p1 = top;
  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
    << "\" font-family=\"sans-serif\" font-size=\"11\">\n";
  o << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  o << "<text x=\"" << left << "\" y=\"18\" font-size=\"13\">" << xml(title) << "</text>\n";
  o << "<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << plot_w << "\" height=\""
    << plot_h << "\" fill=\"none\" stroke=\"black\"/>\n";
  for (double v : ax.ticks()) {
    const double x = ax.pix(v);
    o << "<line x1=\"" << x << "\" y1=\"" << top << "\" x2=\"" << x << "\" y2=\""
      << top + plot_h + 4 << "\" stroke=\"#ddd\"/>\n<text x=\"" << x << "\" y=\""
      << top + plot_h + 16 << "\" text-anchor=\"middle\">" << num(v) << "</text>\n";
  }
  for (double v : ay.ticks()) {
    const double y = ay.pix(v);
    o << "<line x1=\"" << left - 4 << "\" y1=\"" << y << "\" x2=\"" << left + plot_w << "\" y2=\""
      << y << "\" stroke=\"#ddd\"/>\n<text x=\"" << left - 6 << "\" y=\"" << y + 4
      << "\" text-anchor=\"end\">" << num(v) << "</text>\n";
  }
  o << "<text x=\"" << left + plot_w / 2 << "\" y=\"" << top + plot_h + 34
    << "\" text-anchor=\"middle\">" << xml(x_label) << (ax.log ? " (log scale)" : "")
    << "</text>\n";
  o << "<text transform=\"translate(14," << top + plot_h / 2 << ") rotate(-90)\" "
    << "text-anchor=\"middle\">" << xml(y_label) << (ay.log ? " (log scale)" : "") << "</text>\n";
  for (size_t s = 0; s < series.size(); ++s) {
    const char* color = kColors[s % (sizeof kColors / sizeof *kColors)];
    for (const auto& [x, y] : series[s].points)
      o << "<circle cx=\"" << ax.pix(x) << "\" cy=\"" << ay.pix(y) << "\" r=\"3\" fill=\"" << color
        << "\" fill-opacity=\"0.35\"><title>" << xml(series[s].name + ": " + num(x) + ", " + num(y))
        << "</title></circle>\n";
    if (!series[s].front.empty()) {
      o << "<polyline fill=\"none\" stroke=\"" << color << "\" stroke-width=\"2\" points=\"";
      for (size_t i = 0; i < series[s].front.size(); ++i) {
        const auto& [x, y] = series[s].front[i];
        if (i) o << ax.pix(x) << "," << ay.pix(series[s].front[i - 1].second) << " ";
        o << ax.pix(x) << "," << ay.pix(y) << " ";
      }
      o << "\"/>\n";
      for (const auto& [x, y] : series[s].front)
        o << "<circle cx=\"" << ax.pix(x) << "\" cy=\"" << ay.pix(y) << "\" r=\"4\" fill=\""
          << color << "\"/>\n";
    }
    const int ly = top + 16 * int(s);
    o << "<rect x=\"" << left + plot_w + 20 << "\" y=\"" << ly
      << "\" width=\"10\" height=\"10\" fill=\"" << color << "\"/>\n<text x=\""
      << left + plot_w + 34 << "\" y=\"" << ly + 9 << "\">"
      << xml(series[s].name + " (" + std::to_string(series[s].front.size()) + " on the front)")
      << "</text>\n";
  }
  o << "</svg>\n";
  return o.str();
}

std::string stack_svgs(const std::vector<std::string>& svgs) {
  int width = 0, height = 0;
  std::vector<std::pair<int, std::string>> parts;
  for (const auto& s : svgs) {
    auto attr = [&](const std::string& name) {
      const auto p = s.find(name + "=\"");
      return p == std::string::npos ? 0 : std::atoi(s.c_str() + p + name.size() + 2);
    };
    const int w = attr("width"), h = attr("height");
    parts.emplace_back(height, s);
    width = std::max(width, w);
    height += h;
  }
  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
    << "\">\n";
  for (const auto& [y, s] : parts) {
    // nest each chart as an inner <svg> placed at its offset
    const auto p = s.find("<svg ");
    o << "<svg y=\"" << y << "\" " << s.substr(p + 5);
  }
  o << "</svg>\n";
  return o.str();
}

}  // namespace csbrnn::sweep
