// eltwise.stream: the element-wise chain streamed behind the engine. Bit-exact with the fixed
// reference (and with the unstreamed program), the block-row permutation really completes neurons
// early, the container round-trips the new fields and the decoder rejects broken streams.
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

HwConfig hw_of(int K, int L, int P, int Q, SharingMode mode, bool stream) {
  HwConfig hw;
  hw.engine.K = K;
  hw.engine.L = L;
  hw.engine.P = P;
  hw.engine.Q = Q;
  hw.sharing = mode;
  hw.eltwise.stream = stream;
  return hw;
}

int g_early = 0;                      // streams with a non-empty chunk before the last row-group
size_t g_nonzero = 0, g_outputs = 0;  // outputs away from zero (the check is not vacuous)

CompileOptions always() {
  CompileOptions o;
  o.streaming = CompileOptions::Streaming::Always;
  return o;
}

void check_streamed(const GenSpec& s, const HwConfig& hw) {
  const CsbModel m = generate_csb_model(s);
  const Program p = compile_program(m, hw, always());
  HwConfig off = hw;
  off.eltwise.stream = false;
  const Program q = compile_program(m, off);
  INFO("cell " << cell_name(s.cell) << " in " << s.input_size << " H " << s.hidden_size << " proj "
               << s.proj_size << " layers " << s.layers << " block " << s.bh << "x" << s.bw
               << " mode " << sharing_name(hw.sharing));
  // Every MVM carries a stream; the unstreamed program has none.
  for (const MvmProgram& mv : p.mvms) {
    REQUIRE_FALSE(mv.stream.empty());
    CHECK(mv.stream.chunk_end.back() == mv.stream.width);
    if (mv.iter_rows > 1 && mv.stream.chunk_end[size_t(mv.iter_rows) - 2] > 0) ++g_early;
  }
  for (const MvmProgram& mv : q.mvms) CHECK(mv.stream.empty());
  const int T = 3;
  const auto x = random_input(T, s.input_size, s.seed + 7, hw.numeric);
  const InterpretResult r = interpret(p, x, T);
  const auto ref = test::fixed_ref(m, hw.numeric, x, T);
  REQUIRE(r.y.size() == ref.size());
  size_t diff = 0, nonzero = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    diff += r.y[i] != ref[i];
    nonzero += r.y[i] != 0;
  }
  CHECK(diff == 0);
  g_nonzero += nonzero;
  g_outputs += ref.size();
  CHECK(interpret(q, x, T).y == r.y);
  // Both row-group orders (Best picked one of them) are bit-exact too.
  for (auto order : {CompileOptions::RowOrder::Source, CompileOptions::RowOrder::Interleaved}) {
    CompileOptions o = always();
    o.row_order = order;
    CHECK(interpret(compile_program(m, hw, o), x, T).y == r.y);
  }
}

Program sample(CellType cell, int proj) {
  GenSpec s;
  s.cell = cell;
  s.input_size = 11;
  s.hidden_size = 9;
  s.proj_size = proj;
  s.layers = 2;
  s.bh = 4;
  s.bw = 6;
  s.seed = 5;
  HwConfig hw = hw_of(2, 3, 2, 2, SharingMode::TwoD, true);
  hw.name = "stream-io";
  return compile_program(generate_csb_model(s), hw, always());
}

void expect_reject(const Program& p, const std::string& piece) {
  const auto bytes = encode_program(p);
  try {
    decode_program(bytes.data(), bytes.size(), "bad.bin");
    FAIL("decoded a program with a broken stream (" << piece << ")");
  } catch (const Error& e) {
    const std::string msg = e.what();
    INFO(msg);
    CHECK(msg.find("bad.bin") != std::string::npos);
    CHECK(msg.find(piece) != std::string::npos);
    CHECK(msg.find('\n') == std::string::npos);
  }
}

}  // namespace

TEST_CASE("stream: LSTM, GRU, LSTMP x sharing modes bit-exact with the reference",
          "[compile][stream]") {
  g_early = 0;
  g_nonzero = g_outputs = 0;
  uint64_t seed = 40;
  for (SharingMode mode : kModes) {
    for (CellType cell : {CellType::LSTM, CellType::GRU})
      for (int proj : {0, 5}) {
        if (cell == CellType::GRU && proj) continue;
        GenSpec s;
        s.cell = cell;
        s.input_size = 13;
        s.hidden_size = 16;  // H a multiple of bh: every row-group completes a chunk
        s.proj_size = proj;
        s.layers = 2;
        s.bh = 4;
        s.bw = 6;
        s.seed = ++seed;
        check_streamed(s, hw_of(2, 2, 2, 2, mode, true));
        s.hidden_size = 11;  // gate regions share block-rows
        s.bh = 6;
        s.seed = ++seed;
        check_streamed(s, hw_of(2, 3, 2, 3, mode, true));
        s.layers = 3;
        s.bh = 8;
        s.has_bias = cell == CellType::LSTM;
        s.seed = ++seed;
        check_streamed(s, hw_of(1, 2, 3, 2, mode, true));
      }
  }
  CHECK(g_early > 10);
  CHECK(g_nonzero > g_outputs / 2);  // streaming really starts before the engine's last row-group
}

