// Writes the generated seed corpora of the fuzz harnesses (fuzz/README.md): small .csb models
// (LSTM, GRU, LSTMP) and the programs compiled from them for a small machine, so every harness
// starts from valid inputs. Usage: fuzz_make_seeds OUT_DIR (creates OUT_DIR/csb, OUT_DIR/program).
#include <cstdio>
#include <filesystem>

#include "common/file_util.h"
#include "compile/compiler.h"
#include "config/config_loader.h"
#include "isa/program_io.h"
#include "model/csb_file.h"
#include "workload/bench_model.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_make_seeds OUT_DIR\n");
    return 2;
  }
  const std::string out = argv[1];
  using namespace csbrnn;
  HwConfig hw = parse_hw_config("", "built-in defaults", {"engine.pe_groups=2x2"});
  const struct {
    CellType cell;
    int proj, layers, block;
  } cases[] = {{CellType::LSTM, 0, 1, 4}, {CellType::GRU, 0, 2, 4}, {CellType::LSTM, 3, 1, 8}};
  int n = 0;
  for (const auto& c : cases) {
    GenSpec s;
    s.cell = c.cell;
    s.input_size = 7;
    s.hidden_size = 6;
    s.proj_size = c.proj;
    s.layers = c.layers;
    s.bh = s.bw = c.block;
    s.seed = uint64_t(n + 1);
    const CsbModel m = generate_csb_model(s);
    const std::string id = std::to_string(n++);
    write_file_atomic(out + "/csb/seed" + id + ".csb", encode_csb_model(m));
    write_file_atomic(out + "/program/seed" + id + ".bin", encode_program(compile_program(m, hw)));
  }
  return 0;
}
