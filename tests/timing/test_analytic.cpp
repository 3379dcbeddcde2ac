// Analytic timing on hand-built programs; every expected number is worked out from the rules
// (cycle_rules.h, docs/timing.md) in the comments.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "timing/analytic.h"

using namespace csbrnn;
using namespace csbrnn::timing;

namespace {

MicroItem item(ItemKind k, int rows, int cols) {
  MicroItem it;
  it.kind = k;
  it.rows = uint16_t(rows);
  it.cols = uint16_t(cols);
  return it;  // pointers are irrelevant to timing
}

// One MVM on a K x L machine of 2x2 PEs; micro[n*K*L + g] items given by the caller.
Program machine(int K, int L, int BR, int BC, int bh, std::vector<int> widths) {
  Program p;
  p.hw.engine.K = K;
  p.hw.engine.L = L;
  p.hw.engine.P = 2;
  p.hw.engine.Q = 2;
  p.num_layers = 1;
  MvmProgram m;
  m.bh = bh;
  m.bw = 4;
  m.BR = BR;
  m.BC = BC;
  m.iter_rows = (BR + K - 1) / K;
  m.iter_cols = (BC + L - 1) / L;
  for (int w : widths) m.col_slices.push_back(ColumnSlice{Operand{}, uint16_t(w)});
  m.micro.resize(size_t(m.iter_rows) * m.iter_cols * K * L);
  m.images.resize(size_t(K) * L);
  p.mvms.push_back(m);
  return p;
}

}  // namespace

TEST_CASE("rules: element-wise, transfer, load, drain, reduce", "[timing]") {
  HwConfig hw;  // lanes 16; latencies sum 1, mult 2, sigmoid 3, tanh 3; burst 64 B
  CHECK(eltwise_cycles(hw, EltUnit::Sum, 33) == 3 + 1);
  CHECK(eltwise_cycles(hw, EltUnit::Mult, 16) == 1 + 2);
  CHECK(eltwise_cycles(hw, EltUnit::Tanh, 1) == 1 + 3);
  CHECK(transfer_cycles(hw, 130) == 3);
  CHECK(neuron_load_cycles(hw, 17) == 2);
  CHECK(neuron_load_cycles(hw, 0) == 0);
  CHECK(drain_cycles(hw, false) == 1 + 1 + 2 + 1);
  CHECK(drain_cycles(hw, true) == 5 + 1);
  CHECK(reduce_cycles(hw, 32) == 2 + 2);      // 32 neurons at 16 lanes, latency 2
  CHECK(reduce_cycles(hw, 4 * 32) == 8 + 2);  // SR1: K = 4 block-rows of bh = 32
}

