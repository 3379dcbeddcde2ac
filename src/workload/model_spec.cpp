#include "workload/model_spec.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "common/data_dir.h"
#include "common/error.h"
#include "common/file_util.h"
#include "common/strings.h"
#include "config/strict_yaml.h"

namespace csbrnn {

const char* const kSyntheticNotice =
    "SYNTHETIC STAND-IN weights (csbrnn genmodel), not the papers' trained models: figures show "
    "the schemes' behaviour on structured random weights, not the papers' accuracy";

namespace {

namespace fs = std::filesystem;

// ---- deterministic random numbers ----
uint64_t splitmix(uint64_t& s) {
  uint64_t z = (s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed) {}
  /// Uniform in [0, 1) with 53 bits.
  double uniform() { return double(splitmix(s) >> 11) * (1.0 / 9007199254740992.0); }
  /// Uniform in [-1, 1).
  double sym() { return 2.0 * uniform() - 1.0; }
  /// Standard normal (Box-Muller, one value per call).
  double normal() {
    const double u1 = 1.0 - uniform();  // (0, 1]
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  int below(int n) { return int(uniform() * n); }
};

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

/// Independent stream per (seed, tensor/purpose name).
Rng stream(uint64_t seed, const std::string& name) {
  uint64_t s = seed ^ fnv1a(name);
  splitmix(s);
  return Rng(s);
}

/// A group of units (hidden neurons, projection units or input features): importance and cluster.
struct Units {
  std::vector<double> importance;
  std::vector<int> cluster;
};

Units make_units(int n, double sigma, const GeneratorKnobs& g, uint64_t seed,
                 const std::string& tag) {
  Rng rng = stream(seed, "units:" + tag);
  Units u;
  u.importance.resize(n);
  u.cluster.resize(n);
  const int k = std::max(1, std::min(g.clusters, n));
  for (int i = 0; i < n; ++i) {
    u.importance[i] = std::exp(sigma * rng.normal());
    u.cluster[i] = int((long long)i * k / n);
    if (rng.uniform() < g.cluster_shuffle) u.cluster[i] = rng.below(k);
  }
  return u;
}

/// Generates one matrix: rows follow `row_units` (row r -> unit r % n, so gate blocks share
/// the unit's importance), columns follow `col_units`.
Matrix make_matrix(int rows, int cols, const Units& ru, const Units& cu, const GeneratorKnobs& g,
                   double init_bound, uint64_t seed, const std::string& name) {
  Rng rng = stream(seed, "matrix:" + name);
  const int nr = int(ru.importance.size());
  std::vector<double> rs(rows), cs(cols);
  for (int r = 0; r < rows; ++r)
    rs[r] = ru.importance[r % nr] * std::exp(g.row_sigma * rng.normal());
  if (g.gate_sigma > 0) {  // the gate blocks of rows r / nr (own stream: 0 leaves every byte)
    Rng grng = stream(seed, "gates:" + name);
    std::vector<double> gate(size_t((rows + nr - 1) / nr));
    for (double& x : gate) x = std::exp(g.gate_sigma * grng.normal());
    for (int r = 0; r < rows; ++r) rs[r] *= gate[size_t(r / nr)];
  }
  for (int c = 0; c < cols; ++c) cs[c] = cu.importance[c] * std::exp(g.col_sigma * rng.normal());
  const int k = std::max(1, g.clusters);
  std::vector<double> gain(size_t(k) * k);
  for (int a = 0; a < k; ++a)
    for (int b = 0; b < k; ++b)
      gain[size_t(a) * k + b] =
          std::exp(g.cluster_sigma * rng.normal()) * (a == b ? g.cluster_gain : 1.0);
  Matrix m(rows, cols);
  std::vector<double> vals(size_t(rows) * cols);
  double sum2 = 0;
  for (int r = 0; r < rows; ++r) {
    const int rc = ru.cluster[r % nr];
    const double* grow = &gain[size_t(rc) * k];
    for (int c = 0; c < cols; ++c) {
      const double v = rng.sym() * rs[r] * cs[c] * grow[cu.cluster[c]];
      vals[size_t(r) * cols + c] = v;
      sum2 += v * v;
    }
  }
  // Rescale to the RMS of PyTorch's init U(-b, b): b / sqrt(3).
  const double rms = std::sqrt(sum2 / double(vals.size()));
  const double scale = rms > 0 ? (init_bound / std::sqrt(3.0)) / rms : 0.0;
  for (size_t t = 0; t < vals.size(); ++t) m.data[t] = float(vals[t] * scale);
  return m;
}

std::vector<float> make_bias(int n, double bound, uint64_t seed, const std::string& name) {
  Rng rng = stream(seed, "bias:" + name);
  std::vector<float> b(n);
  for (auto& x : b) x = float(bound * rng.sym());
  return b;
}

const std::vector<std::string> kTopKeys = {"name",   "task",       "source",      "notes",
                                           "cell",   "input_size", "hidden_size", "proj_size",
                                           "layers", "bias",       "paper",       "generator"};
const std::vector<std::string> kPaperKeys = {"rate", "rate_source", "block"};
const std::vector<std::string> kGenKeys = {"neuron_sigma", "input_sigma",     "row_sigma",
                                           "col_sigma",    "clusters",        "cluster_sigma",
                                           "cluster_gain", "cluster_shuffle", "gate_sigma"};

}  // namespace

ModelSpec parse_model_spec(const std::string& text, const std::string& origin) {
  const yaml::Value doc = yaml::parse(text, origin);
  const yaml::Map root = doc.map(kTopKeys, "a mapping of model spec keys");
  ModelSpec s;
  s.origin = origin;
  s.name = root.required("name").as_string();
  if (const auto v = root.get("task")) s.task = v->as_string();
  if (const auto v = root.get("source")) s.source = v->as_string();
  if (const auto v = root.get("notes")) s.notes = v->as_string();
  s.cell = root.required("cell").as_enum({"lstm", "gru"}) == 0 ? CellType::LSTM : CellType::GRU;
  s.input_size = int(root.required("input_size").as_int(1, 1000000));
  s.hidden_size = int(root.required("hidden_size").as_int(1, 100000));
  s.layers = int(root.required("layers").as_int(1, 64));
  if (const auto v = root.get("proj_size")) {
    s.proj_size = int(v->as_int(0, 100000));
    if (s.proj_size > 0 && (s.cell != CellType::LSTM || s.proj_size >= s.hidden_size))
      v->fail("must be 0, or < hidden_size for an LSTM");
  }
  if (const auto v = root.get("bias")) s.bias = v->as_bool();
  if (const auto p = root.get("paper")) {
    const yaml::Map paper = p->map(kPaperKeys);
    if (const auto v = paper.get("rate")) {
      s.paper_rate = v->as_double();
      if (!(s.paper_rate > 1)) v->fail("must be > 1");
    }
    if (const auto v = paper.get("rate_source")) s.paper_rate_source = v->as_string();
    if (const auto v = paper.get("block"))
      s.block = parse_block(v->as_string(), v->where() + ": " + v->key());
  }
  if (const auto g = root.get("generator")) {
    const yaml::Map gen = g->map(kGenKeys);
    // Sigmas and gains are >= 0; cluster_shuffle is a fraction.
    auto d = [&](const char* k, double& x, bool fraction) {
      const auto v = gen.get(k);
      if (!v) return;
      x = v->as_double();
      if (x < 0 || (fraction && x > 1))
        v->fail(
            cat(trim(v->scalar()), " is out of range (valid: ", fraction ? "0..1" : ">= 0", ")"));
    };
    d("neuron_sigma", s.gen.neuron_sigma, false);
    d("input_sigma", s.gen.input_sigma, false);
    d("row_sigma", s.gen.row_sigma, false);
    d("col_sigma", s.gen.col_sigma, false);
    d("cluster_sigma", s.gen.cluster_sigma, false);
    d("cluster_gain", s.gen.cluster_gain, false);
    d("cluster_shuffle", s.gen.cluster_shuffle, true);
    d("gate_sigma", s.gen.gate_sigma, false);
    if (const auto v = gen.get("clusters")) s.gen.clusters = int(v->as_int(1, 4096));
  }
  return s;
}

std::string models_dir() {
  if (const char* e = std::getenv("CSBRNN_MODELS_DIR"); e && *e) return e;
  return (fs::path(data_dir()) / "models").string();
}

std::vector<std::string> builtin_model_names() {
  std::vector<std::string> v;
  for (const auto& e : fs::directory_iterator(models_dir()))
    if (e.path().extension() == ".yaml") v.push_back(e.path().stem().string());
  std::sort(v.begin(), v.end());
  return v;
}

ModelSpec load_model_spec(const std::string& name_or_path) {
  const bool is_path =
      name_or_path.find('/') != std::string::npos ||
      (name_or_path.size() > 5 && (name_or_path.substr(name_or_path.size() - 5) == ".yaml" ||
                                   name_or_path.substr(name_or_path.size() - 4) == ".yml"));
  if (is_path) return parse_model_spec(read_text_file(name_or_path), name_or_path);
  std::string lower = name_or_path;
  for (auto& c : lower) c = char(std::tolower((unsigned char)c));
  const auto names = builtin_model_names();
  if (std::find(names.begin(), names.end(), lower) == names.end()) {
    const std::string near = closest_match(lower, names);
    std::string all;
    for (const auto& n : names) all += (all.empty() ? "" : ", ") + n;
    fail("unknown benchmark model '", name_or_path, "'",
         near.empty() ? "" : " (did you mean '" + near + "'?)", "; known: ", all,
         " (or give a .yaml spec path)");
  }
  const std::string path = models_dir() + "/" + lower + ".yaml";
  return parse_model_spec(read_text_file(path), path);
}

size_t spec_weight_count(const ModelSpec& s) {
  const size_t G = size_t(gate_count(s.cell)), H = size_t(s.hidden_size);
  const size_t S = s.proj_size > 0 ? size_t(s.proj_size) : H;
  size_t n = 0;
  for (int k = 0; k < s.layers; ++k) {
    const size_t in = k == 0 ? size_t(s.input_size) : S;
    n += G * H * (in + S);
    if (s.proj_size > 0) n += S * H;
  }
  return n;
}

size_t spec_bias_count(const ModelSpec& s) {
  return s.bias ? size_t(s.layers) * 2 * size_t(gate_count(s.cell)) * size_t(s.hidden_size) : 0;
}

RnnModel generate_model(const ModelSpec& s, uint64_t seed) {
  RnnModel m;
  m.cell = s.cell;
  m.input_size = s.input_size;
  m.hidden_size = s.hidden_size;
  m.proj_size = s.proj_size;
  m.has_bias = s.bias;
  const int G = gate_count(s.cell), H = s.hidden_size;
  const double bound = 1.0 / std::sqrt(double(H));  // PyTorch: U(-1/sqrt(H), 1/sqrt(H))
  Units prev = make_units(s.input_size, s.gen.input_sigma, s.gen, seed, "input");
  for (int k = 0; k < s.layers; ++k) {
    const std::string L = std::to_string(k);
    const Units hid = make_units(H, s.gen.neuron_sigma, s.gen, seed, "hidden" + L);
    const Units state = s.proj_size > 0
                            ? make_units(s.proj_size, s.gen.neuron_sigma, s.gen, seed, "proj" + L)
                            : hid;
    LayerWeights lw;
    lw.w_ih = make_matrix(G * H, m.layer_input_size(k), hid, prev, s.gen, bound, seed,
                          param_name("weight_ih", k));
    lw.w_hh = make_matrix(G * H, m.state_size(), hid, state, s.gen, bound, seed,
                          param_name("weight_hh", k));
    if (s.proj_size > 0)
      lw.w_hr =
          make_matrix(s.proj_size, H, state, hid, s.gen, bound, seed, param_name("weight_hr", k));
    if (s.bias) {
      lw.b_ih = make_bias(G * H, bound, seed, param_name("bias_ih", k));
      lw.b_hh = make_bias(G * H, bound, seed, param_name("bias_hh", k));
    }
    m.layers.push_back(std::move(lw));
    prev = state;
  }
  validate_model(m, s.name);
  return m;
}

}  // namespace csbrnn
