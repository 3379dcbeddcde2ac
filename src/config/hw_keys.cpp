#include "config/hw_keys.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>

#include "common/error.h"
#include "common/strings.h"
#include "config/dram_params.h"
#include "config/strict_yaml.h"

namespace csbrnn {
namespace {

// ---- scalar text ------------------------------------------------------------------------------

std::string lower(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

/// Shortest decimal text that reads back as exactly `v` (plain notation unless that is long).
std::string format_real(double v) {
  char buf[400];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  if (r.ec != std::errc() || r.ptr - buf > 24) r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char ch : s) {
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += static_cast<char>(ch);
    } else if (ch < 0x20 || ch == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", ch);
      out += buf;
    } else {
      out += static_cast<char>(ch);
    }
  }
  return out + "\"";
}

// Members are reached through capture-less lambdas converted to plain function pointers.
template <class T>
using Ref = T& (*)(HwConfig&);

template <class T>
T& at(Ref<T> ref, const HwConfig& c) {
  return ref(const_cast<HwConfig&>(c));
}

std::string int_range_text(long long lo, long long hi) {
  return cat(lo, "..", hi);
}

std::string out_of_range(const std::string& value, const std::string& valid,
                         const std::string& why) {
  return cat(value, " is out of range (valid: ", valid, why.empty() ? "" : "; " + why, ")");
}

// ---- typed fields (binary records) ---------------------------------------------------------

HwKey::Field int_field(Ref<int> ref) {
  HwKey::Field f;
  f.kind = HwKey::Field::Kind::Int;
  f.get_int = [ref](const HwConfig& c) { return int64_t(at(ref, c)); };
  f.set_int = [ref](HwConfig& c, int64_t v) { ref(c) = static_cast<int>(v); };
  return f;
}

// ---- key builders ---------------------------------------------------------------------------

HwKey int_key(std::string path, Ref<int> ref, long long lo, long long hi, std::string desc,
              std::string why = "") {
  HwKey k;
  k.path = std::move(path);
  k.type = "integer";
  k.description = std::move(desc);
  k.valid = int_range_text(lo, hi);
  k.fields = {int_field(ref)};
  k.get = [ref](const HwConfig& c) { return std::to_string(at(ref, c)); };
  const std::string valid = k.valid;
  k.set = [ref, valid, why](HwConfig& c, const yaml::Value& v) {
    // Only "does it fit an int" here; the key's own range is `check`'s, on the final config.
    ref(c) =
        static_cast<int>(v.as_int(std::numeric_limits<int>::min(), std::numeric_limits<int>::max(),
                                  why.empty() ? valid : valid + "; " + why));
  };
  k.check = [ref, lo, hi, valid, why](const HwConfig& c) -> std::string {
    const int v = at(ref, c);
    if (v < lo || v > hi) return out_of_range(std::to_string(v), valid, why);
    return "";
  };
  return k;
}

struct RealRange {
  double lo, hi;
  bool lo_open;  // lo itself is invalid
};

HwKey real_key(std::string path, Ref<double> ref, RealRange r, std::string unit, std::string desc) {
  HwKey k;
  k.path = std::move(path);
  k.type = "number";
  k.description = std::move(desc);
  HwKey::Field f;
  f.kind = HwKey::Field::Kind::Real;
  f.get_real = [ref](const HwConfig& c) { return at(ref, c); };
  f.set_real = [ref](HwConfig& c, double v) { ref(c) = v; };
  k.fields = {f};
  const std::string u = unit.empty() ? "" : " " + unit;
  if (r.lo_open)
    k.valid = cat("> ", format_real(r.lo), " and <= ", format_real(r.hi), u);
  else
    k.valid = cat(format_real(r.lo), "..", format_real(r.hi), u);
  k.get = [ref](const HwConfig& c) { return format_real(at(ref, c)); };
  k.set = [ref](HwConfig& c, const yaml::Value& v) { ref(c) = v.as_double(); };
  const std::string valid = k.valid;
  k.check = [ref, r, valid](const HwConfig& c) -> std::string {
    const double v = at(ref, c);
    const bool ok = std::isfinite(v) && (r.lo_open ? v > r.lo : v >= r.lo) && v <= r.hi;
    return ok ? "" : out_of_range(format_real(v), valid, "");
  };
  return k;
}

HwKey dims_key(std::string path, Ref<int> first, Ref<int> second, const char* letters, long long lo,
               long long hi, std::string desc) {
  HwKey k;
  k.path = std::move(path);
  k.type = letters;  // "KxL" / "PxQ"
  k.description = std::move(desc);
  k.fields = {int_field(first), int_field(second)};
  k.valid = cat("each of ", letters[0], " and ", letters[2], " ", lo, "..", hi);
  k.get = [first, second](const HwConfig& c) { return cat(at(first, c), "x", at(second, c)); };
  const std::string expected = cat("'", letters, "' such as '4x4'");
  const std::string valid = k.valid;
  k.set = [first, second, expected, valid](HwConfig& c, const yaml::Value& v) {
    const std::string text = trim(v.scalar(expected));
    const auto parts = split(lower(text), 'x');
    if (parts.size() != 2) v.wrong_type(expected);
    long long ab[2] = {0, 0};
    bool fits = true;
    for (int i = 0; i < 2; ++i) {
      const yaml::IntText r = yaml::read_integer(parts[i], ab[i]);
      if (r == yaml::IntText::NotInteger) v.wrong_type(expected);
      fits = fits && r == yaml::IntText::Ok && ab[i] >= std::numeric_limits<int>::min() &&
             ab[i] <= std::numeric_limits<int>::max();
    }
    if (!fits) v.fail(out_of_range(text, valid, ""));
    first(c) = static_cast<int>(ab[0]);
    second(c) = static_cast<int>(ab[1]);
  };
  k.check = [first, second, lo, hi, valid](const HwConfig& c) -> std::string {
    const int a = at(first, c), b = at(second, c);
    if (a < lo || a > hi || b < lo || b > hi) return out_of_range(cat(a, "x", b), valid, "");
    return "";
  };
  return k;
}

HwKey bool_key(std::string path, Ref<bool> ref, std::string desc) {
  HwKey k;
  k.path = std::move(path);
  k.type = "boolean";
  k.description = std::move(desc);
  HwKey::Field f;
  f.kind = HwKey::Field::Kind::Bool;
  f.get_int = [ref](const HwConfig& c) { return int64_t(at(ref, c) ? 1 : 0); };
  f.set_int = [ref](HwConfig& c, int64_t v) { ref(c) = v != 0; };
  k.fields = {f};
  k.valid = "true or false";
  k.get = [ref](const HwConfig& c) { return std::string(at(ref, c) ? "true" : "false"); };
  k.set = [ref](HwConfig& c, const yaml::Value& v) { ref(c) = v.as_bool(); };
  k.check = [](const HwConfig&) { return std::string(); };
  return k;
}

HwKey name_key() {
  HwKey k;
  k.path = "name";
  k.type = "string";
  k.description = "free text naming the design, shown in reports";
  HwKey::Field f;
  f.kind = HwKey::Field::Kind::Text;
  f.get_text = [](const HwConfig& c) { return c.name; };
  f.set_text = [](HwConfig& c, const std::string& v) { c.name = v; };
  k.fields = {f};
  k.valid = "1..200 printable characters";
  k.get = [](const HwConfig& c) { return quote(c.name); };
  k.set = [](HwConfig& c, const yaml::Value& v) { c.name = v.as_string(); };
  k.check = [](const HwConfig& c) -> std::string {
    if (c.name.empty() || c.name.size() > 200)
      return cat("a name of ", c.name.size(), " characters is out of range (valid: 1..200)");
    for (unsigned char ch : c.name)
      if (ch < 0x20 || ch == 0x7f)
        return cat(quote(c.name), " contains a control character (valid: one printable line)");
    return "";
  };
  return k;
}

const char* const kSharingNames[] = {"none", "horizontal", "vertical", "2d"};
const char* const kSyncNames[] = {"iteration", "row-group", "free"};

HwKey sync_key() {
  HwKey k;
  k.path = "engine.sync";  // a compiler/simulator setting (like residency): not in the hw record
  k.type = "enum";
  k.description =
      "PEGroup synchronisation: iteration (one barrier per temporal block iteration, the paper's) "
      "or row-group (inputs resident for the MVM, one barrier per row-group) or free (inputs "
      "resident, no barrier inside an MVM; docs/timing.md)";
  k.valid = "iteration, row-group or free";
  k.get = [](const HwConfig& c) { return std::string(sync_name(c.engine.sync)); };
  k.set = [](HwConfig& c, const yaml::Value& v) {
    c.engine.sync = static_cast<SyncMode>(
        v.as_enum(std::vector<std::string>(std::begin(kSyncNames), std::end(kSyncNames))));
  };
  k.check = [](const HwConfig& c) -> std::string {
    const int m = static_cast<int>(c.engine.sync);
    return m >= 0 && m <= 2
               ? ""
               : cat("invalid engine.sync ", m, " (valid: iteration, row-group or free)");
  };
  return k;
}

const char* const kStreamIssueNames[] = {"stage", "dataflow"};

HwKey stream_issue_key() {
  HwKey k;
  k.path = "eltwise.stream_issue";  // a controller behaviour (like engine.sync): not in the record
  k.type = "enum";
  k.description =
      "how the controller issues a stream's sections: stage (each stage a lock-step word per "
      "chunk, "
      "the default) or dataflow (each section instance as soon as its inputs are ready and its "
      "unit is free; docs/timing.md \"Stream\")";
  k.valid = "stage or dataflow";
  k.get = [](const HwConfig& c) { return std::string(stream_issue_name(c.eltwise.stream_issue)); };
  k.set = [](HwConfig& c, const yaml::Value& v) {
    c.eltwise.stream_issue = static_cast<StreamIssue>(v.as_enum(
        std::vector<std::string>(std::begin(kStreamIssueNames), std::end(kStreamIssueNames))));
  };
  k.check = [](const HwConfig& c) -> std::string {
    const int m = static_cast<int>(c.eltwise.stream_issue);
    return m >= 0 && m <= 1
               ? ""
               : cat("invalid eltwise.stream_issue ", m, " (valid: stage or dataflow)");
  };
  return k;
}

HwKey sharing_key() {
  HwKey k;
  k.path = "sharing.mode";
  k.type = "enum";
  k.description = "workload sharing between neighbouring PEGroups";
  HwKey::Field f;
  f.kind = HwKey::Field::Kind::Enum;
  f.enum_max = int(std::size(kSharingNames)) - 1;
  f.get_int = [](const HwConfig& c) { return int64_t(c.sharing); };
  f.set_int = [](HwConfig& c, int64_t v) { c.sharing = static_cast<SharingMode>(v); };
  k.fields = {f};
  k.valid = "none, horizontal, vertical or 2d";
  k.get = [](const HwConfig& c) { return std::string(sharing_name(c.sharing)); };
  k.set = [](HwConfig& c, const yaml::Value& v) {
    c.sharing = static_cast<SharingMode>(
        v.as_enum(std::vector<std::string>(std::begin(kSharingNames), std::end(kSharingNames))));
  };
  k.check = [](const HwConfig& c) -> std::string {
    const int m = static_cast<int>(c.sharing);
    return m >= 0 && m <= 3
               ? ""
               : cat("invalid sharing mode ", m, " (valid: ", "none, horizontal, vertical or 2d)");
  };
  return k;
}

HwKey timing_key() {
  HwKey k;
  k.path = "sim.timing";  // a simulator setting: no fields in a compiled program's hw record
  k.type = "enum";
  k.description =
      "simulator timing: fast (units sleep for their cycle rule) or detailed (clocked state "
      "machines, docs/simulator.md)";
  k.valid = "fast or detailed";
  k.get = [](const HwConfig& c) {
    return std::string(c.timing == TimingMode::Detailed ? "detailed" : "fast");
  };
  k.set = [](HwConfig& c, const yaml::Value& v) {
    c.timing = static_cast<TimingMode>(v.as_enum({"fast", "detailed"}));
  };
  k.check = [](const HwConfig& c) -> std::string {
    const int m = static_cast<int>(c.timing);
    return m == 0 || m == 1 ? "" : cat("invalid timing mode ", m, " (valid: fast or detailed)");
  };
  return k;
}

/// A simulator setting (no field in a compiled program's hw record).
HwKey sim_int_key(std::string path, Ref<int> ref, long long lo, long long hi, std::string desc) {
  HwKey k = int_key(std::move(path), ref, lo, hi, std::move(desc));
  k.fields.clear();
  return k;
}

/// A preset name or a plain path as it is, anything else quoted (YAML reads both back).
std::string plain_or_quoted(const std::string& s) {
  bool plain = !s.empty() && std::isalnum(static_cast<unsigned char>(s[0]));
  for (unsigned char ch : s)
    plain = plain && (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '/');
  return plain ? s : quote(s);
}

HwKey memory_model_key() {
  HwKey k;
  k.path = "memory.model";  // a simulator setting: memory.ideal is the field of the hw record
  k.type = "string";
  k.description =
      "memory model: ideal (transfer beats only), simple (one channel: latency + bandwidth), a "
      "DRAM preset ddr4-2400 / lpddr4-3200, or a DRAM parameter file *.yaml "
      "(configs/dram/); sets memory.ideal";
  k.valid = "ideal, simple, ddr4-2400, lpddr4-3200 or a file *.yaml";
  k.get = [](const HwConfig& c) {
    const MemoryModel m = memory_model(c.memory);
    return m == MemoryModel::Ideal    ? std::string("ideal")
           : m == MemoryModel::Simple ? std::string("simple")
                                      : plain_or_quoted(c.memory.model);
  };
  k.set = [](HwConfig& c, const yaml::Value& v) {
    c.memory.model = trim(v.as_string());
    c.memory.ideal = c.memory.model == "ideal";
  };
  k.check = [](const HwConfig& c) -> std::string {
    if (memory_model(c.memory) != MemoryModel::Dram) return "";
    try {
      const DramParams p = resolve_dram_model(c.memory.model);
      (void)p;
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  };
  return k;
}

const char* const kResidencyNames[] = {"program-order", "traffic"};

HwKey residency_key() {
  HwKey k;
  k.path = "buffers.weight_residency";  // compiler/simulator setting: not in the hw record
  k.type = "enum";
  k.description =
      "which weight images a group keeps resident: program-order (first fit in program order) "
      "or traffic (first fit, largest DRAM traffic per timestep first: the most reused stay)";
  k.valid = "program-order or traffic";
  k.get = [](const HwConfig& c) {
    return std::string(kResidencyNames[int(c.buffers.weight_residency) == 1 ? 1 : 0]);
  };
  k.set = [](HwConfig& c, const yaml::Value& v) {
    c.buffers.weight_residency = static_cast<Residency>(v.as_enum(
        std::vector<std::string>(std::begin(kResidencyNames), std::end(kResidencyNames))));
  };
  k.check = [](const HwConfig&) { return std::string(); };
  return k;
}

/// A realism knob of the detailed mode: 0 is ideal; fast mode refuses any other value.
HwKey detailed_key(std::string path, Ref<int> ref, std::string desc) {
  HwKey k = int_key(std::move(path), ref, 0, 1000, std::move(desc));
  k.fields.clear();  // a simulator setting: not part of a compiled program's hw record
  k.valid = "0..1000 (other than 0 only with sim.timing=detailed)";
  auto range = k.check;
  k.check = [ref, range](const HwConfig& c) -> std::string {
    const std::string r = range(c);
    if (!r.empty()) return r;
    if (at(ref, c) != 0 && c.timing != TimingMode::Detailed)
      return cat(at(ref, c), " needs sim.timing=detailed (the fast mode models it as 0)");
    return "";
  };
  return k;
}

/// A realism switch of the detailed mode: true is ideal; fast mode refuses false.
HwKey detailed_bool_key(std::string path, Ref<bool> ref, std::string desc) {
  HwKey k = bool_key(std::move(path), ref, std::move(desc));
  k.fields.clear();  // a simulator setting: not part of a compiled program's hw record
  k.valid = "true or false (false only with sim.timing=detailed)";
  k.check = [ref](const HwConfig& c) -> std::string {
    if (!at(ref, c) && c.timing != TimingMode::Detailed)
      return "false needs sim.timing=detailed (the fast mode models it as true)";
    return "";
  };
  return k;
}

/// A text setting of the energy report (not part of a compiled program's hw record): one
/// printable line of 1..`max` characters.
HwKey energy_text_key(std::string path, Ref<std::string> ref, std::string desc, std::string valid,
                      size_t max) {
  HwKey k;
  k.path = std::move(path);
  k.type = "string";
  k.description = std::move(desc);
  k.valid = std::move(valid);
  k.get = [ref](const HwConfig& c) { return quote(at(ref, c)); };
  k.set = [ref](HwConfig& c, const yaml::Value& v) { ref(c) = v.as_string(); };
  k.check = [ref, max](const HwConfig& c) -> std::string {
    const std::string& s = at(ref, c);
    if (s.empty() || s.size() > max)
      return cat("a value of ", s.size(), " characters is out of range (valid: 1..", max, ")");
    for (unsigned char ch : s)
      if (ch < 0x20 || ch == 0x7f)
        return cat(quote(s), " contains a control character (valid: one printable line)");
    return "";
  };
  return k;
}

std::vector<HwKey> build_keys() {
  constexpr long long kLatMax = 1000;
  std::vector<HwKey> k;
  k.push_back(name_key());
  // engine
  k.push_back(dims_key(
      "engine.pe_groups", [](HwConfig& c) -> int& { return c.engine.K; },
      [](HwConfig& c) -> int& { return c.engine.L; }, "KxL", 1, 256,
      "PEGroup grid: K rows x L columns of groups (total PEs at most 65536)"));
  k.push_back(dims_key(
      "engine.pes_per_group", [](HwConfig& c) -> int& { return c.engine.P; },
      [](HwConfig& c) -> int& { return c.engine.Q; }, "PxQ", 1, 256,
      "PEs in each group: P rows (kernel rows) x Q columns (kernel columns)"));
  k.push_back(real_key(
      "engine.clock_mhz", [](HwConfig& c) -> double& { return c.engine.clock_mhz; },
      {0.001, 10000, false}, "MHz", "clock frequency of the whole machine"));
  k.push_back(int_key(
      "engine.neuron_load_width", [](HwConfig& c) -> int& { return c.engine.neuron_load_width; }, 1,
      65536, "input neurons per cycle loaded into a BlockNeuronBuffer"));
  k.push_back(int_key(
      "engine.pipeline.weight_read", [](HwConfig& c) -> int& { return c.engine.lat_weight_read; },
      1, kLatMax, "cycles of the WeightBuffer read stage", "a buffer read takes a cycle"));
  k.push_back(int_key(
      "engine.pipeline.multiply", [](HwConfig& c) -> int& { return c.engine.lat_multiply; }, 1,
      kLatMax, "cycles of the multiply stage", "a registered multiplier takes a cycle"));
  k.push_back(int_key(
      "engine.pipeline.adder_tree", [](HwConfig& c) -> int& { return c.engine.lat_adder_tree; }, 0,
      kLatMax, "cycles of the adder tree summing a PE row's Q products",
      "0 = combinational, folded into the multiply stage"));
  k.push_back(int_key(
      "engine.pipeline.accumulate", [](HwConfig& c) -> int& { return c.engine.lat_accumulate; }, 1,
      kLatMax, "cycles of the NeuronAccumBuffer read-add-write stage",
      "a buffer write takes a cycle"));
  k.push_back(int_key(
      "engine.pipeline.vertical_path",
      [](HwConfig& c) -> int& { return c.engine.lat_vertical_path; }, 0, kLatMax,
      "extra cycles on the vertical accumulation path (vertically shared pieces)"));
  k.push_back(int_key(
      "engine.reduce.lanes", [](HwConfig& c) -> int& { return c.engine.reduce_lanes; }, 1, 65536,
      "neurons per cycle through the horizontal reduction + ReorderLogic"));
  k.push_back(int_key(
      "engine.reduce.latency", [](HwConfig& c) -> int& { return c.engine.lat_reduce; }, 1, kLatMax,
      "cycles of the horizontal adder tree + ReorderLogic", "its buffer reads take a cycle"));
  k.push_back(sync_key());
  // buffers
  k.push_back(int_key(
      "buffers.weight_buffer_kib", [](HwConfig& c) -> int& { return c.buffers.weight_buffer_kib; },
      1, 1 << 20, "WeightBuffer per PEGroup in KiB (kernel values + indices)"));
  k.push_back(int_key(
      "buffers.block_neuron_buffer",
      [](HwConfig& c) -> int& { return c.buffers.block_neuron_buffer; }, 1, 65536,
      "entries per BlockNeuronBuffer (largest block width bw)"));
  k.push_back(int_key(
      "buffers.neuron_accum_buffer",
      [](HwConfig& c) -> int& { return c.buffers.neuron_accum_buffer; }, 1, 65536,
      "entries per NeuronAccumBuffer (largest block height bh)"));
  k.push_back(residency_key());
  k.push_back(int_key(
      "buffers.vector_buffer", [](HwConfig& c) -> int& { return c.buffers.vector_buffer; }, 1,
      1 << 24, "int16 entries in each of the vector buffers A..E"));
  // eltwise
  k.push_back(int_key(
      "eltwise.lanes", [](HwConfig& c) -> int& { return c.eltwise.lanes; }, 1, 65536,
      "elements per cycle in each element-wise unit"));
  k.push_back(int_key(
      "eltwise.latency.sum", [](HwConfig& c) -> int& { return c.eltwise.lat_sum; }, 1, kLatMax,
      "pipeline latency of the Sum units (cycles)"));
  k.push_back(int_key(
      "eltwise.latency.mult", [](HwConfig& c) -> int& { return c.eltwise.lat_mult; }, 1, kLatMax,
      "pipeline latency of the Mult units (cycles)"));
  k.push_back(int_key(
      "eltwise.latency.sigmoid", [](HwConfig& c) -> int& { return c.eltwise.lat_sigmoid; }, 1,
      kLatMax, "pipeline latency of the Sigmoid unit (cycles)"));
  k.push_back(int_key(
      "eltwise.latency.tanh", [](HwConfig& c) -> int& { return c.eltwise.lat_tanh; }, 1, kLatMax,
      "pipeline latency of the Tanh unit (cycles)"));
  k.push_back(bool_key(
      "eltwise.stream", [](HwConfig& c) -> bool& { return c.eltwise.stream; },
      "compiler: stream each layer's element-wise chain behind its MVM, per completed neuron "
      "chunk (docs/timing.md)"));
  k.push_back(stream_issue_key());
  {
    HwKey ss = bool_key(
        "eltwise.stream_store", [](HwConfig& c) -> bool& { return c.eltwise.stream_store; },
        "compiler: append the final output store to the last layer's last stream, per chunk "
        "(where not slower; docs/compiler.md)");
    ss.fields.clear();  // a compiler setting: the program's stream stages say it
    k.push_back(ss);
    HwKey ip = bool_key(
        "eltwise.inplace_state", [](HwConfig& c) -> bool& { return c.eltwise.inplace_state; },
        "compiler: with resident inputs (engine.sync row-group or free) the streamed chain "
        "writes the new h in place (no hn, no copy); the program needs resident inputs");
    ip.fields.clear();  // a compiler setting: the program's header flag says it
    ip.valid = "true or false (the compiler refuses true with engine.sync iteration)";
    k.push_back(ip);
  }
  // memory
  {
    HwKey ideal = bool_key(
        "memory.ideal", [](HwConfig& c) -> bool& { return c.memory.ideal; },
        "ideal memory: loads/stores cost only their transfer beats (no DRAM latency/bandwidth); "
        "the older spelling of memory.model ideal (true) / simple (false)");
    ideal.set = [](HwConfig& c, const yaml::Value& v) {
      c.memory.ideal = v.as_bool();
      if (c.memory.ideal)
        c.memory.model = "ideal";
      else if (c.memory.model == "ideal")
        c.memory.model = "simple";
    };
    k.push_back(ideal);
  }
  k.push_back(memory_model_key());
  k.push_back(real_key(
      "memory.dram_latency_ns", [](HwConfig& c) -> double& { return c.memory.dram_latency_ns; },
      {0, 1e6, false}, "ns", "DRAM latency per transaction"));
  k.push_back(real_key(
      "memory.dram_bandwidth_gbps",
      [](HwConfig& c) -> double& { return c.memory.dram_bandwidth_gbps; }, {0, 1e5, true}, "GB/s",
      "DRAM bandwidth"));
  {
    HwKey b = int_key(
        "memory.burst_bytes", [](HwConfig& c) -> int& { return c.memory.burst_bytes; }, 2, 4096,
        "bytes per TLM-2.0 DRAM transaction");
    b.valid = "a power of two, 2..4096";
    b.check = [](const HwConfig& c) -> std::string {
      const int v = c.memory.burst_bytes;
      if (v < 2 || v > 4096 || (v & (v - 1)) != 0)
        return out_of_range(std::to_string(v), "a power of two, 2..4096",
                            "whole int16 words per burst");
      return "";
    };
    k.push_back(b);
  }
  k.push_back(sim_int_key(
      "memory.stream.outstanding", [](HwConfig& c) -> int& { return c.memory.stream_outstanding; },
      0, 65536,
      "weight streamer: DRAM transactions it keeps in flight (0 = no limit: one burst issued per "
      "cycle, the original streamer)"));
  k.push_back(sim_int_key(
      "memory.stream.staging_bytes",
      [](HwConfig& c) -> int& { return c.memory.stream_staging_bytes; }, 0, 1 << 30,
      "weight streamer: staging buffer bytes; > 0 prefetches streamed tiles ahead across "
      "iterations, MVMs and timesteps while they fit (0 = one iteration ahead inside an MVM, the "
      "original streamer)"));
  // sharing
  k.push_back(sharing_key());
  k.push_back(real_key(
      "sharing.max_vertical_fraction",
      [](HwConfig& c) -> double& { return c.max_vertical_fraction; }, {0, 1, false}, "",
      "largest fraction of a kernel's columns given away vertically (paper: 1/2)"));
  {
    HwKey n = int_key(
        "sharing.neighbours", [](HwConfig& c) -> int& { return c.sharing_neighbours; }, 2, 4,
        "neighbours a PEGroup gives work to: 2 = right and lower (paper), 4 = also left and upper "
        "(a leftward horizontal link and a downward vertical accumulation path; docs/sharing.md)");
    n.valid = "2 or 4";
    n.check = [](const HwConfig& c) -> std::string {
      const int v = c.sharing_neighbours;
      return v == 2 || v == 4 ? "" : out_of_range(std::to_string(v), "2 or 4", "");
    };
    k.push_back(n);
  }
  {
    HwKey c = bool_key(
        "sharing.carry", [](HwConfig& h) -> bool& { return h.sharing_carry; },
        "compiler, engine.sync free: schedule each row-group on top of the groups' start offsets "
        "carried from the row-groups before it (balances the groups' running walks instead of "
        "each row-group alone; docs/sharing.md)");
    c.fields.clear();  // a compiler setting: the program's schedules say it
    c.valid = "true or false (the compiler refuses true unless engine.sync = free)";
    k.push_back(c);
  }
  // numeric
  k.push_back(int_key(
      "numeric.weight_frac_bits", [](HwConfig& c) -> int& { return c.numeric.wf; }, 1, 15,
      "fractional bits of the int16 weights", "int16 keeps a sign bit"));
  k.push_back(int_key(
      "numeric.act_frac_bits", [](HwConfig& c) -> int& { return c.numeric.af; }, 1, 15,
      "fractional bits of the int16 activations", "int16 keeps a sign bit"));
  // simulator timing
  k.push_back(timing_key());
  k.push_back(detailed_key(
      "detailed.barrier_latency", [](HwConfig& c) -> int& { return c.detailed.barrier_latency; },
      "detailed mode: cycles from the iteration barrier's last done to its go (0 = ideal)"));
  k.push_back(detailed_key(
      "detailed.item_bubble", [](HwConfig& c) -> int& { return c.detailed.item_bubble; },
      "detailed mode: idle cycles a PEGroup inserts between consecutive micro-items of different "
      "origin (local / from left / from up; 0 = ideal)"));
  k.push_back(detailed_key(
      "detailed.link_latency", [](HwConfig& c) -> int& { return c.detailed.link_latency; },
      "detailed mode: cycles a horizontally received micro-item waits before its first tile, its "
      "inputs crossing the link from the left neighbour's BlockNeuronBuffer (a from-right item's: "
      "the right neighbour's, sharing.neighbours 4) (0 = ideal)"));
  k.push_back(detailed_key(
      "detailed.link_width", [](HwConfig& c) -> int& { return c.detailed.link_width; },
      "detailed mode: sharing-link width: input neurons per flit on a horizontal link (a "
      "from-left item's inputs are ceil(cols / width) flits, one per cycle), partial sums per "
      "cycle on a vertical link (a from-up tile holds it ceil(P / width) cycles); 0 = unbounded "
      "(ideal)"));
  k.push_back(detailed_key(
      "detailed.link_fifo_depth", [](HwConfig& c) -> int& { return c.detailed.link_fifo_depth; },
      "detailed mode: flit entries of the receiver's FIFO on a horizontal link (each link: from "
      "the left and, with sharing.neighbours 4, from the right), with credit back-pressure (a "
      "credit returns detailed.link_latency + 1 cycles after the pop); 0 = unbounded (ideal)"));
  k.push_back(detailed_key(
      "detailed.accum_ports", [](HwConfig& c) -> int& { return c.detailed.accum_ports; },
      "detailed mode: tile-result write ports of a NeuronAccumBuffer per cycle, shared by the "
      "group's own accumulations (served first) and the vertical paths' from the group below "
      "and, with sharing.neighbours 4, from the group above (each waits in its own holding FIFO, "
      "served alternately; a giver stops issuing vertical tiles while 2 of its results wait); 0 "
      "= unbounded (ideal)"));
  k.push_back(detailed_key(
      "detailed.eltwise_fifo_depth",
      [](HwConfig& c) -> int& { return c.detailed.eltwise_fifo_depth; },
      "detailed mode: entries (beats of eltwise.lanes elements) of each element-wise unit's input "
      "FIFO (operands read from the vector banks, waiting to issue) and output FIFO (results "
      "waiting for a bank write port); a full FIFO stops its producer (ready/valid); 0 = "
      "unbounded (ideal)"));
  k.push_back(detailed_key(
      "detailed.vector_bank_ports",
      [](HwConfig& c) -> int& { return c.detailed.vector_bank_ports; },
      "detailed mode: accesses (read or write) per cycle of each vector bank (A..E, Acc, Bias), "
      "granted by one fixed-priority arbiter to Load/Store, the BlockNeuronBuffer loader, the "
      "element-wise writes, then their reads; the losers stall; 0 = unbounded (ideal)"));
  k.push_back(detailed_bool_key(
      "detailed.accum_forwarding", [](HwConfig& c) -> bool& { return c.detailed.accum_forwarding; },
      "detailed mode: the accumulate stage bypasses a tile's sum to the next tile of the same "
      "NeuronAccumBuffer row (true = ideal); false: a read-after-write scoreboard holds a tile "
      "until its rows' last sums are written back (between tiles of one path only when "
      "engine.pipeline.accumulate > 1; a giver's tile also waits for a vertical sum of its row, "
      "whose path is longer)"));
  k.push_back(detailed_key(
      "detailed.vlink_fifo_depth", [](HwConfig& c) -> int& { return c.detailed.vlink_fifo_depth; },
      "detailed mode: partial-sum flit entries of a vertical link's FIFO at the giver's "
      "accumulator, with credit back-pressure (a from-up tile takes ceil(P / link_width) credits "
      "at issue, returned engine.pipeline.vertical_path + 1 cycles after its sums are written); 0 "
      "= unbounded (ideal)"));
  k.push_back(detailed_key(
      "detailed.input_ports", [](HwConfig& c) -> int& { return c.detailed.input_ports; },
      "detailed mode: read ports of a BlockNeuronBuffer per cycle (each reads one column tile's Q "
      "inputs), shared round robin by the K groups of its column and their horizontal receivers; "
      "a tile that starts a column tile needs one (0 = unbounded, ideal)"));
  // energy report (docs/energy.md); the table file is read and checked when a report is made
  k.push_back(energy_text_key(
      "energy.table", [](HwConfig& c) -> std::string& { return c.energy.table; },
      "energy table: default-45nm (shipped, configs/energy/default-45nm.yaml) or the path of a "
      "YAML table",
      "default-45nm or a path ending in .yaml/.yml", 4096));
  k.push_back(energy_text_key(
      "energy.dram", [](HwConfig& c) -> std::string& { return c.energy.dram; },
      "DRAM device of the energy table charged for DRAM traffic (shipped table: ddr4, lpddr4); "
      "auto: the memory.model's family (lpddr4-* -> lpddr4, else ddr4)",
      "auto or a device name of the table's dram section", 100));
  return k;
}

std::string md_escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch == '|') out += '\\';
    out += ch;
  }
  return out;
}

}  // namespace

