// .npy reading/writing against numpy-written fixtures and hand-built headers.
#include <cstring>
#include <limits>
#include <random>

#include "io_test_util.h"

using namespace csbrnn;
using namespace csbrnn::test;

namespace {

// Builds a version-1.0 .npy from a header dict text and raw data bytes (no padding rules).
std::vector<uint8_t> make_npy(const std::string& dict, const std::vector<uint8_t>& data,
                              int major = 1) {
  std::vector<uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', uint8_t(major), 0};
  const size_t n = dict.size();
  out.push_back(uint8_t(n & 0xff));
  out.push_back(uint8_t((n >> 8) & 0xff));
  if (major >= 2) {
    out.push_back(uint8_t((n >> 16) & 0xff));
    out.push_back(uint8_t((n >> 24) & 0xff));
  }
  out.insert(out.end(), dict.begin(), dict.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

std::vector<uint8_t> f32_bytes(const std::vector<float>& v) {
  std::vector<uint8_t> b(v.size() * 4);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

Tensor parse(const std::vector<uint8_t>& b, const std::string& origin = "t.npy") {
  return parse_npy(b.data(), b.size(), origin);
}

std::string parse_error(const std::vector<uint8_t>& b) {
  return error_of([&] { parse(b, "hand.npy"); });
}

}  // namespace

TEST_CASE("npy: every numpy-written fixture array matches the sidecar") {
  const auto& arrays = expected()["arrays"];
  REQUIRE(arrays.size() >= 15);
  for (const auto& [name, e] : arrays.items()) {
    const Tensor t = load_npy(fixture(name));
    if (e.contains("values")) {
      INFO(name);
      REQUIRE(t.shape == e["shape"].get<std::vector<int64_t>>());
      const auto vals = e["values"].get<std::vector<std::string>>();
      REQUIRE(t.data.size() == vals.size());
      for (size_t i = 0; i < vals.size(); ++i) {
        INFO("element " << i << " numpy says " << vals[i]);
        const float got = t.data[i];
        if (vals[i] == "nan") {
          CHECK(std::isnan(got));
        } else if (vals[i] == "inf" || vals[i] == "-inf") {
          CHECK(std::isinf(got));
          CHECK(std::signbit(got) == (vals[i][0] == '-'));
        } else {
          const double want = std::stod(vals[i]);
          CHECK(got == want);                              // half -> float is exact
          CHECK(std::signbit(got) == std::signbit(want));  // -0.0 stays negative
        }
      }
    } else {
      check_against(t, e, name);
    }
  }
}

TEST_CASE("npy: Fortran order is transposed into C order (hand-worked)") {
  // A 2x3 array [[0,1,2],[3,4,5]] in Fortran order is stored column by column: 0 3 1 4 2 5.
  const auto b = make_npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }",
                          f32_bytes({0, 3, 1, 4, 2, 5}));
  const Tensor t = parse(b);
  CHECK(t.shape == std::vector<int64_t>{2, 3});
  CHECK(t.data == std::vector<float>{0, 1, 2, 3, 4, 5});
  // 2x2x2 Fortran: element (i,j,k) at file offset i + 2j + 4k; value = C offset 4i + 2j + k.
  std::vector<float> f(8);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j)
      for (int k = 0; k < 2; ++k) f[size_t(i + 2 * j + 4 * k)] = float(4 * i + 2 * j + k);
  const Tensor t3 =
      parse(make_npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2, 2)}", f32_bytes(f)));
  CHECK(t3.data == std::vector<float>{0, 1, 2, 3, 4, 5, 6, 7});
}

TEST_CASE("npy: an empty Fortran-order array with huge other dimensions (issue 14)") {
  // The C-stride product 2^32 * 2^32 overflowed int64 before the empty array was recognised
  // (UBSan: signed overflow). The array has no elements, so it is valid and empty.
  const Tensor t = parse(make_npy(
      "{'descr': '<f4', 'fortran_order': True, 'shape': (4294967296, 4294967296, 0), }", {}));
  CHECK(t.shape == std::vector<int64_t>{4294967296LL, 4294967296LL, 0});
  CHECK(t.data.empty());
  const Tensor u = parse(make_npy(
      "{'descr': '<f4', 'fortran_order': True, 'shape': (0, 4294967296, 4294967296), }", {}));
  CHECK(u.data.empty());
}

