// The pybind11 module `_csbrnn`: the C++ flow bound for Python (the package python/csbrnn wraps
// it; docs/python.md). Nothing here re-implements a stage: each function converts numpy arrays to
// the library's types, calls the library and converts back.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <systemc>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/strings.h"
#include "compile/compiler.h"
#include "config/config_loader.h"
#include "io/weights.h"
#include "isa/program_io.h"
#include "model/csb.h"
#include "model/csb_file.h"
#include "prune/permute.h"
#include "prune/prune.h"
#include "reference/fixed_rnn.h"
#include "reference/float_rnn.h"
#include "sim/report.h"
#include "sim/simulator.h"
#include "sim/top.h"

namespace py = pybind11;
using namespace csbrnn;

// libsystemc.so refers to sc_main; the module provides it. It runs the body set by
// simulate_files below (entered through sc_elab_and_sim, like the CLI's main).
namespace {
std::function<int()> g_sc_body;
}
__attribute__((visibility("default"))) int sc_main(int, char**) {
  return g_sc_body ? g_sc_body() : 1;
}

namespace {

using F32 = py::array_t<float, py::array::c_style | py::array::forcecast>;

Matrix to_matrix(const F32& a, const std::string& what) {
  if (a.ndim() != 2) fail(what, ": expected a 2-d array, got ", a.ndim(), " dims");
  Matrix m(int(a.shape(0)), int(a.shape(1)));
  std::copy(a.data(), a.data() + a.size(), m.data.begin());
  return m;
}

py::array_t<float> from_matrix(const Matrix& m) {
  py::array_t<float> a({py::ssize_t(m.rows), py::ssize_t(m.cols)});
  std::copy(m.data.begin(), m.data.end(), a.mutable_data());
  return a;
}

std::map<std::string, Tensor> to_tensors(const std::map<std::string, F32>& sd) {
  std::map<std::string, Tensor> t;
  for (const auto& [name, a] : sd) {
    Tensor x;
    for (py::ssize_t d = 0; d < a.ndim(); ++d) x.shape.push_back(a.shape(d));
    x.data.assign(a.data(), a.data() + a.size());
    x.source_dtype = "<f4";
    t[name] = std::move(x);
  }
  return t;
}

py::dict from_tensors(const std::map<std::string, Tensor>& t) {
  py::dict d;
  for (const auto& [name, x] : t) {
    std::vector<py::ssize_t> shape(x.shape.begin(), x.shape.end());
    py::array_t<float> a(shape);
    std::copy(x.data.begin(), x.data.end(), a.mutable_data());
    d[py::str(name)] = a;
  }
  return d;
}

std::optional<CellType> parse_cell(const std::string& c) {
  if (c.empty()) return std::nullopt;
  if (c == "lstm") return CellType::LSTM;
  if (c == "gru") return CellType::GRU;
  fail("cell: expected 'lstm', 'gru' or '', got '", c, "'");
}

PruneParams make_params(const std::string& method, double rate, int bh, int bw, int banks,
                        int refine, std::pair<int, int> tile) {
  PruneParams p;
  p.tile = {tile.first, tile.second};
  p.method = parse_method(method);
  p.rate = rate;
  p.block = {bh, bw};
  p.banks = banks;
  p.refine_iters = refine;
  return p;
}

/// One matrix through the method's projection (prune_matrix, as `csbrnn prune` prunes each
/// matrix): the pruned matrix and its keep-mask.
std::pair<py::array_t<float>, py::array_t<uint8_t>> project(const F32& w, const std::string& method,
                                                            double rate, int bh, int bw, int banks,
                                                            int refine, const std::string& what,
                                                            std::pair<int, int> tile) {
  Matrix m = to_matrix(w, what);
  const PruneParams p = make_params(method, rate, bh, bw, banks, refine, tile);
  const MatrixPrune r = prune_matrix(m, p, what);
  apply_mask(m, r.keep);
  py::array_t<uint8_t> keep({py::ssize_t(m.rows), py::ssize_t(m.cols)});
  std::copy(r.keep.begin(), r.keep.end(), keep.mutable_data());
  return {from_matrix(m), keep};
}

/// A whole state_dict through prune_model (what `csbrnn prune` does): the pruned state_dict and,
/// for a CSB method, the CSB model (-o).
std::pair<py::dict, std::optional<CsbModel>> prune_state_dict(
    const std::map<std::string, F32>& sd, const std::string& method, double rate, int bh, int bw,
    const std::map<std::string, double>& rate_for,
    const std::map<std::string, std::pair<int, int>>& block_for, int banks, int refine,
    const std::string& cell, const std::string& note, const std::string& permute,
    std::pair<int, int> tile) {
  RnnModel m = model_from_state_dict(to_tensors(sd), "state_dict", parse_cell(cell));
  ModelPruneOptions o;
  o.base = make_params(method, rate, bh, bw, banks, refine, tile);
  o.rate_for = rate_for;
  for (const auto& [name, b] : block_for) o.block_for[name] = {b.first, b.second};
  // As `csbrnn prune --permute`: the CSB model is the permuted one (it carries its output
  // order); the pruned state_dict goes back to the original unit order (as --export-dense).
  std::optional<BalanceResult> bal;
  if (parse_permute_mode(permute, "permute") == PermuteMode::Balance) {
    bal = balance_permutation(m, o);
    m = permute_model(m, bal->perm);
  }
  const ModelPrune mp = prune_model(m, o);
  std::optional<CsbModel> cm;
  if (is_csb_method(o.base.method)) {
    cm = pruned_to_csb_model(mp, note);
    validate_csb_model(*cm, "state_dict");
  }
  const RnnModel out = bal ? permute_model(mp.pruned, inverse_permutation(bal->perm)) : mp.pruned;
  return {from_tensors(model_to_state_dict(out)), cm};
}

HwConfig hw_of(const std::string& path, const std::vector<std::string>& sets) {
  return load_hw_config(path, sets);
}

Matrix sequence(const F32& x, int input_size, const std::string& what) {
  Matrix m = to_matrix(x, what);
  if (m.cols != input_size)
    fail(what, ": expected shape (T, ", input_size, "), got (", m.rows, ", ", m.cols, ")");
  if (m.rows <= 0) fail(what, ": empty sequence");
  return m;
}

/// The float or the bit-exact fixed-point reference RNN on one sequence (T x input_size).
py::array_t<float> reference(const CsbModel& cm, const F32& x, bool fixed_point,
                             const std::string& hw, const std::vector<std::string>& sets) {
  const RnnModel dense = csb_model_to_dense(cm);
  const Matrix xm = sequence(x, dense.input_size, "x");
  if (!fixed_point) return from_matrix(run_float_rnn(dense, xm).output);
  const fx::Format f = hw_of(hw, sets).numeric;
  return from_matrix(run_fixed_rnn(dense, xm, f).output_float);
}

/// Simulates every sequence of `xs` as one job of one elaboration (SystemC: once per process).
/// Files in, results out: program .bin, resolved hw YAML, and optionally the .csb model the
/// outputs are checked against bit for bit (fixed-point reference). Returns per sequence the
/// dequantized outputs and the stats JSON text (stats.json of `csbrnn simulate`).
std::pair<std::vector<py::array_t<float>>, std::vector<std::string>> simulate_files(
    const std::string& program_path, const std::string& hw_path, const std::string& model_path,
    const std::vector<F32>& xs) {
  const Program prog = load_program(program_path);
  const HwConfig hw = load_hw_config(hw_path, {});
  sim::check_program_matches(prog, hw, program_path);
  std::optional<RnnModel> dense;
  if (!model_path.empty()) dense = csb_model_to_dense(load_csb_model(model_path));
  std::vector<Matrix> xm;
  std::vector<sim::SimJob> jobs(xs.size());
  for (size_t i = 0; i < xs.size(); ++i) {
    xm.push_back(sequence(xs[i], prog.input_size, cat("x[", i, "]")));
    jobs[i].prog = &prog;
    jobs[i].origin = program_path;
    jobs[i].x = quantize_input(xm[i], prog.fmt);
    jobs[i].steps = xm[i].rows;
  }
  std::string error;
  g_sc_body = [&]() {
    try {
      sim::SimOptions so;
      sim::simulate_jobs(hw, jobs, so);
    } catch (const std::exception& e) {
      error = e.what();
    }
    return 0;
  };
  ::setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
  char arg0[] = "csbrnn-python";
  char* argv[] = {arg0, nullptr};
  sc_core::sc_elab_and_sim(1, argv);
  g_sc_body = nullptr;
  if (!error.empty()) fail(error);
  std::vector<py::array_t<float>> ys;
  std::vector<std::string> stats;
  const timing::TimingReport analytic = sim::analytic_for(prog, hw);
  for (size_t i = 0; i < jobs.size(); ++i) {
    const sim::SimJob& job = jobs[i];
    sim::RunInfo info;
    info.program = program_path;
    info.steps = job.steps;
    info.check = "skipped";
    if (dense) {
      info.check = "fixed-point reference (reference/fixed_rnn.h)";
      const std::vector<int16_t> want = run_fixed_rnn(*dense, xm[i], prog.fmt).output;
      if (want != job.y)
        fail("x[", i, "]: simulated outputs differ from the fixed-point reference");
      info.check_passed = true;
    }
    Matrix y(job.steps, prog.output_size);
    for (size_t t = 0; t < job.y.size(); ++t)
      y.data[t] = float(fx::dequantize(job.y[t], prog.fmt.af));
    ys.push_back(from_matrix(y));
    const sim::Comparison cmp = sim::compare(job.stats, analytic, hw);
    stats.push_back(sim::stats_json(job.stats, analytic, cmp, hw, info).dump());
  }
  return {ys, stats};
}

}  // namespace