std::string HwKey::leaf() const {
  const auto p = path.rfind('.');
  return p == std::string::npos ? path : path.substr(p + 1);
}

const std::vector<HwKey>& hw_keys() {
  static const std::vector<HwKey> keys = build_keys();
  return keys;
}

const HwKey* find_hw_key(const std::string& path) {
  for (const auto& k : hw_keys())
    if (k.path == path) return &k;
  return nullptr;
}

const std::vector<std::string>& hw_sections() {
  static const std::vector<std::string> sections = [] {
    std::vector<std::string> out;
    for (const auto& k : hw_keys()) {
      for (size_t p = k.path.find('.'); p != std::string::npos; p = k.path.find('.', p + 1)) {
        const std::string s = k.path.substr(0, p);
        if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
      }
    }
    return out;
  }();
  return sections;
}

const HwKey& resolve_hw_key(const std::string& key_in, const std::string& context) {
  std::string key = trim(key_in);
  if (key.rfind("hw.", 0) == 0) key = key.substr(3);
  if (key.empty()) fail(context, ": empty key");
  if (const HwKey* k = find_hw_key(key)) return *k;
  const auto& sections = hw_sections();
  if (std::find(sections.begin(), sections.end(), key) != sections.end())
    fail(
        context, ": '", key, "' is a section, not a key (e.g. '", key, ".",
        [&] {
          for (const auto& k : hw_keys())
            if (k.path.rfind(key + ".", 0) == 0) return k.path.substr(key.size() + 1);
          return std::string();
        }(),
        "')");
  // Unique suffix on component boundaries.
  std::vector<const HwKey*> hits;
  for (const auto& k : hw_keys()) {
    const std::string& p = k.path;
    if (p.size() > key.size() && p.compare(p.size() - key.size(), key.size(), key) == 0 &&
        p[p.size() - key.size() - 1] == '.')
      hits.push_back(&k);
  }
  if (hits.size() == 1) return *hits[0];
  if (hits.size() > 1) {
    std::string list;
    for (const HwKey* h : hits) list += (list.empty() ? "'" : ", '") + h->path + "'";
    fail(context, ": ambiguous key '", key, "' (did you mean one of ", list, "?)");
  }
  const std::string near = suggest_hw_key(key);
  fail(context, ": unknown key '", key, "'",
       near.empty() ? std::string("; see 'csbrnn config --list-keys'")
                    : " (did you mean '" + near + "'?)");
}

