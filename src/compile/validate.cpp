#include "compile/validate.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "config/config_loader.h"

namespace csbrnn::compile {
namespace {

void check_block(const CsbMatrix& c, int i, int j, const std::string& origin,
                 const std::string& what) {
  const CsbBlock& b = c.block(i, j);
  const int rmax = std::min(c.bh, c.rows - i * c.bh), cmax = std::min(c.bw, c.cols - j * c.bw);
  for (size_t t = 0; t < b.rows.size(); ++t)
    if (b.rows[t] >= rmax || (t > 0 && b.rows[t] <= b.rows[t - 1]))
      fail(origin, ": ", what, " block (", i, ",", j, ") has a bad row index ", b.rows[t]);
  for (size_t t = 0; t < b.cols.size(); ++t)
    if (b.cols[t] >= cmax || (t > 0 && b.cols[t] <= b.cols[t - 1]))
      fail(origin, ": ", what, " block (", i, ",", j, ") has a bad column index ", b.cols[t]);
  if (b.values.size() != size_t(b.kr()) * b.kc())
    fail(origin, ": ", what, " block (", i, ",", j, ") has ", b.values.size(), " values for a ",
         b.kr(), "x", b.kc(), " kernel");
  for (float v : b.values)
    if (!std::isfinite(v))
      fail(origin, ": ", what, " block (", i, ",", j, ") holds a non-finite weight");
}

void check_matrix(const CsbMatrix& c, int rows, int cols, const std::string& origin,
                  const std::string& what) {
  if (c.rows != rows || c.cols != cols)
    fail(origin, ": ", what, " is ", c.rows, "x", c.cols, ", expected ", rows, "x", cols);
  if (c.bh <= 0 || c.bw <= 0) fail(origin, ": ", what, " has block size ", c.bh, "x", c.bw);
  if (c.blocks.size() != size_t(c.block_rows()) * c.block_cols())
    fail(origin, ": ", what, " has ", c.blocks.size(), " blocks, expected ",
         size_t(c.block_rows()) * c.block_cols());
  for (int i = 0; i < c.block_rows(); ++i)
    for (int j = 0; j < c.block_cols(); ++j) check_block(c, i, j, origin, what);
}

void check_block_fits(const CsbMatrix& c, const HwConfig& hw, const std::string& origin,
                      const std::string& what) {
  if (c.bh > hw.buffers.neuron_accum_buffer)
    fail(origin, ": ", what, " block height ", c.bh,
         " exceeds the NeuronAccumBuffer (buffers.neuron_accum_buffer = ",
         hw.buffers.neuron_accum_buffer, ")");
  if (c.bw > hw.buffers.block_neuron_buffer)
    fail(origin, ": ", what, " block width ", c.bw,
         " exceeds the BlockNeuronBuffer (buffers.block_neuron_buffer = ",
         hw.buffers.block_neuron_buffer, ")");
  // The buffers allow 65536 entries; the ISA's kernel sizes are 16-bit.
  if (c.bh > 65535 || c.bw > 65535) fail(origin, ": ", what, " block too large for the ISA");
}

void check_biases(const CsbModel& m, int k, const std::string& origin) {
  const CsbLayer& L = m.layers[k];
  const size_t n = size_t(gate_count(m.cell)) * m.hidden_size;
  if (L.b_ih.size() != n || L.b_hh.size() != n)
    fail(origin, ": layer ", k, " biases have ", L.b_ih.size(), " and ", L.b_hh.size(),
         " entries, expected ", n);
  for (float v : L.b_ih)
    if (!std::isfinite(v)) fail(origin, ": bias_ih_l", k, " holds a non-finite value");
  for (float v : L.b_hh)
    if (!std::isfinite(v)) fail(origin, ": bias_hh_l", k, " holds a non-finite value");
}

void check_layer(const CsbModel& m, int k, const HwConfig& hw, const std::string& origin) {
  const int GH = gate_count(m.cell) * m.hidden_size;
  const CsbLayer& L = m.layers[k];
  const std::string sk = std::to_string(k);
  check_matrix(L.w_ih, GH, m.layer_input_size(k), origin, "weight_ih_l" + sk);
  check_matrix(L.w_hh, GH, m.state_size(), origin, "weight_hh_l" + sk);
  if (L.w_ih.bh != L.w_hh.bh || L.w_ih.bw != L.w_hh.bw)
    fail(origin, ": layer ", k, " uses block ", L.w_ih.bh, "x", L.w_ih.bw, " for weight_ih and ",
         L.w_hh.bh, "x", L.w_hh.bw,
         " for weight_hh; the combined [W_ih | W_hh] MVM needs one block size");
  check_block_fits(L.w_ih, hw, origin, "weight_ih_l" + sk);
  if (m.proj_size > 0) {
    check_matrix(L.w_hr, m.proj_size, m.hidden_size, origin, "weight_hr_l" + sk);
    check_block_fits(L.w_hr, hw, origin, "weight_hr_l" + sk);
  } else if (L.w_hr.rows != 0) {
    fail(origin, ": layer ", k, " has weight_hr but the model has no projection");
  }
  if (m.has_bias) check_biases(m, k, origin);
}

}  // namespace

void validate(const CsbModel& m, const HwConfig& hw, const std::string& origin) {
  // The hardware's own ranges; nothing below repeats them.
  validate_hw_config(hw, origin + ": hardware config");
  if (m.num_layers() < 1) fail(origin, ": model has no layers");
  if (m.num_layers() > 65535) fail(origin, ": too many layers");
  if (m.input_size < 1 || m.hidden_size < 1 || m.proj_size < 0)
    fail(origin, ": bad model sizes (input ", m.input_size, ", hidden ", m.hidden_size, ", proj ",
         m.proj_size, ")");
  if (m.cell == CellType::GRU && m.proj_size > 0)
    fail(origin, ": GRU with a projection is not a PyTorch model");
  for (int k = 0; k < m.num_layers(); ++k) check_layer(m, k, hw, origin);
  const int H = m.hidden_size, cap = hw.buffers.vector_buffer;
  if (4 * H > cap || (m.proj_size > 0 && m.proj_size > cap))
    fail(origin, ": the Acc bank (buffers.vector_buffer = ", cap, " entries) cannot hold the ",
         4 * H, " gate accumulators of a layer");
}

}  // namespace csbrnn::compile
