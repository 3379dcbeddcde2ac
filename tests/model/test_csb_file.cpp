// The .csb container: byte layout against docs/csb-format.md, round trips, every corruption class.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>

#include "common/error.h"
#include "common/file_util.h"
#include "model/csb_file.h"
#include "support/test_util.h"

using namespace csbrnn;
using Bytes = std::vector<uint8_t>;

namespace {

bool same_floats(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

bool same_matrix(const CsbMatrix& a, const CsbMatrix& b) {
  if (a.rows != b.rows || a.cols != b.cols || a.bh != b.bh || a.bw != b.bw ||
      a.blocks.size() != b.blocks.size())
    return false;
  for (size_t i = 0; i < a.blocks.size(); ++i)
    if (a.blocks[i].rows != b.blocks[i].rows || a.blocks[i].cols != b.blocks[i].cols ||
        !same_floats(a.blocks[i].values, b.blocks[i].values))
      return false;
  return true;
}

bool same_model(const CsbModel& a, const CsbModel& b) {
  if (a.cell != b.cell || a.input_size != b.input_size || a.hidden_size != b.hidden_size ||
      a.proj_size != b.proj_size || a.has_bias != b.has_bias || a.note != b.note ||
      a.output_perm != b.output_perm || a.layers.size() != b.layers.size())
    return false;
  for (size_t k = 0; k < a.layers.size(); ++k) {
    const auto &x = a.layers[k], &y = b.layers[k];
    if (!same_matrix(x.w_ih, y.w_ih) || !same_matrix(x.w_hh, y.w_hh) ||
        !same_matrix(x.w_hr, y.w_hr) || !same_floats(x.b_ih, y.b_ih) ||
        !same_floats(x.b_hh, y.b_hh))
      return false;
  }
  return true;
}

// Small 2-layer LSTM with projection and biases, sparse weights in 3x2 blocks (edge blocks too).
CsbModel small_lstmp() {
  std::mt19937 g(2024);
  std::uniform_real_distribution<float> u(-1, 1);
  RnnModel m;
  m.cell = CellType::LSTM;
  m.input_size = 3;
  m.hidden_size = 2;
  m.proj_size = 1;
  for (int k = 0; k < 2; ++k) {
    LayerWeights L;
    L.w_ih = Matrix(8, m.layer_input_size(k));
    L.w_hh = Matrix(8, 1);
    L.w_hr = Matrix(1, 2);
    for (Matrix* w : {&L.w_ih, &L.w_hh, &L.w_hr})
      for (auto& v : w->data) v = (g() % 3 == 0) ? 0.0f : u(g);
    for (int i = 0; i < 8; ++i) {
      L.b_ih.push_back(u(g));
      L.b_hh.push_back(u(g));
    }
    m.layers.push_back(L);
  }
  CsbModel c = dense_model_to_csb(m, 3, 2);
  c.note = "test";
  return c;
}

void put_u32(Bytes& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = uint8_t(v >> (8 * i));
}
void put_u16(Bytes& b, size_t at, uint16_t v) {
  b[at] = uint8_t(v);
  b[at + 1] = uint8_t(v >> 8);
}

// Rewrites the length field and the CRC so that only the structural checks can object.
void reseal(Bytes& b) {
  for (int i = 0; i < 8; ++i) b[12 + i] = uint8_t(uint64_t(b.size()) >> (8 * i));
  put_u32(b, b.size() - 4, crc32_of(b.data(), b.size() - 4));
}

std::string decode_error(const Bytes& b, size_t n) {
  try {
    decode_csb_model(b.data(), n, "m.csb");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}
std::string decode_error(const Bytes& b) {
  return decode_error(b, b.size());
}

// Decodes a (resealed) mutant: any outcome but csbrnn::Error or success fails the test; a mutant
// that decodes must re-encode to exactly the same bytes (the encoding is canonical).
void decode_mutant(const Bytes& b) {
  CsbModel m;
  try {
    m = decode_csb_model(b.data(), b.size(), "m.csb");
  } catch (const Error&) {
    return;
  }
  REQUIRE(encode_csb_model(m) == b);
}

}  // namespace

TEST_CASE("container bytes follow the documented layout exactly") {
  // GRU, 1 layer, input 1, hidden 1, no bias, note "ab", blocks 2x1:
  // w_ih = [1; 0; -2] -> blocks (0,0): 1x1 {0}{0} 1.0 ; (1,0): 1x1 {0}{0} -2.0
  // w_hh = [0; 0; 0.5] -> blocks (0,0): empty ; (1,0): 1x1 {0}{0} 0.5
  RnnModel d;
  d.cell = CellType::GRU;
  d.input_size = 1;
  d.hidden_size = 1;
  d.has_bias = false;
  LayerWeights L;
  L.w_ih = Matrix(3, 1);
  L.w_ih.data = {1.0f, 0.0f, -2.0f};
  L.w_hh = Matrix(3, 1);
  L.w_hh.data = {0.0f, 0.0f, 0.5f};
  d.layers.push_back(L);
  CsbModel m = dense_model_to_csb(d, 2, 1);
  m.note = "ab";
  // clang-format off
  Bytes want = {
      'C', 'S', 'B', 'R', 'N', 'N', 0, 'M',  // 0  magic
      1, 0, 0, 0,                            // 8  version 1
      114, 0, 0, 0, 0, 0, 0, 0,              // 12 total length
      1, 0, 0, 0,                            // 20 cell gru, no bias, reserved
      1, 0, 0, 0,                            // 24 layers
      1, 0, 0, 0,                            // 28 input
      1, 0, 0, 0,                            // 32 hidden
      0, 0, 0, 0,                            // 36 proj
      2, 0, 0, 0, 'a', 'b',                  // 40 note
      3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 1, 0,    // 46 w_ih: rows, cols, bh, bw
      1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x3F,  // 58 block (0,0): kr kc row col 1.0f
      1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0xC0,     // 70 block (1,0): -2.0f
      3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 1, 0,        // 82 w_hh
      0, 0, 0, 0,                                // 94 block (0,0): empty
      1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0x3F,     // 98 block (1,0): 0.5f
      0, 0, 0, 0};                               // 110 CRC-32 of bytes 0..109
  // clang-format on
  REQUIRE(want.size() == 114);
  put_u32(want, 110, crc32_of(want.data(), 110));
  CHECK(encode_csb_model(m) == want);
  CHECK(same_model(decode_csb_model(want.data(), want.size(), "x"), m));
}

TEST_CASE("encode/decode and save/load round trips are exact") {
  const CsbModel m = small_lstmp();
  const Bytes b = encode_csb_model(m);
  CHECK(same_model(decode_csb_model(b.data(), b.size(), "m"), m));
  test::TempDir dir("csbfile");
  const std::string path = dir.file("sub/model.csb");
  save_csb_model(path, m);
  CHECK(same_model(load_csb_model(path), m));
  CHECK(read_file(path) == b);
  CHECK(is_csb_file(path));
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.file("sub"))) {
    (void)e;
    ++files;
  }
  CHECK(files == 1);  // no temporary left behind
  // GRU without bias, a larger one-layer model with an empty note.
  std::mt19937 g(5);
  RnnModel d;
  d.cell = CellType::GRU;
  d.input_size = 40;
  d.hidden_size = 24;
  d.has_bias = false;
  LayerWeights L;
  L.w_ih = Matrix(72, 40);
  L.w_hh = Matrix(72, 24);
  for (Matrix* w : {&L.w_ih, &L.w_hh})
    for (auto& v : w->data) v = (g() % 5 == 0) ? float(int(g() % 200) - 100) / 8 : 0.0f;
  d.layers.push_back(L);
  const CsbModel c = dense_model_to_csb(d, 16, 16);
  save_csb_model(path, c);
  CHECK(same_model(load_csb_model(path), c));
}

