#include "isa/stream.h"

#include <algorithm>

#include "common/error.h"
#include "isa/semantics.h"

namespace csbrnn {
namespace {

bool is_eltwise(Op op) {
  switch (op) {
    case Op::BiasWb:
    case Op::Add:
    case Op::Sub:
    case Op::Mul:
    case Op::Sigmoid:
    case Op::Tanh:
    case Op::Copy:
      return true;
    default:
      return false;
  }
}

struct Span {
  Bank bank;
  uint64_t lo, hi;
};
bool overlaps(const Span& x, const Span& y) {
  return x.bank == y.bank && x.lo < y.hi && y.lo < x.hi;
}
bool binary(Op op) {
  return op == Op::Add || op == Op::Sub || op == Op::Mul || op == Op::BiasWb;
}
std::vector<Span> reads_of(const Section& s) {
  std::vector<Span> r{{s.a.bank, s.a.addr, uint64_t(s.a.addr) + s.count}};
  if (binary(s.op)) r.push_back({s.b.bank, s.b.addr, uint64_t(s.b.addr) + s.count});
  return r;
}
Span write_of(const Section& s) {
  return {s.dst.bank, s.dst.addr, uint64_t(s.dst.addr) + s.count};
}
// Every element a StoreY stage section reads is written by some section of an earlier stage
// (the chunk's own results: stages of one chunk run in order).
bool finished_by(const std::vector<Span>& written, const Section& s) {
  for (uint64_t j = s.a.addr; j < uint64_t(s.a.addr) + s.count; ++j) {
    bool w = false;
    for (const Span& x : written) w = w || (x.bank == s.a.bank && x.lo <= j && j < x.hi);
    if (!w) return false;
  }
  return true;
}

}  // namespace

Section stream_section(const Section& s, uint32_t lo, uint32_t n) {
  Section r = s;
  r.dst.addr += lo;
  r.a.addr += lo;
  r.b.addr += lo;
  r.count = n;
  return r;
}

void exec_stream_chunk(const Program& p, const MvmStream& st, int a, MachineBanks& m,
                       int16_t* y_row) {
  const uint32_t lo = stream_chunk_lo(st, a), hi = st.chunk_end[size_t(a)];
  if (hi <= lo) return;
  for (const MacroWord& stage : st.stages)
    for (const Section& s : stage.sections) {
      const Section x = stream_section(s, lo, hi - lo);
      if (x.op == Op::StoreY) {
        CSBRNN_ASSERT(y_row, "a stream stores Y but no output row was given");
        exec_store(x, m, y_row, p.output_size);
      } else {
        exec_elementwise(x, m, p.fmt);
      }
    }
}

void exec_mvm_streamed(const Program& p, const Section& s, MachineBanks& m, int16_t* y_row) {
  exec_mvm(p, s, m);
  const MvmStream& st = p.mvms[s.mvm].stream;
  if (st.empty()) return;
  for (size_t a = 0; a < st.chunk_end.size(); ++a) exec_stream_chunk(p, st, int(a), m, y_row);
}

bool stream_writes_inputs(const MvmProgram& mv) {
  for (const MacroWord& stage : mv.stream.stages)
    for (const Section& s : stage.sections)
      for (const ColumnSlice& cs : mv.col_slices)
        if (overlaps(write_of(s), {cs.src.bank, cs.src.addr, uint64_t(cs.src.addr) + cs.width}))
          return true;
  return false;
}

std::vector<StreamSectionRef> stream_section_refs(const MvmStream& s) {
  std::vector<StreamSectionRef> r;
  for (size_t st = 0; st < s.stages.size(); ++st)
    for (size_t j = 0; j < s.stages[st].sections.size(); ++j) r.push_back({int(st), int(j)});
  return r;
}

std::vector<std::vector<int>> stream_dependencies(const MvmStream& s) {
  const std::vector<StreamSectionRef> refs = stream_section_refs(s);
  auto at = [&](size_t k) -> const Section& {
    return s.stages[size_t(refs[k].stage)].sections[size_t(refs[k].section)];
  };
  std::vector<std::vector<int>> deps(refs.size());
  for (size_t k = 0; k < refs.size(); ++k)
    for (size_t e = 0; e < k; ++e) {
      if (refs[e].stage == refs[k].stage) continue;  // one stage's sections never conflict
      const Span we = write_of(at(e)), wk = write_of(at(k));
      bool c = overlaps(we, wk);                                       // WAW
      for (const Span& r : reads_of(at(k))) c = c || overlaps(we, r);  // RAW
      for (const Span& r : reads_of(at(e))) c = c || overlaps(wk, r);  // WAR
      if (c) deps[k].push_back(int(e));
    }
  return deps;
}

StreamIssueState::StreamIssueState(const MvmStream& s)
    : refs_(stream_section_refs(s)), deps_(stream_dependencies(s)) {
  for (const StreamSectionRef& r : refs_)
    unit_.push_back(s.stages[size_t(r.stage)].sections[size_t(r.section)].unit);
  chunk_of_.assign(s.chunk_end.size(), -1);
  for (size_t a = 0; a < s.chunk_end.size(); ++a) {
    const uint32_t lo = stream_chunk_lo(s, int(a)), hi = s.chunk_end[a];
    if (hi <= lo) continue;
    chunk_of_[a] = int(lo_.size());
    lo_.push_back(lo);
    n_.push_back(hi - lo);
  }
  const size_t n = size_t(instances());
  reduced_.assign(lo_.size(), 0);
  started_.assign(n, 0);
  done_.assign(n, 0);
  queue_.resize(kUnitCount);
  head_.assign(kUnitCount, 0);
  for (int i = 0; i < instances(); ++i) queue_[size_t(unit(i))].push_back(i);
}

void StreamIssueState::reduced(int a) {
  const int c = chunk_of_[size_t(a)];
  if (c >= 0) reduced_[size_t(c)] = 1;
}

bool StreamIssueState::ready(int i) const {
  if (started_[size_t(i)] || !reduced_[size_t(chunk(i))]) return false;
  const int base = chunk(i) * sections();
  for (int d : deps_[size_t(section(i))])
    if (!done_[size_t(base + d)]) return false;
  return true;
}

int StreamIssueState::pick(Unit u) const {
  const std::vector<int>& q = queue_[size_t(u)];
  for (size_t x = head_[size_t(u)]; x < q.size(); ++x)
    if (ready(q[x])) return q[x];
  return -1;
}

void StreamIssueState::start(int i) {
  CSBRNN_ASSERT(ready(i), "stream instance ", i, " started before it is ready");
  started_[size_t(i)] = 1;
  const size_t u = size_t(unit(i));
  while (head_[u] < queue_[u].size() && started_[size_t(queue_[u][head_[u]])]) ++head_[u];
}

void StreamIssueState::done(int i) {
  CSBRNN_ASSERT(started_[size_t(i)] && !done_[size_t(i)], "stream instance ", i, " done twice");
  done_[size_t(i)] = 1;
  ++done_count_;
}

void check_streams(const Program& p, const std::string& origin) {
  auto bad = [&](auto&&... what) { fail(origin, ": inconsistent program: ", what...); };
  const size_t cap = size_t(p.hw.buffers.vector_buffer);
  MachineBanks sizes;
  for (auto& b : sizes.v) b.resize(cap);
  sizes.acc.resize(cap);
  sizes.bias.resize(p.bias.size());
  for (size_t i = 0; i < p.mvms.size(); ++i) {
    const MvmProgram& mv = p.mvms[i];
    const MvmStream& st = mv.stream;
    if (st.empty()) {
      if (st.width != 0 || !st.chunk_end.empty())
        bad("MVM ", i, " has stream chunks but no stages");
      continue;
    }
    if (st.width < 1 || st.width > cap) bad("MVM ", i, " stream width ", st.width);
    if (st.chunk_end.size() != size_t(mv.iter_rows)) bad("MVM ", i, " stream chunk count");
    for (size_t a = 0; a < st.chunk_end.size(); ++a)
      if (st.chunk_end[a] > st.width || (a > 0 && st.chunk_end[a] < st.chunk_end[a - 1]))
        bad("MVM ", i, " stream chunk ends not nondecreasing within the width");
    if (st.chunk_end.back() != st.width) bad("MVM ", i, " stream chunks do not cover the width");
    if (st.stages.size() > 4096) bad("MVM ", i, " too many stream stages");
    std::vector<Span> slices;
    for (const ColumnSlice& cs : mv.col_slices)
      slices.push_back({cs.src.bank, cs.src.addr, uint64_t(cs.src.addr) + cs.width});
    std::vector<Span> written;  // what the stages before the current one write
    for (const MacroWord& stage : st.stages) {
      if (stage.sections.empty()) bad("MVM ", i, " empty stream stage");
      bool used[kUnitCount] = {};
      for (const Section& s : stage.sections) {
        const bool store = s.op == Op::StoreY && s.unit == Unit::Store;
        if (uint8_t(s.unit) >= kUnitCount || !(is_eltwise(s.op) || store) ||
            !unit_can_run(s.unit, s.op))
          bad("MVM ", i, " stream section unit/op mismatch");
        if (store && s.dst.bank != Bank::Dram) bad("MVM ", i, " stream store not to Y (Dram)");
        if (store && !finished_by(written, s))
          bad("MVM ", i, " stream stores a region no earlier stage of the chunk has written");
        if (used[uint8_t(s.unit)]) bad("MVM ", i, " two stream sections on one unit in a stage");
        used[uint8_t(s.unit)] = true;
        if (s.count != st.width) bad("MVM ", i, " stream section count != stream width");
        try {
          check_section_bounds(s, sizes, p);
        } catch (const Error& err) {
          bad("MVM ", i, " stream: ", err.what());
        }
        if (!p.resident_inputs)  // with resident inputs the MVM has read them before chunk 0
          for (const Span& sl : slices)
            if (overlaps(write_of(s), sl))
              bad("MVM ", i,
                  " stream writes the MVM's inputs (legal only in a program that "
                  "needs resident inputs)");
      }
      for (const Section& s : stage.sections) written.push_back(write_of(s));
      for (size_t x = 0; x < stage.sections.size(); ++x)
        for (size_t y = 0; y < stage.sections.size(); ++y) {
          if (x == y) continue;
          const Span w = write_of(stage.sections[x]);
          bool clash = y > x && overlaps(w, write_of(stage.sections[y]));
          for (const Span& r : reads_of(stage.sections[y])) clash = clash || overlaps(w, r);
          if (clash) bad("MVM ", i, " dependent sections in one stream stage");
        }
    }
  }
  // Per Mvm section: chunk a reads only Acc entries last written by a row-group <= a, and no
  // other section of the word uses a unit of the stream.
  const int K = p.hw.engine.K;
  for (const MacroWord& w : p.words)
    for (const Section& s : w.sections) {
      if (s.op != Op::Mvm || s.mvm >= p.mvms.size()) continue;
      const MvmProgram& mv = p.mvms[s.mvm];
      const MvmStream& st = mv.stream;
      if (st.empty()) continue;
      bool stream_unit[kUnitCount] = {};
      for (const MacroWord& stage : st.stages)
        for (const Section& x : stage.sections) stream_unit[uint8_t(x.unit)] = true;
      for (const Section& x : w.sections)
        if (stream_unit[uint8_t(x.unit)]) bad("a word uses a unit its Mvm's stream uses");
      std::vector<int> last(cap, -1);
      for (int a = 0; a < mv.iter_rows; ++a)
        for (int k = 0; k < K; ++k) {
          const int br = a * K + k;
          if (br >= mv.BR) break;
          for (int r = 0; r < mv.bh; ++r) {
            const uint32_t d = mv.row_dest[size_t(br) * mv.bh + r];
            if (d != UINT32_MAX && size_t(s.dst.addr) + d < cap) last[s.dst.addr + d] = a;
          }
        }
      for (int a = 0; a < mv.iter_rows; ++a) {
        const uint32_t lo = stream_chunk_lo(st, a), hi = st.chunk_end[size_t(a)];
        for (const MacroWord& stage : st.stages)
          for (const Section& x : stage.sections)
            for (const Span& r : reads_of(x)) {
              if (r.bank != Bank::Acc) continue;
              for (uint64_t j = lo; j < hi; ++j) {
                const int lw = last[size_t(r.lo + j)];
                if (lw < 0 || lw > a)
                  bad("MVM ", s.mvm, " stream chunk ", a, " reads Acc[", r.lo + j,
                      "] before the engine has written it");
              }
            }
      }
    }
}

}  // namespace csbrnn
