#include "sim/detailed/detailed_machine.h"

#include "common/error.h"

namespace csbrnn::sim::detailed {

using namespace sc_core;

namespace {
// The clock's high phase in whole picoseconds (the period is whole picoseconds, sim/top.cpp).
double duty(const sc_time& T) {
  const uint64_t p = T.value();
  return double(p / 2) / double(p);
}
}  // namespace

DetailedMachine::DetailedMachine(sc_module_name name, SimContext& ctx, CsbEngine& store)
    : sc_module(name),
      clock("clk", ctx.T, duty(ctx.T), SC_ZERO_TIME, true),
      bank_ports(ctx.hw.detailed.vector_bank_ports),
      engine("engine", ctx, store, bank_ports),
      eltwise("eltwise", ctx, bank_ports),
      load_store("load_store", ctx, bank_ports) {
  engine.clk(clock);
  eltwise.clk(clock);
  load_store.clk(clock);
}

SectionUnit* DetailedMachine::unit(Unit u) {
  switch (u) {
    case Unit::Engine:
      return &engine;
    case Unit::Load:
    case Unit::Store:
      return load_store.unit(u);
    default:
      return eltwise.unit(u);
  }
}

void check_detailed_supported(const HwConfig& hw, const HwConfig& elaborated,
                              const std::string& origin) {
  if (hw.timing != elaborated.timing)
    fail(origin, ": sim.timing differs between the jobs of one run (elaborated: ",
         elaborated.timing == TimingMode::Detailed ? "detailed" : "fast", ")");
  if (hw.timing != TimingMode::Detailed) return;
  if (hw.engine.clock_mhz != elaborated.engine.clock_mhz)
    fail(origin, ": sim.timing=detailed runs on one sc_clock: every job needs engine.clock_mhz = ",
         elaborated.engine.clock_mhz);
  const DetailedConfig& d = hw.detailed;
  const int flits = d.link_width > 0 ? (hw.engine.P + d.link_width - 1) / d.link_width : 1;
  if (d.vlink_fifo_depth > 0 && d.vlink_fifo_depth < flits)
    fail(origin, ": detailed.vlink_fifo_depth ", d.vlink_fifo_depth,
         " cannot hold one vertical "
         "tile's ",
         flits, " partial-sum flits (ceil(P / detailed.link_width))");
  const auto& a = hw.engine;
  const auto& b = elaborated.engine;
  if (a.pipeline_depth() != b.pipeline_depth() || a.lat_vertical_path != b.lat_vertical_path ||
      a.reduce_lanes != b.reduce_lanes || a.lat_reduce != b.lat_reduce ||
      a.neuron_load_width != b.neuron_load_width ||
      hw.eltwise.lat_sum != elaborated.eltwise.lat_sum ||
      hw.eltwise.lat_mult != elaborated.eltwise.lat_mult ||
      hw.eltwise.lat_sigmoid != elaborated.eltwise.lat_sigmoid ||
      hw.eltwise.lat_tanh != elaborated.eltwise.lat_tanh)
    fail(origin,
         ": sim.timing=detailed sizes its pipelines at elaboration: every job of one run needs the "
         "elaborated engine.pipeline.*, engine.reduce.*, engine.neuron_load_width and "
         "eltwise.latency.*");
  if (hw.detailed.eltwise_fifo_depth != elaborated.detailed.eltwise_fifo_depth ||
      hw.detailed.vector_bank_ports != elaborated.detailed.vector_bank_ports)
    fail(origin,
         ": sim.timing=detailed sizes its element-wise FIFOs and vector bank arbiter at "
         "elaboration: every job of one run needs the elaborated detailed.eltwise_fifo_depth and "
         "detailed.vector_bank_ports");
}

}  // namespace csbrnn::sim::detailed
