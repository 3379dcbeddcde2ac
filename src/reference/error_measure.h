// Fixed-point vs float error measurement on random models (docs/numerics.md, "Measured error").
// Used by `csbrnn reference --measure-error` and by the tests that bound the error.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model/matrix.h"
#include "model/rnn_model.h"
#include "numeric/fixed_point.h"

namespace csbrnn {

/// Deterministic generator (splitmix64), identical on every platform and compiler.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : s_(seed) {}
  uint64_t next();
  double uniform();                      // [0, 1), 53 bits
  double uniform(double lo, double hi);  // [lo, hi)
  double normal();                       // N(0, 1), Box-Muller
 private:
  uint64_t s_;
};

/// A random model with every weight and bias ~ U(-a, a), a = scale / sqrt(hidden_size)
/// (scale 1 is PyTorch's nn.LSTM / nn.GRU initialization).
RnnModel random_rnn_model(CellType cell, int input_size, int hidden_size, int proj_size,
                          int num_layers, double scale, uint64_t seed);
/// T x n input with entries ~ N(0, 1).
Matrix random_input(int steps, int n, uint64_t seed);

struct ErrorStats {
  double max_abs = 0.0;   // max |fixed - float| over the whole output sequence
  double mean_abs = 0.0;  // mean |fixed - float|
  double max_ref = 0.0;   // max |float output| (scale of the signal)
};

/// Runs the float and the fixed-point reference on (m, x) and compares their outputs.
ErrorStats measure_fixed_error(const RnnModel& m, const Matrix& x, const fx::Format& f);

struct ErrorCase {
  std::string label;  // e.g. "lstm 64-128 L2"
  CellType cell = CellType::LSTM;
  int input_size = 0, hidden_size = 0, proj_size = 0, num_layers = 1;
  double scale = 1.0;  // weight range multiplier (1 = PyTorch init)
  fx::Format format;
};

struct ErrorRow {
  ErrorCase c;
  ErrorStats stats;  // worst max and average mean over the seeds
};

/// The documented sweep: LSTM / GRU / LSTMP, a few sizes, PyTorch-init and 4x larger weights,
/// formats 12/12, 10/12, 12/10, 14/11, 8/8.
std::vector<ErrorCase> default_error_cases();
/// Measures each case over `seeds` random models (seed 1..seeds), T steps each.
std::vector<ErrorRow> measure_error_table(const std::vector<ErrorCase>& cases, int steps,
                                          int seeds);
/// Exhaustive error of the PWL activations over all 65536 int16 inputs at `af` bits, against
/// std::tanh / the logistic function of the dequantized input.
struct ActivationError {
  int af = 0;
  double tanh_max = 0.0, sigmoid_max = 0.0;    // max abs error
  double tanh_mean = 0.0, sigmoid_mean = 0.0;  // mean abs error
  double tanh_max_in = 0.0;     // max abs error of tanh for |x| < 4 (inside the table)
  double sigmoid_max_in = 0.0;  // max abs error of sigmoid for |x| < 8 (inside the table)
};
ActivationError measure_activation_error(int af);
std::string activation_table_markdown(const std::vector<int>& afs);

/// Markdown table of the rows.
std::string error_table_markdown(const std::vector<ErrorRow>& rows);

}  // namespace csbrnn