TEST_CASE("stream: block-rows interleaved so each row-group holds all gates of its neurons",
          "[compile][stream]") {
  // LSTM H = 16, bh = 4: gate block-rows i0..i3 f0..f3 g0..g3 o0..o3. K = 4: row-group a holds
  // i_a, f_a, g_a, o_a, i.e. neurons 4a..4a+3 complete: chunk_end = 4, 8, 12, 16.
  GenSpec s;
  s.input_size = 8;
  s.hidden_size = 16;
  s.bh = 4;
  s.bw = 4;
  const CsbModel m = generate_csb_model(s);
  const HwConfig hw = hw_of(4, 2, 2, 2, SharingMode::TwoD, true);
  CompileOptions o = always();
  o.row_order = CompileOptions::RowOrder::Interleaved;
  const Program p = compile_program(m, hw, o);
  const MvmProgram& mv = p.mvms[0];
  CHECK(mv.stream.chunk_end == std::vector<uint32_t>{4, 8, 12, 16});
  for (int br = 0; br < mv.BR; ++br)  // grid block-row br = gate br%4, neurons 4*(br/4)..
    CHECK(mv.row_dest[size_t(br) * 4] == uint32_t((br % 4) * 16 + 4 * (br / 4)));
  // The source order: o's rows come last, so every neuron completes in the last row-group.
  o.row_order = CompileOptions::RowOrder::Source;
  const Program q = compile_program(m, hw, o);
  for (int br = 0; br < q.mvms[0].BR; ++br)
    CHECK(q.mvms[0].row_dest[size_t(br) * 4] == uint32_t(4 * br));
  CHECK(q.mvms[0].stream.chunk_end == std::vector<uint32_t>{0, 0, 0, 16});
  // Best keeps the shorter Mvm section of the two (and all three compute the same).
  const Program b = compile_program(m, hw, always());
  const int64_t ti = timing::analyze_mvm(p, 0).section_end;
  const int64_t ts = timing::analyze_mvm(q, 0).section_end;
  CHECK(timing::analyze_mvm(b, 0).section_end == std::min(ti, ts));
  const auto x = random_input(2, s.input_size, 3, hw.numeric);
  CHECK(interpret(p, x, 2).y == interpret(q, x, 2).y);
  CHECK(interpret(b, x, 2).y == interpret(q, x, 2).y);
}

TEST_CASE("stream: container round trip and disassembly", "[compile][stream][io]") {
  for (const Program& p :
       {sample(CellType::LSTM, 0), sample(CellType::GRU, 0), sample(CellType::LSTM, 5)}) {
    const auto bytes = encode_program(p);
    CHECK(encode_program(p) == bytes);
    uint32_t version = 0;
    std::memcpy(&version, bytes.data() + 8, 4);
    CHECK(version == 3);
    const Program q = decode_program(bytes.data(), bytes.size(), "mem");
    std::string where;
    CHECK(program_equal(p, q, &where));
    INFO(where);
    CHECK(q.hw.eltwise.stream);
    CHECK(encode_program(q) == bytes);
    DisasmOptions all;
    all.micro = all.images = true;
    CHECK(disassemble(q, all) == disassemble(p, all));
    CHECK(disassemble(q).find("stream n=") != std::string::npos);
    Program r = q;
    r.mvms[0].stream.chunk_end[0] ^= 1;
    CHECK_FALSE(program_equal(p, r, &where));
    CHECK(where == "mvm 0 stream");
    r = q;
    r.mvms[0].stream.stages[0].sections[0].count ^= 1;
    CHECK_FALSE(program_equal(p, r, &where));
    CHECK(where == "mvm 0 stream stage 0 section 0");
  }
}

