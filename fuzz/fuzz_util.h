// Shared by the libFuzzer harnesses (fuzz/README.md): the expected-error guard and the helpers
// that let a mutated input past a checksum.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <unistd.h>
#include <zlib.h>

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

inline uint32_t get_u32le(const uint8_t* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}
inline uint16_t get_u16le(const uint8_t* p) {
  return uint16_t(p[0] | p[1] << 8);
}

/// A zip archive (.npz) with every member's CRC-32 recomputed, so that mutations of a member's
/// bytes get past libzip's CRC check into the .npy parser: for each central-directory entry
/// whose local header is found, the CRC of its data (stored: the bytes; deflated: what raw
/// inflate yields, at most 16 MB) is written into both headers, and the local header's sizes
/// and method are made the central directory's (ZIP_CHECKCONS compares them). Entries that
/// cannot be followed (zip64 sizes, offsets out of range) are left as they are.
inline std::vector<uint8_t> fix_zip_crcs(const uint8_t* data, size_t size) {
  std::vector<uint8_t> b(data, data + size);
  for (size_t c = 0; c + 46 <= b.size(); ++c) {
    if (get_u32le(&b[c]) != 0x02014b50) continue;  // central directory header
    const uint16_t method = get_u16le(&b[c + 10]);
    const uint32_t csize = get_u32le(&b[c + 20]), usize = get_u32le(&b[c + 24]);
    const uint32_t off = get_u32le(&b[c + 42]);
    if (csize == 0xFFFFFFFFu || usize == 0xFFFFFFFFu || off == 0xFFFFFFFFu) continue;
    if (size_t(off) + 30 > b.size() || get_u32le(&b[off]) != 0x04034b50) continue;
    const size_t start = size_t(off) + 30 + get_u16le(&b[off + 26]) + get_u16le(&b[off + 28]);
    if (start > b.size() || csize > b.size() - start) continue;
    uLong crc = ::crc32(0L, Z_NULL, 0);
    if (method == 0) {
      crc = ::crc32(crc, &b[start], uInt(csize));
    } else if (method == 8) {
      z_stream z{};
      if (inflateInit2(&z, -15) != Z_OK) continue;
      std::vector<uint8_t> out(std::min<size_t>(usize, size_t(16) << 20));
      z.next_in = &b[start];
      z.avail_in = uInt(csize);
      z.next_out = out.data();
      z.avail_out = uInt(out.size());
      ::inflate(&z, Z_FINISH);
      crc = ::crc32(crc, out.data(), uInt(z.total_out));
      inflateEnd(&z);
    } else {
      continue;
    }
    put_u32le(&b[c + 16], uint32_t(crc));
    std::memcpy(&b[off + 8], &b[c + 10], 2);  // method
    put_u32le(&b[off + 14], uint32_t(crc));   // crc, then the sizes
    std::memcpy(&b[off + 18], &b[c + 20], 8);
  }
  return b;
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