TEST_CASE("is_csb_file looks at the magic only") {
  test::TempDir dir("csbmagic");
  CHECK_FALSE(is_csb_file(dir.file("missing.csb")));
  CHECK_FALSE(is_csb_file(dir.path.string()));
  write_file_atomic(dir.file("short"), std::string("CSBRNN"));
  CHECK_FALSE(is_csb_file(dir.file("short")));
  write_file_atomic(dir.file("npz"), std::string("PK\x03\x04 not a csb file at all"));
  CHECK_FALSE(is_csb_file(dir.file("npz")));
  // Magic followed by garbage: is_csb_file says yes, loading says why not.
  write_file_atomic(dir.file("fake"), std::string("CSBRNN\0Mxxxxxxxx", 16));
  CHECK(is_csb_file(dir.file("fake")));
  CHECK_THROWS_AS(load_csb_model(dir.file("fake")), Error);
  CHECK_THROWS_WITH(load_csb_model(dir.file("missing.csb")),
                    Catch::StartsWith(dir.file("missing.csb") + ": cannot open"));
}

TEST_CASE("bad magic, wrong version, trailing garbage and checksum errors are named") {
  const Bytes good = encode_csb_model(small_lstmp());
  Bytes b = good;
  b[0] = 'X';
  CHECK(decode_error(b) == "m.csb: not a csbrnn CSB model (bad magic)");
  CHECK(decode_error(Bytes{}) == "m.csb: not a csbrnn CSB model (bad magic)");
  CHECK(decode_error(Bytes{'P', 'K', 3, 4}) == "m.csb: not a csbrnn CSB model (bad magic)");
  b = good;
  put_u32(b, 8, 0);
  CHECK(decode_error(b) ==
        "m.csb: unsupported CSB container version 0 (this csbrnn reads versions 1..2)");
  for (uint32_t v : {3u, 7u, 0xFFFFFFFFu}) {  // newer versions are refused as such (issue 14)
    b = good;
    put_u32(b, 8, v);
    CHECK(decode_error(b) == "m.csb: CSB container version " + std::to_string(v) +
                                 " is newer than this csbrnn reads (version 2): written by a "
                                 "newer csbrnn");
  }
  b = good;
  b.push_back(0);
  CHECK(decode_error(b) ==
        "m.csb: 1 bytes of trailing garbage after the CSB container (header says " +
            std::to_string(good.size()) + " bytes)");
  b = good;
  b[good.size() / 2] ^= 0x10;
  CHECK(decode_error(b) == "m.csb: checksum mismatch (file corrupt)");
  b = good;
  b.back() ^= 1;  // the CRC itself
  CHECK(decode_error(b) == "m.csb: checksum mismatch (file corrupt)");
  CHECK(decode_error(good, good.size() - 1) ==
        "m.csb: truncated CSB container (" + std::to_string(good.size() - 1) +
            " bytes, header says " + std::to_string(good.size()) + ")");
  CHECK(decode_error(good, 5) == "m.csb: truncated CSB container (5 bytes)");
}