TEST_CASE("stream: the decoder rejects broken streams", "[compile][stream][io]") {
  const Program p = sample(CellType::LSTM, 0);
  const MvmProgram& mv0 = p.mvms[0];
  REQUIRE(mv0.iter_rows >= 2);
  {  // chunks must cover the width
    Program q = p;
    q.mvms[0].stream.chunk_end.back() -= 1;
    expect_reject(q, "do not cover");
  }
  {  // all of the chunks in the first row-group: reads Acc before the engine wrote it
    Program q = p;
    for (auto& e : q.mvms[0].stream.chunk_end) e = q.mvms[0].stream.width;
    expect_reject(q, "before the engine has written it");
  }
  {  // a stream writing the MVM's inputs (its first column slice)
    Program q = p;
    q.mvms[0].stream.stages.back().sections[0].dst = q.mvms[0].col_slices[0].src;
    expect_reject(q, "writes the MVM's inputs");
  }
  {  // wrong unit for the op
    Program q = p;
    Section& x = q.mvms[0].stream.stages[0].sections[0];
    x.unit = x.op == Op::BiasWb ? Unit::Sum2 : Unit::Sum1;
    expect_reject(q, "unit/op mismatch");
  }
  {  // count differs from the stream width
    Program q = p;
    q.mvms[0].stream.stages[0].sections[0].count += 1;
    expect_reject(q, "count != stream width");
  }
  {  // a section in the Mvm's word on a unit the stream uses
    Program q = p;
    for (MacroWord& w : q.words)
      for (const Section& s : w.sections)
        if (s.op == Op::Mvm && s.mvm == 0) {
          Section t;
          t.unit = Unit::Tanh;
          t.op = Op::Tanh;
          t.dst = Operand{Bank::E, 4000};
          t.a = Operand{Bank::E, 4000};
          t.count = 1;
          w.sections.push_back(t);
          goto done;
        }
  done:
    expect_reject(q, "a unit its Mvm's stream uses");
  }
  {  // nondecreasing chunk ends
    Program q = p;
    auto& e = q.mvms[0].stream.chunk_end;
    std::swap(e.front(), e.back());
    expect_reject(q, "nondecreasing");
  }
}

TEST_CASE("stream: the tiny hand-worked LSTM, by hand", "[compile][stream]") {
  // tests/compile/test_listing.cpp works the unstreamed program: 34 cycles per timestep, the
  // Gates MVM's engine 13. Streamed (H = 2, one row-group, so one chunk of n = 2 after the
  // reduction at 13), the chain is list-scheduled into 8 stages (lanes 16: ceil(2/16) = 1):
  //   0 biaswb i                       sum            1 + 1 = 2
  //   1 biaswb g, sigmoid i            sum, sigmoid   1 + 3 = 4
  //   2 biaswb f, tanh g               sum, tanh      4
  //   3 biaswb o, sigmoid f, mul i*g   sum, sig, mult 4
  //   4 sigmoid o, mul f*c             sig, mult      4
  //   5 add c'                         sum            2
  //   6 tanh c'                        tanh           4
  //   7 mul o*tanh(c') -> hn           mult           1 + 2 = 3      chunk = 27
  // Words: loadx 8 B -> 1; mvm + stream max(13, 13 + 27) = 40; copy hn -> h (2 -> 1 + 1 = 2)
  // beside storey of hn (4 B -> 1): 2. Total 1 + 40 + 2 = 43: streaming LOSES on this tiny model
  // (the 4 per-gate biaswb serialise on Sum1 and nothing is left to overlap).
  HwConfig hw = test::tiny_hw();
  hw.eltwise.stream = true;
  const Program p = compile_program(test::tiny_lstm(), hw, always());
  const MvmStream& st = p.mvms[0].stream;
  REQUIRE(st.stages.size() == 8);
  const std::vector<size_t> widths = {1, 2, 2, 3, 2, 1, 1, 1};
  for (size_t j = 0; j < 8; ++j) CHECK(st.stages[j].sections.size() == widths[j]);
  CHECK(st.chunk_end == std::vector<uint32_t>{2});
  const timing::TimingReport t = timing::analyze(p);
  CHECK(t.mvms[0].engine_cycles == 13);
  CHECK(t.mvms[0].stream_end == 40);
  CHECK(t.word_cycles == std::vector<int64_t>{1, 40, 2});
  CHECK(t.cycles_per_step == 43);
  // The default choice (Streaming::Best) compares the one layer's variants by their program
  // prefix (here the whole program: loadx, the layer, storey): interleaved and source streamed
  // are both 43 (one row-group: the same chunk), unstreamed 34 (test_listing.cpp), so the layer
  // stays unstreamed: the program is exactly the unstreamed one.
  const Program b = compile_program(test::tiny_lstm(), hw);
  CHECK(b.mvms[0].stream.empty());
  CHECK(timing::analyze(b).cycles_per_step == 34);
  HwConfig off = hw;
  off.eltwise.stream = false;
  const Program q = compile_program(test::tiny_lstm(), off);
  CHECK(b.words.size() == q.words.size());
  CHECK(timing::analyze(q).word_cycles == timing::analyze(b).word_cycles);
}

