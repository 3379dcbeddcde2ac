#include "sim/controller.h"

#include "common/error.h"
#include "compile/stream.h"
#include "sim/unit_names.h"

namespace csbrnn::sim {

using namespace sc_core;

Controller::Controller(sc_module_name name, SimContext& ctx) : sc_module(name), ctx_(ctx) {
  SC_METHOD(proc);
  sensitive << go_;
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

void Controller::section_done(Unit u) {
  if (stream_ && stream_busy_[size_t(u)]) {  // a stage section of the running chunk
    stream_busy_[size_t(u)] = false;
    if (--stage_left_ > 0) return;
    if (++stage_ < stream_->stages.size()) {
      start_stage();
      return;
    }
    chunk_ = stream_chunk = -1;
    ++chunks_done_;
    next_chunk();
    return;
  }
  CSBRNN_ASSERT(outstanding > 0, "section_done from ", sim_unit_name(u), " with nothing outstanding");
  if (--outstanding == 0) done_.notify();
}

void Controller::issue() {
  const MacroWord& w = ctx_.prog->words[size_t(word)];
  word_start_ = ctx_.cycle();
  if (word == 0) step_start_ = word_start_;
  outstanding = int(w.sections.size());
  stream_ = nullptr;
  for (const Section& s : w.sections)
    if (s.op == Op::Mvm && !ctx_.prog->mvms[s.mvm].stream.empty()) {
      stream_ = &ctx_.prog->mvms[s.mvm].stream;
      reduced_.clear();
      reduced_head_ = 0;
      chunk_ = stream_chunk = -1;
      chunks_done_ = 0;
      stream_busy_.fill(false);
      ++outstanding;  // the stream finishes separately from the engine
    }
  for (const Section& s : w.sections) units_[size_t(s.unit)]->start_section(s);
}

void Controller::row_group_reduced(int a) {
  if (!stream_) return;
  reduced_.push_back(a);
  if (chunk_ < 0) next_chunk();
}

void Controller::next_chunk() {
  while (reduced_head_ < reduced_.size()) {
    const int a = reduced_[reduced_head_++];
    lo_ = stream_chunk_lo(*stream_, a);
    const uint32_t hi = stream_->chunk_end[size_t(a)];
    if (hi <= lo_) {  // empty chunk: nothing to do
      ++chunks_done_;
      continue;
    }
    n_ = hi - lo_;
    chunk_ = stream_chunk = a;
    stage_ = 0;
    start_stage();
    return;
  }
  if (chunks_done_ == int(stream_->chunk_end.size())) {  // the last chunk has finished
    stream_ = nullptr;
    section_done(Unit::Engine);
  }
}

void Controller::start_stage() {
  const MacroWord& st = stream_->stages[stage_];
  stage_left_ = int(st.sections.size());
  for (const Section& s : st.sections) {
    stream_busy_[size_t(s.unit)] = true;
    units_[size_t(s.unit)]->start_section(stream_section(s, lo_, n_));
  }
}

bool Controller::retire() {
  const int64_t now = ctx_.cycle();
  auto& st = ctx_.stats;
  st.layer_cycles[size_t(st.word_layer[size_t(word)])] += now - word_start_;
  ++words_retired;
  if (++word < int(ctx_.prog->words.size())) return false;
  st.step_cycles.push_back(now - step_start_);
  word = 0;
  if (++timestep == steps_) {
    finished_ = true;
    st.total_cycles = now;
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
