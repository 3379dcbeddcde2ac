#include "timing/cycle_rules.h"

#include "common/error.h"

namespace csbrnn::timing {
namespace {
int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
}  // namespace

int64_t neuron_load_cycles(const HwConfig& hw, int width) {
  CSBRNN_ASSERT(hw.engine.neuron_load_width > 0);
  return width <= 0 ? 0 : ceil_div(width, hw.engine.neuron_load_width);
}

int64_t drain_cycles(const HwConfig& hw, bool vertical_used) {
  return hw.engine.pipeline_depth() + (vertical_used ? hw.engine.lat_vertical_path : 0);
}

int64_t reduce_cycles(const HwConfig& hw, int bh) {
  CSBRNN_ASSERT(hw.engine.reduce_lanes > 0);
  return ceil_div(bh, hw.engine.reduce_lanes) + hw.engine.lat_reduce;
}

int64_t eltwise_cycles(const HwConfig& hw, EltUnit u, int64_t count) {
  CSBRNN_ASSERT(hw.eltwise.lanes > 0);
  int lat = 0;
  switch (u) {
    case EltUnit::Sum: lat = hw.eltwise.lat_sum; break;
    case EltUnit::Mult: lat = hw.eltwise.lat_mult; break;
    case EltUnit::Sigmoid: lat = hw.eltwise.lat_sigmoid; break;
    case EltUnit::Tanh: lat = hw.eltwise.lat_tanh; break;
  }
  return ceil_div(count, hw.eltwise.lanes) + lat;
}

int64_t transfer_cycles(const HwConfig& hw, int64_t bytes) {
  CSBRNN_ASSERT(hw.memory.burst_bytes > 0);
  return ceil_div(bytes, hw.memory.burst_bytes);
}

}  // namespace csbrnn::timing
