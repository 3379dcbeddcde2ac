// The oracle the interpreter is compared with: the fixed-point reference (src/reference) on the
// dense form of the CSB model.
#pragma once
#include <cstdint>
#include <vector>

#include "model/csb.h"
#include "reference/fixed_rnn.h"

namespace csbrnn::test {

inline std::vector<int16_t> fixed_ref(const CsbModel& m, const fx::Format& f,
                                      const std::vector<int16_t>& xq, int T) {
  const QuantizedModel q = quantize_model(csb_model_to_dense(m), f);
  return run_fixed_rnn(q, xq, T).output;
}

}  // namespace csbrnn::test
