#include "model/rnn_model.h"

#include <cmath>

#include "common/error.h"

namespace csbrnn {

std::string param_name(const std::string& kind, int layer) {
  return kind + "_l" + std::to_string(layer);
}

namespace {

void check_shape(const Matrix& m, int rows, int cols, const std::string& origin,
                 const std::string& name) {
  if (m.rows != rows || m.cols != cols)
    fail(origin, ": ", name, " has shape (", m.rows, ", ", m.cols, "), expected (", rows, ", ",
         cols, ")");
  for (float v : m.data)
    if (!std::isfinite(v)) fail(origin, ": ", name, " contains NaN or Inf");
}

void check_vec(const std::vector<float>& v, int n, const std::string& origin,
               const std::string& name) {
  if (static_cast<int>(v.size()) != n)
    fail(origin, ": ", name, " has ", v.size(), " elements, expected ", n);
  for (float x : v)
    if (!std::isfinite(x)) fail(origin, ": ", name, " contains NaN or Inf");
}

}  // namespace

void validate_model(const RnnModel& m, const std::string& origin) {
  if (m.layers.empty()) fail(origin, ": model has no layers");
  if (m.input_size <= 0 || m.hidden_size <= 0)
    fail(origin, ": model sizes must be positive (input ", m.input_size, ", hidden ", m.hidden_size,
         ")");
  if (m.proj_size < 0 || (m.proj_size > 0 && m.cell != CellType::LSTM))
    fail(origin, ": proj_size is only valid for LSTM");
  if (m.proj_size > 0 && m.proj_size >= m.hidden_size)
    fail(origin, ": proj_size (", m.proj_size, ") must be < hidden_size (", m.hidden_size, ")");
  const int gh = gate_count(m.cell) * m.hidden_size;
  for (int k = 0; k < m.num_layers(); ++k) {
    const auto& L = m.layers[k];
    check_shape(L.w_ih, gh, m.layer_input_size(k), origin, param_name("weight_ih", k));
    check_shape(L.w_hh, gh, m.state_size(), origin, param_name("weight_hh", k));
    if (m.proj_size > 0)
      check_shape(L.w_hr, m.proj_size, m.hidden_size, origin, param_name("weight_hr", k));
    else if (!L.w_hr.empty())
      fail(origin, ": ", param_name("weight_hr", k), " present but the model has no projection");
    if (m.has_bias) {
      check_vec(L.b_ih, gh, origin, param_name("bias_ih", k));
      check_vec(L.b_hh, gh, origin, param_name("bias_hh", k));
    }
  }
  check_output_perm(m.output_perm, m.state_size(), origin);
}

void check_output_perm(const std::vector<uint32_t>& perm, int size, const std::string& origin) {
  if (perm.empty()) return;
  if (perm.size() != size_t(size))
    fail(origin, ": output permutation has ", perm.size(), " entries, expected ", size,
         " (the output size)");
  std::vector<uint8_t> seen(perm.size(), 0);
  for (size_t i = 0; i < perm.size(); ++i) {
    if (perm[i] >= perm.size())
      fail(origin, ": output permutation entry ", i, " is ", perm[i], ", outside 0..", size - 1);
    if (seen[perm[i]]++)
      fail(origin, ": output permutation is not a permutation (", perm[i], " appears twice)");
  }
}

}  // namespace csbrnn
