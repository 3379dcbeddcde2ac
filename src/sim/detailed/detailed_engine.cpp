#include "sim/detailed/detailed_engine.h"

#include <algorithm>

#include "common/error.h"
#include "energy/counts.h"
#include "isa/semantics.h"

namespace csbrnn::sim::detailed {

using namespace sc_core;

namespace {
constexpr uint8_t kTile = 1, kTileV = 2, kMarker = 4, kMarkerV = 8;
// row-group sync: the drain markers of NAB half 1 (kMarker / kMarkerV: half 0)
constexpr uint8_t kMarker1 = 16, kMarkerV1 = 32;
// sharing.neighbours = 4: a from-down tile on the vertical path (its sums go to the group below)
constexpr uint8_t kTileVD = 64;
constexpr uint8_t kNoKind = 0xff;
}  // namespace

DetailedEngine::DetailedEngine(sc_module_name name, SimContext& ctx, CsbEngine& store,
                               VectorBankPorts& ports)
    : sc_module(name),
      clk("clk"),
      streamer("streamer", ctx, store),
      ctx_(ctx),
      st_(store),
      ports_(ports),
      K_(ctx.hw.engine.K),
      L_(ctx.hw.engine.L),
      G_(ctx.hw.engine.groups()),
      depth_(ctx.hw.engine.pipeline_depth()),
      vdepth_(ctx.hw.engine.pipeline_depth() + ctx.hw.engine.lat_vertical_path),
      loader_(ctx.hw.engine.L, ctx.hw.engine.neuron_load_width),
      reduce_(ctx.hw.engine.reduce_lanes, ctx.hw.engine.lat_reduce) {
  loader_.actions = &ctx_.stats.actions;
  loader_grant_.assign(size_t(L_), 1);
  if (ports_.enabled())
    client_ = ports_.add_client([this](int64_t c, std::vector<BankArbiter::Request>& out) {
      if (phase_ == Phase::Idle || c != work_cycle_) return;  // not working on cycle c
      for (int l = 0; l < L_; ++l)
        if (loader_.bank(l) >= 0)
          out.push_back({loader_.bank(l), BankArbiter::priority(BankArbiter::kLoader, l)});
    });
  const size_t G = size_t(G_);
  cur_.assign(G, nullptr);
  end_.assign(G, nullptr);
  item_left_.assign(G, 0);
  load_.assign(G, 0);
  done_at_.assign(G, 0);
  bubble_left_.assign(G, 0);
  link_wait_.assign(G, 0);
  vgap_.assign(G, 0);
  vgap_d_.assign(G, 0);
  local_w_.assign(G, 0);
  vq_.assign(G, 0);
  vq_start_.assign(G, 0);
  vqd_.assign(G, 0);
  vqd_start_.assign(G, 0);
  vq_rr_.assign(G, 0);
  last_kind_.assign(G, kNoKind);
  issuing_.assign(G, 0);
  vertical_iter_.assign(G, 0);
  wwait_.assign(G, 0);
  wstall_.assign(G, 0);
  occupancy_.assign(G, 0);
  rows_.assign(G, nullptr);
  row_tiles_.assign(G, 1);
  acc_nab_.assign(G, 0);
  acc_half_.assign(G, 0);
  reason.assign(G, kIdle);
  link_occupancy.assign(G, 0);
  link_occupancy_r.assign(G, 0);
  pipe_.assign(G * size_t(vdepth_), 0);
  bcur_.assign(G, 0);
  adv_.assign(G, 0);
  inwait_.assign(G, 0);
  inwait_cycles_.assign(G, 0);
  SC_METHOD(tick);
  sensitive << clk.pos() << kick_;
  dont_initialize();
}

void DetailedEngine::start_section(const Section& s) {
  CSBRNN_ASSERT(phase_ == Phase::Idle, name(), " started while busy");
  CSBRNN_ASSERT(s.op == Op::Mvm && s.mvm < ctx_.prog->mvms.size(), "bad Mvm section");
  CSBRNN_ASSERT((sc_time_stamp() - ctx_.origin).value() % ctx_.T.value() == 0,
                "detailed engine started between clock edges");
  sec_ = s;
  m_ = s.mvm;
  const MvmProgram& mv = ctx_.prog->mvms[size_t(m_)];
  n_ = 0;
  n_total_ = int64_t(mv.iter_rows) * mv.iter_cols;
  st_.nab.configure(mv.bh);
  // the knobs a job may set (read per section; the pipelines are sized at elaboration)
  const DetailedConfig& dc = ctx_.hw.detailed;
  fifo_links_ = dc.link_width > 0 || dc.link_fifo_depth > 0;
  const int width = dc.link_width > 0 ? dc.link_width : 1 << 30;
  hlink_.assign(size_t(G_), LinkFifo(width, dc.link_fifo_depth, dc.link_latency));
  hlink_r_.assign(size_t(G_), LinkFifo(width, dc.link_fifo_depth, dc.link_latency));
  accum_ports_ = dc.accum_ports;
  vtile_cycles_ = dc.link_width > 0 ? (ctx_.hw.engine.P + dc.link_width - 1) / dc.link_width : 1;
  raw_check_ = !dc.accum_forwarding;
  lat_acc_ = ctx_.hw.engine.lat_accumulate;
  lat_vpath_ = ctx_.hw.engine.lat_vertical_path;
  if (raw_check_) board_.configure(G_, mv.bh);
  vlink_depth_ = dc.vlink_fifo_depth;
  vcredit_.assign(size_t(G_), Credits(vlink_depth_));
  vcredit_d_.assign(size_t(G_), Credits(vlink_depth_));
  std::fill(vq_rr_.begin(), vq_rr_.end(), 0);  // each MVM's port arbitration: from below first
  input_ports_ = dc.input_ports;
  arbiter_.assign(size_t(L_), RoundRobinArbiter((ctx_.hw.sharing_neighbours == 4 ? 3 : 2) * K_));
  const int64_t b = ctx_.cycle();
  section_start_ = b;
  work_cycle_ = b;
  issue_sum_ = 0;
  phase_ = Phase::FirstLoad;
  state = 1;
  streamer.begin_mvm(m_, b);  // streamed weights of iteration 0 (or what the staging holds)
  rg_ = inputs_resident(ctx_.hw.engine.sync);
  free_ = ctx_.hw.engine.sync == SyncMode::Free;
  loader_.resident = rg_;
  loader_.start(mv, 0, ctx_.banks);
  if (rg_) {  // row-group 0 starts at once; its groups wait for slice set 0
    B_ = mv.iter_cols;
    rg_a_ = 0;
    resident_ = 0;
    red_done_ = 0;
    red_q_.clear();
    markers_ = markers1_ = 0;
    if (free_) {
      phase_ = Phase::Issue;
      state = 2;
      iteration = 0;
      ga_.assign(size_t(G_), 0);
      nabwait_.assign(size_t(G_), 0);
      fr_busy_.assign(size_t(G_), 0);
      fr_wait_.assign(size_t(G_), 0);
      fr_ended_[0] = fr_ended_[1] = 0;
      fr_M_[0] = fr_M_[1] = fr_sum_[0] = fr_sum_[1] = 0;
      fr_cleared_ = -1;
      rg_start_ = b;
      for (int g = 0; g < G_; ++g) free_enter(g, b);
    } else {
      begin_row_group(b);
    }
  }
  settle(b);
  streamer.issue(b);
  kick_.notify(SC_ZERO_TIME);
}

void DetailedEngine::tick() {
  const int64_t p = ctx_.cycle();
  if (phase_ != Phase::Idle && p == work_cycle_ + 1) {
    work(work_cycle_);
    work_cycle_ = p;
    settle(p);
  } else {
    CSBRNN_ASSERT(phase_ == Phase::Idle || p == work_cycle_, name(), ": missed a clock edge");
  }
  streamer.issue(p);  // the weight streamer's request of cycle p (also while the engine idles)
  if (phase_ == Phase::Idle && !streamer.busy())
    next_trigger(kick_);  // idle: not woken by the clock until the next section
  else
    next_trigger();
}

void DetailedEngine::start_item(int g, int64_t c) {
  const CsbEngine::FlatItem& f = *cur_[size_t(g)];
  const MicroItem& it = f.item;
  const uint8_t kind = uint8_t(it.kind);
  item_left_[size_t(g)] = f.tiles;
  if (last_kind_[size_t(g)] != kNoKind && last_kind_[size_t(g)] != kind)
    bubble_left_[size_t(g)] = ctx_.hw.detailed.item_bubble;
  if (it.kind == ItemKind::FromLeft && fifo_links_) {  // its inputs cross the link as flits
    hlink_[size_t(g)].start(it.cols, c);
    link_wait_[size_t(g)] = 1;
  } else if (it.kind == ItemKind::FromRight && fifo_links_) {  // over the leftward link
    hlink_r_[size_t(g)].start(it.cols, c);
    link_wait_[size_t(g)] = 2;
  } else if (it.kind == ItemKind::FromLeft || it.kind == ItemKind::FromRight) {
    // its inputs cross the link (the leftward one for from-right) meanwhile
    bubble_left_[size_t(g)] = std::max(bubble_left_[size_t(g)], ctx_.hw.detailed.link_latency);
  }
  last_kind_[size_t(g)] = kind;
  // the shared datapath: the item's products into its accumulators
  const MvmProgram& mv = ctx_.prog->mvms[size_t(m_)];
  const int64_t n =
      rg_ ? int64_t(free_ ? ga_[size_t(g)] : rg_a_) * B_ + bcur_[size_t(g)] : n_;  // its iteration
  const int k = g / L_, l = g % L_, bhalf = loader_.slot(mv, n), nhalf = int(n / mv.iter_cols) % 2;
  const GroupImage& image = st_.wbuf[size_t(g)]->images[size_t(m_)];
  GroupStats& gs = ctx_.stats.groups[size_t(g)];
  const int16_t* in = nullptr;
  int64_t* acc = nullptr;
  rows_[size_t(g)] = image.index.data() + it.index_ptr;  // the item's row indices (index memory)
  row_tiles_[size_t(g)] = std::max(1, (int(it.rows) + ctx_.hw.engine.P - 1) / ctx_.hw.engine.P);
  acc_nab_[size_t(g)] = it.kind == ItemKind::FromUp     ? st_.links.up(k, l)
                        : it.kind == ItemKind::FromDown ? st_.links.down(k, l)
                                                        : g;
  acc_half_[size_t(g)] = nhalf;
  switch (it.kind) {
    case ItemKind::Local:
      in = loader_.slice(bhalf, l);
      acc = st_.nab.at(nhalf, g);
      gs.tiles_local += f.tiles;
      break;
    case ItemKind::FromLeft: {
      const int left = st_.links.left(k, l);
      in = loader_.slice(bhalf, (l - 1 + L_) % L_);
      acc = st_.nab.at(nhalf, g);
      st_.links.h_tiles[size_t(left)] += f.tiles;
      gs.tiles_received_h += f.tiles;
      ctx_.stats.groups[size_t(left)].tiles_given_h += f.tiles;
      break;
    }
    case ItemKind::FromUp: {
      const int up = st_.links.up(k, l);
      in = loader_.slice(bhalf, l);
      acc = st_.nab.at(nhalf, up);
      st_.links.v_tiles[size_t(up)] += f.tiles;
      gs.tiles_received_v += f.tiles;
      ctx_.stats.groups[size_t(up)].tiles_given_v += f.tiles;
      vertical_iter_[size_t(g)] = 1;
      break;
    }
    case ItemKind::FromRight: {  // sharing.neighbours = 4: the right neighbour's BNB, leftward
      const int right = st_.links.right(k, l);
      in = loader_.slice(bhalf, (l + 1) % L_);
      acc = st_.nab.at(nhalf, g);
      st_.links.hl_tiles[size_t(right)] += f.tiles;
      gs.tiles_received_h += f.tiles;
      ctx_.stats.groups[size_t(right)].tiles_given_h += f.tiles;
      break;
    }
    case ItemKind::FromDown: {  // sharing.neighbours = 4: the sums return down to the giver
      const int down = st_.links.down(k, l);
      in = loader_.slice(bhalf, l);
      acc = st_.nab.at(nhalf, down);
      st_.links.vu_tiles[size_t(down)] += f.tiles;
      gs.tiles_received_v += f.tiles;
      ctx_.stats.groups[size_t(down)].tiles_given_v += f.tiles;
      vertical_iter_[size_t(g)] = 1;
      break;
    }
  }
  const int64_t issued = exec_micro_item(it, image, ctx_.hw.engine.P, ctx_.hw.engine.Q, in, acc);
  CSBRNN_ASSERT(issued == f.tiles, "tile count mismatch");
  energy::count_item(ctx_.stats.actions, it, ctx_.hw.engine.P, ctx_.hw.engine.Q);
  gs.useful_macs += f.macs;
  ctx_.stats.useful_macs += f.macs;
  ctx_.stats.tiles_issued += f.tiles;
}

void DetailedEngine::tile_rows(int g, const uint16_t*& rows, int& nrows) const {
  // the tile's row tile (row tiles are the inner loop of an item)
  const size_t gi = size_t(g);
  const int P = ctx_.hw.engine.P;
  const int i = int((cur_[gi]->tiles - item_left_[gi]) % row_tiles_[gi]);
  rows = rows_[gi] + size_t(i) * size_t(P);
  nrows = std::min(P, int(cur_[gi]->item.rows) - i * P);
}

int DetailedEngine::port_column(int g) const {
  if (input_ports_ == 0) return -1;
  const size_t gi = size_t(g);
  const ItemKind kind = cur_[gi]->item.kind;
  if ((kind == ItemKind::FromLeft || kind == ItemKind::FromRight) && fifo_links_)
    return -1;  // the link brought its inputs
  // the first row tile of a column tile reads its Q inputs; the others reuse them
  if ((cur_[gi]->tiles - item_left_[gi]) % row_tiles_[gi] != 0) return -1;
  const int l = g % L_;
  return kind == ItemKind::FromLeft    ? (l - 1 + L_) % L_
         : kind == ItemKind::FromRight ? (l + 1) % L_
                                       : l;
}

int DetailedEngine::port_requester(int g, int col) const {
  const int k = g / L_;
  // the column's own groups, then its right receivers, then (sharing.neighbours = 4) its left
  // receivers (on L = 2 those are the right receivers: one item at a time, one request)
  if (g % L_ == col) return k;
  return g % L_ == (col + 1) % L_ ? K_ + k : 2 * K_ + k;
}

bool DetailedEngine::raw_ready(int g, int64_t c) const {
  if (!raw_check_) return true;
  const size_t gi = size_t(g);
  const uint16_t* rows = nullptr;
  int nrows = 0;
  tile_rows(g, rows, nrows);
  const bool vertical_tile = uses_vertical_path(cur_[gi]->item.kind);
  const int64_t read = c + (vertical_tile ? vdepth_ : depth_) - lat_acc_;
  return board_.ready(acc_half_[gi], acc_nab_[gi], rows, nrows, read);
}

void DetailedEngine::issue_tile(int g, int64_t c, size_t bk) {
  const size_t gi = size_t(g);
  uint8_t* pipe = pipe_.data() + gi * size_t(vdepth_);
  const bool vertical_tile = uses_vertical_path(cur_[gi]->item.kind);
  const bool down = cur_[gi]->item.kind == ItemKind::FromDown;  // the link to the group below
  // the sequencer issues one tile of its current item into the pipeline
  pipe[0] |= down ? kTileVD : vertical_tile ? kTileV : kTile;
  if (vertical_tile) (down ? vgap_d_ : vgap_)[gi] = vtile_cycles_;
  if (vertical_tile) (down ? vcredit_d_ : vcredit_)[gi].take(vtile_cycles_);
  if (raw_check_) {
    const uint16_t* rows = nullptr;
    int nrows = 0;
    tile_rows(g, rows, nrows);
    if (vertical_tile && accum_ports_ > 0)
      board_.queue(acc_half_[gi], acc_nab_[gi], rows, nrows, down ? 1 : 0);  // when it gets a port
    else  // written at the end of cycle c + path - 1
      board_.write(acc_half_[gi], acc_nab_[gi], rows, nrows,
                   c + (vertical_tile ? vdepth_ : depth_));
  }
  ++occupancy_[gi];
  ++load_[gi];
  std::vector<int64_t>& buckets = ctx_.stats.busy_buckets[gi];
  if (buckets.size() <= bk) buckets.resize(bk + 1, 0);
  ++buckets[bk];
  if (--item_left_[gi] > 0) return;
  if (++cur_[gi] == end_[gi] && rg_) {  // row-group sync: on to the next iteration at c + 1
    ++bcur_[gi];
    adv_[gi] = 1;
  } else if (cur_[gi] == end_[gi]) {
    issuing_[gi] = 0;
    done_at_[gi] = c + 1;  // done raised at the end of its last issue cycle
  } else {
    start_item(g, c + 1);
  }
}

void DetailedEngine::work(int64_t c) {
  barrier_go = 0;
  if (ports_.enabled()) {  // the loader's bank reads of cycle c: the arbiter's grants
    ports_.resolve(c);
    int k = 0;
    loader_wait = 0;
    for (int l = 0; l < L_; ++l) {
      loader_grant_[size_t(l)] = loader_.bank(l) < 0 || ports_.granted(client_, k++);
      loader_wait += loader_grant_[size_t(l)] ? 0 : 1;
    }
    loader_.step(&loader_grant_);
  } else {
    loader_.step();
  }
  reduce_.step();
  if (phase_ == Phase::Issue && barrier_left_ > 0) --barrier_left_;
  SimStats& st = ctx_.stats;
  fit_buckets(st, c + 1);  // the utilization picture stays bounded (sim_stats.h)
  const size_t bk = size_t(c / st.bucket_cycles);
  if (accum_ports_ > 0) {
    vq_start_ = vq_;
    vqd_start_ = vqd_;
    std::fill(local_w_.begin(), local_w_.end(), 0);
  }
  for (int g = 0; g < G_; ++g) {
    const size_t gi = size_t(g);
    reason[gi] = issuing_[gi]                                        ? kIssue
                 : free_ && phase_ == Phase::Issue && nabwait_[gi]   ? kNabWait
                 : !free_ && phase_ == Phase::Issue && load_[gi] > 0 ? kBarrier
                                                                     : kIdle;
    if (occupancy_[gi] == 0 && !issuing_[gi]) continue;  // idle by its own state
    uint8_t* pipe = pipe_.data() + gi * size_t(vdepth_);
    if (occupancy_[gi] > 0) {  // the pipeline registers advance one stage
      for (int i = vdepth_ - 1; i >= 0; --i) {
        uint8_t v = pipe[i];
        if (!v) continue;
        pipe[i] = 0;
        uint8_t out = 0;
        if (i == depth_ - 1) out |= v & (kTile | kMarker | kMarker1);  // local path ends
        if (i == vdepth_ - 1)                                          // vertical path ends
          out |= v & (kTileV | kTileVD | kMarkerV | kMarkerV1);
        v = uint8_t(v & ~out);
        if (out & (kTile | kTileV | kTileVD)) --occupancy_[gi];
        if (accum_ports_ > 0 && (out & kTile)) ++local_w_[gi];
        if (accum_ports_ > 0 && (out & kTileV)) {  // to the holding FIFO of the giver's NAB
          ++vq_[size_t(st_.links.up(g / L_, g % L_))];
          ++vq_total_;
        } else if (accum_ports_ > 0 && (out & kTileVD)) {  // the giver below: its second FIFO
          ++vqd_[size_t(st_.links.down(g / L_, g % L_))];
          ++vq_total_;
        } else if (vlink_depth_ > 0 && (out & (kTileV | kTileVD))) {
          // its sums were written at the end of cycle c - 1 (its last stage): the entries'
          // credits cross back and are usable vertical_path + 1 cycles later
          (out & kTileVD ? vcredit_d_ : vcredit_)[gi].give_back(vtile_cycles_,
                                                                c - 1 + lat_vpath_ + 1);
        }
        if (out & (kMarker | kMarkerV)) --occupancy_[gi], --markers_;
        if (out & (kMarker1 | kMarkerV1)) --occupancy_[gi], --markers1_;
        if (v) pipe[i + 1] |= v;
      }
    }
    if (!issuing_[gi]) continue;
    if (wwait_[gi]) {  // the iteration's streamed weights: usable from their arrival cycle
      if (!streamer.ready(n_, g, c)) {
        reason[gi] = kWeightWait;
        continue;
      }
      wwait_[gi] = 0;
      wstall_[gi] = c - iter_start_;
      start_item(g, c);
    }
    if (link_wait_[gi] && (link_wait_[gi] == 2 ? hlink_r_ : hlink_)[gi].step(c))
      link_wait_[gi] = 0;  // last flit popped in c
    link_occupancy[gi] = hlink_[gi].occupancy();
    link_occupancy_r[gi] = hlink_r_[gi].occupancy();
    if (vgap_[gi] > 0) --vgap_[gi];  // the vertical link finishes the previous tile's sums
    if (vgap_d_[gi] > 0) --vgap_d_[gi];
    if (adv_[gi] || inwait_[gi]) {  // row-group sync: its next slice set is not resident
      reason[gi] = kInputWait;
      ++inwait_cycles_[gi];
      continue;
    }
    if (bubble_left_[gi] > 0) {
      --bubble_left_[gi];
      reason[gi] = kBubble;
      continue;
    }
    if (link_wait_[gi]) {  // stall: the item's inputs are still crossing the link
      reason[gi] = kLinkWait;
      continue;
    }
    const bool vertical_tile = uses_vertical_path(cur_[gi]->item.kind);
    const bool down = cur_[gi]->item.kind == ItemKind::FromDown;  // the link to the group below
    if (vertical_tile && (down ? vgap_d_ : vgap_)[gi] > 0) {  // stall: the vertical link is busy
      reason[gi] = kVLinkBusy;
      continue;
    }
    // the rule for both directions: no vertical tile while 2 of its results wait in the
    // holding FIFO of the giver's NAB (from below: vq_ of the upper group; from above: vqd_ of
    // the lower group)
    if (vertical_tile && accum_ports_ > 0 && vlink_depth_ == 0 &&
        (down ? vqd_start_[size_t(st_.links.down(g / L_, g % L_))]
              : vq_start_[size_t(st_.links.up(g / L_, g % L_))]) >= 2) {
      reason[gi] = kAccumFull;  // stall: the giver's accumulator ports are taken (back-pressure)
      continue;
    }
    if (vertical_tile && vlink_depth_ > 0 &&
        !(down ? vcredit_d_ : vcredit_)[gi].available(vtile_cycles_, c)) {
      reason[gi] = kVLinkCredit;  // stall: the vertical link's FIFO has no room for the sums
      continue;
    }
    if (!raw_ready(g, c)) {
      reason[gi] = kAccumRaw;  // stall: a row's last sum is not written back by the read
      continue;
    }
    const int col = port_column(g);
    if (col >= 0) {  // the tile reads its column tile's inputs: it needs a read port
      arbiter_[size_t(col)].request(port_requester(g, col));
      continue;  // issued after the arbitration below, if granted
    }
    issue_tile(g, c, bk);
  }
  if (input_ports_ > 0) {  // each BlockNeuronBuffer grants its read ports, round robin
    for (int col = 0; col < L_; ++col) {
      RoundRobinArbiter& a = arbiter_[size_t(col)];
      std::vector<int> who;  // the requesting groups, by requester index
      for (int k = 0; k < K_; ++k) {
        if (a.requested(k)) who.push_back(k * L_ + col);
        if (a.requested(K_ + k)) who.push_back(k * L_ + (col + 1) % L_);
        if (a.requested_any(2 * K_ + k)) who.push_back(k * L_ + (col - 1 + L_) % L_);
      }
      if (who.empty()) continue;
      a.arbitrate(input_ports_, granted_);
      for (int g : who) {
        if (!granted_[size_t(port_requester(g, col))])
          reason[size_t(g)] = kPortWait;  // stall: no read port of its input buffer this cycle
        else if (!raw_ready(g, c))        // a tile of the same rows issued earlier in this cycle
          reason[size_t(g)] = kAccumRaw;  // (the grant is lost)
        else
          issue_tile(g, c, bk);
      }
    }
  }
  if (accum_ports_ > 0 && vq_total_ > 0) {  // the ports left after the groups' own writes
    for (int u = 0; u < G_; ++u) {
      const size_t ui = size_t(u);
      // the ports left serve the two holding FIFOs (from below: vq_, from above: vqd_, four
      // neighbours only) alternately when both hold results, else the one that does
      int left = std::max(0, accum_ports_ - local_w_[ui]), nb = 0, na = 0;
      while (left > 0 && (vq_[ui] > nb || vqd_[ui] > na)) {
        const bool above = vqd_[ui] > na && (vq_rr_[ui] || vq_[ui] == nb);
        ++(above ? na : nb);
        vq_rr_[ui] = above ? 0 : 1;
        --left;
      }
      if (nb + na == 0) continue;
      vq_[ui] -= nb;
      vqd_[ui] -= na;
      vq_total_ -= nb + na;
      if (raw_check_) {
        if (nb > 0) board_.written(u, nb, c, 0);
        if (na > 0) board_.written(u, na, c, 1);
      }
      if (vlink_depth_ > 0) {  // written in cycle c by a port; the senders: below u, above u
        const int k = u / L_, l = u % L_;
        if (nb > 0)
          vcredit_[size_t(st_.links.down(k, l))].give_back(nb * vtile_cycles_, c + lat_vpath_ + 1);
        if (na > 0)
          vcredit_d_[size_t(st_.links.up(k, l))].give_back(na * vtile_cycles_, c + lat_vpath_ + 1);
      }
    }
  }
}

void DetailedEngine::begin_iteration(int64_t b) {
  const MvmProgram& mv = ctx_.prog->mvms[size_t(m_)];
  const int a = int(n_ / mv.iter_cols), bc = int(n_ % mv.iter_cols);
  iteration = n_;
  if (bc == 0) st_.nab.clear(a % 2);
  iter_start_ = b;
  loader_end_ = b;
  if (n_ + 1 < n_total_) loader_.start(mv, n_ + 1, ctx_.banks);
  streamer.begin_iteration(n_, b);  // staging 0: iteration n+1's chunk is fetched from now on
  barrier_left_ = -1;
  phase_ = Phase::Issue;
  state = 2;
  for (int g = 0; g < G_; ++g) {
    const size_t gi = size_t(g);
    const CsbEngine::FlatItems fi = st_.items(m_, n_, g);
    cur_[gi] = fi.first;
    end_[gi] = fi.last;
    load_[gi] = 0;
    last_kind_[gi] = kNoKind;
    bubble_left_[gi] = 0;
    vertical_iter_[gi] = 0;
    issuing_[gi] = fi.first != fi.last;
    done_at_[gi] = b;
    link_wait_[gi] = 0;
    vgap_[gi] = 0;
    vgap_d_[gi] = 0;
    wstall_[gi] = 0;
    wwait_[gi] = issuing_[gi] && !streamer.ready(n_, g, b);
    if (issuing_[gi] && !wwait_[gi]) start_item(g, b);
  }
}

void DetailedEngine::end_iteration(int64_t b) {
  const MvmProgram& mv = ctx_.prog->mvms[size_t(m_)];
  const int64_t D = b - iter_start_, ld = loader_end_ - iter_start_;
  int64_t E = 0, maxload = 0, sumload = 0;
  for (int g = 0; g < G_; ++g) {
    E = std::max(E, done_at_[size_t(g)] - iter_start_);
    maxload = std::max(maxload, load_[size_t(g)]);
    sumload += load_[size_t(g)];
  }
  const int64_t in_stall = std::max<int64_t>(0, ld - E);
  SimStats& st = ctx_.stats;
  st.iterations++;
  st.engine_issue_cycles += D;
  st.stall_input_cycles += in_stall;
  if (st.record_iterations) st.iteration_cycles.push_back(D);
  if (sumload > 0) {
    st.imbalance_sum += double(maxload) / (double(sumload) / G_);
    st.imbalance_iters++;
  }
  // weight stall (as the fast engine splits it): the busiest group's wait, by cause
  int64_t Ew = 0, crit = 0;
  for (int g = 0; g < G_; ++g)
    if (wstall_[size_t(g)] + load_[size_t(g)] > Ew) {
      Ew = wstall_[size_t(g)] + load_[size_t(g)];
      crit = wstall_[size_t(g)];
    }
  st.stall_weight_cycles += Ew - maxload;
  if (Ew - maxload > 0 && crit > 0)
    add_weight_stall_causes(st, Ew - maxload, crit, streamer.admit_wait(n_),
                            ctx_.dram_unloaded_cycles);
  for (int g = 0; g < G_; ++g) {
    GroupStats& gs = st.groups[size_t(g)];
    gs.busy += load_[size_t(g)];
    gs.stall_input += in_stall;
    gs.stall_weights += wstall_[size_t(g)];
    // imbalance, bubbles, barrier latency
    gs.barrier_idle += D - in_stall - wstall_[size_t(g)] - load_[size_t(g)];
  }
  issue_sum_ += D;
  streamer.end_iteration(n_, b);                // its chunk leaves the staging buffer
  if (n_ % mv.iter_cols == mv.iter_cols - 1) {  // the row-group's last iteration: drain markers
    for (int g = 0; g < G_; ++g) {
      pipe_[size_t(g) * size_t(vdepth_)] |= vertical_iter_[size_t(g)] ? kMarkerV : kMarker;
      ++occupancy_[size_t(g)];
    }
    markers_ += G_;
    phase_ = Phase::Drain;
    state = 4;
    return;
  }
  ++n_;
  begin_iteration(b);
}

void DetailedEngine::advance(int g, int64_t b) {
  const size_t gi = size_t(g);
  const int a = free_ ? ga_[gi] : rg_a_;
  if (free_ && bcur_[gi] == 0 && !adv_[gi] && !inwait_[gi]) {  // a row-group without its tiles:
    bool any = false;                                          // it waits for no input either
    for (int bb = 0; bb < B_ && !any; ++bb) {
      const CsbEngine::FlatItems fi = st_.items(m_, int64_t(a) * B_ + bb, g);
      any = fi.first != fi.last;
    }
    if (!any) bcur_[gi] = B_;
  }
  while (bcur_[gi] < B_) {
    if (bcur_[gi] >= resident_) {  // waits for its slice set
      adv_[gi] = 1;
      inwait_[gi] = 1;
      return;
    }
    inwait_[gi] = 0;
    const CsbEngine::FlatItems fi = st_.items(m_, int64_t(a) * B_ + bcur_[gi], g);
    cur_[gi] = fi.first;
    end_[gi] = fi.last;
    vertical_iter_[gi] = 0;  // the drain marker's path: a vertical tile of the last iteration
    if (fi.first != fi.last) {
      adv_[gi] = 0;
      start_item(g, b);
      return;
    }
    ++bcur_[gi];
  }
  adv_[gi] = inwait_[gi] = 0;
  issuing_[gi] = 0;  // its walk is over: done (raised at the end of its last issue cycle)
  done_at_[gi] = b;
  if (free_) free_walked(g, b);
}

void DetailedEngine::free_enter(int g, int64_t b) {
  const size_t gi = size_t(g);
  const int a = ga_[gi];
  if (a > fr_cleared_) {  // the first group into row-group a: its NAB half (a-2 reduced) clears
    st_.nab.clear(a % 2);
    fr_cleared_ = a;
  }
  iteration = std::max<int64_t>(iteration, int64_t(a) * B_);
  nabwait_[gi] = 0;
  bcur_[gi] = 0;
  load_[gi] = 0;
  adv_[gi] = inwait_[gi] = 0;
  last_kind_[gi] = kNoKind;
  bubble_left_[gi] = 0;
  link_wait_[gi] = 0;
  wwait_[gi] = 0;
  wstall_[gi] = 0;
  vertical_iter_[gi] = 0;
  done_at_[gi] = b;
  issuing_[gi] = 1;
  advance(g, b);
}

void DetailedEngine::free_walked(int g, int64_t b) {
  const size_t gi = size_t(g);
  const MvmProgram& mv = ctx_.prog->mvms[size_t(m_)];
  const int a = ga_[gi], h = a % 2;
  // its drain marker behind its last tile of a, tagged with a's NAB half
  const bool v = vertical_iter_[gi] != 0;
  pipe_[gi * size_t(vdepth_)] |= h ? (v ? kMarkerV1 : kMarker1) : (v ? kMarkerV : kMarker);
  ++occupancy_[gi];
  ++(h ? markers1_ : markers_);
  fr_busy_[gi] += load_[gi];
  fr_wait_[gi] += inwait_cycles_[gi];
  inwait_cycles_[gi] = 0;
  fr_M_[h] = std::max(fr_M_[h], load_[gi]);
  fr_sum_[h] += load_[gi];
  ctx_.stats.groups[gi].busy += load_[gi];
  if (++fr_ended_[h] == G_) {  // every group has walked a: its reduction may follow its drains
    SimStats& st = ctx_.stats;
    st.iterations += B_;
    st.engine_issue_cycles += fr_M_[h];
    if (st.record_iterations) st.iteration_cycles.push_back(b - rg_start_);
    rg_start_ = b;
    if (fr_sum_[h] > 0) {
      st.imbalance_sum += double(fr_M_[h]) / (double(fr_sum_[h]) / G_);
      st.imbalance_iters++;
    }
    fr_ended_[h] = 0;
    fr_M_[h] = fr_sum_[h] = 0;
    red_q_.push_back(a);
    rg_a_ = a + 1;  // row-groups walked by every group
  }
  ++ga_[gi];
  if (ga_[gi] >= mv.iter_rows) return;  // its walk of the MVM is over
  if (red_done_ >= ga_[gi] - 1)
    free_enter(g, b);  // S_g(a+1) = W_g(a): its NAB half is free
  else
    nabwait_[gi] = 1;  // waits for row-group a-1's reduction (settle_rg enters it then)
}

void DetailedEngine::free_finish() {
  int64_t T = 0, stall = 0;
  for (int g = 0; g < G_; ++g) T = std::max(T, done_at_[size_t(g)] - section_start_);
  for (int g = 0; g < G_; ++g) {
    GroupStats& gs = ctx_.stats.groups[size_t(g)];
    gs.stall_input += fr_wait_[size_t(g)];
    gs.barrier_idle += T - fr_busy_[size_t(g)] - fr_wait_[size_t(g)];
    stall = std::max(stall, fr_wait_[size_t(g)]);
  }
  ctx_.stats.stall_input_cycles += stall;
  issue_sum_ = T;
}

void DetailedEngine::begin_row_group(int64_t b) {
  const int a = rg_a_;
  iteration = int64_t(a) * B_;
  st_.nab.clear(a % 2);
  rg_start_ = iter_start_ = b;
  barrier_left_ = -1;
  phase_ = Phase::Issue;
  state = 2;
  for (int g = 0; g < G_; ++g) {
    const size_t gi = size_t(g);
    bcur_[gi] = 0;
    load_[gi] = 0;
    inwait_cycles_[gi] = 0;
    last_kind_[gi] = kNoKind;
    bubble_left_[gi] = 0;
    link_wait_[gi] = 0;
    wwait_[gi] = 0;
    wstall_[gi] = 0;
    done_at_[gi] = b;
    issuing_[gi] = 1;
    advance(g, b);
  }
}

void DetailedEngine::start_reduction(int a) {
  const MvmProgram& mv = ctx_.prog->mvms[size_t(m_)];
  std::vector<int64_t*> row(size_t(L_), nullptr);
  int rows = 0;
  for (int k = 0; k < K_; ++k) {
    const int br = a * K_ + k;
    if (br >= mv.BR) break;
    for (int l = 0; l < L_; ++l) row[size_t(l)] = st_.nab.at(a % 2, k * L_ + l);
    reduce_row_group(mv, br, row, sec_.dst.addr, ctx_.banks.acc);
    energy::count_reduce(ctx_.stats.actions, mv, br, L_);
    ++rows;
  }
  reduce_.start(a, int64_t(rows) * mv.bh);
}

void DetailedEngine::end_row_group(int64_t b) {
  const MvmProgram& mv = ctx_.prog->mvms[size_t(m_)];
  const int64_t D = b - rg_start_;
  int64_t E = 0, M = 0, sum = 0, wait = 0;
  for (int g = 0; g < G_; ++g) {
    E = std::max(E, done_at_[size_t(g)] - rg_start_);
    M = std::max(M, load_[size_t(g)]);
    sum += load_[size_t(g)];
    wait = std::max(wait, inwait_cycles_[size_t(g)]);
  }
  // input stall: what the walks' end lies past the busiest group's tiles, at most the longest
  // input wait (the rest is bubbles); with ideal knobs I(a) - R(a) - M(a) as in the fast mode
  const int64_t in_stall = std::max<int64_t>(0, std::min(E - M, wait));
  SimStats& st = ctx_.stats;
  st.iterations += B_;
  st.engine_issue_cycles += D - in_stall;
  st.stall_input_cycles += in_stall;
  if (st.record_iterations) st.iteration_cycles.push_back(D);
  if (sum > 0) {
    st.imbalance_sum += double(M) / (double(sum) / G_);
    st.imbalance_iters++;
  }
  for (int g = 0; g < G_; ++g) {
    GroupStats& gs = st.groups[size_t(g)];
    gs.busy += load_[size_t(g)];
    gs.stall_input += in_stall;
    gs.barrier_idle += D - in_stall - load_[size_t(g)];  // imbalance, bubbles, barrier latency
  }
  issue_sum_ += D;
  // drain markers behind every group's last tile, tagged with the row-group's NAB half
  const bool h1 = rg_a_ % 2 == 1;
  for (int g = 0; g < G_; ++g) {
    const bool v = vertical_iter_[size_t(g)] != 0;
    pipe_[size_t(g) * size_t(vdepth_)] |=
        h1 ? (v ? kMarkerV1 : kMarker1) : (v ? kMarkerV : kMarker);
    ++occupancy_[size_t(g)];
  }
  (h1 ? markers1_ : markers_) += G_;
  red_q_.push_back(rg_a_);
  ++rg_a_;
  if (rg_a_ >= mv.iter_rows) {
    phase_ = Phase::Final;
    state = 6;
  } else if (red_done_ >= rg_a_ - 1) {  // row-group a-1's reduction is over: the next goes now
    begin_row_group(b);
  } else {
    phase_ = Phase::WaitReduce;
    state = 5;
  }
}

void DetailedEngine::settle_rg(int64_t b) {
  const MvmProgram& mv = ctx_.prog->mvms[size_t(m_)];
  for (bool again = true; again;) {
    again = false;
    if (reduce_.finish_if_done()) {
      if (ctx_.row_group_reduced) ctx_.row_group_reduced(reduce_.row_group());
      ++red_done_;
      again = true;
    }
    if (loader_.busy() && loader_.finish_if_done()) {  // slice set resident_ is resident
      loader_end_ = b;
      if (++resident_ < B_) loader_.start(mv, resident_, ctx_.banks);
      again = true;
    }
    if (!red_q_.empty() && !reduce_.busy() && vq_total_ == 0 &&
        (red_q_.front() % 2 == 1 ? markers1_ : markers_) == 0) {  // drained, the unit is free
      start_reduction(red_q_.front());
      red_q_.erase(red_q_.begin());
      again = true;
    }
    switch (phase_) {
      case Phase::Issue: {
        bool all = true;
        for (int g = 0; g < G_; ++g) {
          if (adv_[size_t(g)]) advance(g, b);
          if (free_ && nabwait_[size_t(g)] && red_done_ >= ga_[size_t(g)] - 1) {
            free_enter(g, b);  // its NAB half has been reduced
            again = true;
          }
          all = all && !issuing_[size_t(g)] && !(free_ && nabwait_[size_t(g)]);
        }
        if (!all) break;
        if (free_) {  // every group has walked the whole MVM: the reductions remain
          phase_ = Phase::Final;
          state = 6;
          again = true;
          break;
        }
        if (!barrier_released()) break;
        end_row_group(b);  // go
        again = true;
        break;
      }
      case Phase::WaitReduce:
        if (red_done_ >= rg_a_ - 1) {
          begin_row_group(b);
          again = true;
        }
        break;
      case Phase::Final:
        if (red_done_ < mv.iter_rows) break;
        if (free_) free_finish();
        add_engine_section(ctx_.stats, size_t(mv.layer), b - section_start_, issue_sum_,
                           sec_.count);
        phase_ = Phase::Idle;
        state = 0;
        ctx_.section_done(Unit::Engine);
        break;
      default:
        break;
    }
  }
}

bool DetailedEngine::barrier_released() {
  // the done/go handshake: detailed.barrier_latency cycles after the last done, the go
  if (barrier_left_ < 0) barrier_left_ = ctx_.hw.detailed.barrier_latency;
  if (barrier_left_ > 0) {
    state = 3;
    return false;
  }
  barrier_go = 1;
  return true;
}

void DetailedEngine::settle(int64_t b) {
  if (rg_) {
    settle_rg(b);
    return;
  }
  for (bool again = true; again;) {
    again = false;
    if (reduce_.finish_if_done()) {
      if (ctx_.row_group_reduced) ctx_.row_group_reduced(reduce_.row_group());
      again = true;
    }
    if (loader_.busy() && loader_.finish_if_done()) loader_end_ = b;
    switch (phase_) {
      case Phase::Idle:
        break;
      case Phase::FirstLoad:
        if (!loader_.busy()) {
          begin_iteration(b);
          again = true;
        }
        break;
      case Phase::Issue: {
        bool all = !loader_.busy();
        for (int g = 0; all && g < G_; ++g) all = !issuing_[size_t(g)];
        if (!all) break;
        if (!barrier_released()) break;
        end_iteration(b);  // go
        again = true;
        break;
      }
      case Phase::Drain:
        if (markers_ == 0 && vq_total_ == 0) {
          phase_ = Phase::WaitReduce;
          state = 5;
          again = true;
        }
        break;
      case Phase::WaitReduce: {
        if (reduce_.busy()) break;
        start_reduction(int(n_ / ctx_.prog->mvms[size_t(m_)].iter_cols));
        if (n_ + 1 < n_total_) {
          ++n_;
          begin_iteration(b);
        } else {
          phase_ = Phase::Final;
          state = 6;
        }
        again = true;
        break;
      }
      case Phase::Final: {
        if (reduce_.busy()) break;
        const MvmProgram& mv = ctx_.prog->mvms[size_t(m_)];
        add_engine_section(ctx_.stats, size_t(mv.layer), b - section_start_, issue_sum_,
                           sec_.count);
        phase_ = Phase::Idle;
        state = 0;
        ctx_.section_done(Unit::Engine);
        break;
      }
    }
  }
}

}  // namespace csbrnn::sim::detailed
