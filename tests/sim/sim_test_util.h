// Helpers for the simulator tests: random hardware knobs, random inputs, checks that compare
// one simulated job with the interpreter and the analytic model.
#pragma once
#include <catch2/catch.hpp>
#include <random>

#include "compile/compiler.h"
#include "isa/interpreter.h"
#include "sim/report.h"
#include "sim/simulator.h"
#include "workload/bench_model.h"

namespace csbrnn::test {

inline std::vector<int16_t> random_input(int T, int n, uint64_t seed, const fx::Format& f) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1.5, 1.5);
  std::vector<int16_t> x(size_t(T) * n);
  for (auto& v : x) v = fx::quantize(u(rng), f.af);
  return x;
}

/// A K x L machine of P x Q PEs with 4096-entry vector banks (room for the random models).
inline HwConfig small_hw(int K, int L, int P, int Q) {
  HwConfig hw;
  hw.engine.K = K;
  hw.engine.L = L;
  hw.engine.P = P;
  hw.engine.Q = Q;
  hw.buffers.vector_buffer = 4096;
  return hw;
}

/// Randomises every timing knob (not the structure) of `hw`.
/// A random small model spec (cell, shape, layers, blocks, keep probabilities) drawn from `rng`,
/// hidden size up to `max_hidden`, block height up to `max_bh`: the random cases of the sim tests.
inline GenSpec random_spec(std::mt19937_64& rng, int max_hidden, int max_bh, uint64_t seed) {
  auto r = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  GenSpec s;
  s.cell = r(0, 1) ? CellType::LSTM : CellType::GRU;
  s.input_size = r(3, 40);
  s.hidden_size = r(3, max_hidden);
  s.proj_size = s.cell == CellType::LSTM && r(0, 2) == 0 ? r(2, s.hidden_size) : 0;
  s.layers = r(1, 2);
  s.bh = r(2, max_bh);
  s.bw = r(2, 16);
  s.keep_row = 0.3 + 0.6 * r(0, 10) / 10.0;
  s.keep_col = 0.3 + 0.6 * r(0, 10) / 10.0;
  s.seed = seed;
  return s;
}

inline void randomize_timing(HwConfig& hw, std::mt19937_64& rng) {
  auto r = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  hw.engine.neuron_load_width = r(1, 20);
  // Ranges follow the config's validation (docs/config.md): stages take >= 1 cycle except the
  // adder tree and the vertical path.
  hw.engine.lat_weight_read = r(1, 3);
  hw.engine.lat_multiply = r(1, 3);
  hw.engine.lat_adder_tree = r(0, 4);
  hw.engine.lat_accumulate = r(1, 2);
  hw.engine.lat_vertical_path = r(0, 3);
  hw.engine.reduce_lanes = r(1, 24);
  hw.engine.lat_reduce = r(1, 4);
  hw.eltwise.lanes = r(1, 20);
  hw.eltwise.lat_sum = r(1, 3);
  hw.eltwise.lat_mult = r(1, 4);
  hw.eltwise.lat_sigmoid = r(1, 5);
  hw.eltwise.lat_tanh = r(1, 5);
  hw.memory.burst_bytes = 2 << r(0, 6);
  hw.engine.clock_mhz = std::vector<double>{100, 200, 250, 400, 125}[size_t(r(0, 4))];
}

/// Per-group counters add up to the totals; given == received per direction.
inline void check_counters(const sim::SimStats& s) {
  int64_t gh = 0, rh = 0, gv = 0, rv = 0, busy = 0;
  uint64_t macs = 0;
  for (const auto& g : s.groups) {
    CHECK(g.busy + g.barrier_idle + g.stall_input + g.stall_weights + g.engine_overhead +
              g.outside ==
          s.total_cycles);
    CHECK(g.busy == g.tiles_local + g.tiles_received_h + g.tiles_received_v);
    gh += g.tiles_given_h;
    rh += g.tiles_received_h;
    gv += g.tiles_given_v;
    rv += g.tiles_received_v;
    busy += g.busy;
    macs += g.useful_macs;
  }
  CHECK(gh == rh);
  CHECK(gv == rv);
  CHECK(busy == s.tiles_issued);
  CHECK(macs == s.useful_macs);
  int64_t steps = 0, layers = 0;
  for (auto c : s.step_cycles) steps += c;
  for (const auto& l : s.layers) layers += l.cycles;
  CHECK(steps == s.total_cycles);
  CHECK(layers == s.total_cycles);
}

