// The fixed-point reference RNN: the bit-exact oracle of the machine. Every number it produces
// comes from the operations of numeric/fixed_point.h in the exact order docs/numerics.md
// ("Normative operation order") defines; the compiler's interpreter and the SystemC simulator
// must reproduce its int16 results bit for bit.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model/matrix.h"
#include "model/rnn_model.h"
#include "numeric/fixed_point.h"
#include "reference/float_rnn.h"

namespace csbrnn {

/// One layer's weights in machine form. Matrices are row-major int16 at wf fractional bits,
/// same shapes as the float LayerWeights. Biases are at accumulator precision (wf+af).
struct QuantizedLayer {
  int in = 0;                 // input width of this layer
  std::vector<int16_t> w_ih;  // G*H x in
  std::vector<int16_t> w_hh;  // G*H x state
  std::vector<int16_t> w_hr;  // P x H (LSTMP only)
  /// G*H entries. LSTM rows and GRU r,z rows: quantize_acc(b_ih + b_hh). GRU n rows:
  /// quantize_acc(b_in) only. All zero without bias.
  std::vector<int64_t> bias;
  /// GRU only, H entries: quantize_acc(b_hn) (enters the W_hn h sum, before r multiplies it).
  std::vector<int64_t> bias_hn;
};

struct QuantizedModel {
  CellType cell = CellType::LSTM;
  int input_size = 0, hidden_size = 0, proj_size = 0;
  fx::Format format;
  std::vector<QuantizedLayer> layers;
  std::vector<uint32_t> output_perm;  // RnnModel::output_perm (empty = identity)

  int num_layers() const { return static_cast<int>(layers.size()); }
  int state_size() const { return proj_size > 0 ? proj_size : hidden_size; }
};

/// Quantizes weights (wf) and biases (wf+af). Validates the model and the format (frac bits
/// 1..15), and throws Error when some MVM row could overflow the 48-bit accumulator: the bound
/// sum_j |w_q[r][j]| * 32768 + |bias_q[r]| must be <= 2^47 - 1 for every row of every MVM.
QuantizedModel quantize_model(const RnnModel& m, const fx::Format& f);

/// The largest possible |accumulator| over all rows of all MVMs of `q` (the bound above).
int64_t accumulator_bound(const QuantizedModel& q);

/// Intermediate vectors of one layer at one timestep, all int16 at af fractional bits.
struct FixedLayerStep {
  std::vector<int16_t> x;      // layer input x_t (quantized input, or the previous layer's h')
  std::vector<int16_t> pre;    // LSTM: 4H pre-activations [i;f;g;o]. GRU: [pre_r; pre_z; gi_n]
  std::vector<int16_t> gh_n;   // GRU: writeback(W_hn h + b_hn), H entries. LSTM: empty
  std::vector<int16_t> gates;  // LSTM: [i;f;g;o] after sigmoid/tanh. GRU: [r;z;n]
  std::vector<int16_t> c;      // LSTM: c' (H). GRU: empty
  std::vector<int16_t> m;      // LSTM: o*tanh(c') (H). GRU: empty
  std::vector<int16_t> h;      // h' (state_size)
};

struct FixedRnnOptions {
  bool keep_trace = false;  // fill FixedRnnResult::trace
};

struct FixedRnnResult {
  fx::Format format;
  int steps = 0, state_size = 0;
  std::vector<int16_t> output;                     // T x state_size, row-major, af frac bits
  Matrix output_float;                             // the same, dequantized
  std::vector<std::vector<int16_t>> h_n;           // per layer, state_size
  std::vector<std::vector<int16_t>> c_n;           // per layer, hidden_size (LSTM only)
  std::vector<std::vector<FixedLayerStep>> trace;  // [t][layer] when keep_trace

  int16_t out(int t, int j) const { return output[size_t(t) * size_t(state_size) + size_t(j)]; }
};

/// x (T x input_size) -> int16 at af bits (fx::quantize), row-major.
std::vector<int16_t> quantize_input(const Matrix& x, const fx::Format& f);

/// Runs the quantized machine on already-quantized data: x_q is T x input_size row-major;
/// h0_q / c0_q are per layer (empty = zeros). This is the entry point a simulator comparison
/// uses when it feeds the same int16 inputs.
FixedRnnResult run_fixed_rnn(const QuantizedModel& q, const std::vector<int16_t>& x_q, int steps,
                             const std::vector<std::vector<int16_t>>& h0_q = {},
                             const std::vector<std::vector<int16_t>>& c0_q = {},
                             const FixedRnnOptions& opt = FixedRnnOptions{});

/// Float model and input: quantizes the model, the input and the initial state (af bits), then
/// runs the machine.
FixedRnnResult run_fixed_rnn(const RnnModel& m, const Matrix& x, const fx::Format& f,
                             const RnnInitialState& init = RnnInitialState{},
                             const FixedRnnOptions& opt = FixedRnnOptions{});

}  // namespace csbrnn
