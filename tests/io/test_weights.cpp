// PyTorch state_dict loading: fixtures written from real nn.LSTM / nn.GRU modules.
#include <cmath>
#include <filesystem>
#include <limits>

#include "io/weights.h"
#include "io_test_util.h"

using namespace csbrnn;
using namespace csbrnn::test;

namespace {

uint32_t crc_of(const std::vector<float>& v) {
  return crc32_of(v.data(), v.size() * 4);
}

void check_model(const RnnModel& m, const nlohmann::json& e, const std::string& what) {
  INFO(what);
  CHECK(std::string(cell_name(m.cell)) == e["cell"].get<std::string>());
  CHECK(m.num_layers() == e["layers"].get<int>());
  CHECK(m.input_size == e["input"].get<int>());
  CHECK(m.hidden_size == e["hidden"].get<int>());
  CHECK(m.proj_size == e["proj"].get<int>());
  CHECK(m.has_bias == e["bias"].get<bool>());
  const auto& tensors = e["tensors"];
  size_t seen = 0;
  for (int k = 0; k < m.num_layers(); ++k) {
    const auto& L = m.layers[size_t(k)];
    auto mat = [&](const std::string& kind, const Matrix& x) {
      const auto& t = tensors.at(param_name(kind, k));
      CHECK(std::vector<int64_t>{x.rows, x.cols} == t["shape"].get<std::vector<int64_t>>());
      CHECK(crc_of(x.data) == t["crc32"].get<uint32_t>());
      ++seen;
    };
    auto vec = [&](const std::string& kind, const std::vector<float>& x) {
      const auto& t = tensors.at(param_name(kind, k));
      CHECK(std::vector<int64_t>{int64_t(x.size())} == t["shape"].get<std::vector<int64_t>>());
      CHECK(crc_of(x) == t["crc32"].get<uint32_t>());
      ++seen;
    };
    mat("weight_ih", L.w_ih);
    mat("weight_hh", L.w_hh);
    if (m.proj_size > 0) mat("weight_hr", L.w_hr);
    if (m.has_bias) {
      vec("bias_ih", L.b_ih);
      vec("bias_hh", L.b_hh);
    }
  }
  CHECK(seen == tensors.size());
}

std::string load_error(const std::string& path) {
  return error_of([&] { load_weights(path); });
}

// Writes `arrays` as an .npz in `dir` and returns the load error message.
std::string error_for(const TempDir& dir, const std::map<std::string, Tensor>& arrays) {
  const std::string path = dir.file("w.npz");
  save_npz(path, arrays, false);
  const std::string msg = load_error(path);
  CHECK(msg.rfind(path + ": ", 0) == 0);
  CHECK(one_line(msg));
  return msg;
}

}  // namespace

TEST_CASE("weights: every PyTorch fixture loads with the sizes nn.LSTM/nn.GRU were built with") {
  const auto& models = expected()["models"];
  REQUIRE(models.size() == 6);
  for (const auto& [name, e] : models.items()) check_model(load_weights(fixture(name)), e, name);
}

TEST_CASE("weights: forcing the cell type agrees with or contradicts the shapes") {
  const RnnModel m = load_weights(fixture("lstm_2l.npz"), CellType::LSTM);
  CHECK(m.cell == CellType::LSTM);
  const std::string msg = error_of([] { load_weights(fixture("lstm_2l.npz"), CellType::GRU); });
  CHECK(msg.find("lstm_2l.npz") != std::string::npos);
  CHECK(msg.find("a gru with hidden size") != std::string::npos);
  CHECK(error_of([] {
          load_weights(fixture("lstmp.npz"), CellType::GRU);
        }).find("only an LSTM has") != std::string::npos);
  CHECK(load_weights(fixture("gru_2l.npz"), CellType::GRU).cell == CellType::GRU);
}

TEST_CASE("weights: save_weights round trips through .npz and a folder") {
  TempDir dir("weights-rt");
  for (const char* name : {"lstm_2l.npz", "lstmp.npz", "gru_2l.npz", "lstm_nobias.npz"}) {
    INFO(name);
    const RnnModel m = load_weights(fixture(name));
    for (const std::string& out : {dir.file("out.npz"), dir.file("out_dir")}) {
      save_weights(out, m);
      const RnnModel b = load_weights(out);
      CHECK(b.cell == m.cell);
      CHECK(b.input_size == m.input_size);
      CHECK(b.hidden_size == m.hidden_size);
      CHECK(b.proj_size == m.proj_size);
      CHECK(b.has_bias == m.has_bias);
      REQUIRE(b.num_layers() == m.num_layers());
      for (int k = 0; k < m.num_layers(); ++k) {
        CHECK(b.layers[k].w_ih.data == m.layers[k].w_ih.data);
        CHECK(b.layers[k].w_hh.data == m.layers[k].w_hh.data);
        CHECK(b.layers[k].w_hr.data == m.layers[k].w_hr.data);
        CHECK(b.layers[k].b_ih == m.layers[k].b_ih);
        CHECK(b.layers[k].b_hh == m.layers[k].b_hh);
      }
    }
  }
}