TEST_CASE("engine walk: input stall, vertical drain, two row-groups", "[timing]") {
  // 1x2 groups, 2 row-groups (a = 0,1), one b. Slices 4 and 2 wide, neuron_load_width 1 -> ld=4.
  Program p = machine(1, 2, 2, 2, 4, {4, 2});
  p.hw.engine.neuron_load_width = 1;
  MvmProgram& m = p.mvms[0];
  m.useful_macs = 20;
  m.micro[0].items = {item(ItemKind::Local, 2, 2)};                                // n=0 g0: 1 tile
  m.micro[1].items = {item(ItemKind::Local, 2, 2)};                                // n=0 g1: 1 tile
  m.micro[2].items = {item(ItemKind::Local, 1, 2)};                                // n=1 g0: 1 tile
  m.micro[3].items = {item(ItemKind::Local, 4, 1), item(ItemKind::FromUp, 4, 2)};  // 2 + 2
  // t = ld(0) = 4. n=0: M = 1, ld(1) = 4 -> lasts 4, stall 3 -> t = 8; drain 5 -> 13;
  // reduction ceil(4/16) + 2 = 3 -> 16. a=1 starts at max(13, 0) = 13. n=1: M = 4, no next
  // load -> t = 17; vertical used: drain 6 -> 23; reduction max(23, 16) + 3 = 26.
  const MvmTiming t = analyze_mvm(p, 0);
  CHECK(t.engine_cycles == 26);
  CHECK(t.first_load == 4);
  CHECK(t.issue_cycles == 5);
  CHECK(t.input_stall == 3);
  CHECK(t.drain_cycles == 11);
  CHECK(t.reduce_wait == 0);
  CHECK(t.reduce_tail == 3);
  CHECK(t.tiles == 7);
  CHECK(t.makespan == std::vector<int64_t>{1, 4});
  CHECK(t.imbalance == Approx((1.0 + 4.0 / 2.5) / 2));
  CHECK(t.pe_utilization == Approx(20.0 / (8 * 26)));
  CHECK(t.group_occupancy == Approx(7.0 / (2 * 26)));
  CHECK(t.groups[0].busy == 2);
  CHECK(t.groups[0].barrier_idle == 3);
  CHECK(t.groups[0].stall_input == 3);
  CHECK(t.groups[1].busy == 5);
  CHECK(t.groups[1].barrier_idle == 0);
  CHECK(t.groups[1].tiles_received_v == 2);
  CHECK(t.groups[1].tiles_given_v == 2);  // K = 1: the lower neighbour is the group itself
  CHECK(t.groups[0].tiles_received_h + t.groups[0].tiles_given_h + t.groups[1].tiles_received_h ==
        0);
  // the rest of the shared record (stats/stats.h): 26 - issue 5 - input stall 3 = 18 cycles
  // without issue; per group busy + barrier idle + input stall + overhead = the engine's 26
  CHECK(t.groups[0].engine_overhead == 18);
  CHECK(t.groups[1].engine_overhead == 18);
  CHECK(t.groups[0].tiles_local == 2);
  CHECK(t.groups[1].tiles_local == 3);
  CHECK(t.groups[0].useful_macs == 2 * 2 + 1 * 2);
  CHECK(t.groups[1].useful_macs == 2 * 2 + 4 * 1 + 4 * 2);
  CHECK(t.groups[1].k == 0);
  CHECK(t.groups[1].l == 1);
  CHECK(t.groups[0].outside + t.groups[0].stall_weights + t.groups[0].weight_bytes_total == 0);
  // the compile report keeps its keys for the group record
  TimingReport r;
  r.mvms.push_back(t);
  const nlohmann::json g = timing_json(r)["mvms"][0]["groups"][1];
  CHECK(g == nlohmann::json{{"busy", 5},
                            {"barrier_idle", 0},
                            {"input_stall", 3},
                            {"given_h", 0},
                            {"given_v", 2},
                            {"recv_h", 0},
                            {"recv_v", 2}});
}

TEST_CASE("engine walk: a row-group waits for the reduction two back", "[timing]") {
  // 1x1 group, 3 row-groups of one tile each, bh = 8, reduce_lanes 1 -> reduce = 8 + 2 = 10.
  Program p = machine(1, 1, 3, 1, 8, {4});
  p.hw.engine.reduce_lanes = 1;
  for (auto& gi : p.mvms[0].micro) gi.items = {item(ItemKind::Local, 2, 2)};
  // ld = 1. t = 1; a0: +max(1, ld=1) -> 2, drain -> 7, red 7..17.
  // a1: start max(7, -) = 7 -> 8, drain -> 13, red max(13, 17) = 17..27.
  // a2: start max(13, red a0 = 17) = 17 (waits 4) -> 18 (no next load), drain -> 23,
  //     red max(23, 27) = 27..37.
  const MvmTiming t = analyze_mvm(p, 0);
  CHECK(t.engine_cycles == 37);
  CHECK(t.reduce_wait == 4);
  CHECK(t.reduce_tail == 14);
}

