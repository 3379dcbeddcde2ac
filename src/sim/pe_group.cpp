#include "sim/pe_group.h"

#include "common/error.h"
#include "sim/csb_engine.h"
#include "compile/compiler.h"
#include "compile/semantics.h"

namespace csbrnn::sim {

using namespace sc_core;

PeGroup::PeGroup(sc_module_name name, SimContext& ctx, CsbEngine& engine, int k, int l)
    : sc_module(name), ctx_(ctx), eng_(engine), k_(k), l_(l) {
  SC_METHOD(proc);
  sensitive << go_;
  dont_initialize();
}

void PeGroup::begin(int m, int64_t n, int64_t stall) {
  m_ = m;
  n_ = n;
  weight_stall = stall;
  go_.notify(SC_ZERO_TIME);
}

void PeGroup::proc() {
  if (busy) {  // the last tile of this iteration has issued
    busy = 0;
    eng_.group_done();
    return;
  }
  const HwConfig& hw = ctx_.hw;
  const int K = hw.engine.K, L = hw.engine.L, P = hw.engine.P, Q = hw.engine.Q;
  const MvmProgram& mvm = ctx_.prog->mvms[size_t(m_)];
  const int a = int(n_ / mvm.iter_cols), b = int(n_ % mvm.iter_cols);
  const int g = k_ * L + l_;
  const GroupIteration& gi = mvm.at(a, b, k_, l_, K, L);
  const GroupImage& image = eng_.wbuf[size_t(g)]->images[size_t(m_)];
  const int bhalf = int(n_ % 2), nhalf = a % 2;
  GroupStats& gs = ctx_.stats.groups[size_t(g)];
  load = 0;
  for (const MicroItem& it : gi.items) {
    const int64_t tiles = item_tiles(it, P, Q);
    const int16_t* in = nullptr;
    int64_t* acc = nullptr;
    switch (it.kind) {
      case ItemKind::Local:
        in = eng_.bnb.slice(bhalf, l_);
        acc = eng_.nab.at(nhalf, g);
        gs.tiles_local += tiles;
        break;
      case ItemKind::FromLeft:
        in = eng_.links.horizontal_inputs(eng_.bnb, bhalf, k_, l_, tiles);
        acc = eng_.nab.at(nhalf, g);
        gs.tiles_received_h += tiles;
        ctx_.stats.groups[size_t(eng_.links.left(k_, l_))].tiles_given_h += tiles;
        break;
      case ItemKind::FromUp:
        in = eng_.bnb.slice(bhalf, l_);
        acc = eng_.links.vertical_accumulators(eng_.nab, nhalf, k_, l_, tiles);
        gs.tiles_received_v += tiles;
        ctx_.stats.groups[size_t(eng_.links.up(k_, l_))].tiles_given_v += tiles;
        break;
    }
    const int64_t issued = exec_micro_item(it, image, P, Q, in, acc);
    CSBRNN_ASSERT(issued == tiles, "tile count mismatch");
    const uint64_t macs = uint64_t(it.rows) * it.cols;
    gs.useful_macs += macs;
    ctx_.stats.useful_macs += macs;
    load += tiles;
  }
  (void)K;
  tiles_issued += load;
  ctx_.stats.tiles_issued += load;
  const int64_t span = weight_stall + load;
  if (span == 0) {
    eng_.group_done();
    return;
  }
  busy = 1;
  next_trigger(ctx_.cycles(span));
}

}  // namespace csbrnn::sim
