// Helpers shared by the io tests: fixture paths, the numpy-computed sidecar, tensor checks.
#pragma once
#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "common/error.h"
#include "common/file_util.h"
#include "io/npy.h"
#include "support/test_util.h"

namespace csbrnn::test {

inline std::string fixture(const std::string& name) {
  return source_path("tests/fixtures/io/" + name);
}

inline const nlohmann::json& expected() {
  static const nlohmann::json j =
      nlohmann::json::parse(read_text_file(fixture("io_expected.json")));
  return j;
}

inline double sum_of(const std::vector<float>& v) {
  double s = 0;
  for (float x : v) s += double(x);
  return s;
}

/// Compares a tensor with one sidecar entry (shape, sum, first/last, CRC-32 of float32 bytes).
inline void check_against(const Tensor& t, const nlohmann::json& e, const std::string& what) {
  INFO(what);
  REQUIRE(t.shape == e["shape"].get<std::vector<int64_t>>());
  REQUIRE(t.data.size() == size_t(t.numel()));
  if (e.contains("dtype")) CHECK(t.source_dtype == e["dtype"].get<std::string>());
  CHECK(crc32_of(t.data.data(), t.data.size() * sizeof(float)) == e["crc32"].get<uint32_t>());
  CHECK(sum_of(t.data) == Approx(e["sum"].get<double>()).epsilon(1e-12).margin(1e-12));
  if (e.contains("first")) {
    CHECK(t.data.front() == e["first"].get<double>());
    CHECK(t.data.back() == e["last"].get<double>());
  }
}

/// Runs `f` and returns the csbrnn::Error message it throws; fails the test if it does not.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  FAIL("expected csbrnn::Error, nothing was thrown");
  return {};
}

inline bool one_line(const std::string& s) {
  return s.find('\n') == std::string::npos;
}

}  // namespace csbrnn::test
