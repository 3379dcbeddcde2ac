#include "sim/top.h"

#include <cstring>

#include "common/error.h"
#include "isa/program_io.h"
#include "isa/residency.h"
#include "isa/semantics.h"
#include "sim/unit_names.h"

namespace csbrnn::sim {

using namespace sc_core;

namespace {
sc_time period(const HwConfig& hw) {
  // whole picoseconds: every event time is an exact multiple of the period
  // engine.clock_mhz is validated to 0.001..10000 MHz (config/hw_keys.cpp): 100 ps .. 1e9 ps.
  const double ps = 1e6 / hw.engine.clock_mhz;
  CSBRNN_ASSERT(ps >= 1.0 && ps <= 1e9, "clock_mhz ", hw.engine.clock_mhz, " passed validation");
  return sc_time(double(int64_t(ps + 0.5)), SC_PS);
}
}  // namespace

void check_program_matches(const Program& p, const HwConfig& hw, const std::string& origin) {
  const auto& a = p.hw.engine;
  const auto& b = hw.engine;
  auto diff = [&](const char* key, auto pv, auto hv) {
    if (pv != hv)
      fail(origin, ": program was compiled for ", key, " = ", pv, " but the hardware config has ",
           hv, " (recompile, or simulate with the matching --hw)");
  };
  diff("engine.pe_groups K", a.K, b.K);
  diff("engine.pe_groups L", a.L, b.L);
  diff("engine.pes_per_group P", a.P, b.P);
  diff("engine.pes_per_group Q", a.Q, b.Q);
  diff("numeric.weight_frac_bits", p.fmt.wf, hw.numeric.wf);
  diff("numeric.act_frac_bits", p.fmt.af, hw.numeric.af);
  diff("buffers.block_neuron_buffer", p.hw.buffers.block_neuron_buffer,
       hw.buffers.block_neuron_buffer);
  diff("buffers.neuron_accum_buffer", p.hw.buffers.neuron_accum_buffer,
       hw.buffers.neuron_accum_buffer);
  diff("buffers.vector_buffer", p.hw.buffers.vector_buffer, hw.buffers.vector_buffer);
  for (const auto& m : p.mvms) {
    if (m.bh > hw.buffers.neuron_accum_buffer || m.bw > hw.buffers.block_neuron_buffer)
      fail(origin, ": block ", m.bh, "x", m.bw, " exceeds the buffers of the hardware config");
    if (m.images.size() != size_t(hw.engine.groups()) ||
        m.micro.size() != size_t(m.iter_rows) * m.iter_cols * hw.engine.groups())
      fail(origin, ": MVM micro-program is not laid out for ", b.K, "x", b.L, " groups");
  }
  // Pieces from the right / from below (sharing.neighbours = 4) need the second horizontal link
  // and the second vertical path: the fast mode and the detailed mode (every knob) model them.
  bool four = false;
  for (const auto& m : p.mvms)
    for (const auto& gi : m.micro)
      for (const MicroItem& it : gi.items)
        four = four || it.kind == ItemKind::FromRight || it.kind == ItemKind::FromDown;
  if (four && hw.sharing_neighbours != 4)
    fail(origin,
         ": program gives work to left / upper neighbours (compiled with "
         "sharing.neighbours = 4) but the hardware config has sharing.neighbours = ",
         hw.sharing_neighbours);
  if (p.resident_inputs && !inputs_resident(hw.engine.sync))
    fail(origin,
         ": program writes its MVM inputs in place (compiled with eltwise.inplace_state) "
         "and needs resident inputs, but the hardware config has engine.sync = ",
         sync_name(hw.engine.sync), " (use row-group or free)");
}

Top::Top(sc_module_name name, const HwConfig& hw)
    : sc_module(name),
      host_socket("host_socket"),
      ctx(hw, period(hw)),
      controller("controller", ctx),
      engine("engine", ctx),
      load("load", ctx, Unit::Load),
      store("store", ctx, Unit::Store),
      dram("dram", ctx) {
  elaborated_ = hw;
  ctx.stats.groups.resize(size_t(hw.engine.groups()));
  const Unit elt[] = {Unit::Sum1, Unit::Sum2, Unit::Mult1, Unit::Mult2, Unit::Sigmoid, Unit::Tanh};
  for (Unit u : elt) eltwise.emplace_back(new EltwiseUnit(sim_unit_name(u), ctx, u));
  if (hw.timing == TimingMode::Detailed) {
    detailed = std::make_unique<detailed::DetailedMachine>("detailed", ctx, engine);
    for (int u = 0; u < kUnitCount; ++u) controller.bind_unit(Unit(u), detailed->unit(Unit(u)));
    detailed->load_store.isocket.bind(dram.tsocket);
    dram_at = std::make_unique<DramAt>("dram_at", dram);
    detailed->engine.streamer.isocket.bind(dram_at->tsocket);
  } else {
    controller.bind_unit(Unit::Load, &load);
    controller.bind_unit(Unit::Store, &store);
    controller.bind_unit(Unit::Engine, &engine);
    for (size_t i = 0; i < 6; ++i) controller.bind_unit(elt[i], eltwise[i].get());
  }
  ctx.section_done = [this](Unit u) { controller.section_done(u); };
  load.isocket.bind(dram.tsocket);
  store.isocket.bind(dram.tsocket);
  engine.streamer.isocket.bind(dram.tsocket);
  host_socket.register_b_transport(this, &Top::b_transport);
}

void Top::install_program(int steps, const std::string& origin, const HwConfig& hw) {
  program_ = decode_program(imem_.data(), imem_.size(), origin);
  imem_.clear();
  prepare(program_, steps, origin, hw);
}

void Top::prepare(const Program& p, int steps, const std::string& origin, const HwConfig& hw) {
  const auto& e = elaborated_.engine;
  if (hw.engine.K != e.K || hw.engine.L != e.L || hw.engine.P != e.P || hw.engine.Q != e.Q)
    fail(origin, ": a job's machine structure differs from the elaborated one");
  check_program_matches(p, hw, origin);
  ctx.hw = hw;
  ctx.T = period(hw);
  dram.reset_timing();
  engine.streamer.reset();
  if (detailed) detailed->engine.streamer.reset();
  check_program(p, origin);
  CSBRNN_ASSERT(controller.finished(), "prepare during a run");
  ctx.prog = &p;
  // statistics
  SimStats& st = ctx.stats;
  const int64_t bucket = st.bucket_initial, hb = st.host_bytes, ht = st.host_transactions;
  const size_t cap = st.bucket_cap;
  const bool rec = st.record_iterations;
  st = SimStats{};
  st.bucket_cycles = st.bucket_initial = bucket;
  st.bucket_cap = cap;
  st.record_iterations = rec;
  st.host_bytes = hb;
  st.host_transactions = ht;
  st.steps = steps;
  st.groups.resize(size_t(ctx.hw.engine.groups()));
  st.busy_buckets.resize(st.groups.size());
  for (int g = 0; g < ctx.hw.engine.groups(); ++g) {
    st.groups[size_t(g)].k = g / ctx.hw.engine.L;
    st.groups[size_t(g)].l = g % ctx.hw.engine.L;
  }
  for (int u = 0; u < kUnitCount; ++u)
    st.units.push_back(UnitStats{sim_unit_name(Unit(u)), 0, 0, 0});
  int layer = 0;
  for (const auto& w : p.words) {
    for (const auto& s : w.sections)
      if (s.op == Op::Mvm) layer = std::max(layer, int(p.mvms[s.mvm].layer));
    st.word_layer.push_back(std::min(layer, std::max(1, p.num_layers) - 1));
  }
  st.layers.resize(size_t(std::max(1, p.num_layers)));
  for (size_t k = 0; k < st.layers.size(); ++k) st.layers[k].layer = int(k);
  // banks (contents written by the host)
  auto& b = ctx.banks;
  for (auto& v : b.v) v.assign(size_t(p.hw.buffers.vector_buffer), 0);
  b.acc.assign(size_t(p.hw.buffers.vector_buffer), 0);
  b.bias.assign(p.bias.size(), 0);
  // weight buffers and the DRAM map: X, Y, streamed images
  engine.place_images(p);
  detailed::check_detailed_supported(hw, elaborated_, origin);
  ctx.x_base = 0;
  ctx.y_base = (uint64_t(steps) * p.input_size * 2 + 63) / 64 * 64;
  uint64_t top = (ctx.y_base + uint64_t(steps) * p.output_size * 2 + 63) / 64 * 64;
  ctx.w_base = top;
  const int G = ctx.hw.engine.groups();
  engine.stream_addr.assign(p.mvms.size(), std::vector<uint64_t>(size_t(G), 0));
  for (size_t m = 0; m < p.mvms.size(); ++m)
    for (int g = 0; g < G; ++g) {
      const GroupImage& im = p.mvms[m].images[size_t(g)];
      GroupImage& dst = engine.wbuf[size_t(g)]->images[m];
      dst.weights.assign(im.weights.size(), 0);
      dst.index.assign(im.index.size(), 0);
      if (engine.wbuf[size_t(g)]->streamed[m]) {
        engine.stream_addr[m][size_t(g)] = top;
        top += (uint64_t(image_bytes(im)) + 63) / 64 * 64;
      }
    }
  dram.resize(top);
}

void Top::b_transport(tlm::tlm_generic_payload& trans, sc_time& delay) {
  const uint64_t a = trans.get_address();
  const Region r = Region(a >> 56);
  const uint64_t sub = (a >> 32) & 0xffffff, off = a & 0xffffffffull;
  const unsigned len = trans.get_data_length();
  uint8_t* data = trans.get_data_ptr();
  const bool wr = trans.is_write();
  auto copy = [&](void* mem, uint64_t size) {
    if (off + len > size) {
      trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
    }
    uint8_t* m = static_cast<uint8_t*>(mem) + off;
    if (wr)
      std::memcpy(m, data, len);
    else
      std::memcpy(data, m, len);
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
  };
  const int G = ctx.hw.engine.groups();
  switch (r) {
    case Region::Weights:
    case Region::Index: {
      const size_t m = sub / size_t(G), g = sub % size_t(G);
      if (m >= engine.stream_addr.size()) {
        trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
      }
      GroupImage& im = engine.wbuf[g]->images[m];
      if (engine.wbuf[g]->streamed[m]) {  // lives in DRAM; the engine fetches it per iteration
        const uint64_t base =
            engine.stream_addr[m][g] + (r == Region::Index ? im.weights.size() * 2 : 0);
        const uint64_t size = (r == Region::Index ? im.index.size() : im.weights.size()) * 2;
        if (off + len > size) {
          trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
          return;
        }
        uint8_t* m8 = dram.data(base + off, len);
        if (wr)
          std::memcpy(m8, data, len);
        else
          std::memcpy(data, m8, len);
        trans.set_response_status(tlm::TLM_OK_RESPONSE);
      } else if (r == Region::Weights) {
        copy(im.weights.data(), im.weights.size() * 2);
      } else {
        copy(im.index.data(), im.index.size() * 2);
      }
      break;
    }
    case Region::Bias:
      copy(ctx.banks.bias.data(), ctx.banks.bias.size() * 8);
      break;
    case Region::Bank:
      if (sub >= 5) {
        trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
      }
      copy(ctx.banks.v[sub].data(), ctx.banks.v[sub].size() * 2);
      break;
    case Region::Dram:
      copy(dram.data(0, dram.size()), dram.size());
      break;
    case Region::Imem:  // the program container; decoded by install_program
      if (wr && off + len > imem_.size()) imem_.resize(off + len);
      copy(imem_.data(), imem_.size());
      break;
    default:
      trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
  }
  // host link: one burst per cycle
  const int64_t bursts = (int64_t(len) + ctx.hw.memory.burst_bytes - 1) / ctx.hw.memory.burst_bytes;
  delay += ctx.cycles(bursts);
  ctx.stats.host_bytes += len;
  ++ctx.stats.host_transactions;
}

}  // namespace csbrnn::sim
