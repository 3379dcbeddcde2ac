#include "cli/cmd_info.h"

#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/options.h"
#include "common/error.h"
#include "common/file_util.h"
#include "io/npy.h"
#include "io/weights.h"
#include "isa/program_io.h"
#include "model/csb.h"
#include "model/csb_file.h"

namespace csbrnn::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json rnn_summary(const RnnModel& m) {
  uint64_t weights = 0, biases = 0;
  for (const auto& L : m.layers) {
    weights += L.w_ih.size() + L.w_hh.size() + L.w_hr.size();
    biases += L.b_ih.size() + L.b_hh.size();
  }
  return json{{"cell", cell_name(m.cell)},  {"layers", m.num_layers()},
              {"input_size", m.input_size}, {"hidden_size", m.hidden_size},
              {"proj_size", m.proj_size},   {"bias", m.has_bias},
              {"weights", weights},         {"biases", biases}};
}

void print_rnn(std::ostream& os, const json& r) {
  os << "RNN state_dict: " << r["cell"].get<std::string>() << ", " << r["layers"] << " layer"
     << (r["layers"] == 1 ? "" : "s") << ", input " << r["input_size"] << ", hidden "
     << r["hidden_size"] << ", proj " << r["proj_size"] << (r["proj_size"] == 0 ? " (none)" : "")
     << ", bias " << (r["bias"] ? "yes" : "no") << "\n"
     << "  weights " << r["weights"] << ", biases " << r["biases"] << "\n";
}

json info_tensor_set(const std::string& path, bool folder) {
  const auto tensors = load_tensor_set(path);
  json j{{"file", path}, {"kind", folder ? "folder" : "npz"}};
  json arrays = json::array();
  for (const auto& [name, t] : tensors)
    arrays.push_back(json{{"name", name}, {"shape", t.shape}, {"dtype", t.source_dtype}});
  j["arrays"] = arrays;
  // Names that look like an RNN's must form a valid model; anything else is just listed.
  j["rnn"] = looks_like_rnn_state_dict(tensors) ? rnn_summary(model_from_state_dict(tensors, path))
                                                : json(nullptr);
  return j;
}

// Weight width the index overhead is measured against (the machine's 16-bit weights).
constexpr uint64_t kWeightBits = 16;

// a / b, or null when b == 0 (nothing kept: the rate is unbounded).
json ratio(uint64_t a, uint64_t b) {
  return b ? json(double(a) / double(b)) : json(nullptr);
}

std::string fmt(const json& x, const char* unit) {
  if (x.is_null()) return "n/a";
  std::ostringstream s;
  s << std::fixed << std::setprecision(2) << x.get<double>() << unit;
  return s.str();
}

json csb_matrix_info(const std::string& name, const CsbMatrix& c) {
  const uint64_t dense = uint64_t(c.rows) * uint64_t(c.cols);
  const uint64_t kept = c.nnz();
  const uint64_t bits = csb_index_bits(c);
  return json{{"name", name},
              {"rows", c.rows},
              {"cols", c.cols},
              {"block", {c.bh, c.bw}},
              {"blocks", c.blocks.size()},
              {"kept", kept},
              {"dense", dense},
              {"rate", ratio(dense, kept)},
              {"index_bits", bits},
              {"index_overhead", ratio(bits, kept * kWeightBits)}};
}

json info_csb(const std::string& path) {
  const CsbModel m = load_csb_model(path);
  json j{{"file", path},
         {"kind", "csb"},
         {"format_version", m.output_perm.empty() ? 1u : kCsbVersion},
         {"cell", cell_name(m.cell)},
         {"layers", m.num_layers()},
         {"input_size", m.input_size},
         {"hidden_size", m.hidden_size},
         {"proj_size", m.proj_size},
         {"bias", m.has_bias},
         {"output_permuted", !m.output_perm.empty()},
         {"note", m.note}};
  json mats = json::array();
  uint64_t kept = 0, dense = 0, bits = 0, biases = 0;
  for (int k = 0; k < m.num_layers(); ++k) {
    const CsbLayer& L = m.layers[size_t(k)];
    std::vector<std::pair<std::string, const CsbMatrix*>> list = {
        {param_name("weight_ih", k), &L.w_ih}, {param_name("weight_hh", k), &L.w_hh}};
    if (L.w_hr.rows > 0) list.emplace_back(param_name("weight_hr", k), &L.w_hr);
    for (const auto& [name, c] : list) {
      json mi = csb_matrix_info(name, *c);
      kept += mi["kept"].get<uint64_t>();
      dense += mi["dense"].get<uint64_t>();
      bits += mi["index_bits"].get<uint64_t>();
      mats.push_back(mi);
    }
    biases += L.b_ih.size() + L.b_hh.size();
  }
  j["matrices"] = mats;
  j["total"] = json{{"kept", kept},
                    {"dense", dense},
                    {"rate", ratio(dense, kept)},
                    {"index_bits", bits},
                    {"index_overhead", ratio(bits, kept * kWeightBits)},
                    {"biases", biases}};
  return j;
}

