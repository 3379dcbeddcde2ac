#include "sim/controller.h"

#include "common/error.h"
#include "isa/stream.h"
#include "sim/unit_names.h"

namespace csbrnn::sim {

using namespace sc_core;

Controller::Controller(sc_module_name name, SimContext& ctx) : sc_module(name), ctx_(ctx) {
  SC_METHOD(proc);
  sensitive << go_;
  dont_initialize();
  SC_METHOD(decide);
  sensitive << decide_ev_;
  dont_initialize();
  ctx_.row_group_reduced = [this](int a) { row_group_reduced(a); };
}

void Controller::run(int steps) {
  CSBRNN_ASSERT(finished_, "controller started twice");
  for (auto* u : units_) CSBRNN_ASSERT(u, "unbound unit");
  steps_ = steps;
  timestep = 0;
  word = 0;
  finished_ = steps == 0 || ctx_.prog->words.empty();
  if (finished_) {
    finished_event.notify(SC_ZERO_TIME);
    return;
  }
  ctx_.t = 0;
  in_word_ = false;
  go_.notify(SC_ZERO_TIME);
}

void Controller::bind_unit(Unit u, SectionUnit* su) {
  units_[size_t(u)] = su;
  su->on_issued = [this](Unit x) { section_issued(x); };
}

void Controller::section_done(Unit u) {
  if (stream_ && !inflight_[size_t(u)].empty()) {  // a stage section of the stream
    const int c = inflight_[size_t(u)].front();
    inflight_[size_t(u)].pop_front();
    if (df_) {  // dataflow: c is an instance
      df_->done(c);
      if (!df_->finished()) {
        decide_ev_.notify(SC_ZERO_TIME);
        return;
      }
      df_.reset();
      stream_ = nullptr;
      stream_chunk = -1;
      section_done(Unit::Engine);
      return;
    }
    Chunk& ch = chunks_[size_t(c)];
    if (--ch.left > 0) return;
    if (++ch.stage < stream_->stages.size()) {
      ch.ready = true;
      try_start();
      return;
    }
    if (++chunks_finished_ == int(chunks_.size())) {  // the last chunk has finished
      stream_ = nullptr;
      stream_chunk = -1;
      section_done(Unit::Engine);
    }
    return;
  }
  CSBRNN_ASSERT(outstanding > 0, "section_done from ", sim_unit_name(u),
                " with nothing outstanding");
  if (--outstanding == 0) done_.notify();
}

void Controller::issue() {
  const MacroWord& w = ctx_.prog->words[size_t(word)];
  word_start_ = ctx_.cycle();
  if (word == 0) step_start_ = word_start_;
  outstanding = int(w.sections.size());
  stream_ = nullptr;
  df_.reset();
  for (const Section& s : w.sections)
    if (s.op == Op::Mvm && !ctx_.prog->mvms[s.mvm].stream.empty()) {
      stream_ = &ctx_.prog->mvms[s.mvm].stream;
      if (ctx_.hw.eltwise.stream_issue == StreamIssue::Dataflow) {
        df_.emplace(*stream_);
        issuing_.fill(false);
        for (auto& q : inflight_) q.clear();
        stream_chunk = -1;
        ++outstanding;  // the stream finishes separately from the engine
        continue;
      }
      chunks_.clear();
      chunk_of_.assign(stream_->chunk_end.size(), -1);
      for (auto& v : unit_order_) v.clear();
      unit_next_.fill(0);
      issuing_.fill(false);
      for (auto& q : inflight_) q.clear();
      for (size_t a = 0; a < stream_->chunk_end.size(); ++a) {
        const uint32_t lo = stream_chunk_lo(*stream_, int(a)), hi = stream_->chunk_end[a];
        if (hi <= lo) continue;  // empty chunk: nothing to do
        chunk_of_[a] = int(chunks_.size());
        for (size_t st = 0; st < stream_->stages.size(); ++st)
          for (const Section& x : stream_->stages[st].sections)
            unit_order_[size_t(x.unit)].emplace_back(int(chunks_.size()), st);
        chunks_.push_back(Chunk{lo, hi - lo, 0, false, 0});
      }
      chunks_finished_ = 0;
      stream_chunk = -1;
      ++outstanding;  // the stream finishes separately from the engine
    }
  for (const Section& s : w.sections) units_[size_t(s.unit)]->start_section(s);
}

void Controller::row_group_reduced(int a) {
  if (!stream_) return;
  if (df_) {
    df_->reduced(a);
    decide_ev_.notify(SC_ZERO_TIME);
    return;
  }
  const int c = chunk_of_[size_t(a)];
  if (c < 0) return;
  chunks_[size_t(c)].ready = true;
  try_start();
}

void Controller::section_issued(Unit u) {
  if (!issuing_[size_t(u)]) return;  // not a stream section
  issuing_[size_t(u)] = false;
  if (df_)
    decide_ev_.notify(SC_ZERO_TIME);
  else
    try_start();
}

// Dataflow: runs once the current time has no other activity left (every reduction end, issue
// end and done of this time has been applied), then starts on each free unit its
// highest-priority ready instance (timing/cycle_rules.h; the picks of one time are independent).
void Controller::decide() {
  if (!df_) return;
  if (sc_pending_activity_at_current_time()) {  // more events of this time may come: wait
    decide_ev_.notify(SC_ZERO_TIME);
    return;
  }
  for (int u = 0; u < kUnitCount && df_; ++u) {
    if (issuing_[size_t(u)]) continue;
    const int i = df_->pick(Unit(u));
    if (i >= 0) start_instance(i);
  }
}

void Controller::start_instance(int i) {
  df_->start(i);
  const size_t u = size_t(df_->unit(i));
  const int c = df_->chunk(i);
  issuing_[u] = true;
  inflight_[u].push_back(i);
  stream_chunk = c;
  const Section& s =
      stream_->stages[size_t(df_->ref(i).stage)].sections[size_t(df_->ref(i).section)];
  units_[u]->start_section(stream_section(s, df_->chunk_lo(c), df_->chunk_n(c)));
}

// Starts every stage instance whose inputs are ready and whose units have issued every earlier
// instance on them (timing/cycle_rules.h, stream_end_cycles). Only the instance at the head of
// some unit's order can be startable.
void Controller::try_start() {
  if (!stream_) return;
  for (bool progress = true; progress;) {
    progress = false;
    for (int u = 0; u < kUnitCount; ++u) {
      if (unit_next_[size_t(u)] >= unit_order_[size_t(u)].size()) continue;
      const auto [c, st] = unit_order_[size_t(u)][unit_next_[size_t(u)]];
      const Chunk& ch = chunks_[size_t(c)];
      if (!ch.ready || ch.stage != st) continue;
      bool ok = true;
      for (const Section& x : stream_->stages[st].sections) {
        const size_t v = size_t(x.unit);
        ok = ok && !issuing_[v] && unit_next_[v] < unit_order_[v].size() &&
             unit_order_[v][unit_next_[v]] == std::make_pair(c, st);
      }
      if (!ok) continue;
      start_stage(c);
      progress = true;
    }
  }
}

void Controller::start_stage(int c) {
  Chunk& ch = chunks_[size_t(c)];
  const MacroWord& st = stream_->stages[ch.stage];
  ch.ready = false;
  ch.left = int(st.sections.size());
  stream_chunk = c;
  for (const Section& s : st.sections) {
    const size_t u = size_t(s.unit);
    ++unit_next_[u];
    issuing_[u] = true;
    inflight_[u].push_back(c);
  }
  for (const Section& s : st.sections)
    units_[size_t(s.unit)]->start_section(stream_section(s, ch.lo, ch.n));
}

bool Controller::retire() {
  const int64_t now = ctx_.cycle();
  auto& st = ctx_.stats;
  st.layers[size_t(st.word_layer[size_t(word)])].cycles += now - word_start_;
  ++words_retired;
  if (++word < int(ctx_.prog->words.size())) return false;
  st.step_cycles.push_back(now - step_start_);
  word = 0;
  if (++timestep == steps_) {
    finished_ = true;
    st.total_cycles = now;
    fit_buckets(st, now);  // the picture's last buckets span the idle tail too
    for (auto& g : st.groups) g.outside = now - st.engine_cycles;
    finished_event.notify(SC_ZERO_TIME);
    return true;
  }
  ctx_.t = timestep;
  return false;
}

void Controller::proc() {
  // Activated by go_ (start of the run) or done_ (all sections of the current word finished).
  if (finished_) return;
  if (in_word_ && retire()) return;
  for (;;) {
    issue();
    in_word_ = true;
    if (outstanding > 0) break;
    if (retire()) return;  // an empty word retires at once
  }
  next_trigger(done_);
}

}  // namespace csbrnn::sim