TEST_CASE("program timing: words last as long as their longest section", "[timing]") {
  Program p = machine(1, 1, 1, 1, 4, {4});
  p.mvms[0].micro[0].items = {item(ItemKind::Local, 4, 4)};  // 4 tiles
  p.mvms[0].rows = 4;
  auto sec = [](Unit u, Op op, uint32_t n) {
    Section s;
    s.unit = u;
    s.op = op;
    s.count = n;
    return s;
  };
  p.words.push_back({{sec(Unit::Load, Op::LoadX, 100)}});  // 200 B -> 4
  p.words.push_back({{sec(Unit::Engine, Op::Mvm, 4)}});    // engine
  p.words.push_back({{sec(Unit::Sum1, Op::BiasWb, 4), sec(Unit::Tanh, Op::Tanh, 40)}});  // 2|6
  // Engine: ld 1, M 4 -> 5, drain 5 -> 10, reduce 1 + 2 -> 13.
  const TimingReport r = analyze(p);
  CHECK(r.word_cycles == std::vector<int64_t>{4, 13, 6});
  CHECK(r.cycles_per_step == 23);
  CHECK(r.latency_us == Approx(23 / 200.0));
  CHECK(r.frames_per_s == Approx(200e6 / 23));
  CHECK(r.layers[0].eltwise_cycles == 2 + 6);
  CHECK(r.layers[0].load_store_cycles == 4);
  CHECK(timing_json(r)["mvms"][0]["engine_cycles"] == 13);
  // a run of 3 timesteps: per group 4 busy, 13 - 4 = 9 engine overhead, 23 - 13 = 10 outside
  // per step (they add up to the 23 cycles of a step)
  const auto g = run_groups(r, 3);
  REQUIRE(g.size() == 1);
  CHECK(g[0].busy == 12);
  CHECK(g[0].engine_overhead == 27);
  CHECK(g[0].outside == 30);
  CHECK(g[0].busy + g[0].barrier_idle + g[0].stall_input + g[0].engine_overhead + g[0].outside ==
        r.total_cycles(3));
  CHECK(g[0].tiles_local == 12);
  const auto l = run_layers(r, 3);
  REQUIRE(l.size() == 1);
  CHECK(l[0].cycles == 69);
  CHECK(l[0].engine_cycles == 39);
  CHECK(l[0].eltwise_cycles == 24);
  CHECK(l[0].load_store_cycles == 12);
}

TEST_CASE("compile report: every timing key documented in docs/timing.md", "[timing]") {
  Program p = machine(1, 1, 1, 1, 4, {4});
  p.mvms[0].micro[0].items = {item(ItemKind::Local, 4, 4)};
  const nlohmann::json j = timing_json(analyze(p));
  const std::string md = timing_markdown();
  REQUIRE(j.contains("mvms"));
  REQUIRE(j["mvms"].size() == 1);
  size_t keys = 0;
  for (auto it = j.begin(); it != j.end(); ++it, ++keys) {
    INFO(it.key());
    CHECK(md.find("| `" + it.key() + "` | ") != std::string::npos);
  }
  const nlohmann::json& m = j["mvms"][0];
  for (auto it = m.begin(); it != m.end(); ++it, ++keys) {
    INFO(it.key());
    CHECK(md.find("| `mvms[]." + it.key() + "` | ") != std::string::npos);
  }
  // one row per key, each with a unit and a description
  size_t rows = 0;
  for (size_t at = md.find("\n| `"); at != std::string::npos; at = md.find("\n| `", at + 1)) {
    ++rows;
    const std::string line = md.substr(at + 1, md.find('\n', at + 1) - at - 1);
    INFO(line);
    CHECK(line.find("|  |") == std::string::npos);
    CHECK(std::count(line.begin(), line.end(), '|') == 5);
  }
  CHECK(rows == keys);
  std::ifstream f(std::string(CSBRNN_SOURCE_DIR) + "/docs/timing.md");
  std::stringstream doc;
  doc << f.rdbuf();
  INFO("docs/timing.md \"Compile report\" must contain exactly:\n" << md);
  CHECK(doc.str().find(md) != std::string::npos);
}

namespace {

// An item of `tiles` tiles on the 2x2-PE machine(): 2 rows x 2*tiles columns.
MicroItem tiles_item(ItemKind k, int tiles) {
  return item(k, 2, 2 * tiles);
}

}  // namespace

