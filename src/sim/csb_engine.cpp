#include "sim/csb_engine.h"

#include <algorithm>
#include <string>

#include "common/error.h"
#include "isa/residency.h"
#include "timing/cycle_rules.h"

namespace csbrnn::sim {

using namespace sc_core;

CsbEngine::CsbEngine(sc_module_name name, SimContext& ctx)
    : sc_module(name),
      bnb("bnb", ctx),
      nab("nab", ctx.hw.engine.groups()),
      links("links", ctx.hw.engine.K, ctx.hw.engine.L),
      reduce("reduce", ctx, nab),
      streamer("weight_streamer", ctx),
      ctx_(ctx),
      K_(ctx.hw.engine.K),
      L_(ctx.hw.engine.L),
      G_(ctx.hw.engine.groups()) {
  for (int k = 0; k < K_; ++k)
    for (int l = 0; l < L_; ++l) {
      const std::string s = std::to_string(k) + "_" + std::to_string(l);
      wbuf.emplace_back(new WeightBuffer(("wbuf_" + s).c_str()));
      groups.emplace_back(new PeGroup(("group_" + s).c_str(), ctx, *this, k, l));
    }
  ready_cur_.assign(size_t(G_), 0);
  ready_next_.assign(size_t(G_), 0);
  SC_METHOD(proc);
  sensitive << go_;
  dont_initialize();
  SC_METHOD(groups_proc);
  sensitive << groups_done_;
  dont_initialize();
  SC_METHOD(rg_reduce_proc);
  sensitive << rg_red_kick_;
  dont_initialize();
}

void CsbEngine::groups_proc() {
  group_done();
}

void CsbEngine::place_images(const Program& prog) {
  const int P = ctx_.hw.engine.P, Q = ctx_.hw.engine.Q;
  flat_.assign(prog.mvms.size(), FlatMvm{});
  for (size_t m = 0; m < prog.mvms.size(); ++m) {
    const MvmProgram& mv = prog.mvms[m];
    FlatMvm& f = flat_[m];
    f.start.reserve(mv.micro.size() + 1);
    f.vertical.assign(size_t(mv.iter_rows), 0);
    for (size_t x = 0; x < mv.micro.size(); ++x) {
      f.start.push_back(uint32_t(f.items.size()));
      const int64_t n = int64_t(x / size_t(G_));
      for (const MicroItem& it : mv.micro[x].items) {
        const int64_t tiles = item_tiles(it, P, Q);
        if (tiles == 0) continue;
        f.items.push_back({it, tiles, uint64_t(it.rows) * it.cols});
        if (uses_vertical_path(it.kind) && n % mv.iter_cols == mv.iter_cols - 1)
          f.vertical[size_t(n / mv.iter_cols)] = 1;
      }
    }
    f.start.push_back(uint32_t(f.items.size()));
  }
  any_streamed_ = false;
  // Residency follows the one rule the compiler reports (isa/residency.h place_weights).
  // (the buffer size of the program, the policy of the simulated machine)
  HwConfig placement_hw = prog.hw;
  placement_hw.buffers.weight_residency = ctx_.hw.buffers.weight_residency;
  const WeightPlacement placement = place_weights(prog, placement_hw);
  for (int g = 0; g < G_; ++g) {
    wbuf[size_t(g)]->place(placement, size_t(g));
    auto& gs = ctx_.stats.groups[size_t(g)];
    gs.weight_bytes_resident = int64_t(placement.resident_bytes[size_t(g)]);
    gs.weight_bytes_total = int64_t(placement.total_bytes[size_t(g)]);
  }
  any_streamed_ = placement.any_streamed();
  if (any_streamed_ && inputs_resident(ctx_.hw.engine.sync))
    fail("engine.sync=", sync_name(ctx_.hw.engine.sync),
         ": streamed weight images (over buffers.weight_buffer_kib = ",
         placement_hw.buffers.weight_buffer_kib,
         ") are not modelled with resident inputs; use a larger buffers.weight_buffer_kib");
  // a program file simulated with row-group sync: its inputs must fit the BlockNeuronBuffers
  // (the compiler refuses the same; isa/residency.h)
  if (inputs_resident(ctx_.hw.engine.sync))
    for (const MvmProgram& mv : prog.mvms)
      if (const std::string e = resident_inputs_problem(mv, ctx_.hw); !e.empty()) fail(e);
  // deep streaming: the chunks' sizes and the MVM run order of a timestep
  const size_t tile_bytes = size_t(ctx_.hw.engine.P) * ctx_.hw.engine.Q * 2;
  chunk_bytes_.assign(prog.mvms.size(), {});
  for (size_t m = 0; m < prog.mvms.size(); ++m) {
    const int64_t iters = int64_t(prog.mvms[m].iter_rows) * prog.mvms[m].iter_cols;
    chunk_bytes_[m].assign(size_t(iters), 0);
    for (int g = 0; g < G_ && any_streamed_; ++g) {
      if (!wbuf[size_t(g)]->streamed[m]) continue;
      for (int64_t n = 0; n < iters; ++n) {
        const FlatItems fi = items(int(m), n, g);
        for (const FlatItem* f = fi.first; f != fi.last; ++f)
          chunk_bytes_[m][size_t(n)] +=
              int64_t(uint64_t(f->tiles) * tile_bytes + uint64_t(f->item.rows + f->item.cols) * 2);
      }
    }
  }
  mvm_order_.clear();
  for (const auto& w : prog.words)
    for (const auto& s : w.sections)
      if (s.op == Op::Mvm) mvm_order_.push_back(s.mvm);
  chunks_.clear();
  run_ = -1;
  cur_run_ = cur_n_ = 0;
  staged_ = 0;
  blocked_since_ = -1;
  admit_wait_cur_ = 0;
  stream_done_ = 0;
}

void CsbEngine::stream_advance() {
  const int64_t now = ctx_.cycle();
  const int64_t R = int64_t(mvm_order_.size());
  const int64_t end = R * ctx_.stats.steps;
  const int64_t cap = ctx_.hw.memory.stream_staging_bytes;
  while (cur_run_ < end) {
    const int m = mvm_order_[size_t(cur_run_ % R)];
    const std::vector<int64_t>& cb = chunk_bytes_[size_t(m)];
    if (cur_n_ >= int64_t(cb.size())) {
      ++cur_run_;
      cur_n_ = 0;
      continue;
    }
    const int64_t bytes = cb[size_t(cur_n_)];
    if (bytes == 0) {
      ++cur_n_;
      continue;
    }
    if (staged_ > 0 && staged_ + bytes > cap) {  // staging full: wait for an iteration to end
      if (blocked_since_ < 0) blocked_since_ = now;
      break;
    }
    Chunk c;
    c.run = cur_run_;
    c.n = cur_n_;
    c.bytes = bytes;
    // staging cost: the time the streamer was held back while its earlier fetches were done
    // (while they were still in flight, admitting earlier would only have queued behind them)
    c.admit_wait = blocked_since_ >= 0
                       ? std::max<int64_t>(0, now - std::max(blocked_since_, stream_done_))
                       : 0;
    c.ready.assign(size_t(G_), 0);
    fetch_weights(m, cur_n_, c.ready);
    for (int64_t r : c.ready) stream_done_ = std::max(stream_done_, r);
    blocked_since_ = -1;
    staged_ += bytes;
    chunks_.push_back(std::move(c));
    ++cur_n_;
  }
}

void CsbEngine::take_chunk() {
  std::fill(ready_cur_.begin(), ready_cur_.end(), 0);
  admit_wait_cur_ = 0;
  if (!any_streamed_) return;
  if (chunks_.empty()) stream_advance();  // staging empty: admits the next chunk
  if (!chunks_.empty() && chunks_.front().run == run_ && chunks_.front().n == n_) {
    ready_cur_ = chunks_.front().ready;
    admit_wait_cur_ = chunks_.front().admit_wait;
  }
}

void CsbEngine::start_section(const Section& s) {
  CSBRNN_ASSERT(state == 0, name(), " started while busy");
  CSBRNN_ASSERT(s.op == Op::Mvm && s.mvm < ctx_.prog->mvms.size(), "bad Mvm section");
  sec_ = s;
  m_ = s.mvm;
  ++run_;
  CSBRNN_ASSERT(!deep() || mvm_order_.empty() ||
                    mvm_order_[size_t(run_ % int64_t(mvm_order_.size()))] == s.mvm,
                "deep weight streaming: MVM runs out of program order");
  const MvmProgram& mv = mvm();
  n_ = 0;
  n_total_ = int64_t(mv.iter_rows) * mv.iter_cols;
  nab.configure(mv.bh);
  section_start_ = ctx_.cycle();
  issue_sum_ = 0;
  state = 1;
  go_.notify(SC_ZERO_TIME);
}

void CsbEngine::group_done() {
  CSBRNN_ASSERT(waiting_ > 0, "barrier underflow");
  if (--waiting_ == 0) wake_.notify();
}

int64_t CsbEngine::stream_ranges(int m, int64_t n, int g, std::vector<StreamRange>& out) {
  const size_t tile_bytes = size_t(ctx_.hw.engine.P) * ctx_.hw.engine.Q * 2;
  WeightBuffer& wb = *wbuf[size_t(g)];
  if (!wb.streamed[size_t(m)]) return 0;
  GroupImage& im = wb.images[size_t(m)];
  const uint64_t base = stream_addr[size_t(m)][size_t(g)];
  const uint64_t index_base = base + im.weights.size() * 2;
  uint8_t* wdst = reinterpret_cast<uint8_t*>(im.weights.data());
  uint8_t* idst = reinterpret_cast<uint8_t*>(im.index.data());
  std::vector<std::pair<uint64_t, uint64_t>> wrun, irun;  // deep: [begin, end) runs
  int64_t bytes = 0;
  const FlatItems fi = items(m, n, g);
  for (const FlatItem* f = fi.first; f != fi.last; ++f) {
    const MicroItem& it = f->item;
    const uint64_t woff = uint64_t(it.weight_ptr) * tile_bytes;
    const uint64_t wlen = uint64_t(f->tiles) * tile_bytes;
    const uint64_t ioff = uint64_t(it.index_ptr) * 2, ilen = uint64_t(it.rows + it.cols) * 2;
    CSBRNN_ASSERT(woff + wlen <= im.weights.size() * 2 && ioff + ilen <= im.index.size() * 2,
                  "streamed item outside its image");
    bytes += int64_t(wlen + ilen);
    if (deep()) {  // coalesced: contiguous tiles (indices) of the iteration in one run each
      if (!wrun.empty() && wrun.back().second == woff)
        wrun.back().second = woff + wlen;
      else
        wrun.push_back({woff, woff + wlen});
      if (!irun.empty() && irun.back().second == ioff)
        irun.back().second = ioff + ilen;
      else
        irun.push_back({ioff, ioff + ilen});
      continue;
    }
    out.push_back({base + woff, wdst + woff, wlen});
    out.push_back({index_base + ioff, idst + ioff, ilen});
  }
  for (const auto& r : wrun) out.push_back({base + r.first, wdst + r.first, r.second - r.first});
  for (const auto& r : irun)
    out.push_back({index_base + r.first, idst + r.first, r.second - r.first});
  return bytes;
}

void CsbEngine::fetch_weights(int m, int64_t n, std::vector<int64_t>& ready) {
  std::vector<StreamRange> ranges;
  for (int g = 0; g < G_; ++g) {
    ready[size_t(g)] = 0;
    ranges.clear();
    const int64_t bytes = stream_ranges(m, n, g, ranges);
    for (const StreamRange& r : ranges)
      ready[size_t(g)] = std::max(ready[size_t(g)], streamer.fetch(r.addr, r.dst, r.bytes));
    ctx_.stats.groups[size_t(g)].weight_bytes_streamed += bytes;
  }
}

void CsbEngine::begin_iteration() {
  const MvmProgram& mv = mvm();
  const int a = int(n_ / mv.iter_cols), b = int(n_ % mv.iter_cols);
  iteration = n_;
  row_group = a;
  block_col = b;
  state = 2;
  if (b == 0) nab.clear(a % 2);
  iter_start_ = ctx_.cycle();
  if (deep())
    take_chunk();
  else
    std::swap(ready_cur_, ready_next_);
  waiting_ = (group_events ? G_ : 1) + (n_ + 1 < n_total_ ? 1 : 0);
  if (n_ + 1 < n_total_) {
    if (any_streamed_ && !deep()) fetch_weights(m_, n_ + 1, ready_next_);
    bnb.start_load(mv, n_ + 1, [this] { group_done(); });
  }
  int64_t span = 0;
  for (int g = 0; g < G_; ++g) {
    const int64_t stall = std::max<int64_t>(0, ready_cur_[size_t(g)] - iter_start_);
    span = std::max(span, groups[size_t(g)]->begin(m_, n_, stall, group_events));
  }
  if (!group_events) groups_done_.notify(span == 0 ? SC_ZERO_TIME : ctx_.cycles(span));
  next_ = Next::EndIter;
}

void CsbEngine::end_iteration() {
  const MvmProgram& mv = mvm();
  const int64_t now = ctx_.cycle();
  const int64_t D = now - iter_start_;
  issue_sum_ += D;
  int64_t E = 0, maxload = 0, sumload = 0, crit_stall = 0;
  for (auto& gp : groups) {
    if (gp->weight_stall + gp->load > E) crit_stall = gp->weight_stall;
    E = std::max(E, gp->weight_stall + gp->load);
    maxload = std::max(maxload, gp->load);
    sumload += gp->load;
  }
  const int64_t in_stall = D - E;
  CSBRNN_ASSERT(in_stall >= 0, "iteration shorter than its busiest group");
  SimStats& st = ctx_.stats;
  st.iterations++;
  st.engine_issue_cycles += D;
  st.stall_input_cycles += in_stall;
  if (st.record_iterations) st.iteration_cycles.push_back(D);
  st.stall_weight_cycles += E - maxload;
  if (E - maxload > 0 && crit_stall > 0) {
    // the causes of the busiest group's weight stall, scaled to what it lengthened the
    // iteration by: staging space first, then one unloaded fetch latency, the rest bandwidth
    add_weight_stall_causes(st, E - maxload, crit_stall, admit_wait_cur_,
                            ctx_.dram_unloaded_cycles);
  }
  if (deep() && !chunks_.empty() && chunks_.front().run == run_ && chunks_.front().n == n_) {
    staged_ -= chunks_.front().bytes;  // its tiles have issued: the staging space is free
    chunks_.pop_front();
  }
  if (deep() && any_streamed_) stream_advance();
  if (sumload > 0) {
    st.imbalance_sum += double(maxload) / (double(sumload) / G_);
    st.imbalance_iters++;
  }
  for (int g = 0; g < G_; ++g) {
    PeGroup& gp = *groups[size_t(g)];
    GroupStats& gs = st.groups[size_t(g)];
    gs.busy += gp.load;
    gs.stall_weights += gp.weight_stall;
    gs.stall_input += in_stall;
    gs.barrier_idle += E - gp.weight_stall - gp.load;
    // utilization picture: busy interval [iter_start + stall, + load)
    const int64_t s = iter_start_ + gp.weight_stall;
    add_busy_interval(st, size_t(g), s, s + gp.load);
  }
  const int b = int(n_ % mv.iter_cols);
  if (b == mv.iter_cols - 1) {
    // last iteration of the row-group: the pipeline drains (longer if the vertical path is used)
    const bool vertical = flat_[size_t(m_)].vertical[size_t(n_ / mv.iter_cols)] != 0;
    state = 3;
    next_ = Next::DrainDone;
    const int64_t d = timing::drain_cycles(ctx_.hw, vertical);
    if (d > 0) {
      next_trigger(ctx_.cycles(d));
    } else {
      go_.notify(SC_ZERO_TIME);  // handled in the next delta
    }
    return;
  }
  ++n_;
  begin_iteration();
  next_trigger(wake_);
}

void CsbEngine::record_walk(int g, int64_t start, const std::vector<int64_t>& load) {
  // the utilization picture of a walk that starts at `start` (cycles from the section start):
  // one busy interval per iteration, waiting for each slice set as the walk does
  int64_t t = start;
  std::vector<std::pair<int64_t, int64_t>> walk;
  for (size_t b = 0; b < load.size(); ++b) {
    t = std::max(t, rg_ready_[b]);
    const int64_t s = section_start_ + t, e = s + load[b];
    add_busy_interval(ctx_.stats, size_t(g), s, e);
    if (group_events && e > s) {  // the VCD's `busy`
      if (!walk.empty() && walk.back().second == s)
        walk.back().second = e;
      else
        walk.push_back({s, e});
    }
    t += load[b];
  }
  if (group_events) groups[size_t(g)]->trace_walk(std::move(walk));
}

void CsbEngine::rg_begin() {
  const MvmProgram& mv = mvm();
  const int a = rg_a_, B = mv.iter_cols;
  const int64_t now = ctx_.cycle(), R = now - section_start_;
  row_group = a;
  iteration = int64_t(a) * B;
  block_col = 0;
  state = 2;
  nab.clear(a % 2);
  rg_start_ = now;
  // every group's whole walk at once (its products in issue order), then its timing
  std::vector<int64_t> load(size_t(B), 0), busy(size_t(G_), 0);
  int64_t I = R, M = 0, tiles = 0;
  for (int g = 0; g < G_; ++g) {
    PeGroup& gp = *groups[size_t(g)];
    for (int b = 0; b < B; ++b) {
      gp.begin(m_, int64_t(a) * B + b, 0, false);
      load[size_t(b)] = gp.load;
      busy[size_t(g)] += gp.load;
    }
    I = std::max(I, timing::group_walk_end(R, load.data(), rg_ready_));
    M = std::max(M, busy[size_t(g)]);
    tiles += busy[size_t(g)];
    record_walk(g, R, load);
  }
  // statistics (docs/simulator.md "Row-group sync"): M(a) issue, I - R - M input stall
  const int64_t in_stall = I - R - M;
  SimStats& st = ctx_.stats;
  st.iterations += B;
  st.engine_issue_cycles += M;
  st.stall_input_cycles += in_stall;
  if (st.record_iterations) st.iteration_cycles.push_back(I - R);
  if (tiles > 0) {
    st.imbalance_sum += double(M) / (double(tiles) / G_);
    st.imbalance_iters++;
  }
  for (int g = 0; g < G_; ++g) {
    GroupStats& gs = st.groups[size_t(g)];
    gs.busy += busy[size_t(g)];
    gs.stall_input += in_stall;
    gs.barrier_idle += M - busy[size_t(g)];
  }
  issue_sum_ += I - R;
  next_ = Next::EndIter;
  if (I > R)
    next_trigger(ctx_.cycles(I - R));
  else
    next_trigger(SC_ZERO_TIME);
}

void CsbEngine::free_begin() {
  const MvmProgram& mv = mvm();
  const int a = rg_a_, B = mv.iter_cols;
  const int64_t now = ctx_.cycle(), R = now - section_start_;
  row_group = a;
  iteration = int64_t(a) * B;
  block_col = 0;
  state = 2;
  nab.clear(a % 2);  // row-group a-2's reduction is over (rg_proc waited for it)
  const int64_t red2 = a >= 2 ? rg_red_end_[size_t(a - 2)] : 0;
  std::vector<int64_t> load(size_t(B), 0);
  std::vector<char> vertical(size_t(G_), 0);
  int64_t M = 0, tiles = 0, first = -1, I = 0;
  for (int g = 0; g < G_; ++g) {
    PeGroup& gp = *groups[size_t(g)];
    int64_t busy = 0;
    for (int b = 0; b < B; ++b) {
      gp.begin(m_, int64_t(a) * B + b, 0, false);
      load[size_t(b)] = gp.load;
      busy += gp.load;
    }
    const int64_t S = a == 0 ? 0 : timing::free_group_start(fr_W_[size_t(g)], red2);
    CSBRNN_ASSERT(S >= R, "free sync: a group starts before its row-group was taken on");
    int64_t wait = 0;
    const int64_t W = timing::free_walk_end(S, load.data(), rg_ready_, &wait);
    fr_W_[size_t(g)] = W;
    fr_busy_[size_t(g)] += busy;
    fr_wait_[size_t(g)] += wait;
    first = first < 0 ? W : std::min(first, W);
    I = std::max(I, W);
    M = std::max(M, busy);
    tiles += busy;
    GroupStats& gs = ctx_.stats.groups[size_t(g)];
    gs.busy += busy;
    gs.stall_input += wait;
    if (B > 0) {
      const FlatItems fi = items(m_, int64_t(a) * B + B - 1, g);
      for (const FlatItem* f = fi.first; f != fi.last; ++f)
        if (uses_vertical_path(f->item.kind)) vertical[size_t(g)] = 1;
    }
    if (busy == 0) continue;
    record_walk(g, S, load);
  }
  // the accumulators of row-group a are final at D(a); its reduction follows in order
  rg_red_.push_back({a, section_start_ + timing::free_drain_end(ctx_.hw, fr_W_, vertical)});
  rg_red_kick_.notify(SC_ZERO_TIME);
  SimStats& st = ctx_.stats;
  st.iterations += B;
  st.engine_issue_cycles += M;
  // per row-group: I(a) - I(a-1), I(a) = max_g W_g(a) (I(-1) = 0; rg_start_ holds I(a-1))
  if (st.record_iterations) st.iteration_cycles.push_back(I - rg_start_);
  rg_start_ = I;
  if (tiles > 0) {
    st.imbalance_sum += double(M) / (double(tiles) / G_);
    st.imbalance_iters++;
  }
  next_ = Next::EndIter;  // row-group a+1 may be taken on once its first group is free
  if (first > R)
    next_trigger(ctx_.cycles(first - R));
  else
    next_trigger(SC_ZERO_TIME);
}

void CsbEngine::free_finish() {
  // statistics (docs/timing.md "Synchronisation", free): T = the last walk end; per group
  // barrier idle = T - busy - input wait; the MVM's input stall = the longest group input wait
  const int64_t T = fr_W_.empty() ? 0 : *std::max_element(fr_W_.begin(), fr_W_.end());
  int64_t stall = 0;
  for (int g = 0; g < G_; ++g) {
    ctx_.stats.groups[size_t(g)].barrier_idle += T - fr_busy_[size_t(g)] - fr_wait_[size_t(g)];
    stall = std::max(stall, fr_wait_[size_t(g)]);
  }
  ctx_.stats.stall_input_cycles += stall;
  issue_sum_ = T;
}

void CsbEngine::rg_end() {
  const MvmProgram& mv = mvm();
  const bool vertical = flat_[size_t(m_)].vertical[size_t(rg_a_)] != 0;
  rg_red_.push_back({rg_a_, ctx_.cycle() + timing::drain_cycles(ctx_.hw, vertical)});
  rg_red_kick_.notify(SC_ZERO_TIME);
  ++rg_a_;
  next_ = rg_a_ < mv.iter_rows ? Next::StartIter : Next::Finish;
}

void CsbEngine::rg_reduce_proc() {
  if (!reduce.idle()) {
    next_trigger(reduce.idle_event);
    return;
  }
  if (rg_reducing_) {  // the previous reduction has ended
    rg_reducing_ = false;
    ++rg_reduced_;
    rg_red_end_.push_back(ctx_.cycle() - section_start_);
    rg_reduced_ev_.notify(SC_ZERO_TIME);
  }
  if (rg_red_.empty()) {
    next_trigger(rg_red_kick_);
    return;
  }
  const int64_t now = ctx_.cycle();
  if (rg_red_.front().drain_end > now) {  // its pipeline drain is not over
    next_trigger(ctx_.cycles(rg_red_.front().drain_end - now));
    return;
  }
  reduce.start(mvm(), rg_red_.front().a, sec_.dst.addr);
  rg_red_.pop_front();
  rg_reducing_ = true;
  next_trigger(reduce.idle_event);
}

void CsbEngine::rg_proc() {
  const MvmProgram& mv = mvm();
  if (state == 1) {  // MVM start: all slice sets load once, row-group 0 starts at once
    rg_ready_ = timing::resident_ready_cycles(timing::slice_set_load_cycles(ctx_.hw, mv));
    bnb.load_all(mv, rg_ready_.empty() ? 0 : rg_ready_.back());
    rg_red_.clear();
    rg_reduced_ = 0;
    rg_reducing_ = false;
    rg_red_end_.clear();
    rg_a_ = 0;
    if (free_sync()) {
      fr_W_.assign(size_t(G_), 0);
      fr_busy_.assign(size_t(G_), 0);
      fr_wait_.assign(size_t(G_), 0);
      rg_start_ = 0;
      free_begin();
    } else {
      rg_begin();
    }
    return;
  }
  if (next_ == Next::EndIter) {
    if (free_sync()) {  // the first group has walked row-group a (its drain and reduction queued)
      ++rg_a_;
      next_ = rg_a_ < mv.iter_rows ? Next::StartIter : Next::Finish;
    } else {
      rg_end();
    }
  }
  if (next_ == Next::StartIter) {
    if (rg_reduced_ < rg_a_ - 1) {  // row-group a-1's reduction still holds the other NAB half
      state = 4;
      next_trigger(rg_reduced_ev_);
      return;
    }
    if (free_sync())
      free_begin();
    else
      rg_begin();
    return;
  }
  // Finish: the last row-group has issued; the MVM ends with the last reduction
  if (rg_reduced_ < mv.iter_rows) {
    state = 5;
    next_trigger(rg_reduced_ev_);
    return;
  }
  if (free_sync()) free_finish();
  add_engine_section(ctx_.stats, size_t(mv.layer), ctx_.cycle() - section_start_, issue_sum_,
                     sec_.count);
  state = 0;
  ctx_.section_done(Unit::Engine);
}

void CsbEngine::proc() {
  if (rg()) {
    rg_proc();
    return;
  }
  const MvmProgram& mv = mvm();
  if (state == 1) {  // MVM start: the first slices (and streamed tiles) load before any issue
    std::fill(ready_next_.begin(), ready_next_.end(), 0);
    if (any_streamed_ && deep())
      stream_advance();
    else if (any_streamed_)
      fetch_weights(m_, 0, ready_next_);
    waiting_ = 1;
    next_ = Next::StartIter;
    state = 6;  // first load (csb_engine.h lists the states)
    bnb.start_load(mv, 0, [this] { group_done(); });
    next_trigger(wake_);
    return;
  }
  switch (next_) {
    case Next::StartIter: {
      // with streamed weights the first iteration also waits for its tiles (inside the
      // iteration, as weight stall of the groups concerned)
      begin_iteration();
      next_trigger(wake_);
      return;
    }
    case Next::EndIter:
      if (waiting_ > 0) {
        next_trigger(wake_);
        return;
      }
      end_iteration();
      return;
    case Next::DrainDone: {
      if (!reduce.idle()) {  // the single reduction unit is still busy with row-group a-1
        state = 4;
        next_trigger(reduce.idle_event);
        return;
      }
      const int a = int(n_ / mv.iter_cols);
      reduce.start(mv, a, sec_.dst.addr);
      if (n_ + 1 < n_total_) {
        ++n_;
        begin_iteration();
        next_trigger(wake_);
        return;
      }
      state = 5;
      next_ = Next::Finish;
      next_trigger(reduce.idle_event);
      return;
    }
    case Next::Finish: {
      if (!reduce.idle()) {
        next_trigger(reduce.idle_event);
        return;
      }
      add_engine_section(ctx_.stats, size_t(mv.layer), ctx_.cycle() - section_start_, issue_sum_,
                         sec_.count);
      state = 0;
      ctx_.section_done(Unit::Engine);
      return;
    }
  }
}

}  // namespace csbrnn::sim
