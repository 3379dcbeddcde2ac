#include "sim/pe_group.h"

#include "common/error.h"
#include "energy/counts.h"
#include "isa/semantics.h"
#include "sim/csb_engine.h"

namespace csbrnn::sim {

using namespace sc_core;

PeGroup::PeGroup(sc_module_name name, SimContext& ctx, CsbEngine& engine, int k, int l)
    : sc_module(name), ctx_(ctx), eng_(engine), k_(k), l_(l) {
  SC_METHOD(proc);
  sensitive << done_;
  dont_initialize();
  SC_METHOD(walk_proc);
  sensitive << walk_ev_;
  dont_initialize();
}

void PeGroup::trace_walk(std::vector<std::pair<int64_t, int64_t>> intervals) {
  walk_ = std::move(intervals);
  walk_i_ = 0;
  walk_ev_.notify(SC_ZERO_TIME);
}

void PeGroup::walk_proc() {
  const int64_t now = ctx_.cycle();
  for (; walk_i_ < walk_.size(); ++walk_i_) {
    const auto [s, e] = walk_[walk_i_];
    if (now < s) {
      busy = 0;
      next_trigger(ctx_.cycles(s - now));
      return;
    }
    if (now < e) {
      busy = 1;
      next_trigger(ctx_.cycles(e - now));
      return;
    }
  }
  busy = 0;
}

int64_t PeGroup::begin(int m, int64_t n, int64_t stall, bool self_report) {
  const HwConfig& hw = ctx_.hw;
  const int L = hw.engine.L, P = hw.engine.P, Q = hw.engine.Q;
  const MvmProgram& mvm = ctx_.prog->mvms[size_t(m)];
  const int a = int(n / mvm.iter_cols);
  const int g = k_ * L + l_;
  const GroupImage& image = eng_.wbuf[size_t(g)]->images[size_t(m)];
  const int bhalf = eng_.bnb.slot(mvm, n), nhalf = a % 2;
  GroupStats& gs = ctx_.stats.groups[size_t(g)];
  weight_stall = stall;
  load = 0;
  uint64_t macs = 0;
  const CsbEngine::FlatItems items = eng_.items(n, g);
  for (const CsbEngine::FlatItem* f = items.first; f != items.last; ++f) {
    const MicroItem& it = f->item;
    const int64_t tiles = f->tiles;
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
      case ItemKind::FromRight:  // sharing.neighbours = 4: over the leftward link
        in = eng_.links.leftward_inputs(eng_.bnb, bhalf, k_, l_, tiles);
        acc = eng_.nab.at(nhalf, g);
        gs.tiles_received_h += tiles;
        ctx_.stats.groups[size_t(eng_.links.right(k_, l_))].tiles_given_h += tiles;
        break;
      case ItemKind::FromDown:  // sharing.neighbours = 4: sums return down to the giver
        in = eng_.bnb.slice(bhalf, l_);
        acc = eng_.links.upward_accumulators(eng_.nab, nhalf, k_, l_, tiles);
        gs.tiles_received_v += tiles;
        ctx_.stats.groups[size_t(eng_.links.down(k_, l_))].tiles_given_v += tiles;
        break;
    }
    const int64_t issued = exec_micro_item(it, image, P, Q, in, acc);
    CSBRNN_ASSERT(issued == tiles, "tile count mismatch");
    energy::count_item(ctx_.stats.actions, it, P, Q);
    macs += f->macs;
    load += tiles;
  }
  gs.useful_macs += macs;
  ctx_.stats.useful_macs += macs;
  tiles_issued += load;
  ctx_.stats.tiles_issued += load;
  // Host-side speed only: pull the next iteration's tiles and indices into the cache while the
  // other groups compute (the simulated machine's timing is unaffected).
  if (n + 1 < eng_.iterations()) {
    const CsbEngine::FlatItems next = eng_.items(n + 1, g);
    for (const CsbEngine::FlatItem* f = next.first; f != next.last; ++f) {
      const char* w =
          reinterpret_cast<const char*>(image.weights.data() + size_t(f->item.weight_ptr) * P * Q);
      const size_t wb = size_t(f->tiles) * P * Q * 2;
      for (size_t o = 0; o < wb; o += 64) __builtin_prefetch(w + o);
      const char* ix = reinterpret_cast<const char*>(image.index.data() + f->item.index_ptr);
      const size_t ib = size_t(f->item.rows + f->item.cols) * 2;
      for (size_t o = 0; o < ib; o += 64) __builtin_prefetch(ix + o);
    }
  }
  const int64_t span = weight_stall + load;
  if (!self_report) return span;
  if (span == 0) {
    done_.notify(SC_ZERO_TIME);  // reports in the next delta, once the engine waits
    return span;
  }
  busy = 1;
  done_.notify(ctx_.cycles(span));  // the last tile of this iteration has issued
  return span;
}

void PeGroup::proc() {
  busy = 0;
  eng_.group_done();
}

}  // namespace csbrnn::sim