TEST_CASE("engine walk: row-group sync against iteration sync, hand-worked", "[timing]") {
  // 2x2 groups (g = 2k + l), 2 row-groups x 2 iteration columns (BR = BC = 4), bh = 4, four
  // slices 4 wide at neuron_load_width 1 -> ld(b) = 4. Drain 5 (+1 with a vertical tile),
  // reduction of 2 block-rows x 4 = 8 neurons: ceil(8/16) + 2 = 3. Tiles per group:
  //   (a0,b0): g0 3, g1 1, g2 1, g3 1      (a0,b1): g0 1, g1 3, g2 1, g3 1
  //   (a1,b0): 2, 2, 2, 2                  (a1,b1): 1, 1, 1, g3 1 local + 1 from up (g1)
  // Iteration sync: t = ld(0) = 4; (0,0) M 3 < ld 4 -> 8 (stall 1); (0,1) M 3 < ld 4 -> 12
  // (stall 1); drain 5 -> 17; reduction 17..20. a1 starts at max(17, 0) = 17; (1,0) M 2 < ld 4
  // -> 21 (stall 2); (1,1) M 2, last -> 23; vertical drain 6 -> 29; reduction max(29, 20) + 3
  // = 32. issue 3+3+2+2 = 10, input stall 4, barrier idle g0 = 0+2+0+1 = 3, g3 = 2+2+0+0 = 4.
  // Row-group sync: ready = (4, 8). a0 from R = 0: g0 waits to 4, 3 tiles -> 7, waits to 8,
  // 1 -> 9; g1 4 -> 5, 8 -> 11; g2, g3 -> 9. I(0) = 11, M(0) = 4 (g0, g1), input stall
  // 11 - 0 - 4 = 7; drain 5 -> 16; reduction 16..19. a1: R = max(I(0) = 11, 0) = 11 (the
  // drain overlaps); inputs resident; g0..g2 11 + 3 = 14, g3 11 + 4 = 15 = I(1); M(1) = 4,
  // stall 0; vertical drain 6 -> 21; reduction max(21, 19) + 3 = 24. issue 8, input stall 7,
  // barrier idle: a0 (4-4, 4-4, 4-2, 4-2), a1 (4-3, 4-3, 4-3, 4-4) -> g0 1, g1 1, g2 3, g3 2;
  // overhead 24 - 8 - 7 = 9 (per group busy + idle + stall + overhead = 24).
  Program p = machine(2, 2, 4, 4, 4, {4, 4, 4, 4});
  p.hw.engine.neuron_load_width = 1;
  MvmProgram& m = p.mvms[0];
  const int t[4][4] = {{3, 1, 1, 1}, {1, 3, 1, 1}, {2, 2, 2, 2}, {1, 1, 1, 1}};
  for (int n = 0; n < 4; ++n)
    for (int g = 0; g < 4; ++g)
      m.micro[size_t(n) * 4 + g].items = {tiles_item(ItemKind::Local, t[n][g])};
  m.micro[3 * 4 + 3].items.push_back(tiles_item(ItemKind::FromUp, 1));
  m.useful_macs = 4 * 25;  // 25 tiles of 2x2 MACs

  const MvmTiming it = analyze_mvm(p, 0);
  CHECK(it.engine_cycles == 32);
  CHECK(it.issue_cycles == 10);
  CHECK(it.input_stall == 4);
  CHECK(it.reduce_wait == 0);
  CHECK(it.drain_cycles == 11);
  CHECK(it.groups[0].barrier_idle == 3);
  CHECK(it.groups[3].barrier_idle == 4);

  p.hw.engine.sync = SyncMode::RowGroup;
  const MvmTiming rg = analyze_mvm(p, 0);
  CHECK(rg.engine_cycles == 24);
  CHECK(rg.first_load == 4);
  CHECK(rg.issue_cycles == 8);
  CHECK(rg.input_stall == 7);
  CHECK(rg.reduce_wait == 0);
  CHECK(rg.drain_cycles == 11);
  CHECK(rg.reduce_tail == 3);
  CHECK(rg.reduce_end == std::vector<int64_t>{19, 24});
  CHECK(rg.tiles == 25);           // a0: 6 + 6, a1: 8 + 5
  CHECK(rg.makespan.size() == 4);  // iterations = A x B, unchanged
  const int64_t busy[4] = {7, 7, 5, 6}, idle[4] = {1, 1, 3, 2};
  for (int g = 0; g < 4; ++g) {
    INFO("group " << g);
    CHECK(rg.groups[size_t(g)].busy == busy[g]);
    CHECK(it.groups[size_t(g)].busy == busy[g]);
    CHECK(rg.groups[size_t(g)].barrier_idle == idle[g]);
    CHECK(rg.groups[size_t(g)].stall_input == 7);
    CHECK(rg.groups[size_t(g)].engine_overhead == 9);
  }
  CHECK(rg.groups[1].tiles_given_v == 1);
  CHECK(rg.group_occupancy == Approx(25.0 / (4 * 24)));
  CHECK(rg.pe_utilization == Approx(100.0 / (16 * 24)));
  // imbalance: mean over row-groups of M(a) / (tiles(a) / G) = (4 / (12/4) + 4 / (13/4)) / 2
  CHECK(rg.imbalance == Approx((4.0 / 3.0 + 4.0 / 3.25) / 2));
}

