// File helpers: whole-file reads with clear errors, atomic writes, checksums.
#pragma once
#include <cstdint>
#include <cstdio>
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

/// write_file_atomic for output made piece by piece (a table of a million rows): the pieces go
/// to "<path>.tmp.<pid>" (buffered, every write checked) and commit() renames it over <path>.
/// Destroyed uncommitted (an exception), the temporary is removed and <path> is untouched.
class AtomicWriter {
 public:
  explicit AtomicWriter(const std::string& path);  // throws Error("<path>: cannot write: ...")
  ~AtomicWriter();
  AtomicWriter(const AtomicWriter&) = delete;
  AtomicWriter& operator=(const AtomicWriter&) = delete;
  void write(const char* data, size_t size);  // throws Error("<path>: write failed ...")
  void write(const std::string& text) { write(text.data(), text.size()); }
  /// Bytes written so far.
  uint64_t size() const { return size_; }
  void commit();

 private:
  std::string path_, tmp_;
  std::FILE* f_ = nullptr;
  uint64_t size_ = 0;
};

/// Checks up front that <path> can be written by write_file_atomic (creating missing parent
/// directories as it would), so a long run fails before doing its work. Throws
/// Error("<path>: ...") naming the problem.
void check_writable(const std::string& path);

/// Creates <dir> and its parents; throws Error("<dir>: cannot create directory: <reason>").
void make_directories(const std::string& dir);

/// Checks up front that the directory <dir> can be written as a StagedDir (its parents are
/// created; <dir> itself is not): throws Error("<dir>: ...") naming the problem.
void check_dir_writable(const std::string& dir);

/// A folder of outputs that is complete or absent: files go into a temporary sibling
/// "<dir>.tmp.<pid>"; commit() moves it into place in one rename (an existing <dir> is swapped
/// with it atomically, renameat2 RENAME_EXCHANGE, so its files are all old or all new; entries of
/// the old <dir> the new one does not have, e.g. a sweep's input.npy, are then moved across and
/// the rest removed). Destroyed uncommitted (a failed write, an exception), the temporary is
/// removed and <dir> is untouched. A SIGKILL can leave only the "<dir>.tmp.<pid>" sibling.
class StagedDir {
 public:
  explicit StagedDir(const std::string& dir);
  ~StagedDir();
  StagedDir(const StagedDir&) = delete;
  StagedDir& operator=(const StagedDir&) = delete;
  /// Writes <dir>/<name> (into the staging folder, write_file_atomic); a failure throws
  /// Error("<dir>/<name>: ...") and fails the whole folder.
  void write(const std::string& name, const std::string& text);
  /// Moves the folder into place; throws Error("<dir>: ...") when it cannot.
  void commit();

 private:
  std::string dir_, tmp_;
  bool done_ = false;
};

/// CRC-32 (zlib polynomial) of a byte range.
uint32_t crc32_of(const void* data, size_t size, uint32_t seed = 0);

}  // namespace csbrnn
