// `csbrnn reference`: runs the float (PyTorch-exact) or the fixed-point
// (bit-exact machine) reference RNN on an input sequence, or measures the
// fixed-point error (--measure-error).
#include <cmath>
#include <filesystem>
#include <iostream>
#include <optional>

#include "cli/command.h"
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

int run_measure(const po::variables_map& vm) {
  const int steps = vm["steps"].as<int>();
  const int seeds = vm["seeds"].as<int>();
  if (steps < 1 || steps > 100000) fail("--steps: must be in 1..100000 (got ", steps, ")");
  if (seeds < 1 || seeds > 1000) fail("--seeds: must be in 1..1000 (got ", seeds, ")");
  std::cout << "fixed-point vs float reference, T = " << steps << ", " << seeds
            << " random model(s) per row (weights and biases ~ U(-s/sqrt(H), "
               "s/sqrt(H)), "
               "inputs ~ N(0,1))\n\n";
  std::cout << error_table_markdown(measure_error_table(default_error_cases(), steps, seeds));
  std::cout << "\nPWL activations vs exact, all 65536 int16 inputs:\n\n"
            << activation_table_markdown({8, 10, 11, 12, 13, 14});
  return 0;
}

int run(const std::vector<std::string>& args) {
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
    return 0;
  if (vm["measure-error"].as<bool>()) return run_measure(vm);

  for (const char* req : {"model", "input", "output"})
    if (!vm.count(req))
      fail("csbrnn reference: --", req, " is required (see 'csbrnn reference --help')");
  const bool fixed = vm["fixed-point"].as<bool>();
  if (vm.count("output-int16") && !fixed)
    fail("csbrnn reference: --output-int16 needs --fixed-point");
  const HwConfig hw = hw_from_options(vm);

  const std::string model_path = vm["model"].as<std::string>();
  const std::string input_path = vm["input"].as<std::string>();
  const RnnModel m = load_any_model(model_path, vm["cell"].as<std::string>());
  const Matrix x = load_matrix(input_path, "(T, input_size)");
  validate_input(m, x, input_path);

  RnnInitialState init;
  if (vm.count("h0")) {
    const std::string p = vm["h0"].as<std::string>();
    init.h0 =
        initial_state_from_matrices(m, load_matrix(p, "(num_layers, state_size)"), Matrix(), p).h0;
  }
  if (vm.count("c0")) {
    const std::string p = vm["c0"].as<std::string>();
    init.c0 =
        initial_state_from_matrices(m, Matrix(), load_matrix(p, "(num_layers, hidden_size)"), p).c0;
  }

  const std::string out_path = vm["output"].as<std::string>();
  check_writable(out_path);
  if (vm.count("output-int16")) check_writable(vm["output-int16"].as<std::string>());
  const int T = x.rows, S = m.state_size();
  std::cout << "reference: " << cell_name(m.cell) << (m.proj_size ? "p" : "") << " "
            << m.num_layers() << " layer(s), input " << m.input_size << ", hidden "
            << m.hidden_size;
  if (m.proj_size) std::cout << ", proj " << m.proj_size;
  std::cout << ", T = " << T << "\n";
  const FloatRnnResult fl = run_float_rnn(m, x, init);
  if (!fixed) {
    save_matrix(out_path, T, S, fl.output.data, "<f4");
    std::cout << "float reference (double precision) -> " << out_path << " (" << T << " x " << S
              << ")\n";
    return 0;
  }
  const fx::Format f = hw.numeric;
  const FixedRnnResult fi = run_fixed_rnn(m, x, f, init);
  save_matrix(out_path, T, S, fi.output_float.data, "<f4");
  // The resolved configuration the fixed-point result depends on, saved beside it.
  write_file_atomic(out_path + ".hw.yaml", hw_config_to_yaml(hw));
  if (vm.count("output-int16")) {
    const std::string p16 = vm["output-int16"].as<std::string>();
    save_matrix(p16, T, S, std::vector<float>(fi.output.begin(), fi.output.end()), "<i2");
    std::cout << "int16 output (" << f.af << " fractional bits) -> " << p16 << "\n";
  }
  double max_err = 0.0;
  for (size_t i = 0; i < fl.output_d.size(); ++i)
    max_err = std::max(max_err, std::fabs(fx::dequantize(fi.output[i], f.af) - fl.output_d[i]));
  std::cout << "fixed-point reference (weights Q." << f.wf << ", activations Q." << f.af << ") -> "
            << out_path << " (" << T << " x " << S << "); max |fixed - float| = " << max_err
            << "; config -> " << out_path << ".hw.yaml\n";
  return 0;
}

CommandRegistrar reg({"reference",
                      "run the float or bit-exact fixed-point reference RNN on "
                      "an input sequence",
                      run});

}  // namespace
}  // namespace csbrnn::cli
