#include "timing/analytic.h"

#include <algorithm>

#include "common/error.h"
#include "isa/stream.h"

namespace csbrnn::timing {
namespace {

int64_t tiles_of(const MicroItem& it, int P, int Q) {
  if (it.rows == 0 || it.cols == 0) return 0;
  return int64_t((it.rows + P - 1) / P) * ((it.cols + Q - 1) / Q);
}

}  // namespace

int64_t section_cycles(const HwConfig& hw, const Section& s) {
  switch (s.op) {
    case Op::LoadX:
    case Op::StoreY:
      return transfer_cycles(hw, int64_t(s.count) * 2);
    case Op::BiasWb:
    case Op::Add:
    case Op::Sub:
    case Op::Copy:
      return eltwise_cycles(hw, EltUnit::Sum, s.count);
    case Op::Mul:
      return eltwise_cycles(hw, EltUnit::Mult, s.count);
    case Op::Sigmoid:
      return eltwise_cycles(hw, EltUnit::Sigmoid, s.count);
    case Op::Tanh:
      return eltwise_cycles(hw, EltUnit::Tanh, s.count);
    case Op::Mvm:
      break;
  }
  CSBRNN_ASSERT(false, "section_cycles called on an Mvm section");
  return 0;
}

namespace {

// The tiles each group issues in every iteration (loads[n * G + g], n = a*B + b), whether a
// vertical (from-up) tile was issued in iteration n, and the per-group tile counters.
struct IterationLoads {
  std::vector<int64_t> loads;
  std::vector<char> vertical;
  std::vector<char> vertical_g;  // [n * G + g]: group g issued a vertical tile in iteration n
};

IterationLoads count_loads(const MvmProgram& mv, const HwConfig& hw, MvmTiming& r) {
  const int K = hw.engine.K, L = hw.engine.L, P = hw.engine.P, Q = hw.engine.Q;
  const int A = mv.iter_rows, B = mv.iter_cols;
  const size_t G = size_t(K) * L;
  IterationLoads il;
  il.loads.assign(size_t(A) * B * G, 0);
  il.vertical.assign(size_t(A) * B, 0);
  il.vertical_g.assign(size_t(A) * B * G, 0);
  for (int a = 0; a < A; ++a)
    for (int b = 0; b < B; ++b) {
      const size_t n = size_t(a) * B + b;
      for (int k = 0; k < K; ++k)
        for (int l = 0; l < L; ++l) {
          const size_t g = size_t(k) * L + l;
          for (const MicroItem& it : mv.at(a, b, k, l, K, L).items) {
            const int64_t tl = tiles_of(it, P, Q);
            il.loads[n * G + g] += tl;
            if (tl > 0) r.groups[g].useful_macs += int64_t(it.rows) * it.cols;
            if (it.kind == ItemKind::Local) {
              r.groups[g].tiles_local += tl;
            } else if (it.kind == ItemKind::FromLeft) {
              r.groups[g].tiles_received_h += tl;
              r.groups[size_t(k) * L + (l - 1 + L) % L].tiles_given_h += tl;
            } else if (it.kind == ItemKind::FromUp) {
              r.groups[g].tiles_received_v += tl;
              r.groups[size_t((k - 1 + K) % K) * L + l].tiles_given_v += tl;
            } else if (it.kind == ItemKind::FromRight) {  // sharing.neighbours = 4
              r.groups[g].tiles_received_h += tl;
              r.groups[size_t(k) * L + (l + 1) % L].tiles_given_h += tl;
            } else if (it.kind == ItemKind::FromDown) {  // its sums use the vertical path too
              r.groups[g].tiles_received_v += tl;
              r.groups[size_t((k + 1) % K) * L + l].tiles_given_v += tl;
            }
            if (uses_vertical_path(it.kind) && tl > 0) {
              il.vertical[n] = 1;
              il.vertical_g[n * G + g] = 1;
            }
          }
        }
    }
  return il;
}

// Iteration sync (cycle_rules.h, top): one barrier per iteration, double-buffered inputs.
void iteration_walk(const MvmProgram& mv, const HwConfig& hw, const IterationLoads& il,
                    MvmTiming& r, double& imb_sum, int& imb_n) {
  const int K = hw.engine.K, L = hw.engine.L;
  const int A = mv.iter_rows, B = mv.iter_cols;
  const size_t G = size_t(K) * L;
  // ld(n) depends on b only: the widest of the L slices of block-columns b*L .. b*L+L-1.
  const std::vector<int64_t> ld_b = slice_set_load_cycles(hw, mv);
  const int64_t N = int64_t(A) * B;
  auto ld = [&](int64_t n) { return n < N ? ld_b[size_t(n % B)] : int64_t(0); };
  r.first_load = ld(0);
  int64_t t = r.first_load;
  int64_t drain_end_prev = 0, red_end_prev = 0, red_end_prev2 = 0;
  for (int a = 0; a < A; ++a) {
    if (a > 0) {
      const int64_t start = next_row_group_start(hw, drain_end_prev, drain_end_prev, red_end_prev2);
      r.reduce_wait += start - drain_end_prev;
      t = start;
    }
    bool vertical_last = false;
    for (int b = 0; b < B; ++b) {
      const int64_t n = int64_t(a) * B + b;
      const int64_t* load = il.loads.data() + size_t(n) * G;
      const int64_t M = *std::max_element(load, load + G);
      const int64_t next = ld(n + 1);
      const int64_t stall = std::max<int64_t>(0, next - M);
      int64_t sum = 0;
      for (size_t g = 0; g < G; ++g) {
        r.groups[g].busy += load[g];
        r.groups[g].barrier_idle += M - load[g];
        r.groups[g].stall_input += stall;
        sum += load[g];
      }
      if (sum > 0) {
        imb_sum += double(M) / (double(sum) / double(G));
        imb_n++;
      }
      r.tiles += sum;
      r.makespan.push_back(M);
      r.issue_cycles += M;
      r.input_stall += stall;
      t += std::max(M, next);
      if (b == B - 1) vertical_last = il.vertical[size_t(n)] != 0;
    }
    const int64_t dr = drain_cycles(hw, vertical_last);
    r.drain_cycles += dr;
    const int64_t drain_end = t + dr;
    const int64_t red_end =
        std::max(drain_end, red_end_prev) + reduce_cycles(hw, reduce_neurons(mv, K, a));
    drain_end_prev = drain_end;
    red_end_prev2 = red_end_prev;
    red_end_prev = red_end;
    r.reduce_end.push_back(red_end);
  }
  r.engine_cycles = red_end_prev;
  r.reduce_tail = red_end_prev - drain_end_prev;
}

// Row-group sync (cycle_rules.h "Synchronisation"): inputs resident for the whole MVM, one
// barrier per row-group, the drain of a row-group overlapping the next one's issue.
void row_group_walk(const MvmProgram& mv, const HwConfig& hw, const IterationLoads& il,
                    MvmTiming& r, double& imb_sum, int& imb_n) {
  const int K = hw.engine.K, L = hw.engine.L;
  const int A = mv.iter_rows, B = mv.iter_cols;
  const size_t G = size_t(K) * L;
  const std::vector<int64_t> ready = resident_ready_cycles(slice_set_load_cycles(hw, mv));
  r.first_load = ready.empty() ? 0 : ready[0];
  std::vector<int64_t> walk(
      static_cast<size_t>(B));  // one group's loads over the row-group's iterations
  int64_t start = 0, issue_end_prev = 0, drain_end = 0, red_end_prev = 0, red_end_prev2 = 0;
  for (int a = 0; a < A; ++a) {
    if (a > 0) {
      start = next_row_group_start(hw, issue_end_prev, drain_end, red_end_prev2);
      r.reduce_wait += start - issue_end_prev;
    }
    int64_t issue_end = start, M = 0, sum = 0;
    std::vector<int64_t> busy(G, 0);
    for (size_t g = 0; g < G; ++g) {
      for (int b = 0; b < B; ++b) walk[size_t(b)] = il.loads[(size_t(a) * B + b) * G + g];
      for (int b = 0; b < B; ++b) busy[g] += walk[size_t(b)];
      issue_end = std::max(issue_end, group_walk_end(start, walk.data(), ready));
      M = std::max(M, busy[g]);
      sum += busy[g];
    }
    for (int b = 0; b < B; ++b) {
      const int64_t* load = il.loads.data() + (size_t(a) * B + b) * G;
      r.makespan.push_back(*std::max_element(load, load + G));
    }
    const int64_t stall = issue_end - start - M;
    for (size_t g = 0; g < G; ++g) {
      r.groups[g].busy += busy[g];
      r.groups[g].barrier_idle += M - busy[g];
      r.groups[g].stall_input += stall;
    }
    if (sum > 0) {
      imb_sum += double(M) / (double(sum) / double(G));
      imb_n++;
    }
    r.tiles += sum;
    r.issue_cycles += M;
    r.input_stall += stall;
    const bool vertical_last = B > 0 && il.vertical[size_t(a) * B + B - 1] != 0;
    const int64_t dr = drain_cycles(hw, vertical_last);
    r.drain_cycles += dr;
    drain_end = issue_end + dr;
    const int64_t red_end =
        std::max(drain_end, red_end_prev) + reduce_cycles(hw, reduce_neurons(mv, K, a));
    issue_end_prev = issue_end;
    red_end_prev2 = red_end_prev;
    red_end_prev = red_end;
    r.reduce_end.push_back(red_end);
  }
  r.engine_cycles = red_end_prev;
  r.reduce_tail = red_end_prev - drain_end;
}

// Free sync (cycle_rules.h "Free sync"): inputs resident, no barrier inside the MVM; each group
// runs on into the next row-group once its NeuronAccumBuffer half is reduced. Returns the issue
// span T = max_g W_g(A-1) (the engine overhead is engine cycles - T).
int64_t free_walk(const MvmProgram& mv, const HwConfig& hw, const IterationLoads& il, MvmTiming& r,
                  double& imb_sum, int& imb_n) {
  const int K = hw.engine.K, L = hw.engine.L;
  const int A = mv.iter_rows, B = mv.iter_cols;
  const size_t G = size_t(K) * L;
  FreeSyncWalk fw(hw, mv);
  r.first_load = fw.ready().empty() ? 0 : fw.ready()[0];
  std::vector<int64_t> busy(G, 0), wait_in(G, 0), iw;
  std::vector<char> vert(G, 0);
  for (int a = 0; a < A; ++a) {
    int64_t M = 0, sum = 0, nab_wait = 0;
    const std::vector<int64_t> S = fw.starts();
    for (size_t g = 0; g < G; ++g) {
      nab_wait = std::max(nab_wait, S[g] - fw.walk_end()[g]);
      int64_t tiles = 0;
      for (int b = 0; b < B; ++b) tiles += il.loads[(size_t(a) * B + b) * G + g];
      busy[g] += tiles;
      M = std::max(M, tiles);
      sum += tiles;
      vert[g] = B > 0 && il.vertical_g[(size_t(a) * B + B - 1) * G + g] != 0;
    }
    fw.step(il.loads.data() + size_t(a) * B * G, vert, &iw);
    for (size_t g = 0; g < G; ++g) wait_in[g] += iw[g];
    for (int b = 0; b < B; ++b) {
      const int64_t* load = il.loads.data() + (size_t(a) * B + b) * G;
      r.makespan.push_back(*std::max_element(load, load + G));
    }
    if (a > 0) r.reduce_wait += nab_wait;
    if (sum > 0) {
      imb_sum += double(M) / (double(sum) / double(G));
      imb_n++;
    }
    r.tiles += sum;
    r.issue_cycles += M;
    const std::vector<int64_t>& W = fw.walk_end();
    r.drain_cycles += fw.drain_end() - *std::max_element(W.begin(), W.end());
    r.reduce_end.push_back(fw.reduce_end());
  }
  const std::vector<int64_t>& W = fw.walk_end();
  const int64_t T = G > 0 && A > 0 ? *std::max_element(W.begin(), W.end()) : 0;
  for (size_t g = 0; g < G; ++g) {
    r.groups[g].busy += busy[g];
    r.groups[g].stall_input += wait_in[g];
    r.groups[g].barrier_idle += T - busy[g] - wait_in[g];
    r.input_stall = std::max(r.input_stall, wait_in[g]);
  }
  r.engine_cycles = fw.reduce_end();
  r.reduce_tail = fw.reduce_end() - fw.drain_end();
  return T;
}

}  // namespace

MvmTiming analyze_mvm(const Program& p, int index) {
  const MvmProgram& mv = p.mvms.at(size_t(index));
  const HwConfig& hw = p.hw;
  const int L = hw.engine.L;
  const size_t G = size_t(hw.engine.K) * L;
  MvmTiming r;
  r.mvm = index;
  r.layer = mv.layer;
  r.kind = mv.kind;
  r.useful_macs = mv.useful_macs;
  r.groups.assign(G, stats::GroupStats{});
  for (size_t g = 0; g < G; ++g) r.groups[g].k = int(g) / L, r.groups[g].l = int(g) % L;
  const IterationLoads il = count_loads(mv, hw, r);
  double imb_sum = 0;
  int imb_n = 0;
  int64_t span = 0;  // the cycles of the engine's issue (per group: busy + idle + input stall)
  if (hw.engine.sync == SyncMode::Free) {
    span = free_walk(mv, hw, il, r, imb_sum, imb_n);
  } else {
    if (hw.engine.sync == SyncMode::RowGroup)
      row_group_walk(mv, hw, il, r, imb_sum, imb_n);
    else
      iteration_walk(mv, hw, il, r, imb_sum, imb_n);
    span = r.issue_cycles + r.input_stall;
  }
  // the engine runs but no group issues: everything but the issue span
  for (auto& g : r.groups) g.engine_overhead = r.engine_cycles - span;
  r.stream_end = stream_end_cycles(hw, mv.stream, r.reduce_end);
  r.section_end = std::max(r.engine_cycles, r.stream_end);
  if (!mv.stream.empty()) {
    uint32_t lo = 0;
    for (uint32_t hi : mv.stream.chunk_end) {
      r.stream_cycles += stream_chunk_cycles(hw, mv.stream, hi - lo);
      lo = hi;
    }
  }
  r.imbalance = imb_n ? imb_sum / imb_n : 1.0;
  if (r.engine_cycles > 0) {
    r.pe_utilization = double(r.useful_macs) / (double(hw.engine.pes()) * r.engine_cycles);
    r.group_occupancy = double(r.tiles) / (double(G) * r.engine_cycles);
  }
  return r;
}

TimingReport analyze(const Program& p) {
  TimingReport r;
  const HwConfig& hw = p.hw;
  r.clock_mhz = hw.engine.clock_mhz;
  double imb_w = 0, imb_n = 0;
  for (size_t i = 0; i < p.mvms.size(); ++i) {
    r.mvms.push_back(analyze_mvm(p, int(i)));
    const MvmTiming& m = r.mvms.back();
    r.engine_cycles += m.engine_cycles;
    r.tiles += m.tiles;
    r.useful_macs += m.useful_macs;
    imb_w += m.imbalance * double(m.makespan.size());
    imb_n += double(m.makespan.size());
  }
  r.layers.resize(size_t(std::max(p.num_layers, 1)));
  for (size_t k = 0; k < r.layers.size(); ++k) r.layers[k].layer = int(k);
  for (const MvmTiming& m : r.mvms)
    if (size_t(m.layer) < r.layers.size()) r.layers[m.layer].engine_cycles += m.engine_cycles;
  int cur_layer = 0;
  for (const MacroWord& w : p.words) {
    int64_t c = 0;
    for (const Section& s : w.sections) {
      int64_t sc;
      if (s.op == Op::Mvm) {
        sc = r.mvms[s.mvm].section_end;
        // a streamed store (eltwise.stream_store) is load/store work, the rest element-wise
        const MvmStream& st = p.mvms[s.mvm].stream;
        int64_t store = 0;
        for (const MacroWord& stage : st.stages)
          for (const Section& x : stage.sections)
            for (size_t a = 0; x.op == Op::StoreY && a < st.chunk_end.size(); ++a)
              store += stream_section_cycles(hw, x, st.chunk_end[a] - stream_chunk_lo(st, int(a)));
        auto& lt = r.layers[size_t(std::min<int>(p.mvms[s.mvm].layer, int(r.layers.size()) - 1))];
        lt.eltwise_cycles += r.mvms[s.mvm].stream_cycles - store;
        lt.load_store_cycles += store;
        cur_layer = std::max(cur_layer, int(p.mvms[s.mvm].layer));
      } else {
        sc = section_cycles(hw, s);
      }
      c = std::max(c, sc);
    }
    const int lay = std::min(cur_layer, int(r.layers.size()) - 1);
    for (const Section& s : w.sections) {
      if (s.op == Op::LoadX || s.op == Op::StoreY)
        r.layers[lay].load_store_cycles += section_cycles(hw, s);
      else if (s.op != Op::Mvm)
        r.layers[lay].eltwise_cycles += section_cycles(hw, s);
    }
    r.layers[lay].cycles += c;
    r.word_cycles.push_back(c);
    r.word_layer.push_back(lay);
    r.cycles_per_step += c;
  }
  r.latency_us = double(r.cycles_per_step) / hw.engine.clock_mhz;
  r.frames_per_s = r.latency_us > 0 ? 1e6 / r.latency_us : 0;
  const double pes = hw.engine.pes(), groups = hw.engine.groups();
  if (r.engine_cycles > 0) {
    r.pe_utilization = double(r.useful_macs) / (pes * r.engine_cycles);
    r.group_occupancy = double(r.tiles) / (groups * r.engine_cycles);
  }
  if (r.cycles_per_step > 0)
    r.pe_utilization_step = double(r.useful_macs) / (pes * r.cycles_per_step);
  r.imbalance = imb_n > 0 ? imb_w / imb_n : 1.0;
  return r;
}

namespace {

using nlohmann::json;

// The compile report's `timing` section (csbrnn compile --report): one row per key, walked by
// timing_json and by the docs table (docs/timing.md "Compile report").
template <class R>
struct ReportKey {
  const char* key;
  const char* unit;
  const char* description;
  json (*value)(const R&);
};

const std::vector<ReportKey<MvmTiming>>& mvm_keys() {
  using M = const MvmTiming&;
  static const std::vector<ReportKey<MvmTiming>> t = {
      {"mvm", "-", "index of the MVM in the program", [](M m) -> json { return m.mvm; }},
      {"layer", "-", "its layer", [](M m) -> json { return m.layer; }},
      {"kind", "-", "gates or projection",
       [](M m) -> json { return m.kind == MvmKind::Gates ? "gates" : "projection"; }},
      {"engine_cycles", "cycles", "engine: first load .. last reduction end",
       [](M m) -> json { return m.engine_cycles; }},
      {"stream_end", "cycles", "end of the last stream chunk (0 without a stream)",
       [](M m) -> json { return m.stream_end; }},
      {"section_end", "cycles", "the Mvm section lasts max(engine_cycles, stream_end)",
       [](M m) -> json { return m.section_end; }},
      {"first_load", "cycles", "ld(0): the first BlockNeuronBuffer slices load",
       [](M m) -> json { return m.first_load; }},
      {"issue_cycles", "cycles",
       "sum of the iteration makespans M(n) (row-group and free sync: of the row-group makespans "
       "M(a))",
       [](M m) -> json { return m.issue_cycles; }},
      {"input_stall", "cycles",
       "sum of max(0, ld(n+1) - M(n)) (row-group sync: of I(a) - R(a) - M(a); free sync: the "
       "longest group input wait)",
       [](M m) -> json { return m.input_stall; }},
      {"drain_cycles", "cycles",
       "sum over row-groups of the drain after their last iteration (free sync: of D(a) - max_g "
       "W_g(a))",
       [](M m) -> json { return m.drain_cycles; }},
      {"reduce_wait", "cycles",
       "cycles row-groups waited for the reduction two back (beyond the drain end; row-group sync: "
       "beyond the issue end; free sync: sum of the longest NAB-half waits)",
       [](M m) -> json { return m.reduce_wait; }},
      {"reduce_tail", "cycles", "last reduction end - last drain end",
       [](M m) -> json { return m.reduce_tail; }},
      {"tiles", "tiles", "tiles issued by all groups", [](M m) -> json { return m.tiles; }},
      {"useful_macs", "MACs", "multiply-accumulates on kept weights",
       [](M m) -> json { return m.useful_macs; }},
      {"pe_utilization", "ratio", "useful MACs / (PEs x engine cycles)",
       [](M m) -> json { return m.pe_utilization; }},
      {"group_occupancy", "ratio", "tiles / (groups x engine cycles)",
       [](M m) -> json { return m.group_occupancy; }},
      {"imbalance", "ratio",
       "mean over iterations with work of max/mean group tiles (row-group sync: over row-groups)",
       [](M m) -> json { return m.imbalance; }},
      {"iterations", "iterations", "iterations of the engine walk",
       [](M m) -> json { return m.makespan.size(); }},
      {"groups", "-",
       "per PEGroup, the analytic counters of the shared record (docs/simulator.md "
       "\"Statistics\", bracketed keys)",
       [](M m) -> json {
         json g = json::array();
         for (const stats::GroupStats& s : m.groups) g.push_back(stats::group_analytic_json(s));
         return g;
       }},
  };
  return t;
}

const std::vector<ReportKey<TimingReport>>& report_keys() {
  using R = const TimingReport&;
  static const std::vector<ReportKey<TimingReport>> t = {
      {"clock_mhz", "MHz", "engine clock", [](R r) -> json { return r.clock_mhz; }},
      {"cycles_per_step", "cycles", "one timestep, all layers (sum of the word cycles)",
       [](R r) -> json { return r.cycles_per_step; }},
      {"latency_us", "µs", "cycles_per_step / clock", [](R r) -> json { return r.latency_us; }},
      {"frames_per_s", "1/s", "1e6 / latency_us", [](R r) -> json { return r.frames_per_s; }},
      {"engine_cycles", "cycles", "sum over MVMs of their engine cycles",
       [](R r) -> json { return r.engine_cycles; }},
      {"tiles", "tiles", "tiles issued by all groups, all MVMs",
       [](R r) -> json { return r.tiles; }},
      {"useful_macs", "MACs", "multiply-accumulates on kept weights, one timestep",
       [](R r) -> json { return r.useful_macs; }},
      {"pe_utilization", "ratio", "useful MACs / (PEs x engine cycles)",
       [](R r) -> json { return r.pe_utilization; }},
      {"group_occupancy", "ratio", "tiles / (groups x engine cycles)",
       [](R r) -> json { return r.group_occupancy; }},
      {"pe_utilization_step", "ratio", "useful MACs / (PEs x cycles_per_step)",
       [](R r) -> json { return r.pe_utilization_step; }},
      {"imbalance", "ratio", "iteration-weighted mean over MVMs of their imbalance",
       [](R r) -> json { return r.imbalance; }},
      {"word_cycles", "cycles", "per macro word (array)",
       [](R r) -> json { return r.word_cycles; }},
      {"word_layer", "-", "the layer each word is attributed to (array)",
       [](R r) -> json { return r.word_layer; }},
      {"layers", "-",
       "per layer, the analytic counters of the shared record (docs/simulator.md "
       "\"Statistics\")",
       [](R r) -> json {
         json layers = json::array();
         for (const stats::LayerStats& l : r.layers)
           layers.push_back(stats::layer_analytic_json(l));
         return layers;
       }},
      {"mvms", "-", "per MVM: the `mvms[].` keys",
       [](R r) -> json {
         json mvms = json::array();
         for (const MvmTiming& m : r.mvms) {
           json o = json::object();
           for (const auto& k : mvm_keys()) o[k.key] = k.value(m);
           mvms.push_back(o);
         }
         return mvms;
       }},
  };
  return t;
}

}  // namespace

nlohmann::json timing_json(const TimingReport& r) {
  json j = json::object();
  for (const auto& k : report_keys()) j[k.key] = k.value(r);
  return j;
}

std::string timing_markdown() {
  std::vector<stats::StatDoc> rows;
  for (const auto& k : report_keys())
    rows.push_back({std::string("`") + k.key + "`", k.unit, "analytic", k.description});
  for (const auto& k : mvm_keys())
    rows.push_back({std::string("`mvms[].") + k.key + "`", k.unit, "analytic", k.description});
  return stats::markdown_table(rows);
}

std::vector<stats::GroupStats> run_groups(const TimingReport& r, int steps) {
  std::vector<stats::GroupStats> g;
  for (const MvmTiming& m : r.mvms) {
    if (g.empty()) g = std::vector<stats::GroupStats>(m.groups.size());
    for (size_t i = 0; i < m.groups.size(); ++i) {
      g[i].k = m.groups[i].k, g[i].l = m.groups[i].l;
      stats::add(g[i], m.groups[i], steps);
    }
  }
  for (auto& x : g) x.outside = int64_t(steps) * (r.cycles_per_step - r.engine_cycles);
  return g;
}

std::vector<stats::LayerStats> run_layers(const TimingReport& r, int steps) {
  std::vector<stats::LayerStats> out;
  for (const stats::LayerStats& l : r.layers) {
    out.push_back(stats::LayerStats{});
    out.back().layer = l.layer;
    stats::add(out.back(), l, steps);
  }
  return out;
}

}  // namespace csbrnn::timing
