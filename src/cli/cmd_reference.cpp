#include "cli/cmd_reference.h"

#include <cmath>
#include <filesystem>
#include <iostream>

#include "cli/options.h"
#include "common/error.h"
#include "common/file_util.h"
#include "config/config_loader.h"
#include "io/npy.h"
#include "io/weights.h"
#include "model/csb.h"
#include "model/csb_file.h"
#include "reference/error_measure.h"
#include "reference/fixed_rnn.h"
#include "reference/float_rnn.h"

namespace csbrnn::cli {
namespace {

RnnModel load_any_model(const std::string& path, const std::string& cell) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(path, ec) && is_csb_file(path)) {
    RnnModel m = csb_model_to_dense(load_csb_model(path));
    validate_model(m, path);
    return m;
  }
  std::optional<CellType> force;
  if (cell == "lstm")
    force = CellType::LSTM;
  else if (cell == "gru")
    force = CellType::GRU;
  else if (!cell.empty())
    fail("--cell: unknown cell type '", cell, "' (lstm or gru)");
  return load_weights(path, force);
}

/// Loads a rank-2 float array as a Matrix; `what` describes the expected layout
/// for errors.
Matrix load_matrix(const std::string& path, const std::string& what) {
  const Tensor t = load_npy(path);
  if (t.dims() != 2)
    fail(path, ": expected a 2-D array ", what, ", got ", t.dims(), " dimension(s)");
  Matrix m(int(t.shape[0]), int(t.shape[1]));
  m.data = t.data;
  for (size_t i = 0; i < m.data.size(); ++i)
    if (!std::isfinite(m.data[i])) fail(path, ": contains NaN or Inf at element ", i);
  return m;
}

void save_matrix(const std::string& path, int rows, int cols, const std::vector<float>& data,
                 const std::string& dtype) {
  Tensor t;
  t.shape = {rows, cols};
  t.data = data;
  t.source_dtype = dtype;
  save_npy(path, t, dtype);
}

int run_measure(const ReferenceCmdOptions& o) {
  std::cout << "fixed-point vs float reference, T = " << o.steps << ", " << o.seeds
            << " random model(s) per row (weights and biases ~ U(-s/sqrt(H), "
               "s/sqrt(H)), "
               "inputs ~ N(0,1))\n\n";
  std::cout << error_table_markdown(measure_error_table(default_error_cases(), o.steps, o.seeds));
  std::cout << "\nPWL activations vs exact, all 65536 int16 inputs:\n\n"
            << activation_table_markdown({8, 10, 11, 12, 13, 14});
  return 0;
}

/// --h0 / --c0, each (num_layers, state size) resp. (num_layers, hidden_size).
RnnInitialState load_initial_state(const ReferenceCmdOptions& o, const RnnModel& m) {
  RnnInitialState init;
  if (o.h0) {
    const std::string& p = *o.h0;
    init.h0 =
        initial_state_from_matrices(m, load_matrix(p, "(num_layers, state_size)"), Matrix(), p).h0;
  }
  if (o.c0) {
    const std::string& p = *o.c0;
    init.c0 =
        initial_state_from_matrices(m, Matrix(), load_matrix(p, "(num_layers, hidden_size)"), p).c0;
  }
  return init;
}

void print_model_line(const RnnModel& m, int T) {
  std::cout << "reference: " << cell_name(m.cell) << (m.proj_size ? "p" : "") << " "
            << m.num_layers() << " layer(s), input " << m.input_size << ", hidden "
            << m.hidden_size;
  if (m.proj_size) std::cout << ", proj " << m.proj_size;
  std::cout << ", T = " << T << "\n";
}

/// The fixed-point run: Y.npy (dequantized), the resolved config beside it, --output-int16, and
/// the error against the float result `fl`.
void run_fixed(const ReferenceCmdOptions& o, const RnnModel& m, const Matrix& x,
               const RnnInitialState& init, const FloatRnnResult& fl) {
  const std::string& out_path = o.output;
  const int T = x.rows, S = m.state_size();
  const fx::Format f = o.hw.numeric;
  const FixedRnnResult fi = run_fixed_rnn(m, x, f, init);
  save_matrix(out_path, T, S, fi.output_float.data, "<f4");
  // The resolved configuration the fixed-point result depends on, saved beside it.
  write_file_atomic(out_path + ".hw.yaml", hw_config_to_yaml(o.hw));
  if (o.output_int16) {
    const std::string& p16 = *o.output_int16;
    save_matrix(p16, T, S, std::vector<float>(fi.output.begin(), fi.output.end()), "<i2");
    std::cout << "int16 output (" << f.af << " fractional bits) -> " << p16 << "\n";
  }
  double max_err = 0.0;
  for (size_t i = 0; i < fl.output_d.size(); ++i)
    max_err = std::max(max_err, std::fabs(fx::dequantize(fi.output[i], f.af) - fl.output_d[i]));
  std::cout << "fixed-point reference (weights Q." << f.wf << ", activations Q." << f.af << ") -> "
            << out_path << " (" << T << " x " << S << "); max |fixed - float| = " << max_err
            << "; config -> " << out_path << ".hw.yaml\n";
}

}  // namespace

