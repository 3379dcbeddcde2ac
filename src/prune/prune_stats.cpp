#include "prune/prune_stats.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>

#include "common/bits.h"
#include "common/error.h"
#include "prune/method.h"

namespace csbrnn {

namespace {

Spread spread_of(const std::vector<double>& v) {
  Spread s;
  if (v.empty()) return s;
  s.min = *std::min_element(v.begin(), v.end());
  s.max = *std::max_element(v.begin(), v.end());
  double sum = 0, sum2 = 0;
  for (double x : v) sum += x;
  s.mean = sum / double(v.size());
  for (double x : v) sum2 += (x - s.mean) * (x - s.mean);
  s.stddev = std::sqrt(sum2 / double(v.size()));
  return s;
}

nlohmann::json spread_json(const Spread& s) {
  return {{"min", s.min}, {"max", s.max}, {"mean", s.mean}, {"stddev", s.stddev}};
}

std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

}  // namespace

int index_bits_for(uint64_t n) {
  return int(ceil_log2(n));
}

uint64_t scheme_index_bits(const Matrix& w, const PruneParams& p, const MatrixPrune& r,
                           std::string* fmt_out) {
  return p.method->index_bits(w, p, r, fmt_out);
}

size_t count_tolerance(const Matrix& w, const PruneParams& p, size_t target) {
  const size_t rel = size_t(std::ceil(0.005 * double(target)));
  return std::max(rel, p.method->count_step(w, p));
}

double MatrixStats::rel_frobenius_error() const {
  return energy > 0 ? std::sqrt(std::max(0.0, energy - kept_energy) / energy) : 0.0;
}
double ModelStats::rel_frobenius_error() const {
  return energy > 0 ? std::sqrt(std::max(0.0, energy - kept_energy) / energy) : 0.0;
}

MatrixStats matrix_stats(const std::string& name, const Matrix& w, const PruneParams& p,
                         const MatrixPrune& r) {
  MatrixStats s;
  s.name = name;
  s.params = p;
  s.rows = w.rows;
  s.cols = w.cols;
  s.weights = w.size();
  s.kept = r.kept;
  s.target = r.target;
  s.projection_kept = r.projection_kept;
  for (size_t t = 0; t < w.size(); ++t) {
    const double v2 = double(w.data[t]) * double(w.data[t]);
    s.energy += v2;
    if (r.keep[t]) s.kept_energy += v2;
    if (w.data[t] != 0.0f) ++s.nonzero_before;
  }
  s.tolerance = count_tolerance(w, p, s.target);
  s.within_tolerance = (s.kept > s.target ? s.kept - s.target : s.target - s.kept) <= s.tolerance;
  s.structure = p.method->structure_note(s);
  if (!s.within_tolerance)
    s.miss = cat("rate ", fmt("%g", p.rate), " unreachable: nearest reachable rate ",
                 fmt("%.4f", s.achieved_rate()), " (kept ", s.kept, ", target ", s.target,
                 ", tolerance ", s.tolerance, ") because ", p.method->miss_reason(s));
  // Block grid statistics (and CSB kernel sizes).
  const int bh = p.block.bh, bw = p.block.bw;
  std::vector<double> density, area;
  for (int i0 = 0; i0 < w.rows; i0 += bh)
    for (int j0 = 0; j0 < w.cols; j0 += bw) {
      const int i1 = std::min(w.rows, i0 + bh), j1 = std::min(w.cols, j0 + bw);
      size_t n = 0;
      std::vector<uint8_t> ck(size_t(j1 - j0), 0);
      int kr = 0;
      for (int rr = i0; rr < i1; ++rr) {
        bool any = false;
        for (int c = j0; c < j1; ++c)
          if (r.keep[size_t(rr) * w.cols + c]) {
            ++n;
            any = true;
            ck[c - j0] = 1;
          }
        kr += any;
      }
      const int kc = int(std::count(ck.begin(), ck.end(), 1));
      density.push_back(double(n) / double((i1 - i0) * (j1 - j0)));
      ++s.blocks;
      if (n == 0) ++s.empty_blocks;
      if (is_csb_method(p.method)) {
        ++s.kr_hist[kr];
        ++s.kc_hist[kc];
        area.push_back(double(kr) * kc);
      }
    }
  s.block_density = spread_of(density);
  s.kernel_area = spread_of(area);
  s.index_bits = scheme_index_bits(w, p, r, &s.index_format);
  return s;
}

ModelStats model_stats(const RnnModel& original, const ModelPrune& mp) {
  ModelStats m;
  const auto mats = model_matrices(original);
  CSBRNN_ASSERT(mats.size() == mp.matrices.size());
  for (size_t t = 0; t < mats.size(); ++t) {
    const auto& info = mp.matrices[t];
    m.matrices.push_back(matrix_stats(info.name, *mats[t].second, info.params, info.result));
    const auto& s = m.matrices.back();
    m.weights += s.weights;
    m.kept += s.kept;
    m.target += s.target;
    m.energy += s.energy;
    m.kept_energy += s.kept_energy;
    m.index_bits += s.index_bits;
    m.within_tolerance = m.within_tolerance && s.within_tolerance;
  }
  for (const auto& L : original.layers) m.biases += L.b_ih.size() + L.b_hh.size();
  return m;
}

std::string exact_rate(size_t weights, size_t kept) {
  if (kept == 0) return "inf (nothing kept)";
  return cat(weights, "/", kept, " = ", fmt("%.6f", double(weights) / double(kept)));
}

nlohmann::json stats_to_json(const MatrixStats& s) {
  nlohmann::json j;
  j["name"] = s.name;
  j["method"] = method_name(s.params.method);
  j["shape"] = {s.rows, s.cols};
  j["block"] = {s.params.block.bh, s.params.block.bw};
  j["weights_before"] = s.weights;
  j["nonzero_before"] = s.nonzero_before;
  j["weights_after"] = s.kept;
  // A method without a rate (keep) keeps the weights' own nonzeros: no target rate.
  j["target_rate"] =
      s.params.method->uses_rate() ? nlohmann::json(s.params.rate) : nlohmann::json(nullptr);
  j["target_kept"] = s.target;
  j["achieved_rate"] = s.achieved_rate();
  j["achieved_rate_exact"] = exact_rate(s.weights, s.kept);
  j["count_tolerance"] = s.tolerance;
  j["within_tolerance"] = s.within_tolerance;
  j["miss"] = s.miss.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.miss);
  if (!s.structure.empty()) j["structure"] = s.structure;
  s.params.method->report_matrix(s, j);  // the method's own fields (JSON keys are sorted)
  j["retained_energy"] = s.retained_energy();
  j["rel_frobenius_error"] = s.rel_frobenius_error();
  j["block_density"] = spread_json(s.block_density);
  j["blocks"] = s.blocks;
  j["empty_blocks"] = s.empty_blocks;
  if (is_csb_method(s.params.method)) {
    nlohmann::json kr = nlohmann::json::object(), kc = nlohmann::json::object();
    for (const auto& [k, n] : s.kr_hist) kr[std::to_string(k)] = n;
    for (const auto& [k, n] : s.kc_hist) kc[std::to_string(k)] = n;
    j["kernel_rows_histogram"] = kr;
    j["kernel_cols_histogram"] = kc;
    j["kernel_area"] = spread_json(s.kernel_area);
  }
  j["index_bits"] = s.index_bits;
  j["index_format"] = s.index_format;
  j["index_ratio"] = s.index_ratio();
  return j;
}

