// eltwise.stream_store (the final StoreY as a stage of the last layer's last stream) and
// eltwise.inplace_state (the streamed chain writes h in place under resident inputs): outputs
// bit-exact with the fixed-point reference, the store word and the copies disappear, the
// choice is never slower, the container carries the resident-inputs flag, and the decoder and
// the compiler refuse what breaks the guarantees in one line.
#include <catch2/catch.hpp>
#include <cstring>
#include <random>

#include "common/error.h"
#include "compile/compiler.h"
#include "fixed_ref.h"
#include "isa/interpreter.h"
#include "isa/program_io.h"
#include "isa/stream.h"
#include "timing/analytic.h"
#include "tiny_model.h"
#include "workload/bench_model.h"

using namespace csbrnn;

namespace {

const SharingMode kModes[] = {SharingMode::None, SharingMode::Horizontal, SharingMode::Vertical,
                              SharingMode::TwoD};

std::vector<int16_t> random_input(int T, int n, uint64_t seed, const fx::Format& f) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1.5, 1.5);
  std::vector<int16_t> x(size_t(T) * n);
  for (auto& v : x) v = fx::quantize(u(rng), f.af);
  return x;
}

CompileOptions always() {
  CompileOptions o;
  o.streaming = CompileOptions::Streaming::Always;
  return o;
}

// The StoreY stage ending the program's last stream, or nullptr.
const Section* stream_store(const Program& p) {
  for (const MvmProgram& mv : p.mvms)
    for (const MacroWord& st : mv.stream.stages)
      for (const Section& s : st.sections)
        if (s.op == Op::StoreY) return &s;
  return nullptr;
}

int store_words(const Program& p) {
  int n = 0;
  for (const MacroWord& w : p.words)
    for (const Section& s : w.sections) n += s.op == Op::StoreY;
  return n;
}

int copy_words(const Program& p) {
  int n = 0;
  for (const MacroWord& w : p.words)
    for (const Section& s : w.sections) n += s.op == Op::Copy;
  return n;
}

void expect_reject(const std::vector<uint8_t>& bytes, const std::string& piece) {
  try {
    decode_program(bytes.data(), bytes.size(), "bad.bin");
    FAIL("decoded a broken program (" << piece << ")");
  } catch (const Error& e) {
    const std::string msg = e.what();
    INFO(msg);
    CHECK(msg.find("bad.bin") != std::string::npos);
    CHECK(msg.find(piece) != std::string::npos);
    CHECK(msg.find('\n') == std::string::npos);
  }
}

void expect_reject(const Program& p, const std::string& piece) {
  expect_reject(encode_program(p), piece);
}

GenSpec spec(CellType cell, int proj, int layers, uint64_t seed) {
  GenSpec s;
  s.cell = cell;
  s.input_size = 13;
  s.hidden_size = 16;
  s.proj_size = proj;
  s.layers = layers;
  s.bh = 4;
  s.bw = 6;
  s.seed = seed;
  return s;
}

HwConfig hw_of(int K, int L, int P, int Q, SharingMode mode) {
  HwConfig hw;
  hw.engine.K = K;
  hw.engine.L = L;
  hw.engine.P = P;
  hw.engine.Q = Q;
  hw.sharing = mode;
  hw.eltwise.stream = true;
  return hw;
}

}  // namespace

TEST_CASE("stream_store: LSTM GRU LSTMP x sharing modes bit-exact, never slower",
          "[compile][stream]") {
  // Every layer streamed (Always): the last layer's variants with and without the store stage
  // are compared on the whole program, so the chosen program is never longer than the one
  // compiled without stream_store; where the store variant wins, the store word is gone and the
  // last stream ends with StoreY Y[t][0..S) <- the new state (count = width = S).
  uint64_t seed = 300;
  int stored = 0, kept = 0;
  for (SharingMode mode : kModes)
    for (CellType cell : {CellType::LSTM, CellType::GRU})
      for (int proj : {0, 5})
        for (int layers : {1, 2}) {
          if (cell == CellType::GRU && proj) continue;
          const GenSpec s = spec(cell, proj, layers, ++seed);
          const CsbModel m = generate_csb_model(s);
          HwConfig hw = hw_of(2, 2, 2, 2, mode);
          hw.eltwise.lanes = 4;  // chunks long enough that storing per chunk matters
          hw.memory.burst_bytes = 8;
          const Program q = compile_program(m, hw, always());
          hw.eltwise.stream_store = true;
          const Program p = compile_program(m, hw, always());
          INFO("cell " << cell_name(cell) << " proj " << proj << " layers " << layers << " mode "
                       << sharing_name(mode));
          CHECK(timing::analyze(p).cycles_per_step <= timing::analyze(q).cycles_per_step);
          CHECK(store_words(q) == 1);
          CHECK(stream_store(q) == nullptr);
          if (const Section* st = stream_store(p)) {
            ++stored;
            CHECK(store_words(p) == 0);
            CHECK(st->unit == Unit::Store);
            CHECK(st->count == uint32_t(m.state_size()));
            CHECK(st->dst.bank == Bank::Dram);
            CHECK(st->dst.addr == 0);
            // the last MVM carries it, alone in the last stage
            const MvmStream& last = p.mvms.back().stream;
            REQUIRE(last.stages.back().sections.size() == 1);
            CHECK(&last.stages.back().sections[0] == st);
          } else {
            ++kept;
            CHECK(store_words(p) == 1);
          }
          const int T = 3;
          const auto x = random_input(T, s.input_size, s.seed + 3, hw.numeric);
          const auto ref = test::fixed_ref(m, hw.numeric, x, T);
          CHECK(interpret(p, x, T).y == ref);
          CHECK(interpret(q, x, T).y == ref);
          // container round trip (no new field: the stage is an ordinary stream section)
          const auto bytes = encode_program(p);
          const Program d = decode_program(bytes.data(), bytes.size(), "mem");
          std::string where;
          CHECK(program_equal(p, d, &where));
          CHECK(encode_program(d) == bytes);
          CHECK_FALSE(d.resident_inputs);
        }
  CHECK(stored > 5);  // the variant does win
  INFO("kept the store word in " << kept);
  SUCCEED();
}

