// The resolved hardware configuration (the machine: docs/architecture.md §3-§8). Every knob of
// the machine lives here; defaults are the paper's 256-PE design (configs/hw_256pe.yaml spells
// them out). Modules take this struct, never raw YAML. The YAML key of each field is given in
// its comment (section.key).
#pragma once
#include <string>

#include "numeric/fixed_point.h"

namespace csbrnn {

enum class SharingMode { None, Horizontal, Vertical, TwoD };

// engine.sync: how the PEGroups synchronise inside an MVM (docs/timing.md "Synchronisation").
// Iteration: the paper's machine, one barrier per temporal block iteration, double-buffered input
// slices. RowGroup: each BlockNeuronBuffer holds all of its column's input slices for the whole
// MVM (loaded once, in block-column order), a group walks the iterations of a row-group back to
// back without waiting for the others, and the groups meet once per row-group; the next
// row-group starts as soon as every group has issued its last tile (its drain overlaps).
// Free: inputs resident as RowGroup, and no barrier inside an MVM: each group starts row-group
// a+1 when it has issued its own tiles of a and the NeuronAccumBuffer half of a+1 is reduced.
enum class SyncMode { Iteration, RowGroup, Free };
const char* sync_name(SyncMode m);  // "iteration", "row-group", "free"
/// Row-group and free sync: the BlockNeuronBuffers hold all of an MVM's input slices.
inline bool inputs_resident(SyncMode m) {
  return m != SyncMode::Iteration;
}
// eltwise.stream_issue: how the controller issues a stream's sections (docs/timing.md "Stream").
// Stage: the paper-style lock-step VLIW stage word per chunk (rules 6-8). Dataflow: every section
// instance issues on its own once its inputs are ready (a per-unit list schedule).
enum class StreamIssue { Stage, Dataflow };
const char* stream_issue_name(StreamIssue m);     // "stage", "dataflow"
const char* sharing_name(SharingMode m);          // "none", "horizontal", "vertical", "2d"
SharingMode parse_sharing(const std::string& s);  // throws Error on unknown names

struct EngineConfig {
  int K = 4, L = 4;          // engine.pe_groups: "KxL" (rows x cols of PEGroups)
  int P = 4, Q = 4;          // engine.pes_per_group: "PxQ" (PE rows x PE cols)
  double clock_mhz = 200.0;  // engine.clock_mhz
  int neuron_load_width =
      16;  // engine.neuron_load_width: input neurons/cycle into a BlockNeuronBuffer
  // engine.pipeline.*: latency in cycles of each tile pipeline stage
  int lat_weight_read = 1;    // weight_read
  int lat_multiply = 1;       // multiply
  int lat_adder_tree = 2;     // adder_tree (Q products -> 1)
  int lat_accumulate = 1;     // accumulate (NeuronAccumBuffer read-add-write)
  int lat_vertical_path = 1;  // vertical_path: extra cycles on the vertical accumulation path
  // engine.reduce.*: horizontal reduction of the L NeuronAccumBuffers + ReorderLogic
  int reduce_lanes = 16;                // lanes: neurons per cycle
  int lat_reduce = 2;                   // latency: adder-tree + reorder latency in cycles
  SyncMode sync = SyncMode::Iteration;  // engine.sync (paper: iteration)

