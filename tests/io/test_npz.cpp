// .npz reading/writing against numpy.savez / savez_compressed archives, and corrupt archives.
#include <zip.h>

#include <filesystem>
#include <random>

#include "io_test_util.h"

using namespace csbrnn;
using namespace csbrnn::test;

namespace {

// Compression method of every member, read back with libzip directly.
std::map<std::string, int> member_methods(const std::string& path) {
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_RDONLY, &err);
  REQUIRE(z != nullptr);
  std::map<std::string, int> out;
  for (zip_int64_t i = 0; i < zip_get_num_entries(z, 0); ++i) {
    zip_stat_t st;
    REQUIRE(zip_stat_index(z, zip_uint64_t(i), 0, &st) == 0);
    out[st.name] = st.comp_method;
  }
  zip_discard(z);
  return out;
}

std::map<std::string, Tensor> sample_arrays() {
  std::map<std::string, Tensor> m;
  Tensor a;
  a.shape = {3, 4};
  for (int i = 0; i < 12; ++i) a.data.push_back(float(i) * 0.5f - 2.0f);
  m["weight_ih_l0"] = a;
  Tensor s;
  s.data = {42.0f};
  m["scalar"] = s;
  Tensor e;
  e.shape = {0};
  m["empty"] = e;
  Tensor n;
  n.shape = {2, 1, 2};
  n.data = {1, 2, 3, 4};
  m["nested/dir/x"] = n;
  Tensor big;  // compressible: 10000 zeros
  big.shape = {100, 100};
  big.data.assign(10000, 0.0f);
  m["zeros"] = big;
  return m;
}

}  // namespace

TEST_CASE("npz: numpy.savez, savez_compressed and hand-built archives match the sidecar") {
  const auto& archives = expected()["archives"];
  REQUIRE(archives.size() == 3);
  for (const auto& [name, members] : archives.items()) {
    const auto arrays = load_npz(fixture(name));
    REQUIRE(arrays.size() == members.size());
    for (const auto& [key, e] : members.items()) {
      REQUIRE(arrays.count(key) == 1);
      check_against(arrays.at(key), e, name + ":" + key);
    }
  }
  // The fixtures really are stored / deflated.
  for (const auto& [n, m] : member_methods(fixture("savez.npz"))) CHECK(m == ZIP_CM_STORE);
  for (const auto& [n, m] : member_methods(fixture("savez_compressed.npz")))
    CHECK(m == ZIP_CM_DEFLATE);
}

TEST_CASE("npz: save then load round trips, stored and deflated") {
  TempDir dir("npz");
  const auto arrays = sample_arrays();
  for (bool compress : {false, true}) {
    const std::string path = dir.file(compress ? "c.npz" : "s.npz");
    save_npz(path, arrays, compress);
    const auto methods = member_methods(path);
    REQUIRE(methods.size() == arrays.size());
    for (const auto& [n, m] : methods) {
      CHECK(n.size() > 4);
      CHECK(n.substr(n.size() - 4) == ".npy");
      CHECK(m == (compress ? ZIP_CM_DEFLATE : ZIP_CM_STORE));
    }
    const auto back = load_npz(path);
    REQUIRE(back.size() == arrays.size());
    for (const auto& [k, t] : arrays) {
      INFO(k);
      REQUIRE(back.count(k) == 1);
      CHECK(back.at(k).shape == t.shape);
      CHECK(back.at(k).data == t.data);
    }
    // Deterministic bytes: writing the same arrays again gives the same file.
    const auto first = read_file(path);
    save_npz(path, arrays, compress);
    CHECK(read_file(path) == first);
  }
  CHECK(std::filesystem::file_size(dir.file("c.npz")) <
        std::filesystem::file_size(dir.file("s.npz")));
  // Nothing but the two archives is left behind (atomic write, no temp files).
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path)) {
    (void)e;
    ++files;
  }
  CHECK(files == 2);
}