TEST_CASE("stream_store: the decoder rejects broken store stages", "[compile][stream][io]") {
  HwConfig hw = hw_of(2, 2, 2, 2, SharingMode::TwoD);
  hw.eltwise.lanes = 4;
  hw.memory.burst_bytes = 8;
  hw.eltwise.stream_store = true;
  // LSTMP: no Copy word hides the store word, so storing in the projection's stream wins
  const Program p =
      compile_program(generate_csb_model(spec(CellType::LSTM, 5, 2, 9)), hw, always());
  REQUIRE(stream_store(p) != nullptr);
  const auto locate = [](Program& q) -> Section& {
    return q.mvms.back().stream.stages.back().sections[0];
  };
  {  // storing a vector no earlier stage has written (x, the layer input)
    Program q = p;
    locate(q).a = q.mvms.back().col_slices[0].src;
    expect_reject(q, "stores a region no earlier stage of the chunk has written");
  }
  {  // a store whose destination is not Y
    Program q = p;
    locate(q).dst = Operand{Bank::E, 0};
    expect_reject(q, "stream store not to Y");
  }
  {  // StoreY on an element-wise unit
    Program q = p;
    locate(q).unit = Unit::Sum2;
    expect_reject(q, "unit/op mismatch");
  }
  {  // a store of the wrong width
    Program q = p;
    locate(q).count -= 1;
    expect_reject(q, "count != stream width");
  }
  {  // the store written beside a store word would be two sections on Store in one word
    Program q = p;
    Section w = locate(q);
    for (MacroWord& word : q.words)
      for (const Section& s : word.sections)
        if (s.op == Op::Mvm && s.mvm + 1u == q.mvms.size()) {
          word.sections.push_back(w);
          goto done;
        }
  done:
    expect_reject(q, "a unit its Mvm's stream uses");
  }
}

TEST_CASE("inplace_state: h written in place under resident inputs, bit-exact, flagged",
          "[compile][stream]") {
  // Row-group and free sync: the streamed chain writes h itself (no hn vector, no Copy words);
  // the program carries the resident-inputs flag (container flag bit 1). LSTMP has nothing to
  // write in place (the projection's stream already writes h, which the projection does not
  // read), so it is not flagged.
  uint64_t seed = 500;
  int flagged = 0;
  for (SyncMode sync : {SyncMode::RowGroup, SyncMode::Free})
    for (SharingMode mode : kModes)
      for (CellType cell : {CellType::LSTM, CellType::GRU})
        for (int proj : {0, 5}) {
          if (cell == CellType::GRU && proj) continue;
          const GenSpec s = spec(cell, proj, 2, ++seed);
          const CsbModel m = generate_csb_model(s);
          HwConfig hw = hw_of(2, 2, 2, 2, mode);
          hw.engine.sync = sync;
          const Program q = compile_program(m, hw, always());
          for (bool store : {false, true}) {
            hw.eltwise.inplace_state = true;
            hw.eltwise.stream_store = store;
            const Program p = compile_program(m, hw, always());
            INFO("cell " << cell_name(cell) << " proj " << proj << " mode " << sharing_name(mode)
                         << " sync " << sync_name(sync) << " store " << store);
            CHECK(p.resident_inputs == (proj == 0));
            CHECK_FALSE(q.resident_inputs);
            if (proj == 0) {
              ++flagged;
              CHECK(copy_words(q) == 2);  // one Copy hn -> h per layer
              CHECK(copy_words(p) == 0);
              for (const MvmProgram& mv : p.mvms) CHECK(stream_writes_inputs(mv));
            }
            CHECK(timing::analyze(p).cycles_per_step <= timing::analyze(q).cycles_per_step);
            const int T = 3;
            const auto x = random_input(T, s.input_size, s.seed + 5, hw.numeric);
            const auto ref = test::fixed_ref(m, hw.numeric, x, T);
            CHECK(interpret(p, x, T).y == ref);
            CHECK(interpret(q, x, T).y == ref);
            const auto bytes = encode_program(p);
            uint32_t flags = 0;
            std::memcpy(&flags, bytes.data() + 12, 4);
            CHECK(flags == (proj == 0 ? 2u : 0u));
            const Program d = decode_program(bytes.data(), bytes.size(), "mem");
            CHECK(d.resident_inputs == p.resident_inputs);
            CHECK((disassemble(d).find("; needs resident inputs") != std::string::npos) ==
                  p.resident_inputs);
            std::string where;
            CHECK(program_equal(p, d, &where));
            CHECK(encode_program(d) == bytes);
          }
        }
  CHECK(flagged == 32);  // 2 syncs x 4 modes x 2 cells x 2 store settings
}

