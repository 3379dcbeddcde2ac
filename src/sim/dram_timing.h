// DramTiming: a DRAM controller + device timing model in plain C++ (no SystemC), used by the
// Dram TLM target for memory.model presets (docs/simulator.md "DRAM model").
//
// Times are controller clock cycles (nCK of DramParams::tck_ns). A request (address, bytes,
// read/write, arrival cycle) is split into bursts of burst_bytes (bus_bits/8 x burst_length);
// each burst maps to (channel, rank, bank group, bank, row, column) by the address mapping, low
// to high bits: byte in burst | channel | bank group | column | bank | rank | row.
// Per channel an FR-FCFS scheduler looks at up to queue_depth queued bursts: among those that have
// arrived it picks the oldest row hit, else the oldest; open-page policy (a row stays open until a
// conflict or a refresh closes it). Commands (ACT, PRE, RD, WR, REF) go one per cycle on the
// channel's command bus and respect tRCD, tCL/tCWL, tRP, tRAS, tRRD_S/L, tFAW, tWR, tWTR_S/L,
// tRTP, tCCD_S/L, the read-to-write turnaround (CL + BL/2 + 2 - CWL) and the data bus; an
// all-bank refresh is due every tREFI per rank and blocks the rank for tRFC (open banks are
// precharged first). Activates issue in order (each >= the previous one + tRRD), column commands
// issue in order. A read completes when its last beat has been transferred (CAS + CL + BL/2), a
// write when its data are on the bus (CAS + CWL + BL/2).
//
// One call (issue / issue_batch) is one batch: FR-FCFS reorders among the bursts of the batch;
// bank state, open rows, timing history and the refresh schedule persist between calls, so a
// later call is scheduled behind the commands already issued (a loosely timed target answers each
// transaction when it is called).
#pragma once
#include <cstdint>
#include <set>
#include <vector>

#include "config/dram_params.h"
#include "sim/sim_stats.h"

namespace csbrnn::sim {

struct DramRequest {
  uint64_t addr = 0;
  uint32_t bytes = 0;
  bool write = false;
  int64_t arrive = 0;  // controller cycle
};

class DramTiming {
 public:
  explicit DramTiming(const DramParams& p);
  const DramParams& params() const { return p_; }
  /// Forgets all state and counters (a new job: cycle 0, banks closed, refresh due at tREFI).
  void reset();
  /// One request; returns the cycle its last burst completes.
  int64_t issue(uint64_t addr, uint32_t bytes, bool is_write, int64_t now);
  /// A batch; returns each request's completion cycle (same order as `reqs`).
  std::vector<int64_t> issue_batch(const std::vector<DramRequest>& reqs);

  struct Coord {
    int channel = 0, rank = 0, group = 0, bank = 0;  // bank: index in the rank (group-major)
    int64_t row = 0;
    int column = 0;  // burst index in the row
  };
  Coord map(uint64_t addr) const;

  enum class Cmd { Act, Pre, Rd, Wr, Ref };
  struct Command {
    Cmd cmd;
    int64_t cycle;
    int channel, rank, bank;
    int64_t row;
  };
  /// Tests: keep every command issued (off by default).
  void record(bool on) { record_ = on; }
  const std::vector<Command>& commands() const { return log_; }
  const SimStats::DramCounts& counts() const { return counts_; }
  /// Cycles a single read of one burst takes on an idle device with its row closed.
  int64_t unloaded_read_cycles() const { return p_.RCD + p_.CL + p_.burst_length / 2; }

 private:
  struct Burst {
    size_t req;
    Coord c;
    bool write;
    int64_t arrive;
  };
  struct Bank {
    int64_t open_row = -1;
    int64_t next_act = 0, next_cas = 0, next_pre = 0;
  };
  struct Rank {
    std::vector<Bank> banks;
    int64_t acts[4] = {0, 0, 0, 0};  // the last four activates (ring), for tFAW
    int nacts = 0;
    int64_t last_act = 0;
    int last_act_group = -1;
    std::vector<int64_t> wr_end_group;  // end of the last write data per bank group
    int64_t wr_end = -1;                // end of the last write data in the rank
    int64_t next_ref = 0;
  };
  struct Channel {
    std::vector<Rank> ranks;
    std::set<int64_t> cmd_busy;  // command-bus cycles taken (pruned behind the last CAS)
    int64_t last_cas = -1;
    int last_cas_rank = -1, last_cas_group = -1;
    bool last_cas_write = false;
    int64_t data_end = 0;  // cycle the data bus is free
  };
  int64_t slot(Channel& ch, int64_t t);  // first free command-bus cycle >= t (taken)
  void log(Cmd c, int64_t cycle, const Coord& k, int64_t row);
  void refresh_upto(Channel& ch, int ci, int64_t t);
  int64_t schedule(Channel& ch, const Burst& b);

  DramParams p_;
  std::vector<Channel> ch_;
  SimStats::DramCounts counts_;
  bool record_ = false;
  std::vector<Command> log_;
  int bits_burst_ = 0, bits_ch_ = 0, bits_bg_ = 0, bits_col_ = 0, bits_bank_ = 0, bits_rank_ = 0;
};

}  // namespace csbrnn::sim
