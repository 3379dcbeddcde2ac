// Program container: round trip, determinism, corruption rejection.
#include <catch2/catch.hpp>
#include <cstring>

#include "common/error.h"
#include "compile/compiler.h"
#include "config/hw_keys.h"
#include "isa/interpreter.h"
#include "isa/program_io.h"
#include "isa/semantics.h"
#include "support/test_util.h"
#include "tiny_model.h"
#include "workload/bench_model.h"

using namespace csbrnn;

namespace {
Program sample(CellType cell, int proj, SharingMode mode) {
  GenSpec s;
  s.cell = cell;
  s.input_size = 11;
  s.hidden_size = 9;
  s.proj_size = proj;
  s.layers = 2;
  s.bh = 4;
  s.bw = 6;
  s.seed = 5;
  HwConfig hw;
  hw.engine.K = 2;
  hw.engine.L = 3;
  hw.engine.P = 2;
  hw.engine.Q = 2;
  hw.sharing = mode;
  hw.name = "io-test";
  return compile_program(generate_csb_model(s), hw);
}
}  // namespace

TEST_CASE("program round trip: decode(encode(p)) == p, deterministic", "[compile][io]") {
  for (const Program& p : {sample(CellType::LSTM, 0, SharingMode::TwoD),
                           sample(CellType::GRU, 0, SharingMode::Horizontal),
                           sample(CellType::LSTM, 5, SharingMode::Vertical)}) {
    const auto bytes = encode_program(p);
    CHECK(encode_program(p) == bytes);
    const Program q = decode_program(bytes.data(), bytes.size(), "mem");
    std::string where;
    CHECK(program_equal(p, q, &where));
    INFO(where);
    CHECK(encode_program(q) == bytes);
    DisasmOptions all;
    all.micro = all.images = true;
    CHECK(disassemble(q, all) == disassemble(p, all));
    // The equality check itself is not vacuous.
    Program r = q;
    r.mvms[0].images[0].weights[0] ^= 1;
    CHECK_FALSE(program_equal(p, r, &where));
    CHECK(where == "mvm 0 image 0");
  }
}

TEST_CASE("program decode rejects corruption", "[compile][io]") {
  const auto bytes = encode_program(sample(CellType::LSTM, 0, SharingMode::TwoD));
  auto rejects = [](std::vector<uint8_t> b, const std::string& needle) {
    try {
      decode_program(b.data(), b.size(), "p.bin");
      FAIL("accepted a corrupt program");
    } catch (const Error& e) {
      INFO(e.what());
      CHECK(std::string(e.what()).find("p.bin") == 0);
      CHECK(std::string(e.what()).find(needle) != std::string::npos);
    }
  };
  for (size_t cut : {size_t(0), size_t(5), size_t(20), bytes.size() / 2, bytes.size() - 1}) {
    std::vector<uint8_t> b(bytes.begin(), bytes.begin() + cut);
    rejects(b, cut < 8 ? "magic" : "trunc");
  }
  auto b = bytes;
  b[0] = 'X';
  rejects(b, "bad magic");
  b = bytes;
  b[8] = 7;
  rejects(b, "version");
  b = bytes;
  b[bytes.size() / 2] ^= 0x40;
  rejects(b, "checksum");
  b = bytes;
  b.push_back(0);
  rejects(b, "length");
}

TEST_CASE("program decode rejects a consistent-CRC but inconsistent program", "[compile][io]") {
  Program p = sample(CellType::GRU, 0, SharingMode::TwoD);
  p.mvms[0].micro[0].items.push_back(MicroItem{ItemKind::Local, 3, 3, 1u << 30, 0});
  const auto b = encode_program(p);
  CHECK_THROWS_WITH(decode_program(b.data(), b.size(), "x.bin"),
                    Catch::Contains("x.bin") && Catch::Contains("inconsistent"));
  Program q = sample(CellType::LSTM, 0, SharingMode::None);
  q.words[0].sections[0].unit = Unit::Tanh;  // loadx on the tanh unit
  const auto c = encode_program(q);
  CHECK_THROWS_WITH(decode_program(c.data(), c.size(), "y.bin"), Catch::Contains("unit/op"));
}

TEST_CASE("a decoded program runs like the original", "[compile][io]") {
  const Program p = compile_program(test::tiny_lstm(), test::tiny_hw(SharingMode::TwoD));
  const auto b = encode_program(p);
  const Program q = decode_program(b.data(), b.size(), "mem");
  const std::vector<int16_t> x = {100, -200, 300, -400, 500, -600, 700, -800};
  CHECK(interpret(q, x, 2).y == interpret(p, x, 2).y);
}

TEST_CASE("csbrnn disasm prints the listing of a saved program", "[compile][io][cli]") {
  test::TempDir dir("disasm");
  const Program p = sample(CellType::LSTM, 4, SharingMode::TwoD);
  save_program(dir.file("p.bin"), p);
  const auto r = test::run_cli("disasm " + dir.file("p.bin") + " --micro");
  CHECK(r.exit_code == 0);
  DisasmOptions o;
  o.micro = true;
  CHECK(r.output == disassemble(p, o));
  const auto bad = test::run_cli("disasm " + dir.file("missing.bin"));
  CHECK(bad.exit_code == 2);
  CHECK(bad.output.find("missing.bin") != std::string::npos);
}

