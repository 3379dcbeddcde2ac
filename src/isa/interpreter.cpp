#include "isa/interpreter.h"

#include "common/error.h"
#include "isa/semantics.h"
#include "isa/stream.h"

namespace csbrnn {

InterpretResult interpret(const Program& p, const std::vector<int16_t>& x, int steps) {
  if (steps < 0 || x.size() != size_t(steps) * size_t(p.input_size))
    fail("interpret: input has ", x.size(), " values, expected ", steps, " x ", p.input_size);
  check_program(p, "program");
  MachineBanks m;
  m.reset(p);
  InterpretResult r;
  r.steps = steps;
  r.output_size = p.output_size;
  r.y.assign(size_t(steps) * p.output_size, 0);
  for (int t = 0; t < steps; ++t) {
    const int16_t* xr = x.data() + size_t(t) * p.input_size;
    int16_t* yr = r.y.data() + size_t(t) * p.output_size;
    for (const MacroWord& w : p.words)
      for (const Section& s : w.sections) {
        switch (s.op) {
          case Op::LoadX:
            exec_load(s, m, xr, p.input_size);
            break;
          case Op::StoreY:
            exec_store(s, m, yr, p.output_size);
            break;
          case Op::Mvm:
            exec_mvm_streamed(p, s, m, yr);
            break;
          default:
            exec_elementwise(s, m, p.fmt);
            break;
        }
      }
  }
  unpermute_output(p.output_perm, r.y.data(), size_t(steps), size_t(p.output_size));
  return r;
}

}  // namespace csbrnn