TEST_CASE("npy: an empty array with huge dimensions before its zero encodes again (fuzz)") {
  // fuzz_npy (CI, 2026-12-01): parse accepted this empty C-order array, then encode_npy's
  // running element count 2*5*6630*5*6 * 66000000000001 overflowed int64 before the 0 (UBSan;
  // the sanitizer suite of .ci/run is what catches it: unsanitized, the product ends at 0).
  const std::string shape = "(2, 5, 6630, 5, 6, 66000000000001, 5, 0, 0)";
  const Tensor t =
      parse(make_npy("{'descr': '<f2', 'fortran_order': False, 'shape': " + shape + "}", {}));
  CHECK(t.data.empty());
  CHECK(t.numel() == 0);
  const auto again = encode_npy(t);
  const Tensor u = parse_npy(again.data(), again.size(), "again.npy");
  CHECK(u.shape == t.shape);
  CHECK(u.data.empty());
}

TEST_CASE("npy: header parser tolerates spacing, quotes, trailing commas and key order") {
  const auto data = f32_bytes({1, 2, 3, 4, 5, 6});
  const char* headers[] = {
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
      "{'descr':'<f4','fortran_order':False,'shape':(2,3)}",
      "  { \"shape\" : ( 2 , 3 , ) , \"descr\" : \"<f4\" , \"fortran_order\" : False }   \n",
      "{'fortran_order': False, 'shape': [2, 3], 'descr': '<f4',}\n",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }",
  };
  for (const char* h : headers) {
    INFO(h);
    const Tensor t = parse(make_npy(h, data));
    CHECK(t.shape == std::vector<int64_t>{2, 3});
    CHECK(t.data == std::vector<float>{1, 2, 3, 4, 5, 6});
  }
  const Tensor s =
      parse(make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", f32_bytes({2.5f})));
  CHECK(s.shape.empty());
  CHECK(s.numel() == 1);
  CHECK(s.data == std::vector<float>{2.5f});
  const Tensor v2 =
      parse(make_npy("{'descr': '|u1', 'fortran_order': False, 'shape': (3,)}", {7, 0, 255}, 2));
  CHECK(v2.data == std::vector<float>{7, 0, 255});
}

TEST_CASE("npy: encode_npy writes exactly the bytes numpy writes") {
  for (const char* name : {"f4_2d.npy", "f4_3d.npy", "scalar_0d.npy", "empty_0x3.npy"}) {
    INFO(name);
    const auto file = read_file(fixture(name));
    const Tensor t = load_npy(fixture(name));
    CHECK(encode_npy(t) == file);
  }
}

TEST_CASE("npy: save/load round trips for <f4 and <i2") {
  TempDir dir("npy");
  Tensor t;
  t.shape = {2, 3};
  t.data = {1.5f, -2.25f, 0.0f, 1e-30f, -3.4e38f, 7.0f};
  save_npy(dir.file("a.npy"), t);
  const Tensor back = load_npy(dir.file("a.npy"));
  CHECK(back.shape == t.shape);
  CHECK(back.data == t.data);
  CHECK(back.source_dtype == "<f4");

  Tensor q;
  q.shape = {7};
  q.data = {1.5f, -1.5f, 2.4f, -2.6f, 32767.0f, -32768.0f, 0.49f};
  save_npy(dir.file("q.npy"), q, "<i2");
  const Tensor qb = load_npy(dir.file("q.npy"));
  CHECK(qb.source_dtype == "<i2");
  // Round half away from zero.
  CHECK(qb.data == std::vector<float>{2, -2, 2, -3, 32767, -32768, 0});

  Tensor big;
  big.shape = {1};
  big.data = {40000.0f};
  const std::string msg = error_of([&] { save_npy(dir.file("big.npy"), big, "<i2"); });
  CHECK(msg.find("big.npy") != std::string::npos);
  CHECK(msg.find("int16") != std::string::npos);
  CHECK(error_of([&] { encode_npy(t, "<f8"); }).find("<f8") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.file("big.npy")));
}

TEST_CASE("npy: numpy files with unsupported dtypes are refused by name") {
  for (const auto& [name, why] : expected()["rejects"].items()) {
    if (name.size() < 4 || name.substr(name.size() - 4) != ".npy") continue;
    const std::string msg = error_of([&] { load_npy(fixture(name)); });
    INFO(msg);
    CHECK(msg.find(name) != std::string::npos);
    CHECK(msg.find(why.get<std::string>()) != std::string::npos);
    CHECK(one_line(msg));
  }
}

