// Compiler phase: validation. Everything compile_program refuses, checked before any lowering.
//
// Contract: validate(m, hw, origin) returns iff `m` can be compiled for `hw`, else throws
// Error("<origin>: ...") naming the matrix, layer or option. First validate_hw_config
// (config/config_loader.h: every key's range, e.g. engine sizes 1..256, fractional bits 1..15,
// vector_buffer >= 1, max_vertical_fraction in [0,1], total PEs), then what depends on the model:
// at least one and at most 65535 layers; positive sizes; no GRU with a projection; every matrix's
// shape, block count, ascending in-range block-local indices, value count and finite values;
// finite biases of the right length; one block size for W_ih and W_hh of a layer; blocks no taller
// than the NeuronAccumBuffer, no wider than the BlockNeuronBuffer, no side over 65535; the 4H gate
// accumulators (and the P projection outputs) within the Acc bank (buffers.vector_buffer).
#pragma once
#include <string>

#include "config/hw_config.h"
#include "model/csb.h"

namespace csbrnn::compile {

void validate(const CsbModel& m, const HwConfig& hw, const std::string& origin);

}  // namespace csbrnn::compile