PYBIND11_MODULE(_csbrnn, m) {
  m.doc() = "csbrnn's C++ flow (prune, .csb, compile, simulate), bound with pybind11";
  py::register_exception<Error>(m, "Error", PyExc_ValueError);

  m.def(
      "methods",
      [] {
        std::vector<std::tuple<std::string, bool, bool, std::string>> v;
        for (const PruneMethod* pm : all_methods())
          v.emplace_back(pm->name(), pm->is_csb(), pm->uses_rate(), pm->description());
        return v;
      },
      "Every pruning method of the registry: (name, is_csb, uses_rate, description).");
  m.def("project", &project, py::arg("w"), py::arg("method"), py::arg("rate"), py::arg("bh"),
        py::arg("bw"), py::arg("banks"), py::arg("refine"), py::arg("what") = "w",
        py::arg("tile") = std::pair<int, int>(4, 4));
  m.def("prune_state_dict", &prune_state_dict, py::arg("state_dict"), py::arg("method"),
        py::arg("rate"), py::arg("bh"), py::arg("bw"), py::arg("rate_for"), py::arg("block_for"),
        py::arg("banks"), py::arg("refine"), py::arg("cell"), py::arg("note"),
        py::arg("permute") = "none", py::arg("tile") = std::pair<int, int>(4, 4));

  py::class_<CsbModel>(m, "CsbModel", "A CSB model (the .csb container's content).")
      .def_property_readonly("cell",
                             [](const CsbModel& c) { return std::string(cell_name(c.cell)); })
      .def_readonly("input_size", &CsbModel::input_size)
      .def_readonly("hidden_size", &CsbModel::hidden_size)
      .def_readonly("proj_size", &CsbModel::proj_size)
      .def_readonly("note", &CsbModel::note)
      .def_readonly("output_perm", &CsbModel::output_perm)
      .def_property_readonly("num_layers", &CsbModel::num_layers)
      .def_property_readonly("state_size", &CsbModel::state_size)
      .def("save", [](const CsbModel& c, const std::string& path) { save_csb_model(path, c); })
      .def("state_dict",
           [](const CsbModel& c) {
             return from_tensors(model_to_state_dict(csb_model_to_dense(c)));
           })
      .def("__repr__", [](const CsbModel& c) {
        return cat("<csbrnn.CsbModel ", cell_name(c.cell), " layers=", c.num_layers(),
                   " input=", c.input_size, " hidden=", c.hidden_size, " proj=", c.proj_size, ">");
      });
  m.def("load_csb", &load_csb_model, py::arg("path"));

  py::class_<Program>(m, "Program", "A compiled program (docs/isa.md).")
      .def_readonly("input_size", &Program::input_size)
      .def_readonly("output_size", &Program::output_size)
      .def("save", [](const Program& p, const std::string& path) { save_program(path, p); });
  m.def("load_program", &load_program, py::arg("path"));
  m.def(
      "compile",
      [](const CsbModel& cm, const std::string& hw, const std::vector<std::string>& sets) {
        CompileOptions co;
        co.origin = "csbrnn.compile";
        return compile_program(cm, hw_of(hw, sets), co);
      },
      py::arg("model"), py::arg("hw"), py::arg("sets"));
  m.def(
      "hw_yaml",
      [](const std::string& hw, const std::vector<std::string>& sets) {
        return hw_config_to_yaml(hw_of(hw, sets));
      },
      py::arg("hw"), py::arg("sets"), "The resolved hardware config as YAML.");
  m.def("reference", &reference, py::arg("model"), py::arg("x"), py::arg("fixed_point"),
        py::arg("hw"), py::arg("sets"));
  m.def("simulate_files", &simulate_files, py::arg("program"), py::arg("hw"), py::arg("model"),
        py::arg("xs"));
}
