// Display names of units, banks and ops (reports, VCD scopes, error messages).
#pragma once
#include "isa/program.h"

namespace csbrnn::sim {

inline const char* sim_unit_name(Unit u) {
  static const char* n[] = {"load",  "engine",  "sum1", "sum2", "mult1",
                            "mult2", "sigmoid", "tanh", "store"};
  return int(u) < kUnitCount ? n[int(u)] : "?";
}
inline const char* sim_op_name(Op o) {
  static const char* n[] = {"LoadX", "Mvm",     "BiasWb", "Add",  "Sub",
                            "Mul",   "Sigmoid", "Tanh",   "Copy", "StoreY"};
  return int(o) < 10 ? n[int(o)] : "?";
}

}  // namespace csbrnn::sim