TEST_CASE("engine walk: row-group sync waits for the reduction two back", "[timing]") {
  // 1x1 group, 3 row-groups of one tile, bh = 8, reduce_lanes 1 -> reduction 8 + 2 = 10; one
  // slice 4 wide -> ld = 1, ready = (1). a0: R 0, waits to 1, I 2, drain -> 7, reduction 7..17.
  // a1: R = max(2, -) = 2, I 3, drain -> 8, reduction max(8, 17)..27. a2: R = max(I(1) = 3,
  // red(0) = 17) = 17 (reduce_wait 14), I 18, drain -> 23, reduction max(23, 27)..37.
  Program p = machine(1, 1, 3, 1, 8, {4});
  p.hw.engine.reduce_lanes = 1;
  p.hw.engine.sync = SyncMode::RowGroup;
  for (auto& gi : p.mvms[0].micro) gi.items = {item(ItemKind::Local, 2, 2)};
  const MvmTiming t = analyze_mvm(p, 0);
  CHECK(t.engine_cycles == 37);
  CHECK(t.reduce_wait == 14);
  CHECK(t.reduce_tail == 14);
  CHECK(t.input_stall == 1);
  CHECK(t.issue_cycles == 3);
}

TEST_CASE("engine walk: row-group sync equals a cycle-stepped event walk", "[timing]") {
  // Random programs; the reference steps every group cycle by cycle: at cycle c a group at
  // iteration b with tiles left issues one if slice set b is resident (c >= ready(b), the loader
  // having loaded sets 0..b one after the other), and moves on when b is done; a row-group's
  // issue ends when every group has left its last iteration, the next one starts when that has
  // happened and the reduction two back has ended; drain and reduction as specified.
  std::mt19937 rng(77);
  auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int inst = 0; inst < 300; ++inst) {
    const int K = uni(1, 3), L = uni(1, 3), A = uni(1, 4), B = uni(1, 4);
    const int BR = (A - 1) * K + uni(1, K), BC = (B - 1) * L + uni(1, L), bh = uni(1, 12);
    std::vector<int> widths(static_cast<size_t>(BC));
    for (auto& w : widths) w = uni(1, 40);
    Program p = machine(K, L, BR, BC, bh, widths);
    p.hw.engine.sync = SyncMode::RowGroup;
    p.hw.engine.neuron_load_width = uni(1, 8);
    p.hw.engine.reduce_lanes = uni(1, 16);
    p.hw.engine.lat_vertical_path = uni(0, 3);
    MvmProgram& m = p.mvms[0];
    const size_t G = size_t(K) * L;
    std::vector<int> load(m.micro.size(), 0);
    std::vector<char> vert(size_t(A) * B, 0);
    for (size_t x = 0; x < m.micro.size(); ++x) {
      const int lt = uni(0, 4), vt = uni(0, 3) == 0 ? uni(1, 2) : 0;
      if (lt) m.micro[x].items.push_back(tiles_item(ItemKind::Local, lt));
      if (vt) m.micro[x].items.push_back(tiles_item(ItemKind::FromUp, vt));
      load[x] = lt + vt;
      if (vt) vert[x / G] = 1;
    }
    // loader, cycle by cycle: set b is loading while its words arrive, resident after them
    std::vector<int64_t> ready(static_cast<size_t>(B));
    int64_t c = 0;
    for (int b = 0; b < B; ++b) {
      int w = 0;
      for (int l = 0; l < L; ++l)
        if (b * L + l < BC) w = std::max(w, widths[size_t(b) * L + l]);
      for (int left = w; left > 0; left -= p.hw.engine.neuron_load_width) ++c;
      ready[size_t(b)] = c;
    }
    const int64_t drain = p.hw.engine.pipeline_depth(),
                  vdrain = drain + p.hw.engine.lat_vertical_path;
    int64_t R = 0, Iprev = 0, red1 = 0, red2 = 0, engine = 0;  // red1 = red_end(a-1), red2 = (a-2)
    int64_t issue = 0, stall = 0, wait = 0;
    std::vector<int64_t> busy(G, 0), idle(G, 0);
    for (int a = 0; a < A; ++a) {
      if (a > 0) {
        R = std::max(Iprev, red2);
        wait += R - Iprev;
      }
      int64_t I = R, M = 0;
      for (size_t g = 0; g < G; ++g) {
        int b = 0;
        int64_t left = load[(size_t(a) * B) * G + g], done = -1, sum = 0;
        for (int bb = 0; bb < B; ++bb) sum += load[(size_t(a) * B + bb) * G + g];
        for (int64_t cyc = R; done < 0; ++cyc) {
          while (b < B && left == 0 && cyc >= ready[size_t(b)]) {
            ++b;
            if (b < B) left = load[(size_t(a) * B + b) * G + g];
          }
          if (b == B) {
            done = cyc;
            break;
          }
          if (cyc >= ready[size_t(b)] && left > 0) --left;
        }
        I = std::max(I, done);
        M = std::max(M, sum);
        busy[g] += sum;
        idle[g] -= sum;
      }
      for (size_t g = 0; g < G; ++g) idle[g] += M;
      issue += M;
      stall += I - R - M;
      const int64_t D = I + (vert[size_t(a) * B + B - 1] ? vdrain : drain);
      const int64_t rows = std::min(K, BR - a * K);
      const int64_t red = std::max(D, red1) +
                          (rows * bh + p.hw.engine.reduce_lanes - 1) / p.hw.engine.reduce_lanes +
                          p.hw.engine.lat_reduce;
      red2 = red1;
      red1 = red;
      Iprev = I;
      engine = red;
    }
    const MvmTiming t = analyze_mvm(p, 0);
    INFO("instance " << inst << " K " << K << " L " << L << " A " << A << " B " << B);
    REQUIRE(t.engine_cycles == engine);
    CHECK(t.issue_cycles == issue);
    CHECK(t.input_stall == stall);
    CHECK(t.reduce_wait == wait);
    for (size_t g = 0; g < G; ++g) {
      CHECK(t.groups[g].busy == busy[g]);
      CHECK(t.groups[g].barrier_idle == idle[g]);
      CHECK(t.groups[g].stall_input == stall);
    }
  }
}