TEST_CASE("truncation at every byte offset fails cleanly") {
  const Bytes good = encode_csb_model(small_lstmp());
  REQUIRE(good.size() < 2000);
  for (size_t n = 0; n < good.size(); ++n) {
    INFO("prefix of " << n << " bytes");
    const std::string e = decode_error(good, n);
    REQUIRE(!e.empty());
    REQUIRE(e.rfind("m.csb: ", 0) == 0);
  }
  REQUIRE(decode_error(good).empty());
}

TEST_CASE("every single-byte corruption is detected") {
  const Bytes good = encode_csb_model(small_lstmp());
  for (size_t i = 0; i < good.size(); ++i)
    for (int x : {0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xFF}) {
      Bytes b = good;
      b[i] ^= uint8_t(x);
      INFO("byte " << i << " xor " << x);
      REQUIRE(!decode_error(b).empty());
    }
}

TEST_CASE("resealed mutants never crash and decode only if canonical") {
  // With length and CRC rewritten, only the structural checks stand between a mutant and the
  // model: every single-byte change must give an Error or a model that re-encodes identically.
  const Bytes good = encode_csb_model(small_lstmp());
  for (size_t i = 20; i + 4 < good.size(); ++i)
    for (int x : {0x01, 0x10, 0x80, 0xFF}) {
      Bytes b = good;
      b[i] ^= uint8_t(x);
      reseal(b);
      INFO("byte " << i << " xor " << x);
      decode_mutant(b);
    }
  // Random multi-byte mutations, insertions and deletions.
  std::mt19937 g(31337);
  for (int t = 0; t < 3000; ++t) {
    Bytes b = good;
    const int edits = 1 + int(g() % 4);
    for (int e = 0; e < edits; ++e) {
      const size_t at = 20 + g() % (b.size() - 24);
      switch (g() % 3) {
        case 0:
          b[at] = uint8_t(g());
          break;
        case 1:
          b.insert(b.begin() + long(at), uint8_t(g()));
          break;
        default:
          b.erase(b.begin() + long(at));
          break;
      }
    }
    reseal(b);
    INFO("mutation round " << t);
    decode_mutant(b);
  }
}

