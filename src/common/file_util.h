// File helpers: whole-file reads with clear errors, atomic writes, checksums.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace csbrnn {

/// Reads a whole file; throws Error("<path>: cannot open: <reason>") on failure.
std::vector<uint8_t> read_file(const std::string& path);
std::string read_text_file(const std::string& path);
/// The first `n` bytes of a file (fewer if it is shorter); empty when it cannot be read.
std::string read_file_head(const std::string& path, size_t n);

/// Writes to "<path>.tmp.<pid>" then renames over <path>, so a reader never sees a partial file
/// and an interrupted run never destroys a finished one. Creates missing parent directories.
void write_file_atomic(const std::string& path, const void* data, size_t size);
void write_file_atomic(const std::string& path, const std::string& text);
inline void write_file_atomic(const std::string& path, const std::vector<uint8_t>& bytes) {
  write_file_atomic(path, bytes.data(), bytes.size());
}

/// Checks up front that <path> can be written by write_file_atomic (creating missing parent
/// directories as it would), so a long run fails before doing its work. Throws
/// Error("<path>: ...") naming the problem.
void check_writable(const std::string& path);

/// Creates <dir> and its parents; throws Error("<dir>: cannot create directory: <reason>").
void make_directories(const std::string& dir);

/// CRC-32 (zlib polynomial) of a byte range.
uint32_t crc32_of(const void* data, size_t size, uint32_t seed = 0);

}  // namespace csbrnn
