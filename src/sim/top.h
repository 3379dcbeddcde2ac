// Top: the CSB-RNN machine. Children: controller, engine (PEGroups, buffers, links, reduction,
// weight streamer), the element-wise units, load/store units, DRAM. The host reaches the
// machine through `host_socket` (TLM-2.0 target), whose address map is:
//   region 1 (m, g): WeightBuffer image values of MVM m, group g (DRAM if streamed)
//   region 2 (m, g): index memory of MVM m, group g        (DRAM if streamed)
//   region 3:        Bias bank
//   region 4 (bank): vector bank A..E initial contents
//   region 5:        DRAM (X at x_base, Y at y_base)
//   region 6:        instruction memory: the program container (compile/program_io.h)
// address = region << 56 | sub << 32 | byte offset.
#pragma once
#include <tlm_utils/simple_target_socket.h>
#include <cstdint>
#include <memory>
#include <systemc>
#include <tlm>
#include <vector>

#include "sim/controller.h"
#include "sim/csb_engine.h"
#include "sim/detailed/detailed_machine.h"
#include "sim/dram.h"
#include "sim/dram_at.h"
#include "sim/eltwise_unit.h"
#include "sim/load_store_unit.h"
#include "sim/sim_context.h"

namespace csbrnn::sim {

enum class Region : uint64_t { Weights = 1, Index = 2, Bias = 3, Bank = 4, Dram = 5, Imem = 6 };
inline uint64_t host_addr(Region r, uint64_t sub, uint64_t off) {
  return (uint64_t(r) << 56) | (sub << 32) | off;
}

class Top : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Top> host_socket;
  SimContext ctx;
  Controller controller;
  CsbEngine engine;
  std::vector<std::unique_ptr<EltwiseUnit>> eltwise;  // sum1 sum2 mult1 mult2 sigmoid tanh
  LoadStoreUnit load, store;
  Dram dram;
  /// sim.timing = detailed: the clocked units the controller drives instead of the fast ones
  /// (whose storage they share); null in fast mode.
  std::unique_ptr<detailed::DetailedMachine> detailed;
  /// sim.timing = detailed: the DRAM's approximately timed front end (the detailed weight
  /// streamer's target); null in fast mode.
  std::unique_ptr<DramAt> dram_at;

  Top(sc_core::sc_module_name name, const HwConfig& hw);
  /// Checks the program against this machine (throws Error naming `origin`), installs it in
  /// instruction memory, sizes memories and the DRAM map for `steps` timesteps, resets stats.
  void prepare(const Program& p, int steps, const std::string& origin, const HwConfig& hw);
  /// Decodes the program container the host wrote into instruction memory, then prepare().
  void install_program(int steps, const std::string& origin, const HwConfig& hw);
  const HwConfig& elaborated_hw() const { return elaborated_; }
  const Program& program() const { return program_; }

 private:
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  std::vector<uint8_t> imem_;
  HwConfig elaborated_;
  Program program_;
};

/// Throws Error("<origin>: ...") when `prog` was compiled for a machine that contradicts `hw`.
void check_program_matches(const Program& prog, const HwConfig& hw, const std::string& origin);

}  // namespace csbrnn::sim