TEST_CASE("stream: the per-layer choice is never slower than not streaming", "[compile][stream]") {
  // Over random models, machines and latencies: the default (Best) program is never longer than
  // the unstreamed one, never longer than the all-streamed one on single-layer models (where the
  // prefix is the whole program), and some layers go each way.
  std::mt19937_64 rng(5);
  auto r = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int streamed = 0, unstreamed = 0;
  for (int i = 0; i < 30; ++i) {
    GenSpec s;
    s.cell = r(0, 1) ? CellType::LSTM : CellType::GRU;
    s.input_size = r(3, 40);
    s.hidden_size = r(3, 48);
    s.proj_size =
        s.cell == CellType::LSTM && r(0, 3) == 0 ? r(2, std::min(9, s.hidden_size - 1)) : 0;
    s.layers = r(1, 3);
    s.bh = r(2, 8);
    s.bw = r(2, 8);
    s.seed = uint64_t(100 + i);
    HwConfig hw = hw_of(r(1, 4), r(1, 4), r(1, 4), r(1, 4), kModes[r(0, 3)], true);
    hw.buffers.vector_buffer = 8192;
    hw.eltwise.lanes = r(1, 16);
    hw.eltwise.lat_sigmoid = r(1, 6);
    hw.eltwise.lat_tanh = r(1, 6);
    hw.engine.reduce_lanes = r(1, 16);
    const CsbModel m = generate_csb_model(s);
    HwConfig off = hw;
    off.eltwise.stream = false;
    const Program b = compile_program(m, hw);
    const int64_t cb = timing::analyze(b).cycles_per_step;
    INFO("case " << i);
    CHECK(cb <= timing::analyze(compile_program(m, off)).cycles_per_step);
    if (s.layers == 1)
      CHECK(cb <= timing::analyze(compile_program(m, hw, always())).cycles_per_step);
    for (const MvmProgram& mv : b.mvms)
      if (mv.kind == MvmKind::Gates) (mv.stream.empty() ? unstreamed : streamed)++;
    const auto x = random_input(2, s.input_size, s.seed, hw.numeric);
    CHECK(interpret(b, x, 2).y == test::fixed_ref(m, hw.numeric, x, 2));
  }
  CHECK(streamed > 0);
  CHECK(unstreamed > 0);
}

// The same program issued dataflow (eltwise.stream_issue, docs/timing.md "Stream"). Flat
// sections (stage order) and their dependencies by region (stream_dependencies):
//   k0 biaswb i  E0         k1 biaswb g  E4        k2 sigmoid i B2<-E0 (k0)   k3 tanh g B6<-E4 (k1)
//   k4 biaswb f  E2         k5 mul i*g D2<-B2,B6 (k2, k3)   k6 sigmoid f B4<-E2 (k4)
//   k7 biaswb o  E6         k8 mul f*c C2<-B4,C0 (k6)       k9 sigmoid o B8<-E6 (k7)
//   k10 add C0<-C2,D2 (k5; k8: RAW on C2 and WAR on C0)     k11 tanh A4<-C0 (k10)
//   k12 mul hn D0<-B8,A4 (k9, k11)
// n = 2, lanes 16: every section issues 1 cycle; done after sum 2, sigmoid/tanh 4, mult 3.
// Reduction at 13; Sum1 takes its biaswb in priority order k0, k1, k4, k7:
//   13 k0 (done 15); 14 k1 (16); 15 k2 sigmoid (19) and k4 (17); 16 k3 tanh (20) and k7 (18);
//   17 k6 sigmoid (21; the Sigmoid's k2 issue ended at 16);
//   18 k9 sigmoid (22): k7's done and the Sigmoid's issue end of k6 both at 18;
//   20 k5 mul (23; k2 at 19, k3 at 20); 21 k8 mul (24): k6's done and Mult1's issue end at 21;
//   24 k10 add (26); 26 k11 tanh (30); 30 k12 mul (33; k9 at 22).
// Stream end 33 (stage issue: 40); words 1 + 33 + 2 = 36 (stage: 43).
TEST_CASE("stream: the tiny hand-worked LSTM issued dataflow, by hand", "[compile][stream]") {
  HwConfig hw = test::tiny_hw();
  hw.eltwise.stream = true;
  Program p = compile_program(test::tiny_lstm(), hw, always());
  const auto deps = stream_dependencies(p.mvms[0].stream);
  const std::vector<std::vector<int>> expect = {{}, {},  {0}, {1},    {},   {2, 3}, {4},
                                                {}, {6}, {7}, {5, 8}, {10}, {9, 11}};
  CHECK(deps == expect);
  p.hw.eltwise.stream_issue = StreamIssue::Dataflow;
  const timing::TimingReport t = timing::analyze(p);
  CHECK(t.mvms[0].engine_cycles == 13);
  CHECK(t.mvms[0].stream_end == 33);
  CHECK(t.word_cycles == std::vector<int64_t>{1, 33, 2});
  CHECK(t.cycles_per_step == 36);
  // the key is not part of the program: the container keeps no trace of it
  CHECK(encode_program(p) == encode_program(compile_program(test::tiny_lstm(), hw, always())));
}
