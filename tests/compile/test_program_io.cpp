// Program container: round trip, determinism, corruption rejection.
#include <catch2/catch.hpp>
#include <cstring>

#include "common/error.h"
#include "compile/compiler.h"
#include "isa/interpreter.h"
#include "isa/program_io.h"
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
