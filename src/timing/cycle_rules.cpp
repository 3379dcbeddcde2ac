#include "timing/cycle_rules.h"

#include <algorithm>
#include <array>
#include <map>
#include <set>

#include "common/error.h"
#include "isa/stream.h"

namespace csbrnn::timing {
namespace {
int64_t ceil_div(int64_t a, int64_t b) {
  return (a + b - 1) / b;
}
}  // namespace

int64_t neuron_load_cycles(const HwConfig& hw, int width) {
  CSBRNN_ASSERT(hw.engine.neuron_load_width > 0);
  return width <= 0 ? 0 : ceil_div(width, hw.engine.neuron_load_width);
}

int64_t drain_cycles(const HwConfig& hw, bool vertical_used) {
  return hw.engine.pipeline_depth() + (vertical_used ? hw.engine.lat_vertical_path : 0);
}

int64_t reduce_cycles(const HwConfig& hw, int64_t neurons) {
  CSBRNN_ASSERT(hw.engine.reduce_lanes > 0);
  return ceil_div(neurons, hw.engine.reduce_lanes) + hw.engine.lat_reduce;
}

int64_t reduce_neurons(const MvmProgram& mv, int K, int a) {
  const int rows = std::max(0, std::min(K, mv.BR - a * K));
  return int64_t(rows) * mv.bh;
}

int64_t eltwise_cycles(const HwConfig& hw, EltUnit u, int64_t count) {
  CSBRNN_ASSERT(hw.eltwise.lanes > 0);
  int lat = 0;
  switch (u) {
    case EltUnit::Sum:
      lat = hw.eltwise.lat_sum;
      break;
    case EltUnit::Mult:
      lat = hw.eltwise.lat_mult;
      break;
    case EltUnit::Sigmoid:
      lat = hw.eltwise.lat_sigmoid;
      break;
    case EltUnit::Tanh:
      lat = hw.eltwise.lat_tanh;
      break;
  }
  return ceil_div(count, hw.eltwise.lanes) + lat;
}

int64_t transfer_cycles(const HwConfig& hw, int64_t bytes) {
  CSBRNN_ASSERT(hw.memory.burst_bytes > 0);
  return ceil_div(bytes, hw.memory.burst_bytes);
}

std::vector<int64_t> slice_set_load_cycles(const HwConfig& hw, const MvmProgram& mv) {
  const int L = hw.engine.L, B = mv.iter_cols;
  std::vector<int64_t> ld(size_t(std::max(B, 0)), 0);
  for (int b = 0; b < B; ++b) {
    int w = 0;
    for (int l = 0; l < L; ++l)
      if (b * L + l < mv.BC) w = std::max<int>(w, mv.col_slices[size_t(b) * L + l].width);
    ld[size_t(b)] = neuron_load_cycles(hw, w);
  }
  return ld;
}

std::vector<int64_t> resident_ready_cycles(const std::vector<int64_t>& ld) {
  std::vector<int64_t> ready(ld.size());
  int64_t t = 0;
  for (size_t b = 0; b < ld.size(); ++b) ready[b] = t += ld[b];
  return ready;
}

int64_t group_walk_end(int64_t start, const int64_t* load, const std::vector<int64_t>& ready,
                       int64_t* input_wait) {
  int64_t t = start, wait = 0;
  for (size_t b = 0; b < ready.size(); ++b) {
    if (ready[b] > t) wait += ready[b] - t, t = ready[b];
    t += load[b];
  }
  if (input_wait) *input_wait = wait;
  return t;
}

int64_t next_row_group_start(const HwConfig& hw, int64_t issue_end, int64_t drain_end,
                             int64_t reduce_end_prev) {
  return std::max(hw.engine.sync == SyncMode::RowGroup ? issue_end : drain_end, reduce_end_prev);
}

int64_t free_group_start(int64_t walk_end_prev, int64_t reduce_end_prev2) {
  return std::max(walk_end_prev, reduce_end_prev2);
}

int64_t free_walk_end(int64_t start, const int64_t* load, const std::vector<int64_t>& ready,
                      int64_t* input_wait) {
  bool any = false;
  for (size_t b = 0; b < ready.size(); ++b) any = any || load[b] > 0;
  if (!any) {
    if (input_wait) *input_wait = 0;
    return start;
  }
  return group_walk_end(start, load, ready, input_wait);
}

int64_t free_drain_end(const HwConfig& hw, const std::vector<int64_t>& walk_end,
                       const std::vector<char>& vertical) {
  CSBRNN_ASSERT(walk_end.size() == vertical.size());
  int64_t d = 0;
  for (size_t g = 0; g < walk_end.size(); ++g)
    d = std::max(d, walk_end[g] + drain_cycles(hw, vertical[g] != 0));
  return d;
}

FreeSyncWalk::FreeSyncWalk(const HwConfig& hw, const MvmProgram& mv)
    : hw_(hw),
      mv_(mv),
      B_(mv.iter_cols),
      G_(size_t(hw.engine.K) * hw.engine.L),
      ready_(resident_ready_cycles(slice_set_load_cycles(hw, mv))),
      walk_(G_, 0) {}

std::vector<int64_t> FreeSyncWalk::starts() const {
  std::vector<int64_t> s(G_, 0);
  if (a_ > 0)
    for (size_t g = 0; g < G_; ++g) s[g] = free_group_start(walk_[g], red_[0]);
  return s;
}

void FreeSyncWalk::step(const int64_t* loads, const std::vector<char>& vertical,
                        std::vector<int64_t>* input_wait) {
  const std::vector<int64_t> s = starts();
  std::vector<int64_t> walk(size_t(B_), 0);
  if (input_wait) input_wait->assign(G_, 0);
  for (size_t g = 0; g < G_; ++g) {
    for (int b = 0; b < B_; ++b) walk[size_t(b)] = loads[size_t(b) * G_ + g];
    int64_t iw = 0;
    walk_[g] = free_walk_end(s[g], walk.data(), ready_, &iw);
    if (input_wait) (*input_wait)[g] = iw;
  }
  drain_ = free_drain_end(hw_, walk_, vertical);
  const int64_t red_end =
      std::max(drain_, red_[1]) + reduce_cycles(hw_, reduce_neurons(mv_, hw_.engine.K, a_));
  red_[0] = red_[1];
  red_[1] = red_end;
  ++a_;
}

EltUnit elt_unit_of(Op op) {
  switch (op) {
    case Op::BiasWb:
    case Op::Add:
    case Op::Sub:
    case Op::Copy:
      return EltUnit::Sum;
    case Op::Mul:
      return EltUnit::Mult;
    case Op::Sigmoid:
      return EltUnit::Sigmoid;
    case Op::Tanh:
      return EltUnit::Tanh;
    default:
      break;
  }
  CSBRNN_ASSERT(false, "not an element-wise op: ", int(op));
  return EltUnit::Sum;
}

int64_t stream_section_cycles(const HwConfig& hw, const Section& section, int64_t n) {
  if (section.unit == Unit::Store) return transfer_cycles(hw, 2 * n);
  return eltwise_cycles(hw, elt_unit_of(section.op), n);
}

int64_t stream_section_issue_cycles(const HwConfig& hw, const Section& section, int64_t n) {
  if (section.unit == Unit::Store) return transfer_cycles(hw, 2 * n);
  return eltwise_issue_cycles(hw, n);
}

int64_t stream_stage_cycles(const HwConfig& hw, const MacroWord& stage, int64_t n) {
  int64_t c = 0;
  for (const Section& s : stage.sections) c = std::max(c, stream_section_cycles(hw, s, n));
  return c;
}

int64_t stream_chunk_cycles(const HwConfig& hw, const MvmStream& s, int64_t n) {
  if (n == 0) return 0;
  int64_t c = 0;
  if (hw.eltwise.stream_issue == StreamIssue::Dataflow) {
    const std::vector<StreamSectionRef> refs = stream_section_refs(s);
    const std::vector<std::vector<int>> deps = stream_dependencies(s);
    std::vector<int64_t> path(refs.size(), 0);  // longest path ending with section k's done
    for (size_t k = 0; k < refs.size(); ++k) {
      for (int d : deps[k]) path[k] = std::max(path[k], path[size_t(d)]);
      path[k] += stream_section_cycles(
          hw, s.stages[size_t(refs[k].stage)].sections[size_t(refs[k].section)], n);
      c = std::max(c, path[k]);
    }
    return c;
  }
  for (const MacroWord& st : s.stages) c += stream_stage_cycles(hw, st, n);
  return c;
}

int64_t eltwise_issue_cycles(const HwConfig& hw, int64_t count) {
  CSBRNN_ASSERT(hw.eltwise.lanes > 0);
  return ceil_div(count, hw.eltwise.lanes);
}

namespace {

// The dataflow list schedule (cycle_rules.h) as a discrete-event walk over the event times:
// reductions, issue ends and dones. At each time t every event of t is applied first, then each
// free unit picks (the picks of one t do not interact: a start's events are all later than t).
int64_t dataflow_stream_end(const HwConfig& hw, const MvmStream& s,
                            const std::vector<int64_t>& red_end) {
  StreamIssueState q(s);
  if (q.instances() == 0) return 0;
  std::multimap<int64_t, int> dones;  // time -> instance
  std::multimap<int64_t, int> reds;   // time -> row-group
  std::set<int64_t> times;
  for (size_t a = 0; a < red_end.size(); ++a)
    if (q.chunk_of_row_group(int(a)) >= 0) {
      reds.emplace(red_end[a], int(a));
      times.insert(red_end[a]);
    }
  std::array<int64_t, kUnitCount> unit_free{};
  int64_t end = 0;
  while (!times.empty()) {
    const int64_t t = *times.begin();
    times.erase(times.begin());
    for (auto it = reds.begin(); it != reds.end() && it->first == t; it = reds.erase(it))
      q.reduced(it->second);
    for (auto it = dones.begin(); it != dones.end() && it->first == t; it = dones.erase(it))
      q.done(it->second);
    for (int u = 0; u < kUnitCount; ++u) {
      if (unit_free[size_t(u)] > t) continue;
      const int i = q.pick(Unit(u));
      if (i < 0) continue;
      q.start(i);
      const int64_t n = q.chunk_n(q.chunk(i));
      const Section& x = s.stages[size_t(q.ref(i).stage)].sections[size_t(q.ref(i).section)];
      unit_free[size_t(u)] = t + stream_section_issue_cycles(hw, x, n);
      const int64_t done = t + stream_section_cycles(hw, x, n);
      dones.emplace(done, i);
      times.insert(unit_free[size_t(u)]);
      times.insert(done);
      end = std::max(end, done);
    }
  }
  CSBRNN_ASSERT(q.finished(), "dataflow stream schedule left instances unstarted");
  return end;
}

}  // namespace

int64_t stream_end_cycles(const HwConfig& hw, const MvmStream& s,
                          const std::vector<int64_t>& red_end) {
  if (s.empty()) return 0;
  CSBRNN_ASSERT(red_end.size() == s.chunk_end.size(), "stream chunks != row-groups");
  if (hw.eltwise.stream_issue == StreamIssue::Dataflow) return dataflow_stream_end(hw, s, red_end);
  std::array<int64_t, kUnitCount> unit_free{};  // issue end of the unit's last stage instance
  int64_t end = 0;
  uint32_t lo = 0;
  for (size_t a = 0; a < red_end.size(); ++a) {
    const uint32_t hi = s.chunk_end[a];
    if (hi > lo) {
      const int64_t n = hi - lo;
      int64_t t = red_end[a];  // the chunk's next stage may start (its inputs are ready)
      for (const MacroWord& st : s.stages) {
        int64_t start = t;
        for (const Section& x : st.sections) start = std::max(start, unit_free[size_t(x.unit)]);
        for (const Section& x : st.sections)
          unit_free[size_t(x.unit)] = start + stream_section_issue_cycles(hw, x, n);
        t = start + stream_stage_cycles(hw, st, n);
      }
      end = std::max(end, t);
    }
    lo = hi;
  }
  return end;
}

}  // namespace csbrnn::timing
