// The dense RNN model as PyTorch defines it (nn.LSTM incl. proj_size, nn.GRU), any layer count.
//
// Gate order follows PyTorch: LSTM rows of weight_ih/weight_hh are [i; f; g; o] (4H), GRU rows
// are [r; z; n] (3H). With proj_size P > 0 (LSTM only) the recurrent state is h in R^P,
// weight_hh is 4H x P, weight_hr is P x H, and layer k>0 takes input of size P.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "model/matrix.h"

namespace csbrnn {

enum class CellType { LSTM, GRU };

inline const char* cell_name(CellType c) {
  return c == CellType::LSTM ? "lstm" : "gru";
}
inline int gate_count(CellType c) {
  return c == CellType::LSTM ? 4 : 3;
}

struct LayerWeights {
  Matrix w_ih;              // G*H x in
  Matrix w_hh;              // G*H x (P or H)
  Matrix w_hr;              // P x H, empty unless proj_size > 0
  std::vector<float> b_ih;  // G*H, empty if the model has no bias
  std::vector<float> b_hh;  // G*H, empty if the model has no bias
};

struct RnnModel {
  CellType cell = CellType::LSTM;
  int input_size = 0;
  int hidden_size = 0;
  int proj_size = 0;  // 0 = no projection
  bool has_bias = true;
  std::vector<LayerWeights> layers;
  /// The last layer's output permutation (docs/pruning.md "Load-balance permutation"): empty =
  /// identity; else state_size entries, output_perm[i] = the ORIGINAL index of the model's
  /// output i. Every consumer of the final output (reference, machine read-out) writes its
  /// element i to position output_perm[i] (unpermute_output), so results come out in the order
  /// of the unpermuted model.
  std::vector<uint32_t> output_perm;

  int num_layers() const { return static_cast<int>(layers.size()); }
  /// Size of the recurrent state h (and of each layer's output).
  int state_size() const { return proj_size > 0 ? proj_size : hidden_size; }
  /// Input width of layer k.
  int layer_input_size(int k) const { return k == 0 ? input_size : state_size(); }
};

/// Canonical PyTorch state_dict names: "weight_ih_l0", "bias_hh_l1", "weight_hr_l0", ...
std::string param_name(const std::string& kind, int layer);

/// Checks every shape against the model's sizes; throws Error naming `origin` and the tensor.
void validate_model(const RnnModel& m, const std::string& origin);

/// Throws Error naming `origin` unless `perm` is empty (identity) or a bijection of 0..size-1.
void check_output_perm(const std::vector<uint32_t>& perm, int size, const std::string& origin);

/// Scatters `steps` rows of `size` entries in place: row[perm[i]] = old row[i]. An empty perm is
/// the identity (nothing happens). The one home of the output un-permutation.
template <class T>
void unpermute_output(const std::vector<uint32_t>& perm, T* data, size_t steps, size_t size) {
  if (perm.empty()) return;
  std::vector<T> row(size);
  for (size_t t = 0; t < steps; ++t) {
    T* r = data + t * size;
    for (size_t i = 0; i < size; ++i) row[perm[i]] = r[i];
    for (size_t i = 0; i < size; ++i) r[i] = row[i];
  }
}

}  // namespace csbrnn