TEST_CASE("the container's hw record has docs/isa.md's layout, every field distinct",
          "[compile][io]") {
  // The record is written by walking the key table (config/hw_keys.h); this reads it back by the
  // byte layout docs/isa.md specifies, so a key added to the table without a new container
  // version (and docs) fails here. Every field but the grid gets its own value, so a swap shows.
  Program p = sample(CellType::LSTM, 0, SharingMode::Vertical);
  HwConfig& h = p.hw;
  int next = 101;  // the grid stays 2x3 groups of 2x2 PEs: decoding checks it against the images
  h.engine.clock_mhz = 123.25;
  for (int* v : {&h.engine.neuron_load_width, &h.engine.lat_weight_read, &h.engine.lat_multiply,
                 &h.engine.lat_adder_tree, &h.engine.lat_accumulate, &h.engine.lat_vertical_path,
                 &h.engine.reduce_lanes, &h.engine.lat_reduce, &h.buffers.weight_buffer_kib,
                 &h.buffers.block_neuron_buffer, &h.buffers.neuron_accum_buffer,
                 &h.buffers.vector_buffer, &h.eltwise.lanes, &h.eltwise.lat_sum,
                 &h.eltwise.lat_mult, &h.eltwise.lat_sigmoid, &h.eltwise.lat_tanh})
    *v = next++;
  h.eltwise.stream = false;
  h.memory.ideal = true;
  h.memory.dram_latency_ns = 55.5;
  h.memory.dram_bandwidth_gbps = 7.75;
  h.memory.burst_bytes = next++;
  h.max_vertical_fraction = 0.375;
  h.sharing_neighbours = 4;
  h.numeric.wf = next++;
  h.numeric.af = next++;
  const auto bytes = encode_program(p);
  size_t at = 28;  // after the header
  auto i32 = [&] {
    int32_t v;
    std::memcpy(&v, bytes.data() + at, 4);
    at += 4;
    return v;
  };
  auto f64 = [&] {
    double v;
    std::memcpy(&v, bytes.data() + at, 8);
    at += 8;
    return v;
  };
  auto u8 = [&] { return int(bytes[at++]); };
  int want = 101;
  for (int v : {2, 3, 2, 2}) CHECK(i32() == v);         // K, L, P, Q
  CHECK(f64() == 123.25);                               // clock_mhz
  for (int k = 0; k < 17; ++k) CHECK(i32() == want++);  // load width .. lat_tanh
  CHECK(u8() == 0);                                     // eltwise.stream
  CHECK(u8() == 1);                                     // memory.ideal
  CHECK(f64() == 55.5);
  CHECK(f64() == 7.75);
  CHECK(i32() == want++);  // burst_bytes
  CHECK(u8() == 2);        // sharing: vertical
  CHECK(f64() == 0.375);
  CHECK(i32() == 4);       // sharing.neighbours
  CHECK(i32() == want++);  // wf
  CHECK(i32() == want++);  // af
  CHECK(i32() == 7);       // name length
  CHECK(std::string(bytes.begin() + long(at), bytes.begin() + long(at) + 7) == "io-test");
  const Program q = decode_program(bytes.data(), bytes.size(), "mem");
  CHECK(hw_config_equal(q.hw, p.hw));
}

TEST_CASE("program output permutation: flag bit 0 and a trailing table, round trip, refusals",
          "[compile][io][permute]") {
  const Program p = sample(CellType::GRU, 0, SharingMode::TwoD);  // output_size 9
  const auto plain = encode_program(p);
  CHECK(plain[12] == 0);  // flags 0 without a permutation: the layout every earlier csbrnn wrote
  Program q = p;
  q.output_perm = {8, 0, 1, 2, 3, 4, 5, 6, 7};
  const auto b = encode_program(q);
  CHECK(b[12] == 1);
  CHECK(b.size() == plain.size() + 4 + 9 * 4);  // u32 n + 9 x u32
  const Program r = decode_program(b.data(), b.size(), "p.bin");
  CHECK(r.output_perm == q.output_perm);
  std::string where;
  CHECK_FALSE(program_equal(p, r, &where));
  CHECK(where == "output_perm");
  // The interpreter delivers Y row element i at position perm[i].
  std::vector<int16_t> x(size_t(2 * p.input_size));
  for (size_t i = 0; i < x.size(); ++i) x[i] = int16_t((int(i) * 911) % 4000 - 2000);
  const auto y0 = interpret(p, x, 2).y, y1 = interpret(r, x, 2).y;
  for (int t = 0; t < 2; ++t)
    for (size_t i = 0; i < 9; ++i)
      CHECK(y1[size_t(t) * 9 + q.output_perm[i]] == y0[size_t(t) * 9 + i]);
  // A malformed table is an inconsistent program; an unknown flag bit is refused.
  Program bad = q;
  bad.output_perm[1] = 8;
  CHECK_THROWS_WITH(check_program(bad, "p.bin"),
                    "p.bin: output permutation is not a permutation (8 appears twice)");
  auto c = plain;
  c[12] = 4;  // bit 1 is the resident-inputs flag (tests/compile/test_stream_store.cpp)
  CHECK_THROWS_WITH(decode_program(c.data(), c.size(), "p.bin"), "p.bin: unknown program flags 4");
}
