// The float reference RNN: PyTorch's nn.LSTM (incl. proj_size) and nn.GRU equations, computed in
// double. This is the model the fixed-point oracle (fixed_rnn.h) is measured against, and it is
// checked against real PyTorch outputs (tests/fixtures/reference/).
//
// LSTM (gate rows [i; f; g; o]):
//   i = sigma(W_ii x + b_ii + W_hi h + b_hi)   (f, o likewise),  g = tanh(W_ig x + ... )
//   c' = f*c + i*g ;  m = o * tanh(c') ;  h' = m, or h' = W_hr m with proj_size > 0
// GRU (gate rows [r; z; n]):
//   r = sigma(W_ir x + b_ir + W_hr h + b_hr),  z likewise
//   n = tanh(W_in x + b_in + r * (W_hn h + b_hn)) ;  h' = (1-z)*n + z*h
// Layer k+1's input sequence is layer k's output sequence (h').
#pragma once
#include <string>
#include <vector>

#include "model/matrix.h"
#include "model/rnn_model.h"

namespace csbrnn {

/// Initial state per layer. Empty vectors mean zeros. h0[k] has state_size() elements, c0[k]
/// (LSTM only) hidden_size elements. PyTorch's h_0 (L, state) / c_0 (L, H) unbatched layout.
struct RnnInitialState {
  std::vector<std::vector<float>> h0;  // empty or num_layers entries
  std::vector<std::vector<float>> c0;  // empty or num_layers entries (LSTM only)
};

/// Builds an RnnInitialState from PyTorch-layout matrices (L x state, L x H); either may be
/// empty (zeros). Throws Error naming `origin` on a shape mismatch or a non-finite value.
RnnInitialState initial_state_from_matrices(const RnnModel& m, const Matrix& h0, const Matrix& c0,
                                            const std::string& origin);

/// Throws Error("<origin>: ...") unless the initial state matches the model.
void validate_initial_state(const RnnModel& m, const RnnInitialState& s, const std::string& origin);
/// Throws Error("<origin>: ...") unless x is T x input_size (T >= 1), all finite.
void validate_input(const RnnModel& m, const Matrix& x, const std::string& origin);

struct FloatRnnResult {
  Matrix output;                         // T x state_size (last layer's h'), as float
  std::vector<double> output_d;          // the same, in double, row-major
  std::vector<std::vector<double>> h_n;  // per layer, state_size
  std::vector<std::vector<double>> c_n;  // per layer, hidden_size (LSTM only; empty for GRU)
};

/// Runs the model on x (T x input_size). The model is validated first (validate_model).
FloatRnnResult run_float_rnn(const RnnModel& m, const Matrix& x,
                             const RnnInitialState& init = RnnInitialState{});

}  // namespace csbrnn