  int groups() const { return K * L; }
  int pes() const { return K * L * P * Q; }
  int pipeline_depth() const {
    return lat_weight_read + lat_multiply + lat_adder_tree + lat_accumulate;
  }
};

/// buffers.weight_residency: which weight images stay in a group's WeightBuffer (isa/residency.h).
enum class Residency { ProgramOrder, Traffic };

struct BufferConfig {
  int weight_buffer_kib = 512;  // buffers.weight_buffer_kib: per PEGroup (values + indices)
  int block_neuron_buffer =
      128;  // buffers.block_neuron_buffer: entries per BlockNeuronBuffer (max bw)
  int neuron_accum_buffer =
      128;                    // buffers.neuron_accum_buffer: entries per NeuronAccumBuffer (max bh)
  int vector_buffer = 16384;  // buffers.vector_buffer: int16 entries in each of buffers A..E
  Residency weight_residency = Residency::ProgramOrder;  // buffers.weight_residency
};

struct EltwiseConfig {
  int lanes = 16;       // eltwise.lanes: elements per cycle in each element-wise unit
  int lat_sum = 1;      // eltwise.latency.sum
  int lat_mult = 2;     // eltwise.latency.mult
  int lat_sigmoid = 3;  // eltwise.latency.sigmoid
  int lat_tanh = 3;     // eltwise.latency.tanh
  // eltwise.stream: the compiler attaches each layer's element-wise chain to its MVM as a
  // Stream (docs/isa.md, docs/timing.md): it runs per completed neuron chunk behind the engine.
  // On by default: the compiler streams a layer only where that is faster (docs/compiler.md).
  bool stream = true;
  // eltwise.stream_issue: a controller behaviour, not part of the program (no hw record field).
  StreamIssue stream_issue = StreamIssue::Stage;
  // eltwise.stream_store: the compiler appends the program's final StoreY to the last layer's
  // last stream as a stage of its own (docs/compiler.md "Streaming"); a compiler setting, not in
  // the program's hw record (the program's stream says it). Off: the paper's separate store word.
  bool stream_store = false;
  // eltwise.inplace_state: with resident inputs (engine.sync row-group or free) the streamed
  // chain writes the new h straight into h (no hn, no Copy hn -> h); the program is flagged as
  // needing resident inputs (docs/isa.md "Container"). A compiler setting, like stream_store.
  bool inplace_state = false;
};

struct MemoryConfig {
  bool ideal = true;                  // memory.ideal: loads/stores cost only their transfer beats
  double dram_latency_ns = 100.0;     // memory.dram_latency_ns: per transaction
  double dram_bandwidth_gbps = 19.2;  // memory.dram_bandwidth_gbps: GB/s
  int burst_bytes = 64;               // memory.burst_bytes: TLM transaction size
  // memory.model: "ideal" / "simple" (memory.ideal true / false: today's two models), a DRAM
  // preset ("ddr4-2400", "lpddr4-3200") or a DRAM parameter file (*.yaml). Setting it keeps
  // memory.ideal consistent (true only for "ideal"), and memory.ideal keeps it consistent too.
  std::string model = "ideal";
  int stream_outstanding = 0;    // memory.stream.outstanding: streamer bursts in flight, 0 = any
  int stream_staging_bytes = 0;  // memory.stream.staging_bytes: 0 = prefetch one iteration ahead
};

/// The memory model in effect (memory.model with memory.ideal as its alias).
enum class MemoryModel { Ideal, Simple, Dram };
inline MemoryModel memory_model(const MemoryConfig& m) {
  if (m.ideal) return MemoryModel::Ideal;
  return m.model == "ideal" || m.model == "simple" ? MemoryModel::Simple : MemoryModel::Dram;
}

// sim.timing: how the simulator times the machine. Fast: every unit sleeps for the duration its
// cycle rule gives (src/timing/cycle_rules.h). Detailed: clocked state machines step the machine
// cycle by cycle (src/sim/detailed/, docs/simulator.md "Detailed timing").
enum class TimingMode { Fast, Detailed };

// detailed.*: realism knobs of the detailed timing mode; 0 (accum_forwarding: true) = ideal (the
// fast mode's assumption).
// Fast mode refuses any other value (config/hw_keys.cpp).
struct DetailedConfig {
  int barrier_latency = 0;  // detailed.barrier_latency: cycles from the last done to the go
  int item_bubble = 0;      // detailed.item_bubble: idle cycles between items of different origin
  int link_latency = 0;     // detailed.link_latency: cycles a from-left item waits for its inputs
  int link_width = 0;       // detailed.link_width: neurons / partial sums per link cycle (0 = inf)
  int link_fifo_depth = 0;  // detailed.link_fifo_depth: horizontal link FIFO entries (0 = inf)
  int accum_ports = 0;      // detailed.accum_ports: NeuronAccumBuffer write ports (0 = inf)
  int eltwise_fifo_depth = 0;    // detailed.eltwise_fifo_depth: element-wise in/out FIFO beats
  int vector_bank_ports = 0;     // detailed.vector_bank_ports: accesses per vector bank per cycle
  bool accum_forwarding = true;  // detailed.accum_forwarding: bypass accumulator RAW (ideal)
  int vlink_fifo_depth = 0;      // detailed.vlink_fifo_depth: vertical link FIFO flits (0 = inf)
  int input_ports = 0;           // detailed.input_ports: BlockNeuronBuffer read ports (0 = inf)
};

// energy.*: the energy model's inputs (src/energy/, docs/energy.md); reporting only, no effect on
// timing or on a compiled program.
struct EnergyConfig {
  std::string table = "default-45nm";  // energy.table: "default-45nm" (shipped) or a YAML path
  std::string dram = "auto";           // energy.dram: the table's DRAM device entry to charge
};

struct HwConfig {
  EngineConfig engine;
  BufferConfig buffers;
  EltwiseConfig eltwise;
  MemoryConfig memory;
  SharingMode sharing = SharingMode::TwoD;  // sharing.mode
  double max_vertical_fraction = 0.5;       // sharing.max_vertical_fraction (paper: 1/2)
  int sharing_neighbours = 2;               // sharing.neighbours: 2 (paper) or 4
  // sharing.carry (engine.sync free only): the compiler schedules row-group a on top of the
  // groups' start offsets S_g(a) carried from the row-groups before (docs/sharing.md "Carry"); a
  // compiler setting, not in the program's hw record (the schedules say it).
  bool sharing_carry = false;
  fx::Format numeric{12, 12};            // numeric.weight_frac_bits / numeric.act_frac_bits
  std::string name = "csb-256pe";        // name: free text shown in reports
  TimingMode timing = TimingMode::Fast;  // sim.timing
  DetailedConfig detailed;               // detailed.*
  EnergyConfig energy;                   // energy.*

  double cycle_ns() const { return 1000.0 / engine.clock_mhz; }
};

}  // namespace csbrnn
