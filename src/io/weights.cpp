#include "io/weights.h"

#include <algorithm>
#include <climits>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include "common/error.h"
#include "common/file_util.h"

namespace csbrnn {

namespace fs = std::filesystem;

namespace {

const char* const kKinds[] = {"weight_ih", "weight_hh", "weight_hr", "bias_ih", "bias_hh"};

struct ParamName {
  std::string prefix;  // "", "rnn.", "model.lstm." ...
  std::string kind;    // one of kKinds
  int layer = 0;
  bool reverse = false;
};

// Splits "model.rnn.weight_hh_l1" into prefix "model.rnn.", kind "weight_hh", layer 1.
bool parse_param_name(const std::string& name, ParamName& out) {
  static const std::regex re(
      "^(.*?)(weight_ih|weight_hh|weight_hr|bias_ih|bias_hh)_l([0-9]{1,4})"
      "(_reverse)?$");
  std::smatch m;
  if (!std::regex_match(name, m, re)) return false;
  const std::string prefix = m[1].str();
  if (!prefix.empty() && prefix.back() != '.' && prefix.back() != '/') return false;
  const std::string digits = m[3].str();
  if (digits.size() > 1 && digits[0] == '0') return false;
  out.prefix = prefix;
  out.kind = m[2].str();
  out.layer = std::stoi(digits);
  out.reverse = m[4].matched;
  return true;
}

Matrix to_matrix(const Tensor& t) {
  Matrix m;
  m.rows = static_cast<int>(t.shape[0]);
  m.cols = static_cast<int>(t.shape[1]);
  m.data = t.data;
  return m;
}

Tensor from_matrix(const Matrix& m) {
  Tensor t;
  t.shape = {m.rows, m.cols};
  t.data = m.data;
  t.source_dtype = "<f4";
  return t;
}

Tensor from_vector(const std::vector<float>& v) {
  Tensor t;
  t.shape = {static_cast<int64_t>(v.size())};
  t.data = v;
  t.source_dtype = "<f4";
  return t;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

bool looks_like_rnn_state_dict(const std::map<std::string, Tensor>& tensors) {
  ParamName p;
  for (const auto& kv : tensors)
    if (parse_param_name(kv.first, p)) return true;
  return false;
}

std::map<std::string, Tensor> load_tensor_set(const std::string& path) {
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) fail(path, ": no such file or directory");
  if (fs::is_directory(st)) {
    std::vector<fs::path> files;
    fs::recursive_directory_iterator it(path, ec), end;
    if (ec) fail(path, ": cannot list folder: ", ec.message());
    for (; it != end; it.increment(ec)) {
      if (ec) fail(path, ": cannot list folder: ", ec.message());
      if (it->is_regular_file() && it->path().extension() == ".npy") files.push_back(it->path());
    }
    if (files.empty()) fail(path, ": folder contains no .npy files");
    std::sort(files.begin(), files.end());
    std::map<std::string, Tensor> out;
    for (const auto& f : files) {
      std::string rel = f.lexically_relative(path).generic_string();
      rel.resize(rel.size() - 4);
      out[rel] = load_npy(f.string());
    }
    return out;
  }
  if (is_npy_file(path)) {
    std::map<std::string, Tensor> out;
    out[fs::path(path).stem().string()] = load_npy(path);
    return out;
  }
  if (is_npz_file(path)) return load_npz(path);
  if (ends_with(path, ".npz")) return load_npz(path);  // gives the precise error
  fail(path, ": not an .npz archive, a .npy file or a folder of .npy files");
}

RnnModel model_from_state_dict(const std::map<std::string, Tensor>& tensors,
                               const std::string& origin, std::optional<CellType> force_cell) {
  if (tensors.empty()) fail(origin, ": contains no tensors");
  // 1. Classify every name; all must share one prefix.
  std::string prefix;
  bool have_prefix = false;
  std::map<std::pair<std::string, int>, const Tensor*> params;  // (kind, layer) -> tensor
  int num_layers = 0;
  for (const auto& [name, t] : tensors) {
    ParamName p;
    if (!parse_param_name(name, p)) fail(origin, ": unexpected tensor '", name, "'");
    if (p.reverse)
      fail(origin, ": '", name,
           "' belongs to a bidirectional RNN; bidirectional models are not supported");
    if (!have_prefix) {
      prefix = p.prefix;
      have_prefix = true;
    } else if (p.prefix != prefix) {
      fail(origin, ": unexpected tensor '", name, "' (other tensors use the prefix '", prefix,
           "')");
    }
    params[{p.kind, p.layer}] = &t;
    num_layers = std::max(num_layers, p.layer + 1);
  }
  auto full = [&](const std::string& kind, int k) { return prefix + param_name(kind, k); };
  auto get = [&](const std::string& kind, int k) -> const Tensor* {
    auto it = params.find({kind, k});
    return it == params.end() ? nullptr : it->second;
  };

  // 2. Completeness: every layer has both weights; biases and projections all or nothing.
  bool any_bias = false, any_proj = false;
  for (const auto& kv : params) {
    any_bias |= kv.first.first == "bias_ih" || kv.first.first == "bias_hh";
    any_proj |= kv.first.first == "weight_hr";
  }
  for (int k = 0; k < num_layers; ++k) {
    for (const char* kind : kKinds) {
      const std::string s = kind;
      const bool needed = s == "weight_ih" || s == "weight_hh" ||
                          (any_bias && s.rfind("bias", 0) == 0) || (any_proj && s == "weight_hr");
      if (needed && !get(s, k)) {
        const char* why = s.rfind("bias", 0) == 0 ? " (other tensors have biases)"
                          : s == "weight_hr"      ? " (other layers have a projection)"
                                                  : "";
        fail(origin, ": ", full(s, k), " missing", why);
      }
    }
  }
  // 3. Ranks and sizes.
  for (const auto& [key, t] : params) {
    const bool is_bias = key.first.rfind("bias", 0) == 0;
    const size_t want = is_bias ? 1 : 2;
    if (t->shape.size() != want)
      fail(origin, ": ", full(key.first, key.second), " must be ", want, "-D, has shape ",
           shape_str(t->shape));
    for (int64_t d : t->shape)
      if (d <= 0 || d > INT_MAX)
        fail(origin, ": ", full(key.first, key.second), " has unusable shape ",
             shape_str(t->shape));
  }

  // 4. Infer the cell and sizes from layer 0.
  const Tensor& hh = *get("weight_hh", 0);
  const int64_t rows = hh.shape[0], cols = hh.shape[1];
  RnnModel m;
  m.has_bias = any_bias;
  if (any_proj) {
    const Tensor& hr = *get("weight_hr", 0);
    if (force_cell && *force_cell != CellType::LSTM)
      fail(origin, ": the tensors have a projection (", full("weight_hr", 0),
           "), which only an LSTM has, but the cell was forced to ", cell_name(*force_cell));
    m.cell = CellType::LSTM;
    m.hidden_size = static_cast<int>(hr.shape[1]);
    m.proj_size = static_cast<int>(hr.shape[0]);
    if (rows != 4 * int64_t(m.hidden_size))
      fail(origin, ": ", full("weight_hh", 0), " has shape ", shape_str(hh.shape), " but ",
           full("weight_hr", 0), " ", shape_str(hr.shape), " implies hidden size ", m.hidden_size,
           ": an LSTM with projection needs ", 4 * int64_t(m.hidden_size), " rows");
  } else {
    m.hidden_size = static_cast<int>(cols);
    if (force_cell) {
      m.cell = *force_cell;
      if (rows != gate_count(m.cell) * cols)
        fail(origin, ": ", full("weight_hh", 0), " has shape ", shape_str(hh.shape), "; a ",
             cell_name(m.cell), " with hidden size ", cols, " needs (", gate_count(m.cell) * cols,
             ", ", cols, ")");
    } else if (rows == 4 * cols) {
      m.cell = CellType::LSTM;
    } else if (rows == 3 * cols) {
      m.cell = CellType::GRU;
    } else {
      fail(origin, ": cannot infer the cell type: ", full("weight_hh", 0), " has shape ",
           shape_str(hh.shape), ", expected (4H, H) for an LSTM or (3H, H) for a GRU");
    }
  }
  m.input_size = static_cast<int>(get("weight_ih", 0)->shape[1]);

  // 5. Copy, then check every shape and value.
  m.layers.resize(static_cast<size_t>(num_layers));
  for (int k = 0; k < num_layers; ++k) {
    LayerWeights& L = m.layers[size_t(k)];
    L.w_ih = to_matrix(*get("weight_ih", k));
    L.w_hh = to_matrix(*get("weight_hh", k));
    if (any_proj) L.w_hr = to_matrix(*get("weight_hr", k));
    if (any_bias) {
      L.b_ih = get("bias_ih", k)->data;
      L.b_hh = get("bias_hh", k)->data;
    }
  }
  validate_model(m, origin);
  return m;
}

RnnModel load_weights(const std::string& path, std::optional<CellType> force_cell) {
  std::error_code ec;
  if (!fs::is_directory(path, ec) && is_npy_file(path)) {
    fail(path,
         ": a single .npy array cannot hold an RNN; give an .npz archive or a folder of "
         ".npy files named like a state_dict");
  }
  return model_from_state_dict(load_tensor_set(path), path, force_cell);
}

std::map<std::string, Tensor> model_to_state_dict(const RnnModel& m) {
  std::map<std::string, Tensor> out;
  for (int k = 0; k < m.num_layers(); ++k) {
    const LayerWeights& L = m.layers[size_t(k)];
    out[param_name("weight_ih", k)] = from_matrix(L.w_ih);
    out[param_name("weight_hh", k)] = from_matrix(L.w_hh);
    if (m.proj_size > 0) out[param_name("weight_hr", k)] = from_matrix(L.w_hr);
    if (m.has_bias) {
      out[param_name("bias_ih", k)] = from_vector(L.b_ih);
      out[param_name("bias_hh", k)] = from_vector(L.b_hh);
    }
  }
  return out;
}

void save_weights(const std::string& path, const RnnModel& m) {
  validate_model(m, path);
  const auto arrays = model_to_state_dict(m);
  if (ends_with(path, ".npz")) {
    save_npz(path, arrays, true);
    return;
  }
  std::error_code ec;
  if (fs::exists(path, ec) && !fs::is_directory(path, ec))
    fail(path, ": exists and is not a folder (give a name ending in .npz to write an archive)");
  fs::create_directories(path, ec);
  if (ec) fail(path, ": cannot create folder: ", ec.message());
  // Remove stale parameter files of an earlier, different model so the folder loads back as m.
  for (const auto& e : fs::directory_iterator(path, ec)) {
    ParamName p;
    const std::string stem = e.path().stem().string();
    if (e.is_regular_file() && e.path().extension() == ".npy" && parse_param_name(stem, p) &&
        !arrays.count(stem))
      fs::remove(e.path(), ec);
  }
  for (const auto& [name, t] : arrays) save_npy((fs::path(path) / (name + ".npy")).string(), t);
}

}  // namespace csbrnn