std::optional<ReferenceCmdOptions> parse_reference(const Args& args) {
  po::options_description desc("options");
  desc.add_options()("model", po::value<std::string>(),
                     "weights (.npz or folder of .npy, state_dict names) or a .csb model")(
      "input", po::value<std::string>(), "input sequence X.npy, shape (T, input_size)")(
      "output", po::value<std::string>(), "output sequence Y.npy, shape (T, state_size), float32")(
      "fixed-point", po::bool_switch(),
      "run the bit-exact fixed-point machine (format from --hw/--set "
      "numeric.*)")("output-int16", po::value<std::string>(),
                    "with --fixed-point: also save the raw int16 output")(
      "h0", po::value<std::string>(),
      "initial hidden state H0.npy, shape (num_layers, state_size)")(
      "c0", po::value<std::string>(),
      "initial cell state C0.npy, shape (num_layers, hidden_size) (LSTM)")(
      "cell", po::value<std::string>()->default_value(""),
      "force the cell type of a weights file: lstm or gru")(
      "measure-error", po::bool_switch(),
      "print the fixed-point vs float error table on random models")(
      "steps", po::value<int>()->default_value(50), "--measure-error: timesteps per sequence")(
      "seeds", po::value<int>()->default_value(3), "--measure-error: random models per row");
  add_hw_options(desc);
  po::variables_map vm;
  if (!parse_args("reference",
                  "--model W.npz --input X.npy --output Y.npy [--fixed-point] [--hw "
                  "HW.yaml] "
                  "[--set k=v] [--h0 H0.npy] [--c0 C0.npy] [--output-int16 Y16.npy]\n"
                  "       csbrnn reference --measure-error [--steps 50] [--seeds 3]",
                  args, desc, {}, vm))
    return std::nullopt;
  ReferenceCmdOptions o;
  if (vm["measure-error"].as<bool>()) {
    o.measure_error = true;
    o.steps = vm["steps"].as<int>();
    o.seeds = vm["seeds"].as<int>();
    if (o.steps < 1 || o.steps > 100000) fail("--steps: must be in 1..100000 (got ", o.steps, ")");
    if (o.seeds < 1 || o.seeds > 1000) fail("--seeds: must be in 1..1000 (got ", o.seeds, ")");
    return o;
  }
  for (const char* req : {"model", "input", "output"})
    if (!vm.count(req))
      fail("csbrnn reference: --", req, " is required (see 'csbrnn reference --help')");
  o.fixed_point = vm["fixed-point"].as<bool>();
  if (vm.count("output-int16") && !o.fixed_point)
    fail("csbrnn reference: --output-int16 needs --fixed-point");
  o.hw = hw_from_options(vm);
  o.model = vm["model"].as<std::string>();
  o.input = vm["input"].as<std::string>();
  o.cell = vm["cell"].as<std::string>();
  if (vm.count("h0")) o.h0 = vm["h0"].as<std::string>();
  if (vm.count("c0")) o.c0 = vm["c0"].as<std::string>();
  o.output = vm["output"].as<std::string>();
  if (vm.count("output-int16")) o.output_int16 = vm["output-int16"].as<std::string>();
  return o;
}

int run_reference(const ReferenceCmdOptions& o) {
  if (o.measure_error) return run_measure(o);
  const RnnModel m = load_any_model(o.model, o.cell);
  const Matrix x = load_matrix(o.input, "(T, input_size)");
  validate_input(m, x, o.input);
  const RnnInitialState init = load_initial_state(o, m);
  // Checked once the inputs are known to be good, as always (an input error wins).
  check_writable(o.output);
  if (o.output_int16) check_writable(*o.output_int16);

  const int T = x.rows, S = m.state_size();
  print_model_line(m, T);
  const FloatRnnResult fl = run_float_rnn(m, x, init);
  if (o.fixed_point) {
    run_fixed(o, m, x, init, fl);
    return 0;
  }
  save_matrix(o.output, T, S, fl.output.data, "<f4");
  std::cout << "float reference (double precision) -> " << o.output << " (" << T << " x " << S
            << ")\n";
  return 0;
}

}  // namespace csbrnn::cli