TEST_CASE("weights: bidirectional, single .npy and unreadable inputs are refused clearly") {
  const std::string bi = load_error(fixture("bidirectional_gru.npz"));
  CHECK(bi.find("bidirectional_gru.npz") != std::string::npos);
  CHECK(bi.find("_reverse' belongs to a bidirectional RNN") != std::string::npos);
  CHECK(load_error(fixture("f4_2d.npy")).find("single .npy") != std::string::npos);
  CHECK(load_error("/nonexistent/w.npz").find("/nonexistent/w.npz: no such file") !=
        std::string::npos);
  TempDir dir("weights-empty");
  CHECK(load_error(dir.path.string()).find("no .npy files") != std::string::npos);
}

TEST_CASE("weights: missing, extra and inconsistent tensors are named") {
  TempDir dir("weights-bad");
  const auto good = load_npz(fixture("lstm_2l.npz"));

  auto without = [&](const std::string& k) {
    auto m = good;
    REQUIRE(m.erase(k) == 1);
    return m;
  };
  CHECK(error_for(dir, without("weight_hh_l1")).find(": weight_hh_l1 missing") !=
        std::string::npos);
  CHECK(error_for(dir, without("weight_ih_l0")).find(": weight_ih_l0 missing") !=
        std::string::npos);
  CHECK(error_for(dir, without("bias_hh_l1")).find("bias_hh_l1 missing (other tensors have") !=
        std::string::npos);

  auto extra = good;
  extra["foo"] = good.at("bias_ih_l0");
  CHECK(error_for(dir, extra).find("unexpected tensor 'foo'") != std::string::npos);

  auto mixed = good;
  mixed["rnn.weight_ih_l0"] = good.at("weight_ih_l0");
  CHECK(error_for(dir, mixed).find("unexpected tensor 'rnn.weight_ih_l0'") != std::string::npos);

  auto bad_shape = good;  // layer 1 must take the 7-wide output of layer 0
  bad_shape["weight_ih_l1"].shape = {28, 4};
  bad_shape["weight_ih_l1"].data.resize(28 * 4);
  CHECK(error_for(dir, bad_shape).find("weight_ih_l1 has shape (28, 4), expected (28, 7)") !=
        std::string::npos);

  auto bad_rank = good;
  bad_rank["bias_ih_l0"].shape = {4, 7};
  CHECK(error_for(dir, bad_rank).find("bias_ih_l0 must be 1-D, has shape (4, 7)") !=
        std::string::npos);

  auto odd = good;  // 28 x 6 is neither (4H, H) nor (3H, H)
  odd["weight_hh_l0"].shape = {28, 6};
  odd["weight_hh_l0"].data.resize(28 * 6);
  CHECK(error_for(dir, odd).find("cannot infer the cell type") != std::string::npos);

  auto gap = good;  // layer 3 present, layer 2 absent
  gap["weight_ih_l3"] = good.at("weight_ih_l1");
  CHECK(error_for(dir, gap).find("weight_ih_l2 missing") != std::string::npos);
}

TEST_CASE("weights: NaN or Inf weights are rejected naming file and tensor") {
  TempDir dir("weights-nan");
  auto arrays = load_npz(fixture("gru_2l.npz"));
  arrays["weight_hh_l1"].data[5] = std::numeric_limits<float>::quiet_NaN();
  CHECK(error_for(dir, arrays).find("weight_hh_l1 contains NaN or Inf") != std::string::npos);
  arrays = load_npz(fixture("gru_2l.npz"));
  arrays["bias_ih_l0"].data[0] = std::numeric_limits<float>::infinity();
  CHECK(error_for(dir, arrays).find("bias_ih_l0 contains NaN or Inf") != std::string::npos);
}

TEST_CASE("weights: prefixes are stripped and folders may nest them") {
  TempDir dir("weights-prefix");
  const auto sd = load_npz(fixture("lstm_2l.npz"));
  int n = 0;
  for (const char* pre : {"rnn.", "lstm.", "model.rnn.", "enc/"}) {
    const std::string prefix = pre;
    std::map<std::string, Tensor> p;
    for (const auto& [k, t] : sd) p[prefix + k] = t;
    const std::string folder = dir.file("f" + std::to_string(n++));
    for (const auto& [k, t] : p) save_npy(folder + "/" + k + ".npy", t);
    const RnnModel m = load_weights(folder);
    check_model(m, expected()["models"]["lstm_2l.npz"], prefix);
  }
}