/// The simulated job equals the interpreter bit for bit and (ideal memory, weights resident)
/// the analytic model cycle for cycle, per group too.
inline void check_job(const sim::SimJob& j, const HwConfig& hw) {
  const InterpretResult r = interpret(*j.prog, j.x, j.steps);
  REQUIRE(j.y.size() == r.y.size());
  size_t diff = 0, first = SIZE_MAX;
  for (size_t i = 0; i < r.y.size(); ++i)
    if (j.y[i] != r.y[i]) {
      ++diff;
      if (first == SIZE_MAX) first = i;
    }
  INFO(j.origin << ": first mismatch at " << first);
  CHECK(diff == 0);
  size_t nonzero = 0;
  for (int16_t v : j.y) nonzero += v != 0;
  CHECK(nonzero > j.y.size() / 2);
  const timing::TimingReport a = sim::analytic_for(*j.prog, hw);
  CHECK(j.stats.total_cycles == a.total_cycles(j.steps));
  for (auto c : j.stats.step_cycles) CHECK(c == a.cycles_per_step);
  for (size_t k = 0; k < a.layers.size(); ++k)
    CHECK(j.stats.layers[k].cycles == int64_t(j.steps) * a.layers[k].cycles);
  CHECK(j.stats.engine_cycles == int64_t(j.steps) * a.engine_cycles);
  // per group: busy, barrier idle, input stall, given/received, summed over MVMs
  for (size_t g = 0; g < j.stats.groups.size(); ++g) {
    int64_t busy = 0, idle = 0, stall = 0, gh = 0, gv = 0, rh = 0, rv = 0;
    for (const auto& m : a.mvms) {
      busy += m.groups[g].busy;
      idle += m.groups[g].barrier_idle;
      stall += m.groups[g].stall_input;
      gh += m.groups[g].tiles_given_h;
      gv += m.groups[g].tiles_given_v;
      rh += m.groups[g].tiles_received_h;
      rv += m.groups[g].tiles_received_v;
    }
    const auto& sg = j.stats.groups[g];
    const int64_t T = j.steps;
    CHECK(sg.busy == T * busy);
    CHECK(sg.barrier_idle == T * idle);
    CHECK(sg.stall_input == T * stall);
    CHECK(sg.tiles_given_h == T * gh);
    CHECK(sg.tiles_given_v == T * gv);
    CHECK(sg.tiles_received_h == T * rh);
    CHECK(sg.tiles_received_v == T * rv);
    CHECK(sg.stall_weights == 0);
  }
  check_counters(j.stats);
}

struct SimCase {
  Program prog;
  HwConfig hw;
};

/// LSTM, GRU and LSTMP (2 layers, input 13, hidden 11, proj 5, block bh x 5) x the four sharing
/// modes, compiled for `base` with `opt`: the cell x mode matrix both sim test files run.
inline std::vector<SimCase> cell_mode_cases(const HwConfig& base, int bh, uint64_t first_seed,
                                            const CompileOptions& opt = {}) {
  std::vector<SimCase> cases;
  uint64_t seed = first_seed;
  for (CellType cell : {CellType::LSTM, CellType::GRU})
    for (int proj : {0, 5})
      for (SharingMode mode :
           {SharingMode::None, SharingMode::Horizontal, SharingMode::Vertical, SharingMode::TwoD}) {
        if (cell == CellType::GRU && proj) continue;
        GenSpec s;
        s.cell = cell;
        s.input_size = 13;
        s.hidden_size = 11;
        s.proj_size = proj;
        s.layers = 2;
        s.bh = bh;
        s.bw = 5;
        s.seed = ++seed;
        HwConfig hw = base;
        hw.sharing = mode;
        cases.push_back({compile_program(generate_csb_model(s), hw, opt), hw});
      }
  return cases;
}

}  // namespace csbrnn::test