TEST_CASE("engine walk: free sync against row-group and iteration sync, hand-worked", "[timing]") {
  // 2x2 groups (g = 2k + l), 3 row-groups x 1 iteration column (BR = 6, BC = 2), bh = 4, two
  // slices 2 wide at neuron_load_width 1 -> ld = 2, ready = (2). Drain 5 (+1 vertical), reduction
  // of 2 block-rows x 4 = 8 neurons: ceil(8/16) + 2 = 3. Tiles per group (g0, g1, g2, g3):
  //   a0: 10, 2, 2, 2     a1: 2, 10, 2, 2 + 1 from up (g3 receives from g1)     a2: 2, 2, 10, 2
  // Iteration sync: t = ld(0) = 2; a0 M 10 -> 12 (the reload, 2, hides); drain 5 -> 17,
  //   reduction 17..20. a1 at 17, M 10 -> 27, vertical drain 6 -> 33, reduction 33..36. a2 at
  //   max(33, 20) = 33 -> 43, drain -> 48, reduction max(48, 36) + 3 = 51.
  // Row-group sync: a0 R 0: g0 waits to 2, -> 12, others -> 4; I 12, D 17, red 20. a1 R 12:
  //   g1 -> 22 (g3 12 + 3 = 15); I 22, D 22 + 6 = 28, red max(28, 20) + 3 = 31. a2 R = max(22,
  //   red(0) 20) = 22: g2 -> 32; I 32, D 37, red max(37, 31) + 3 = 40.
  // Free sync: a0 S = 0: W = (12, 4, 4, 4) (each waits 2 for slice set 0); D(0) = 12 + 5 = 17,
  //   red(0) = 20. a1 S_g = W_g(0) (red(-1) = 0): g0 12 -> 14, g1 4 -> 14, g2 4 -> 6, g3 4 -> 7;
  //   D(1) = max(14 + 5, 14 + 5, 6 + 5, 7 + 6) = 19 (the vertical drain is g3's only),
  //   red(1) = max(19, 20) + 3 = 23. a2 S_g = max(W_g(1), red(0) = 20) = 20 for all (they wait
  //   for NAB half 0: 6, 6, 14, 13 cycles): g2 -> 30, others -> 22; D(2) = 35,
  //   red(2) = max(35, 23) + 3 = 38. So free 38 < row-group 40 < iteration 51.
  // Free statistics: issue_cycles = M(0) + M(1) + M(2) = 30; T = max_g W_g(2) = 30; busy
  //   (14, 14, 14, 7); input wait 2 each (the MVM's input_stall = the longest, 2); barrier idle =
  //   T - busy - wait = (14, 14, 14, 21); overhead 38 - 30 = 8; drain_cycles = sum D(a) - max_g
  //   W_g(a) = 5 + 5 + 5 = 15; reduce_wait = sum_a>=1 of the longest NAB-half wait = 0 + 14.
  Program p = machine(2, 2, 6, 2, 4, {2, 2});
  p.hw.engine.neuron_load_width = 1;
  MvmProgram& m = p.mvms[0];
  const int t[3][4] = {{10, 2, 2, 2}, {2, 10, 2, 2}, {2, 2, 10, 2}};
  for (int a = 0; a < 3; ++a)
    for (int g = 0; g < 4; ++g)
      m.micro[size_t(a) * 4 + g].items = {tiles_item(ItemKind::Local, t[a][g])};
  m.micro[1 * 4 + 3].items.push_back(tiles_item(ItemKind::FromUp, 1));
  m.useful_macs = 4 * 49;

  CHECK(analyze_mvm(p, 0).engine_cycles == 51);
  p.hw.engine.sync = SyncMode::RowGroup;
  CHECK(analyze_mvm(p, 0).engine_cycles == 40);
  p.hw.engine.sync = SyncMode::Free;
  const MvmTiming f = analyze_mvm(p, 0);
  CHECK(f.engine_cycles == 38);
  CHECK(f.first_load == 2);
  CHECK(f.reduce_end == std::vector<int64_t>{20, 23, 38});
  CHECK(f.issue_cycles == 30);
  CHECK(f.input_stall == 2);
  CHECK(f.drain_cycles == 15);
  CHECK(f.reduce_wait == 14);
  CHECK(f.reduce_tail == 3);
  CHECK(f.tiles == 49);
  const int64_t busy[4] = {14, 14, 14, 7}, idle[4] = {14, 14, 14, 21};
  for (int g = 0; g < 4; ++g) {
    INFO("group " << g);
    CHECK(f.groups[size_t(g)].busy == busy[g]);
    CHECK(f.groups[size_t(g)].barrier_idle == idle[g]);
    CHECK(f.groups[size_t(g)].stall_input == 2);
    CHECK(f.groups[size_t(g)].engine_overhead == 8);
  }
  CHECK(f.group_occupancy == Approx(49.0 / (4 * 38)));
}