TEST_CASE("inplace_state: refusals in one line", "[compile][stream][io]") {
  const CsbModel m = generate_csb_model(spec(CellType::GRU, 0, 1, 21));
  HwConfig hw = hw_of(2, 2, 2, 2, SharingMode::TwoD);
  hw.eltwise.inplace_state = true;
  {  // the compiler: not under iteration sync
    CompileOptions o = always();
    o.origin = "m.csb";
    try {
      compile_program(m, hw, o);
      FAIL("compiled eltwise.inplace_state under engine.sync iteration");
    } catch (const Error& e) {
      const std::string msg = e.what();
      CHECK(msg.find("m.csb: eltwise.inplace_state needs engine.sync row-group or free") !=
            std::string::npos);
      CHECK(msg.find('\n') == std::string::npos);
    }
  }
  hw.engine.sync = SyncMode::RowGroup;
  const Program p = compile_program(m, hw, always());
  REQUIRE(p.resident_inputs);
  auto bytes = encode_program(p);
  {  // the flag cleared: the stream writes its MVM's inputs (recompute the CRC)
    Program q = p;
    q.resident_inputs = false;
    expect_reject(q, "writes the MVM's inputs");
  }
  {  // an unknown flag bit (bit 2) is refused
    uint32_t flags = 0;
    std::memcpy(&flags, bytes.data() + 12, 4);
    flags |= 4;
    std::memcpy(bytes.data() + 12, &flags, 4);
    expect_reject(bytes, "unknown program flags 6");
  }
}

TEST_CASE("stream_store and inplace_state: the tiny hand-worked LSTM", "[compile][stream]") {
  // tests/compile/test_stream.cpp works the streamed tiny LSTM (one row-group, one chunk of
  // n = 2 after the reduction at 13, 8 stages, chunk 27 cycles): words loadx 1, mvm + stream
  // 40, copy hn -> h 2 beside storey 1: 43 per step.
  // stream_store: the store stage 8, storey Y[t][0..2) <- hn (4 bytes: transfer_cycles = 1),
  // starts when stage 7 is done (40) and ends at 41: words 1, 41, copy 2 = 44 > 43, so the
  // compiler keeps the store word (the variant is kept only where not slower).
  HwConfig hw = test::tiny_hw();
  hw.eltwise.stream = true;
  hw.eltwise.stream_store = true;
  const Program a = compile_program(test::tiny_lstm(), hw, always());
  CHECK(stream_store(a) == nullptr);
  CHECK(timing::analyze(a).word_cycles == std::vector<int64_t>{1, 40, 2});
  // Row-group sync, one iteration: the walk is the iteration (ld(0) + the busiest group's tiles,
  // then drain and reduction as before): the engine still lasts 13. inplace_state: the chain
  // writes h (the same 8 stages: the LSTM chain reads c, not h), no copy. Without the store
  // stage: loadx 1, mvm 40, storey 1 = 42; with it: loadx 1, mvm 41 = 42: a tie, which goes to
  // the store variant (listed first). The store word disappears; the stream ends with the store
  // of the (last) chunk.
  hw.engine.sync = SyncMode::RowGroup;
  hw.eltwise.inplace_state = true;
  const Program b = compile_program(test::tiny_lstm(), hw, always());
  REQUIRE(stream_store(b) != nullptr);
  CHECK(b.resident_inputs);
  CHECK(b.mvms[0].stream.stages.size() == 9);
  CHECK(b.words.size() == 2);
  const timing::TimingReport t = timing::analyze(b);
  CHECK(t.mvms[0].engine_cycles == 13);
  CHECK(t.mvms[0].stream_end == 41);
  CHECK(t.word_cycles == std::vector<int64_t>{1, 41});
  CHECK(t.cycles_per_step == 42);
  const auto x = random_input(3, 4, 8, hw.numeric);
  CHECK(interpret(b, x, 3).y == test::fixed_ref(test::tiny_lstm(), hw.numeric, x, 3));
}
