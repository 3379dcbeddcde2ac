#include "stats/actions.h"

namespace csbrnn::stats {
namespace {
using A = ActionCounts;
constexpr Source kBoth = Source::Both;
}  // namespace

const std::vector<Counter<ActionCounts>>& action_counters() {
  static const std::vector<Counter<A>> t = {
      {"tiles", "tiles", "tiles", kBoth, "weight tiles issued by all PEGroups", &A::tiles},
      {"mac_ops", "mac_ops", "MACs", kBoth,
       "MAC slots issued: tiles x P x Q (padding slots of a partial tile included)", &A::mac_ops},
      {"weight_read_bytes", "weight_read_bytes", "bytes", kBoth,
       "WeightBuffer reads: tiles x P x Q x 2 (one P x Q int16 tile per issue)",
       &A::weight_read_bytes},
      {"index_read_bytes", "index_read_bytes", "bytes", kBoth,
       "index memory reads: (rows + cols) x 2 per micro-item run", &A::index_read_bytes},
      {"bnb_reads", "bnb_reads", "words", kBoth,
       "BlockNeuronBuffer reads: Q input neurons per tile (broadcast down the P rows)",
       &A::bnb_reads},
      {"bnb_writes", "bnb_writes", "words", kBoth,
       "BlockNeuronBuffer writes: bw entries per column slice loaded", &A::bnb_writes},
      {"nab_rmw", "nab_rmw", "words", kBoth,
       "NeuronAccumBuffer read-modify-writes: P per tile (48-bit)", &A::nab_rmw},
      {"link_h_words", "link_h_words", "words", kBoth,
       "horizontal link transfers: Q int16 inputs per tile of a from-left (or from-right) item",
       &A::link_h_words},
      {"link_v_words", "link_v_words", "words", kBoth,
       "vertical accumulation path transfers: P 48-bit partial sums per tile of a from-up (or "
       "from-down) item",
       &A::link_v_words},
      {"reduce_neurons", "reduce_neurons", "neurons", kBoth,
       "horizontal reduction outputs: bh per existing block-row of a row-group",
       &A::reduce_neurons},
      {"reduce_nab_reads", "reduce_nab_reads", "words", kBoth,
       "NeuronAccumBuffer reads of the reduction: L per reduced neuron", &A::reduce_nab_reads},
      {"elt_biaswb", "elt_biaswb", "elements", kBoth, "element-wise biaswb operations",
       &A::elt_biaswb},
      {"elt_add", "elt_add", "elements", kBoth, "element-wise add operations", &A::elt_add},
      {"elt_sub", "elt_sub", "elements", kBoth, "element-wise sub operations", &A::elt_sub},
      {"elt_mul", "elt_mul", "elements", kBoth, "element-wise mul operations", &A::elt_mul},
      {"elt_sigmoid", "elt_sigmoid", "elements", kBoth, "element-wise sigmoid operations",
       &A::elt_sigmoid},
      {"elt_tanh", "elt_tanh", "elements", kBoth, "element-wise tanh operations", &A::elt_tanh},
      {"elt_copy", "elt_copy", "elements", kBoth, "element-wise copy operations", &A::elt_copy},
      {"vec_reads", "vec_reads", "words", kBoth,
       "vector bank A..E reads (element-wise operands, column slices, stores)", &A::vec_reads},
      {"vec_writes", "vec_writes", "words", kBoth,
       "vector bank A..E writes (element-wise results, loads)", &A::vec_writes},
      {"acc_reads", "acc_reads", "words", kBoth, "Acc bank reads (biaswb)", &A::acc_reads},
      {"acc_writes", "acc_writes", "words", kBoth,
       "Acc bank writes (reduced neurons kept by the ReorderLogic)", &A::acc_writes},
      {"bias_reads", "bias_reads", "words", kBoth, "Bias bank reads (biaswb)", &A::bias_reads},
      {"load_bytes", "load_bytes", "bytes", kBoth, "bytes moved by the Load unit (X)",
       &A::load_bytes},
      {"store_bytes", "store_bytes", "bytes", kBoth, "bytes moved by the Store unit (Y)",
       &A::store_bytes},
      {"dram_read_bursts", "dram_read_bursts", "bursts", kBoth,
       "DRAM read bursts: ceil(bytes / memory.burst_bytes) per transaction (loads, streamed "
       "weights; the analytic route streams nothing)",
       &A::dram_read_bursts},
      {"dram_write_bursts", "dram_write_bursts", "bursts", kBoth,
       "DRAM write bursts: ceil(bytes / memory.burst_bytes) per transaction (stores)",
       &A::dram_write_bursts},
      {"dram_activates", nullptr, "commands", Source::Simulator,
       "DRAM row activates (0 with memory models that have no rows)", &A::dram_activates},
      {"dram_precharges", nullptr, "commands", Source::Simulator,
       "DRAM precharges (0 with memory models that have no rows)", &A::dram_precharges},
      {"dram_refreshes", nullptr, "commands", Source::Simulator,
       "DRAM refresh commands (0 with memory models that do not refresh)", &A::dram_refreshes},
  };
  return t;
}

nlohmann::json actions_json(const ActionCounts& a) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& c : action_counters()) j[c.name] = a.*c.field;
  return j;
}

std::vector<StatDoc> action_docs() {
  std::vector<StatDoc> d;
  for (const auto& c : action_counters())
    d.push_back({std::string("`") + c.name + "`", c.unit, source_name(c.source), c.description});
  return d;
}

}  // namespace csbrnn::stats