TEST_CASE("hostile counts fail before allocating") {
  // Hand-built header for a GRU with input 1<<24 and hidden 1<<24: w_ih declares 3*2^24 x 2^24
  // entries in 1x1 blocks (2^50 blocks) but the body holds a few bytes.
  auto header = [](uint32_t layers, uint32_t in, uint32_t hid, uint32_t note_len) {
    Bytes b = {'C', 'S', 'B', 'R', 'N', 'N', 0, 'M', 1, 0, 0, 0};
    b.resize(44, 0);
    b[20] = 1;  // gru
    put_u32(b, 24, layers);
    put_u32(b, 28, in);
    put_u32(b, 32, hid);
    put_u32(b, 40, note_len);
    return b;
  };
  Bytes b = header(1, 1u << 24, 1u << 24, 0);
  const Bytes mat = {0, 0, 0, 3, 0, 0, 0, 1, 1, 0, 1, 0};  // rows 3<<24, cols 1<<24, bh=bw=1
  b.insert(b.end(), mat.begin(), mat.end());
  b.resize(b.size() + 64 + 4, 0);
  reseal(b);
  CHECK_THAT(decode_error(b), Catch::Contains("weight_ih_l0: 844424930131968 blocks cannot fit"));
  // 2^32-1 layers.
  b = header(0xFFFFFFFFu, 1, 1, 0);
  b.resize(b.size() + 40, 0);
  reseal(b);
  CHECK_THAT(decode_error(b), Catch::Contains("4294967295 layers cannot fit"));
  // A note longer than the file.
  b = header(1, 1, 1, 0xFFFFFFF0u);
  b.resize(b.size() + 40, 0);
  reseal(b);
  CHECK_THAT(decode_error(b), Catch::Contains("truncated or corrupt note"));
  // Sizes beyond the reader's limit.
  b = header(1, 1, (1u << 24) + 1, 0);
  b.resize(b.size() + 40, 0);
  reseal(b);
  CHECK_THAT(decode_error(b), Catch::Contains("model sizes out of range"));

  // kr = kc = 65535 in a 65535x65535 block whose body is a few bytes.
  RnnModel d;
  d.cell = CellType::GRU;
  d.input_size = 1;
  d.hidden_size = 1;
  d.has_bias = false;
  LayerWeights L;
  L.w_ih = Matrix(3, 1, 1.0f);
  L.w_hh = Matrix(3, 1, 1.0f);
  d.layers.push_back(L);
  const Bytes big = encode_csb_model(dense_model_to_csb(d, 65535, 65535));
  // Layout: 44 header, w_ih at 44: 12-byte matrix header, block (0,0) kr at 56, kc at 58.
  b = big;
  put_u16(b, 56, 65535);
  put_u16(b, 58, 65535);
  reseal(b);
  CHECK_THAT(decode_error(b),
             Catch::Contains("weight_ih_l0: block (0,0): kernel 65535x65535 needs 17179607040 "
                             "bytes"));
  // kr larger than the block itself.
  const Bytes small = encode_csb_model(dense_model_to_csb(d, 2, 1));
  b = small;
  put_u16(b, 56, 65535);
  reseal(b);
  CHECK_THAT(
      decode_error(b),
      Catch::Contains("weight_ih_l0: block (0,0): kernel 65535x1 larger than the block 2x1"));
}

