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
/// Removes the stale temporaries of <path> first (remove_stale_temps).
void write_file_atomic(const std::string& path, const void* data, size_t size);
void write_file_atomic(const std::string& path, const std::string& text);
inline void write_file_atomic(const std::string& path, const std::vector<uint8_t>& bytes) {
  write_file_atomic(path, bytes.data(), bytes.size());
}

/// write_file_atomic for output made piece by piece (a table of a million rows): the pieces go
/// to "<path>.tmp.<pid>" (buffered, every write checked, locked and stale siblings removed as in
/// write_file_atomic) and commit() renames it over <path>.
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

/// Removes what killed writers of <path> left next to it: the entries of its directory named
/// exactly "<name>.tmp.<pid>" or "<name>.tmp.<pid>.old" (<name> = the file name of <path>, <pid>
/// a decimal process id without leading zeros) whose process is gone (kill(pid, 0) fails with
/// ESRCH) and that no writer holds locked. Every writer flock()s its temporary while it writes
/// it: process ids are the local host's, so on a shared file system another host's live writer
/// is recognised by its lock (where flock works across hosts; where it fails, the temporary is
/// kept). A live process's temporary (another run writing the same output now), this process's
/// own and any other name are left alone. Each directory is listed once per process, at its
/// first write (a sweep writes thousands of files into one): temporaries that appear later (a
/// writer killed while this process runs) are left for the next run. Removal errors are ignored.
void remove_stale_temps(const std::string& path);

/// Opens a temporary file or folder and takes a non-blocking exclusive flock on it (best
/// effort); returns the fd to close when done (-1 when it cannot be opened).
int lock_temp(const std::string& tmp);
/// True when a temporary cannot be locked (a writer holds it) or cannot be opened.
bool locked_by_writer(const std::string& tmp);

/// True unless process `pid` (> 0) is known gone (kill(pid, 0) fails with ESRCH): a process of
/// another user or a zombie counts as alive.
bool process_alive(long pid);

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
/// removed and <dir> is untouched. A SIGKILL can leave only the "<dir>.tmp.<pid>" sibling (or
/// "<dir>.tmp.<pid>.old" while swapping), which the next StagedDir of <dir> removes
/// (remove_stale_temps).
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
  int lock_fd_ = -1;
  bool done_ = false;
};

/// CRC-32 (zlib polynomial) of a byte range.
uint32_t crc32_of(const void* data, size_t size, uint32_t seed = 0);

}  // namespace csbrnn
