// Shared by the libFuzzer harnesses (fuzz/README.md): the expected-error guard and the helpers
// that let a mutated input past a checksum.
#pragma once
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <unistd.h>

#include "common/error.h"
#include "common/file_util.h"

namespace csbrnn::fuzz {

/// Runs f: a csbrnn::Error (a one-line user error) is the expected outcome of a bad input; any
/// other exception (InternalError, std::out_of_range, ...) is a defect and aborts the run, so
/// libFuzzer records the input as a crash.
template <class F>
void expect_user_error(F&& f) {
  try {
    f();
  } catch (const Error&) {
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz: unexpected exception: %s\n", e.what());
    std::abort();
  } catch (...) {
    std::fprintf(stderr, "fuzz: unexpected non-standard exception\n");
    std::abort();
  }
}

inline void put_u32le(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = uint8_t(v >> (8 * i));
}
inline void put_u64le(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = uint8_t(v >> (8 * i));
}

/// A per-process scratch file for parsers that read a path (libzip): the bytes written there.
inline std::string scratch_file(const uint8_t* data, size_t size, const char* ext) {
  static const std::string path = "/tmp/csbrnn-fuzz-" + std::to_string(::getpid()) + ext;
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  if (size && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  return path;
}

}  // namespace csbrnn::fuzz