nlohmann::json stats_to_json(const ModelStats& s) {
  nlohmann::json j;
  j["matrices"] = nlohmann::json::array();
  for (const auto& m : s.matrices) j["matrices"].push_back(stats_to_json(m));
  j["total"] = {{"weights_before", s.weights},
                {"weights_after", s.kept},
                {"target_kept", s.target},
                {"achieved_rate", s.achieved_rate()},
                {"achieved_rate_exact", exact_rate(s.weights, s.kept)},
                {"within_tolerance", s.within_tolerance},
                {"biases_unpruned", s.biases},
                {"retained_energy", s.retained_energy()},
                {"rel_frobenius_error", s.rel_frobenius_error()},
                {"index_bits", s.index_bits},
                {"index_ratio", s.index_ratio()}};
  j["notes"] = {
      "rates are compression rates: weights_before / weights_after (biases never pruned)",
      "index_ratio = index_bits / (16 * weights_after): index storage per 16-bit value bits",
      "count tolerance: |weights_after - target_kept| <= max(ceil(0.5% of target), half the "
      "scheme's structural step); a matrix outside it has within_tolerance false and a 'miss' "
      "line (a warning: the pruned model is still written)"};
  return j;
}

void print_stats_table(std::ostream& os, const ModelStats& s) {
  char line[512];
  std::snprintf(line, sizeof line, "%-14s %-13s %11s %10s %8s %10s %5s %9s %9s %12s %7s\n",
                "matrix", "method", "weights", "kept", "target", "achieved", "tol", "energy",
                "rel.err", "blk.dens", "NIO");
  os << line;
  for (const auto& m : s.matrices) {
    char target[32] = "-";  // a method without a rate (keep) has no target rate
    if (m.params.method->uses_rate()) std::snprintf(target, sizeof target, "%.3f", m.params.rate);
    std::snprintf(line, sizeof line,
                  "%-14s %-13s %11zu %10zu %8s %10.4f %5s %9.5f %9.5f %5.3f-%5.3f %6.1f%%\n",
                  m.name.c_str(), method_name(m.params.method), m.weights, m.kept, target,
                  m.achieved_rate(), m.within_tolerance ? "ok" : "MISS", m.retained_energy(),
                  m.rel_frobenius_error(), m.block_density.min, m.block_density.max,
                  100.0 * m.index_ratio());
    os << line;
  }
  std::snprintf(line, sizeof line,
                "%-14s %-13s %11zu %10zu %8s %10.4f %5s %9.5f %9.5f %12s %6.1f%%\n", "total", "",
                s.weights, s.kept, "", s.achieved_rate(), s.within_tolerance ? "ok" : "MISS",
                s.retained_energy(), s.rel_frobenius_error(), "", 100.0 * s.index_ratio());
  os << line;
  os << "achieved rate (exact): " << exact_rate(s.weights, s.kept) << "; biases (" << s.biases
     << ") not pruned\n";
  for (const auto& m : s.matrices) {
    if (!m.structure.empty()) os << m.name << ": " << m.structure << "\n";
    if (!m.miss.empty()) os << m.name << ": MISS: " << m.miss << "\n";
  }
  for (const auto& m : s.matrices)
    if (is_csb_method(m.params.method)) {
      os << m.name << ": block " << m.params.block.bh << "x" << m.params.block.bw << ", "
         << m.blocks << " blocks (" << m.empty_blocks << " empty), kernel area mean "
         << fmt("%.1f", m.kernel_area.mean) << " (min " << fmt("%.0f", m.kernel_area.min)
         << ", max " << fmt("%.0f", m.kernel_area.max) << ", sd "
         << fmt("%.1f", m.kernel_area.stddev) << ")\n";
    }
}

}  // namespace csbrnn