std::string suggest_hw_key(const std::string& path) {
  // A key written in the wrong section ("clock_mhz" at the top level): its leaf names it.
  const auto dot = path.rfind('.');
  const std::string leaf = dot == std::string::npos ? path : path.substr(dot + 1);
  const HwKey* same_leaf = nullptr;
  int same_leaf_count = 0;
  for (const auto& k : hw_keys())
    if (k.leaf() == leaf) same_leaf = &k, ++same_leaf_count;
  if (same_leaf_count == 1) return same_leaf->path;
  std::vector<std::string> paths;
  for (const auto& k : hw_keys()) paths.push_back(k.path);
  std::string near = closest_match(path, paths);
  if (!near.empty()) return near;
  near = closest_match(path, hw_sections());
  if (!near.empty()) return near;
  // Its leaf misspelt as well: compare leaves.
  std::vector<std::string> leaves;
  for (const auto& k : hw_keys()) leaves.push_back(k.leaf());
  const std::string near_leaf = closest_match(leaf, leaves);
  if (near_leaf.empty()) return "";
  for (const auto& k : hw_keys())
    if (k.leaf() == near_leaf) return k.path;
  return "";
}

std::string hw_keys_table_text() {
  const HwConfig d;
  std::vector<std::array<std::string, 5>> rows;
  rows.push_back({"KEY", "TYPE", "DEFAULT", "VALID", "DESCRIPTION"});
  for (const auto& k : hw_keys())
    rows.push_back({k.path, k.type, k.get(d), k.valid, k.description});
  std::array<size_t, 5> w{};
  for (const auto& r : rows)
    for (size_t i = 0; i < 4; ++i) w[i] = std::max(w[i], r[i].size());
  std::string out;
  for (const auto& r : rows) {
    for (size_t i = 0; i < 4; ++i) out += r[i] + std::string(w[i] - r[i].size() + 2, ' ');
    out += r[4] + "\n";
  }
  return out;
}