TEST_CASE("npz: an empty archive round trips") {
  TempDir dir("npz-empty");
  save_npz(dir.file("e.npz"), {}, true);
  CHECK(load_npz(dir.file("e.npz")).empty());
}

TEST_CASE("npz: truncated and corrupt archives are errors naming the file") {
  TempDir dir("npz-bad");
  for (const char* name : {"savez.npz", "savez_compressed.npz"}) {
    const auto good = read_file(fixture(name));
    for (size_t cut :
         {size_t(0), size_t(3), size_t(30), good.size() / 2, good.size() - 30, good.size() - 1}) {
      INFO(name << " cut at " << cut);
      const std::string path = dir.file("cut.npz");
      write_file_atomic(path, good.data(), cut);
      const std::string msg = error_of([&] { load_npz(path); });
      CHECK(msg.find(path) != std::string::npos);
      CHECK(one_line(msg));
    }
  }
  // Garbage with a zip magic.
  const std::string junk = dir.file("junk.npz");
  write_file_atomic(junk, std::string("PK\x03\x04 this is not really a zip archive at all"));
  CHECK(error_of([&] { load_npz(junk); }).find(junk) != std::string::npos);
  // Not a zip at all.
  const std::string txt = dir.file("text.npz");
  write_file_atomic(txt, std::string("hello"));
  CHECK(error_of([&] { load_npz(txt); }).find("bad magic") != std::string::npos);
}

TEST_CASE("npz: a corrupted deflated member is reported with the member name") {
  TempDir dir("npz-crc");
  std::map<std::string, Tensor> one;
  Tensor t;
  t.shape = {64};
  for (int i = 0; i < 64; ++i) t.data.push_back(float(i * i) * 0.37f);
  one["w"] = t;
  const std::string path = dir.file("w.npz");
  save_npz(path, one, true);
  auto bytes = read_file(path);
  // The member's compressed data starts after the 30-byte local header, name and extra field.
  const size_t name_len = bytes[26] | (bytes[27] << 8), extra_len = bytes[28] | (bytes[29] << 8);
  const size_t data_at = 30 + name_len + extra_len;
  bytes[data_at + 20] ^= 0x5a;
  write_file_atomic(path, bytes);
  const std::string msg = error_of([&] { load_npz(path); });
  INFO(msg);
  CHECK(msg.find(path + ":w.npy") != std::string::npos);
}

TEST_CASE("npz: a member that is not a .npy is reported with the member name") {
  TempDir dir("npz-member");
  const std::string path = dir.file("m.npz");
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  REQUIRE(z);
  static const char text[] = "just text";
  zip_source_t* s = zip_source_buffer(z, text, sizeof text - 1, 0);
  REQUIRE(zip_file_add(z, "notes.txt", s, 0) >= 0);
  REQUIRE(zip_close(z) == 0);
  const std::string msg = error_of([&] { load_npz(path); });
  CHECK(msg.find(path + ":notes.txt: not a .npy file") != std::string::npos);
}

TEST_CASE("npz: random truncations and bit flips never crash the reader") {
  TempDir dir("npz-fuzz");
  std::mt19937 rng(777);
  const std::string path = dir.file("f.npz");
  for (const char* name : {"savez.npz", "savez_compressed.npz", "lstmp.npz"}) {
    const auto good = read_file(fixture(name));
    for (int iter = 0; iter < 300; ++iter) {
      std::vector<uint8_t> b = good;
      const int flips = 1 + int(rng() % 3);
      for (int f = 0; f < flips; ++f) b[rng() % b.size()] ^= uint8_t(1u << (rng() % 8));
      if (rng() % 4 == 0) b.resize(rng() % b.size());
      write_file_atomic(path, b);
      try {
        for (const auto& [k, t] : load_npz(path)) REQUIRE(t.data.size() == size_t(t.numel()));
      } catch (const Error& e) {
        REQUIRE(std::string(e.what()).find(path) != std::string::npos);
      }
    }
  }
}
