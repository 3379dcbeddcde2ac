// Functional interpreter of a Program (plain C++): executes the macro words and, for every Mvm
// section, the micro-items literally (isa/semantics.h). Its Y equals the fixed-point
// reference bit for bit.
#pragma once
#include <cstdint>
#include <vector>

#include "isa/program.h"

namespace csbrnn {

struct InterpretResult {
  int steps = 0, output_size = 0;
  std::vector<int16_t> y;  // steps x output_size, row-major, af frac bits
};

/// x is steps x input_size int16 (af frac bits), row-major. Throws Error on a size mismatch.
InterpretResult interpret(const Program& p, const std::vector<int16_t>& x, int steps);

}  // namespace csbrnn