TEST_CASE("structurally invalid but checksummed containers are rejected with a reason") {
  // GRU 1 layer, input 1, hidden 1, bias, note "" in 2x1 blocks: w_ih = [1;2;3], w_hh = [4;5;6].
  RnnModel d;
  d.cell = CellType::GRU;
  d.input_size = 1;
  d.hidden_size = 1;
  LayerWeights L;
  L.w_ih = Matrix(3, 1);
  L.w_ih.data = {1, 2, 3};
  L.w_hh = Matrix(3, 1);
  L.w_hh.data = {4, 5, 6};
  L.b_ih = {0.1f, 0.2f, 0.3f};
  L.b_hh = {0.4f, 0.5f, 0.6f};
  d.layers.push_back(L);
  const Bytes good = encode_csb_model(dense_model_to_csb(d, 2, 1));
  // Offsets: header 44 (no note). w_ih at 44: header 12; block (0,0) at 56: kr 56, kc 58,
  // rows 60 62, col 64, values 66 70; block (1,0) at 74: kr kc, row 78, col 80, value 82.
  // w_hh at 86 (same shape, 42 bytes) -> 128; b_ih at 128: count + 3 floats; b_hh at 144;
  // CRC at 160.
  REQUIRE(good.size() == 164);
  auto mutate = [&](auto&& f) {
    Bytes b = good;
    f(b);
    reseal(b);
    return decode_error(b);
  };
  CHECK(mutate([](Bytes& b) { b[20] = 2; }) ==
        "m.csb: unknown cell type code 2 (0 = lstm, 1 = gru)");
  CHECK(mutate([](Bytes& b) { b[21] = 2; }) == "m.csb: has_bias flag is 2, expected 0 or 1");
  CHECK(mutate([](Bytes& b) { b[22] = 1; }) == "m.csb: reserved header field is 1, expected 0");
  CHECK(mutate([](Bytes& b) { put_u32(b, 24, 0); }) == "m.csb: model has no layers");
  CHECK(mutate([](Bytes& b) { put_u32(b, 36, 1); }) == "m.csb: proj_size is only valid for LSTM");
  CHECK(mutate([](Bytes& b) {
          b[20] = 0;
          put_u32(b, 36, 1);
        }) == "m.csb: proj_size (1) must be < hidden_size (1)");
  CHECK(mutate([](Bytes& b) { put_u32(b, 44, 4); }) ==
        "m.csb: weight_ih_l0 has shape (4, 1), expected (3, 1)");
  CHECK(mutate([](Bytes& b) { put_u16(b, 52, 0); }) ==
        "m.csb: weight_ih_l0: block size 0x1 (each side must be >= 1)");
  CHECK(mutate([](Bytes& b) { put_u16(b, 62, 0); }) ==
        "m.csb: weight_ih_l0: block (0,0): row indices not strictly ascending (0 then 0)");
  CHECK(mutate([](Bytes& b) { put_u16(b, 62, 2); }) ==
        "m.csb: weight_ih_l0: block (0,0): row index 2 out of range (block has 2 rows)");
  CHECK(mutate([](Bytes& b) { put_u16(b, 78, 1); }) ==  // edge block (1,0) has one row
        "m.csb: weight_ih_l0: block (1,0): row index 1 out of range (block has 1 rows)");
  CHECK(mutate([](Bytes& b) { put_u16(b, 64, 1); }) ==
        "m.csb: weight_ih_l0: block (0,0): column index 1 out of range (block has 1 columns)");
  CHECK(mutate([](Bytes& b) { put_u32(b, 70, 0x7FC00000u); }) ==
        "m.csb: weight_ih_l0: block (0,0): kernel contains NaN or Inf");
  CHECK(mutate([](Bytes& b) { put_u32(b, 82, 0xFF800000u); }) ==
        "m.csb: weight_ih_l0: block (1,0): kernel contains NaN or Inf");
  CHECK(mutate([](Bytes& b) { put_u32(b, 128, 2); }) ==
        "m.csb: bias_ih_l0 has 2 elements, expected 3");
  CHECK(mutate([](Bytes& b) { put_u32(b, 144, 0xFFFFFFFFu); }) ==
        "m.csb: bias_hh_l0 has 4294967295 elements, expected 3");
  CHECK(mutate([](Bytes& b) { put_u32(b, 132, 0x7F800000u); }) ==
        "m.csb: bias_ih_l0 contains NaN or Inf");
  CHECK(mutate([](Bytes& b) {
          b.insert(b.begin() + 160, {0, 0});
        }) == "m.csb: 2 unexpected bytes after the last layer (corrupt container)");
  CHECK(mutate([](Bytes& b) { b.erase(b.begin() + 156, b.begin() + 160); }) ==
        "m.csb: truncated or corrupt vector at byte 148 (needs 12 bytes, 8 left)");
  // Sanity: the unmutated container decodes.
  CHECK(mutate([](Bytes&) {}).empty());
}