TEST_CASE("npy: every truncation of a valid file is an error naming the file") {
  const auto file = read_file(fixture("f4_2d.npy"));
  for (size_t cut = 0; cut < file.size(); ++cut) {
    INFO("cut at " << cut);
    const std::string msg = error_of([&] { parse_npy(file.data(), cut, "cut.npy"); });
    CHECK(msg.rfind("cut.npy: ", 0) == 0);
    CHECK(msg.find("truncated") != std::string::npos);
    CHECK(one_line(msg));
  }
}

TEST_CASE("npy: malformed headers are rejected with a clear message") {
  const auto six = f32_bytes({1, 2, 3, 4, 5, 6});
  auto npy = [&](const std::string& dict) { return make_npy(dict, six); };
  struct Case {
    std::vector<uint8_t> bytes;
    const char* expect;
  };
  std::vector<uint8_t> bad_magic = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (6,)}");
  bad_magic[1] = 'X';
  std::vector<uint8_t> long_header = bad_magic;
  long_header[1] = 'N';
  long_header[8] = 0xff;
  long_header[9] = 0xff;  // header length 65535 > file
  std::vector<uint8_t> version4 = long_header;
  version4[8] = 0x38;
  version4[9] = 0;
  version4[6] = 4;
  const Case cases[] = {
      {bad_magic, "bad magic"},
      {long_header, "truncated"},
      {version4, "version 4"},
      {npy("{'descr': '<f4', 'fortran_order': False, 'shape': (7,)}"), "truncated .npy data"},
      {npy("{'descr': '<f4', 'fortran_order': False, 'shape': (5,)}"), "trailing bytes"},
      {npy("{'descr': '<f4', 'fortran_order': False, 'shape': (131072, 131072, 4)}"),
       "absurdly large"},
      {npy("{'descr': '<f4', 'fortran_order': False, 'shape': (9223372036854775807, 4)}"),
       "absurdly large"},
      {npy("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}"),
       "absurdly large"},
      {npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-6,)}"), "negative"},
      {npy("{'descr': '<f4', 'fortran_order': False}"), "missing 'shape'"},
      {npy("{'descr': '<f4', 'shape': (6,)}"), "missing 'fortran_order'"},
      {npy("{'descr': '<f4', 'fortran_order': 0, 'shape': (6,)}"), "fortran_order"},
      {npy("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), 'x': 1}"), "unexpected"},
      {npy("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (6,)}"), "duplicate"},
      {npy("{'descr': '<f4', 'fortran_order': False, 'shape': (6,)"), "expected"},
      {npy("{'descr': '<f4', 'fortran_order': False, 'shape': (6,)} junk"), "after the header"},
      {npy("{'descr': '<f4, 'fortran_order': False, 'shape': (6,)}"), "malformed"},
      {npy("{'descr': '>f4', 'fortran_order': False, 'shape': (6,)}"), "big-endian"},
      {npy("{'descr': '<c8', 'fortran_order': False, 'shape': (3,)}"), "unsupported dtype '<c8'"},
      {npy("{'descr': '<U1', 'fortran_order': False, 'shape': (6,)}"), "unsupported dtype"},
      {npy("{'descr': 'O', 'fortran_order': False, 'shape': (6,)}"), "unsupported dtype"},
      {npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (6,)}"), "structured"},
  };
  for (const auto& c : cases) {
    const std::string msg = parse_error(c.bytes);
    INFO(msg);
    CHECK(msg.rfind("hand.npy: ", 0) == 0);
    CHECK(msg.find(c.expect) != std::string::npos);
    CHECK(one_line(msg));
  }
}

TEST_CASE("npy: a missing file is an error naming it") {
  const std::string msg = error_of([] { load_npy("/nonexistent/dir/w.npy"); });
  CHECK(msg.find("/nonexistent/dir/w.npy") != std::string::npos);
}

TEST_CASE("npy: random truncations and bit flips never crash the parser") {
  std::mt19937 rng(12345);
  for (const char* name : {"f4_2d.npy", "fortran_3d.npy", "f2_special.npy", "f4_v3.npy"}) {
    const auto good = read_file(fixture(name));
    for (int iter = 0; iter < 1500; ++iter) {
      std::vector<uint8_t> b = good;
      const int flips = 1 + int(rng() % 4);
      for (int f = 0; f < flips; ++f) b[rng() % b.size()] ^= uint8_t(1u << (rng() % 8));
      if (rng() % 3 == 0) b.resize(rng() % b.size());
      try {
        const Tensor t = parse_npy(b.data(), b.size(), "fuzz.npy");
        REQUIRE(t.data.size() == size_t(t.numel()));
      } catch (const Error& e) {
        REQUIRE(std::string(e.what()).rfind("fuzz.npy: ", 0) == 0);
      }
    }
  }
}
