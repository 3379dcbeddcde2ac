// RNN weights in PyTorch state_dict layout <-> RnnModel.
//
// Accepts an .npz file or a folder of .npy files named like nn.LSTM / nn.GRU state_dict keys
// (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, weight_hr_l0, ... ; a common prefix such
// as "rnn." or "lstm." is stripped; "_reverse" (bidirectional) is refused with a clear message).
// The cell type, layer count, hidden and projection sizes are inferred from the shapes; the
// caller may force the cell type when shapes are ambiguous.
#pragma once
#include <map>
#include <optional>
#include <string>

#include "io/npy.h"
#include "model/rnn_model.h"

namespace csbrnn {

RnnModel load_weights(const std::string& path, std::optional<CellType> force_cell = std::nullopt);
/// Writes state_dict-named float32 arrays: .npz if `path` ends in ".npz", else a folder of .npy.
void save_weights(const std::string& path, const RnnModel& m);

/// The arrays of an .npz file or of a folder of .npy files (recursively; a file "a/b.npy" is
/// named "a/b", like an .npz member), keyed without ".npy". Throws Error naming the path.
std::map<std::string, Tensor> load_tensor_set(const std::string& path);
/// Builds and validates a model from state_dict-named arrays (the core of load_weights);
/// `origin` names the source in errors.
RnnModel model_from_state_dict(const std::map<std::string, Tensor>& tensors,
                               const std::string& origin,
                               std::optional<CellType> force_cell = std::nullopt);
/// True when at least one name looks like an nn.LSTM / nn.GRU parameter (possibly prefixed).
bool looks_like_rnn_state_dict(const std::map<std::string, Tensor>& tensors);
/// The model's parameters as float32 arrays under their canonical state_dict names.
std::map<std::string, Tensor> model_to_state_dict(const RnnModel& m);

}  // namespace csbrnn