TEST_CASE("encoder and saver refuse invalid models and block sizes the format cannot hold") {
  CsbModel m = small_lstmp();
  m.layers[0].b_ih.pop_back();
  CHECK_THROWS_AS(encode_csb_model(m), Error);
  test::TempDir dir("csbbad");
  CHECK_THROWS_AS(save_csb_model(dir.file("bad.csb"), m), Error);
  CHECK_FALSE(std::filesystem::exists(dir.file("bad.csb")));
  m = small_lstmp();
  m.layers[1].w_hh.bh = 70000;
  CHECK_THROWS_WITH(encode_csb_model(m), Catch::Contains("weight_hh_l1: block size 70000x2"));
}

TEST_CASE("output permutation: version 2 round trip, version 1 when identity, malformed refused",
          "[model][permute]") {
  // small_lstmp has state size P = 1: use a GRU-sized state instead (H = 3, no projection).
  RnnModel d;
  d.cell = CellType::GRU;
  d.input_size = 2;
  d.hidden_size = 3;
  LayerWeights L;
  L.w_ih = Matrix(9, 2);
  L.w_hh = Matrix(9, 3);
  for (Matrix* w : {&L.w_ih, &L.w_hh})
    for (size_t i = 0; i < w->data.size(); ++i) w->data[i] = 0.1f * float(i % 7) - 0.3f;
  L.b_ih.assign(9, 0.25f);
  L.b_hh.assign(9, -0.5f);
  d.layers.push_back(L);
  CsbModel c = dense_model_to_csb(d, 2, 2);
  // Identity order: version 1, exactly the layout every earlier csbrnn wrote (no extra field),
  // and it loads back with the identity (empty) permutation.
  const Bytes v1 = encode_csb_model(c);
  CHECK(v1[8] == 1);
  CHECK(decode_csb_model(v1.data(), v1.size(), "m.csb").output_perm.empty());
  // A permutation: version 2, 4 + 3*4 bytes more (u32 n, u32[n]) before the CRC.
  c.output_perm = {2, 0, 1};
  const Bytes v2 = encode_csb_model(c);
  CHECK(v2[8] == 2);
  CHECK(v2.size() == v1.size() + 16);
  const size_t at = v2.size() - 4 - 16;
  CHECK(std::memcmp(v2.data() + 20, v1.data() + 20, at - 20) == 0);  // same body before it
  CHECK(v2[at] == 3);
  CHECK(v2[at + 4] == 2);
  CHECK(v2[at + 8] == 0);
  CHECK(v2[at + 12] == 1);
  CHECK(same_model(decode_csb_model(v2.data(), v2.size(), "m.csb"), c));
  // Malformed permutations: one line naming the file.
  Bytes b = v2;
  put_u32(b, at + 8, 2);  // {2, 2, 1}
  reseal(b);
  CHECK(decode_error(b) == "m.csb: output permutation is not a permutation (2 appears twice)");
  b = v2;
  put_u32(b, at + 4, 3);
  reseal(b);
  CHECK(decode_error(b) == "m.csb: output permutation entry 0 is 3, outside 0..2");
  b = v2;
  put_u32(b, at, 2);
  reseal(b);
  CHECK(decode_error(b) == "m.csb: output permutation has 2 entries, expected 3 (the output size)");
  // A version-2 header on a version-1 body: the permutation is missing (truncated).
  b = v1;
  put_u32(b, 8, 2);
  reseal(b);
  CHECK(decode_error(b).rfind("m.csb: truncated or corrupt output permutation", 0) == 0);
}
