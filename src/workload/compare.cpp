#include "workload/compare.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "common/error.h"
#include "prune/prune_stats.h"

namespace csbrnn {

namespace {

std::string f(const char* fmt, double v) {
  char b[64];
  std::snprintf(b, sizeof b, fmt, v);
  return b;
}

PruneParams clamp_params(const Matrix& w, const PruneMethod* method, double rate, BlockSize block,
                         int banks) {
  PruneParams p;
  p.method = method;
  p.rate = rate;
  p.block = {std::min(block.bh, w.rows), std::min(block.bw, w.cols)};
  p.banks = std::max(1, std::min(banks, w.cols));
  return p;
}

}  // namespace

EvalPoint evaluate_scheme(const RnnModel& m, const PruneMethod* method, double rate,
                          BlockSize block, int banks) {
  EvalPoint e;
  double energy = 0, kept_energy = 0;
  uint64_t index_bits = 0;
  for (const auto& [name, w] : model_matrices(m)) {
    const PruneParams p = clamp_params(*w, method, rate, block, banks);
    const MatrixPrune r = prune_matrix(*w, p, name);
    for (size_t t = 0; t < w->size(); ++t) {
      const double v2 = double(w->data[t]) * double(w->data[t]);
      energy += v2;
      if (r.keep[t]) kept_energy += v2;
    }
    e.weights += w->size();
    e.kept += r.kept;
    index_bits += scheme_index_bits(*w, p, r);
  }
  e.retained_energy = energy > 0 ? kept_energy / energy : 1.0;
  e.rel_error = energy > 0 ? std::sqrt(std::max(0.0, energy - kept_energy) / energy) : 0.0;
  e.index_ratio = e.kept ? double(index_bits) / (16.0 * double(e.kept)) : 0.0;
  return e;
}

std::vector<std::string> subsample_model(RnnModel& m, size_t max_matrix_weights, int bh) {
  std::vector<std::string> notes;
  if (max_matrix_weights == 0) return notes;
  for (auto& [name, w] : model_matrices(m)) {
    if (w->size() <= max_matrix_weights) continue;
    const int h = std::min(bh, w->rows);
    const int BR = (w->rows + h - 1) / h;
    const int keep_br = std::max(1, int(max_matrix_weights / (size_t(h) * size_t(w->cols))));
    if (keep_br >= BR) continue;
    Matrix s(0, w->cols);
    std::vector<float> data;
    int rows = 0;
    for (int t = 0; t < keep_br; ++t) {
      const int i = int((long long)t * BR / keep_br);
      const int r0 = i * h, r1 = std::min(w->rows, r0 + h);
      data.insert(data.end(), w->data.begin() + size_t(r0) * w->cols,
                  w->data.begin() + size_t(r1) * w->cols);
      rows += r1 - r0;
    }
    notes.push_back(cat(name, ": SUBSAMPLED to ", keep_br, " of ", BR, " block-rows (", rows,
                        " of ", w->rows, " rows, evenly spaced)"));
    s.rows = rows;
    s.data = std::move(data);
    *w = std::move(s);
  }
  return notes;
}

ModelComparison compare_model(const ModelSpec& spec, const CompareOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  ModelComparison mc;
  mc.spec = spec;
  mc.rate = o.rate > 0 ? o.rate : spec.paper_rate;
  if (!(mc.rate > 1)) fail(spec.origin, ": no paper rate in the spec; give --rate");
  const BlockSize block = o.block ? *o.block : spec.block;
  RnnModel m = generate_model(spec, o.seed);
  for (const auto& [name, w] : model_matrices(m)) {
    mc.weights += w->size();
    if (block.bh > w->rows || block.bw > w->cols)
      mc.block_notes.push_back(cat(name, " (", w->rows, "x", w->cols, "): block clamped to ",
                                   std::min(block.bh, w->rows), "x", std::min(block.bw, w->cols)));
  }
  mc.subsample_notes = subsample_model(m, o.max_matrix_weights, block.bh);
  for (const auto& [name, w] : model_matrices(m)) mc.weights_used += w->size();
  const PruneMethod* const paper = parse_method("csb");  // the reference quality
  const EvalPoint ref = evaluate_scheme(m, paper, mc.rate, block, o.banks);
  mc.reference_energy = ref.retained_energy;
  const auto methods = o.methods.empty() ? all_methods() : o.methods;
  for (const PruneMethod* method : methods) {
    SchemeResult r;
    r.method = method;
    const EvalPoint at =
        method == paper ? ref : evaluate_scheme(m, method, mc.rate, block, o.banks);
    r.kept_rate = at.kept ? double(at.weights) / double(at.kept) : 0;
    r.retained_energy = at.retained_energy;
    r.rel_error = at.rel_error;
    r.index_ratio = at.index_ratio;
    // (i) The largest rate whose retained energy still reaches the reference, by bisection on
    // log(rate) between 1 (everything kept) and max_rate.
    const EvalPoint top = evaluate_scheme(m, method, o.max_rate, block, o.banks);
    if (top.retained_energy >= mc.reference_energy) {
      r.capped = true;
      r.rate_at_quality = o.max_rate;
      r.energy_at_quality = top.retained_energy;
    } else {
      double lo = std::log(1.0), hi = std::log(o.max_rate);
      double lo_energy = 1.0;
      if (at.retained_energy >= mc.reference_energy) {
        lo = std::log(mc.rate);
        lo_energy = at.retained_energy;
      } else {
        hi = std::log(mc.rate);
      }
      for (int it = 0; it < o.bisect_iters; ++it) {
        const double mid = 0.5 * (lo + hi);
        const EvalPoint e = evaluate_scheme(m, method, std::exp(mid), block, o.banks);
        if (e.retained_energy >= mc.reference_energy) {
          lo = mid;
          lo_energy = e.retained_energy;
        } else {
          hi = mid;
        }
      }
      r.rate_at_quality = std::exp(lo);
      r.energy_at_quality = lo_energy;
    }
    mc.schemes.push_back(r);
  }
  mc.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return mc;
}

Comparison run_comparison(const CompareOptions& o) {
  Comparison c;
  c.options = o;
  for (const auto& name : o.models) c.models.push_back(compare_model(load_model_spec(name), o));
  return c;
}

nlohmann::json comparison_json(const Comparison& c) {
  nlohmann::json j;
  j["notice"] = kSyntheticNotice;
  j["quality_metric"] =
      "retained l2 energy of all weight matrices; reference = csb (paper projection) at the "
      "model's reference rate";
  j["seed"] = c.options.seed;
  j["banks"] = c.options.banks;
  j["max_matrix_weights"] = c.options.max_matrix_weights;
  j["models"] = nlohmann::json::array();
  for (const auto& m : c.models) {
    nlohmann::json jm;
    jm["name"] = m.spec.name;
    jm["cell"] = cell_name(m.spec.cell);
    if (!m.spec.notes.empty()) jm["spec_notes"] = m.spec.notes;
    jm["reference_rate"] = m.rate;
    jm["reference_rate_source"] = m.spec.paper_rate_source;
    jm["block"] = {c.options.block ? c.options.block->bh : m.spec.block.bh,
                   c.options.block ? c.options.block->bw : m.spec.block.bw};
    jm["reference_energy"] = m.reference_energy;
    jm["weights"] = m.weights;
    jm["weights_evaluated"] = m.weights_used;
    jm["subsampled"] = !m.subsample_notes.empty();
    jm["subsample_notes"] = m.subsample_notes;
    jm["block_notes"] = m.block_notes;
    jm["seconds"] = m.seconds;
    jm["schemes"] = nlohmann::json::array();
    for (const auto& s : m.schemes)
      jm["schemes"].push_back({{"method", method_name(s.method)},
                               {"rate_at_equal_quality", s.rate_at_quality},
                               {"rate_capped_at_max", s.capped},
                               {"energy_at_that_rate", s.energy_at_quality},
                               {"achieved_rate_at_reference", s.kept_rate},
                               {"retained_energy_at_reference", s.retained_energy},
                               {"rel_frobenius_error_at_reference", s.rel_error},
                               {"index_ratio_at_reference", s.index_ratio}});
    j["models"].push_back(jm);
  }
  return j;
}

std::string comparison_markdown(const Comparison& c) {
  std::ostringstream os;
  os << "> " << kSyntheticNotice << ".\n\n";
  os << "Quality = retained l2 energy of the weight matrices. (i) rate at equal quality: the "
        "largest rate at which the scheme keeps at least the energy the paper's CSB projection "
        "keeps at the reference rate (bisection). (ii) quality at the reference rate.\n\n";
  os << "| Model | Technique | Rate at equal quality | Improvement | Energy @ ref. rate | "
        "Rel. error @ ref. rate | Index/value bits @ ref. rate |\n";
  os << "|---|---|---|---|---|---|---|\n";
  for (const auto& m : c.models) {
    double weakest = 0;
    for (const auto& s : m.schemes)
      if (weakest == 0 || s.rate_at_quality < weakest) weakest = s.rate_at_quality;
    for (const auto& s : m.schemes) {
      os << "| " << m.spec.name << " (ref " << f("%g", m.rate) << "x) | " << method_name(s.method)
         << " | " << (s.capped ? ">=" : "") << f("%.2f", s.rate_at_quality) << "x | "
         << f("%.2f", s.rate_at_quality / weakest) << "x | " << f("%.4f", s.retained_energy)
         << " | " << f("%.4f", s.rel_error) << " | " << f("%.1f%%", 100 * s.index_ratio) << " |\n";
    }
  }
  os << "\nImprovement = rate at equal quality / the weakest scheme's rate on the same model.\n";
  for (const auto& m : c.models) {
    for (const auto& n : m.subsample_notes) os << "\n- " << m.spec.name << " " << n;
    for (const auto& n : m.block_notes) os << "\n- " << m.spec.name << " " << n;
    if (!m.spec.notes.empty()) os << "\n- " << m.spec.name << ": " << m.spec.notes;
    os << "\n- " << m.spec.name << ": reference rate " << f("%g", m.rate) << "x from "
       << (m.spec.paper_rate_source.empty() ? "--rate" : m.spec.paper_rate_source)
       << "; reference energy " << f("%.5f", m.reference_energy) << "; " << f("%.1f", m.seconds)
       << " s";
  }
  os << "\n";
  return os.str();
}

std::string comparison_csv(const Comparison& c) {
  std::ostringstream os;
  os << "# " << kSyntheticNotice << "\n";
  os << "model,method,reference_rate,reference_energy,rate_at_equal_quality,capped,"
        "retained_energy_at_reference,rel_error_at_reference,index_ratio_at_reference,"
        "subsampled\n";
  for (const auto& m : c.models)
    for (const auto& s : m.schemes)
      os << m.spec.name << "," << method_name(s.method) << "," << f("%g", m.rate) << ","
         << f("%.6f", m.reference_energy) << "," << f("%.4f", s.rate_at_quality) << ","
         << (s.capped ? 1 : 0) << "," << f("%.6f", s.retained_energy) << ","
         << f("%.6f", s.rel_error) << "," << f("%.6f", s.index_ratio) << ","
         << (m.subsample_notes.empty() ? 0 : 1) << "\n";
  return os.str();
}

}  // namespace csbrnn
