// RNN weights in PyTorch state_dict layout <-> RnnModel.
//
// Accepts an .npz file or a folder of .npy files named like nn.LSTM / nn.GRU state_dict keys
// (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, weight_hr_l0, ... ; a common prefix such
// as "rnn." or "lstm." is stripped; "_reverse" (bidirectional) is refused with a clear message).
// The cell type, layer count, hidden and projection sizes are inferred from the shapes; the
// caller may force the cell type when shapes are ambiguous.
#pragma once
#include <optional>
#include <string>

#include "model/rnn_model.h"

namespace csbrnn {

RnnModel load_weights(const std::string& path, std::optional<CellType> force_cell = std::nullopt);
/// Writes state_dict-named float32 arrays: .npz if `path` ends in ".npz", else a folder of .npy.
void save_weights(const std::string& path, const RnnModel& m);

}  // namespace csbrnn