TEST_CASE("engine walk: free sync equals a cycle-stepped event walk", "[timing]") {
  // Random programs; the reference steps every group cycle by cycle through all row-groups: a
  // group entering row-group a waits (cycle by cycle) until the reduction of a-2 has ended, then
  // at iteration b with tiles left issues one per cycle once slice set b is resident and moves
  // on when b is done (a group without tiles in a moves straight on); row-group a's
  // accumulators are final when every group's own drain (after its last tile of a; longer if it
  // issued a vertical tile in a's last iteration) is over; one reduction unit, in order.
  std::mt19937 rng(78);
  auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int inst = 0; inst < 300; ++inst) {
    const int K = uni(1, 3), L = uni(1, 3), A = uni(1, 5), B = uni(1, 4);
    const int BR = (A - 1) * K + uni(1, K), BC = (B - 1) * L + uni(1, L), bh = uni(1, 12);
    std::vector<int> widths(static_cast<size_t>(BC));
    for (auto& w : widths) w = uni(1, 40);
    Program p = machine(K, L, BR, BC, bh, widths);
    p.hw.engine.sync = SyncMode::Free;
    p.hw.engine.neuron_load_width = uni(1, 8);
    p.hw.engine.reduce_lanes = uni(1, 16);
    p.hw.engine.lat_vertical_path = uni(0, 3);
    MvmProgram& m = p.mvms[0];
    const size_t G = size_t(K) * L;
    std::vector<int> load(m.micro.size(), 0);
    std::vector<char> vert(m.micro.size(), 0);
    for (size_t x = 0; x < m.micro.size(); ++x) {
      const int lt = uni(0, 5) < 2 ? 0 : uni(1, 6), vt = uni(0, 3) == 0 ? uni(1, 2) : 0;
      if (lt) m.micro[x].items.push_back(tiles_item(ItemKind::Local, lt));
      if (vt) m.micro[x].items.push_back(tiles_item(ItemKind::FromUp, vt));
      load[x] = lt + vt;
      vert[x] = vt > 0;
    }
    std::vector<int64_t> ready(static_cast<size_t>(B));
    int64_t c = 0;
    for (int b = 0; b < B; ++b) {
      int w = 0;
      for (int l = 0; l < L; ++l)
        if (b * L + l < BC) w = std::max(w, widths[size_t(b) * L + l]);
      for (int left = w; left > 0; left -= p.hw.engine.neuron_load_width) ++c;
      ready[size_t(b)] = c;
    }
    const int64_t drain = p.hw.engine.pipeline_depth(),
                  vdrain = drain + p.hw.engine.lat_vertical_path;
    std::vector<int64_t> red(size_t(A), 0), at(G, 0), wait(G, 0), busy(G, 0);
    int64_t issue = 0, prev_red = 0;
    for (int a = 0; a < A; ++a) {
      int64_t D = 0, M = 0;
      for (size_t g = 0; g < G; ++g) {
        int64_t cyc = at[g], sum = 0;
        for (int b = 0; b < B; ++b) sum += load[(size_t(a) * B + b) * G + g];
        while (a >= 2 && cyc < red[size_t(a - 2)]) ++cyc;  // NAB half a mod 2 not reduced yet
        if (sum > 0)
          for (int b = 0; b < B; ++b)
            for (int64_t left = load[(size_t(a) * B + b) * G + g];;) {
              if (cyc < ready[size_t(b)]) {
                ++cyc, ++wait[g];
                continue;
              }
              if (left == 0) break;
              --left, ++cyc;
            }
        at[g] = cyc;
        busy[g] += sum;
        M = std::max(M, sum);
        D = std::max(D, cyc + (vert[(size_t(a) * B + B - 1) * G + g] ? vdrain : drain));
      }
      issue += M;
      const int64_t rows = std::min(K, BR - a * K);
      red[size_t(a)] = std::max(D, prev_red) +
                       (rows * bh + p.hw.engine.reduce_lanes - 1) / p.hw.engine.reduce_lanes +
                       p.hw.engine.lat_reduce;
      prev_red = red[size_t(a)];
    }
    const int64_t T = *std::max_element(at.begin(), at.end());
    const MvmTiming t = analyze_mvm(p, 0);
    INFO("instance " << inst << " K " << K << " L " << L << " A " << A << " B " << B);
    REQUIRE(t.engine_cycles == red.back());
    CHECK(t.reduce_end == red);
    CHECK(t.issue_cycles == issue);
    CHECK(t.input_stall == *std::max_element(wait.begin(), wait.end()));
    for (size_t g = 0; g < G; ++g) {
      CHECK(t.groups[g].busy == busy[g]);
      CHECK(t.groups[g].stall_input == wait[g]);
      CHECK(t.groups[g].barrier_idle == T - busy[g] - wait[g]);
      CHECK(t.groups[g].engine_overhead == red.back() - T);
    }
    // never slower than row-group sync on the same program
    p.hw.engine.sync = SyncMode::RowGroup;
    CHECK(t.engine_cycles <= analyze_mvm(p, 0).engine_cycles);
  }
}