void print_text(std::ostream& os, const json& j) {
  const std::string kind = j["kind"];
  const std::string file = j["file"];
  if (kind == "npy") {
    os << file << ": .npy array, shape " << shape_str(j["shape"].get<std::vector<int64_t>>())
       << ", dtype " << j["dtype"].get<std::string>() << ", " << j["elements"] << " elements\n";
    return;
  }
  if (kind == "npz" || kind == "folder") {
    os << file << ": " << (kind == "npz" ? ".npz archive" : "folder of .npy files") << ", "
       << j["arrays"].size() << " array" << (j["arrays"].size() == 1 ? "" : "s") << "\n";
    size_t w = 4;
    for (const auto& a : j["arrays"]) w = std::max(w, a["name"].get<std::string>().size());
    for (const auto& a : j["arrays"])
      os << "  " << std::left << std::setw(int(w) + 2) << a["name"].get<std::string>()
         << std::setw(16) << shape_str(a["shape"].get<std::vector<int64_t>>())
         << a["dtype"].get<std::string>() << "\n"
         << std::right;
    if (!j["rnn"].is_null()) print_rnn(os, j["rnn"]);
    return;
  }
  if (kind == "program") {
    os << file << ": csbrnn program, format version " << j["format_version"] << ", "
       << j["cell"].get<std::string>() << ", " << j["layers"] << " layer"
       << (j["layers"] == 1 ? "" : "s") << ", input " << j["input_size"] << ", hidden "
       << j["hidden_size"] << ", proj " << j["proj_size"] << ", output " << j["output_size"]
       << "\n  " << j["words"] << " words per timestep, for " << j["pe_groups"].get<std::string>()
       << " groups of " << j["pes_per_group"].get<std::string>() << " PEs\n";
    if (!j["note"].get<std::string>().empty())
      os << "  note: " << j["note"].get<std::string>() << "\n";
    return;
  }
  // csb
  os << file << ": CSB model (container version " << j["format_version"] << "), "
     << j["cell"].get<std::string>() << ", " << j["layers"] << " layer"
     << (j["layers"] == 1 ? "" : "s") << ", input " << j["input_size"] << ", hidden "
     << j["hidden_size"] << ", proj " << j["proj_size"] << (j["proj_size"] == 0 ? " (none)" : "")
     << ", bias " << (j["bias"] ? "yes" : "no") << "\n";
  if (!j["note"].get<std::string>().empty())
    os << "  note: " << j["note"].get<std::string>() << "\n";
  if (j.value("output_permuted", false))
    os << "  output permutation: yes (prune --permute; Y is delivered in the original order)\n";
  for (const auto& mi : j["matrices"])
    os << "  " << std::left << std::setw(14) << mi["name"].get<std::string>() << std::right
       << mi["rows"] << " x " << mi["cols"] << ", blocks " << mi["block"][0] << " x "
       << mi["block"][1] << ", kept " << mi["kept"] << " of " << mi["dense"] << " (rate "
       << fmt(mi["rate"], "x") << "), index " << mi["index_bits"] << " bits (overhead "
       << fmt(mi["index_overhead"], "") << ")\n";
  const auto& t = j["total"];
  os << "  total: kept " << t["kept"] << " of " << t["dense"] << " weights (rate "
     << fmt(t["rate"], "x") << "), index " << t["index_bits"] << " bits (overhead "
     << fmt(t["index_overhead"], "") << " of 16-bit weight storage), biases " << t["biases"]
     << "\n";
}

json info_program(const std::string& path) {
  const Program p = load_program(path);
  const auto& e = p.hw.engine;
  return json{{"file", path},
              {"kind", "program"},
              {"format_version", kProgramVersion},
              {"cell", cell_name(p.cell)},
              {"layers", p.num_layers},
              {"input_size", p.input_size},
              {"hidden_size", p.hidden_size},
              {"proj_size", p.proj_size},
              {"output_size", p.output_size},
              {"words", p.words.size()},
              {"pe_groups", std::to_string(e.K) + "x" + std::to_string(e.L)},
              {"pes_per_group", std::to_string(e.P) + "x" + std::to_string(e.Q)},
              {"note", p.note}};
}

/// What `path` holds, as JSON (the kind decides the fields).
json info_json(const std::string& path) {
  std::error_code ec;
  const auto st = fs::status(path, ec);
  if (ec || !fs::exists(st)) fail(path, ": no such file or directory");
  if (fs::is_directory(st)) return info_tensor_set(path, true);
  if (is_npy_file(path)) {
    const Tensor t = load_npy(path);
    return json{{"file", path},
                {"kind", "npy"},
                {"shape", t.shape},
                {"dtype", t.source_dtype},
                {"elements", t.numel()}};
  }
  if (is_csb_file(path)) return info_csb(path);
  if (is_program_file(path)) return info_program(path);
  if (is_npz_file(path)) return info_tensor_set(path, false);
  fail(path, ": not a .npy, .npz, .csb or program file, nor a folder of .npy files");
}

}  // namespace

std::optional<InfoCmdOptions> parse_info(const Args& args) {
  po::options_description desc("options");
  desc.add_options()("file", po::value<std::string>()->required(),
                     "a .npy, .npz, folder of .npy files, .csb model or compiled program")(
      "json", po::bool_switch(), "print the same information as JSON");
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  if (!parse_args("info", "FILE [--json]", args, desc, pos, vm)) return std::nullopt;
  InfoCmdOptions o;
  o.file = vm["file"].as<std::string>();
  o.json = vm["json"].as<bool>();
  return o;
}

int run_info(const InfoCmdOptions& o) {
  const json j = info_json(o.file);
  if (o.json)
    std::cout << j.dump(2) << "\n";
  else
    print_text(std::cout, j);
  return 0;
}

}  // namespace csbrnn::cli