std::string hw_keys_table_markdown() {
  const HwConfig d;
  std::string out = "| Key | Type | Default | Valid | Meaning |\n|---|---|---|---|---|\n";
  for (const auto& k : hw_keys())
    out += cat("| `", k.path, "` | ", md_escape(k.type), " | `", md_escape(k.get(d)), "` | ",
               md_escape(k.valid), " | ", md_escape(k.description), " |\n");
  return out;
}

bool hw_config_equal(const HwConfig& a, const HwConfig& b) {
  for (const auto& k : hw_keys())
    if (k.get(a) != k.get(b)) return false;
  return true;
}

const char* sync_name(SyncMode m) {
  const auto i = static_cast<size_t>(m);
  return i < std::size(kSyncNames) ? kSyncNames[i] : "?";
}

const char* stream_issue_name(StreamIssue m) {
  const auto i = static_cast<size_t>(m);
  return i < std::size(kStreamIssueNames) ? kStreamIssueNames[i] : "?";
}

const char* sharing_name(SharingMode m) {
  const auto i = static_cast<size_t>(m);
  return i < std::size(kSharingNames) ? kSharingNames[i] : "?";
}

SharingMode parse_sharing(const std::string& s) {
  const std::string t = lower(trim(s));
  for (int i = 0; i < 4; ++i)
    if (t == kSharingNames[i]) return static_cast<SharingMode>(i);
  const std::string near = closest_match(
      t, std::vector<std::string>(std::begin(kSharingNames), std::end(kSharingNames)));
  fail("unknown sharing mode '", s, "' (valid: none, horizontal, vertical, 2d",
       near.empty() ? std::string() : "; did you mean '" + near + "'?", ")");
}

}  // namespace csbrnn
