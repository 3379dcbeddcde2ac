// Sweep result tables and plots: one row per point (CSV with full precision, Markdown rounded)
// and hand-written SVG grouped-bar charts (latency and PE utilization per swept setting).
#pragma once
#include <string>
#include <vector>

namespace csbrnn::sweep {

/// A merged table: column names and rows of cell text (CSV-ready, unrounded numbers).
struct Table {
  std::vector<std::string> cols;
  std::vector<std::vector<std::string>> rows;
  int col(const std::string& name) const;  // -1 when absent
};

std::string table_csv(const Table& t);
/// One CSV line of cells (quoted where needed), with its newline: a table written row by row.
std::string csv_line(const std::vector<std::string>& cells);

struct BarSeries {
  std::string name;
  std::vector<double> values;  // per category; NaN = no bar
};

/// A grouped bar chart (one group per category, one bar per series) as a standalone SVG.
/// A log axis is used when `allow_log` and the values span more than 30x.
std::string bar_chart_svg(const std::string& title, const std::string& y_label,
                          const std::vector<std::string>& categories,
                          const std::vector<BarSeries>& series, bool allow_log);

struct ScatterSeries {
  std::string name;
  std::vector<std::pair<double, double>> points;  // every (x, y) of the series: dots
  std::vector<std::pair<double, double>> front;   // its Pareto front, by x: a staircase line
};

/// A scatter plot with each series' Pareto front drawn as a staircase (lower left is better),
/// as a standalone SVG; an axis is logarithmic when its positive values span more than 30x.
std::string scatter_svg(const std::string& title, const std::string& x_label,
                        const std::string& y_label, const std::vector<ScatterSeries>& series);

/// Stacks several standalone SVGs vertically into one.
std::string stack_svgs(const std::vector<std::string>& svgs);

}  // namespace csbrnn::sweep
