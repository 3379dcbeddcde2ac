// Detailed timing: the element-wise units Sum1, Sum2, Mult1, Mult2, Sigmoid, Tanh as one clocked
// unit family (one SC_METHOD for all six; idle when none has work). A unit moves its section as
// beats of up to `eltwise.lanes` elements through
//   read stage  -> input FIFO -> issue -> pipeline (eltwise.latency.*) -> output FIFO -> write
// with ready/valid at every arrow, evaluated per cycle:
//   read:  the section's next beat reads its operands (a, and b for biaswb/add/sub/mul) from the
//          vector banks, one bank access each, when the input FIFO has room at the cycle's start
//          (ready) and the bank arbiter grants the access (bank_arbiter.h); a beat whose operands
//          are all read is valid for the issue in the same cycle (flow-through);
//   issue: one valid beat per cycle enters the pipeline unless the pipeline is frozen; when the
//          section's last beat has issued the unit reports `on_issued` (accepts the next section);
//   write: the beat leaving the last stage (or, first, the output FIFO's head) is written to its
//          result bank when the arbiter grants the write; a beat not written waits in the output
//          FIFO; when that is full the whole pipeline (and the issue) freezes (back-pressure).
// FIFO depth `detailed.eltwise_fifo_depth` beats (0 = unbounded); bank ports
// `detailed.vector_bank_ports` (0 = unbounded: every access granted, the FIFOs stay empty and the
// unit is the ideal one: ceil(n / lanes) issue cycles + latency). A section is done when its last
// beat has been written. The arithmetic is the shared datapath (exec_elementwise) at the
// section's start, as in the fast mode (the words' sections never conflict, docs/isa.md).
#pragma once
#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <systemc>
#include <vector>

#include "sim/detailed/bank_arbiter.h"
#include "sim/sim_context.h"

namespace csbrnn::sim::detailed {

class DetailedEltwise : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(DetailedEltwise);
  DetailedEltwise(sc_core::sc_module_name name, SimContext& ctx, VectorBankPorts& ports);
  sc_core::sc_in<bool> clk;
  /// The SectionUnit of element-wise unit `u` (Sum1 .. Tanh).
  SectionUnit* unit(Unit u);

  /// What a unit did in the last cycle (the VCD's `reason_u`; docs/simulator.md).
  enum Reason : int {
    kIdle = 0,        // no section and nothing in flight
    kIssue = 1,       // issued a beat (valid and ready)
    kReadWait = 2,    // a section to issue but no operand beat: a read lost its bank port, or the
                      // input FIFO was full at the cycle's start (ready low)
    kWriteStall = 3,  // pipeline frozen: the output FIFO is full and its write lost the port
    kDrain = 4,       // nothing left to issue; results in the pipeline or output FIFO
  };
  // traced / inspected by tests, per unit
  std::array<int, kUnitCount> in_flight{};  // sections issuing or in the pipeline / output FIFO
  std::array<int, kUnitCount> in_fifo{};    // beats in the input FIFO
  std::array<int, kUnitCount> out_fifo{};   // beats in the output FIFO
  std::array<int, kUnitCount> reason{};

 private:
  struct Port : SectionUnit {
    DetailedEltwise* fam = nullptr;
    Unit u = Unit::Sum1;
    void start_section(const Section& s) override { fam->start(u, s); }
  };
  struct Slot {        // a pipeline stage or output FIFO entry
    int8_t bank = -1;  // result bank of the beat it holds (-1: no beat)
    uint8_t ends = 0;  // sections whose last beat (or empty-section marker) this is
    bool empty() const { return bank < 0 && ends == 0; }
  };
  struct State {
    bool issuing = false;
    bool empty_marker = false;  // the section has no element (its end is a marker)
    int64_t start = 0;
    int64_t rd_beats = 0, iss_beats = 0;  // beats still to read / to issue
    int nops = 1;
    std::array<int8_t, 2> op_bank{};
    uint8_t got = 0;  // operands of the beat being read that have been read (bit mask)
    int8_t wbank = 0;
    int64_t inq = 0;  // beats in the input FIFO
    std::vector<Slot> pipe;
    int in_pipe = 0;  // stages holding something
    std::deque<Slot> outq;
    int done = 0;       // sections done this cycle (reported at the edge)
    int req_first = 0;  // index of its first request in the family's list for the cycle
  };
  void start(Unit u, const Section& s);
  void tick();
  void work(int64_t c);
  void settle();
  bool active() const;
  bool holds_work(const State& x, int64_t c) const;
  bool read_ready(const State& x, int64_t c) const;
  const Slot* write_candidate(const State& x) const;
  void collect(int64_t c, std::vector<BankArbiter::Request>& out);
  SimContext& ctx_;
  VectorBankPorts& ports_;
  int client_ = -1;
  int depth_ = 0;
  std::array<Port, kUnitCount> units_;
  std::array<State, kUnitCount> st_;
  sc_core::sc_event kick_;
  int64_t work_cycle_ = 0;
  bool running_ = false;
};

}  // namespace csbrnn::sim::detailed
