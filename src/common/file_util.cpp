#include "common/file_util.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>

#include "common/error.h"

namespace csbrnn {

std::vector<uint8_t> read_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) fail(path, ": is a directory, expected a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, ": cannot open: ", std::strerror(errno));
  in.seekg(0, std::ios::end);
  const std::streamoff n = in.tellg();
  if (n < 0) fail(path, ": cannot determine size");
  in.seekg(0);
  std::vector<uint8_t> buf(static_cast<size_t>(n));
  if (n > 0 && !in.read(reinterpret_cast<char*>(buf.data()), n)) fail(path, ": read error");
  return buf;
}

std::string read_text_file(const std::string& path) {
  auto b = read_file(path);
  return std::string(b.begin(), b.end());
}

std::string read_file_head(const std::string& path, size_t n) {
  std::ifstream in(path, std::ios::binary);
  std::string buf(n, '\0');
  if (!in) return {};
  in.read(buf.data(), static_cast<std::streamsize>(n));
  buf.resize(static_cast<size_t>(in.gcount()));
  return buf;
}

namespace {

/// The pid of a temporary's name "<base>.tmp.<pid>[.old]", with <base> set; 0 when the name does
/// not have that exact form.
pid_t temp_pid(const std::string& name, std::string* base) {
  static const std::string tag = ".tmp.";
  for (size_t at = name.rfind(tag); at != std::string::npos && at > 0;
       at = name.rfind(tag, at - 1)) {
    std::string digits = name.substr(at + tag.size());
    if (digits.size() > 4 && digits.compare(digits.size() - 4, 4, ".old") == 0)
      digits.resize(digits.size() - 4);
    if (digits.empty() || digits.size() > 9 || digits[0] == '0' ||
        digits.find_first_not_of("0123456789") != std::string::npos)
      continue;
    *base = name.substr(0, at);
    return pid_t(std::stol(digits));
  }
  return 0;
}

}  // namespace

int lock_temp(const std::string& tmp) {
  const int fd = ::open(tmp.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) ::flock(fd, LOCK_EX | LOCK_NB);  // best effort: unsupported file systems too
  return fd;
}

bool locked_by_writer(const std::string& tmp) {
  const int fd = ::open(tmp.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return true;  // gone, or not ours to open: leave it
  const bool free = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
  ::close(fd);  // releases the lock
  return !free;
}

bool process_alive(long pid) {
  return pid > 0 && (::kill(pid_t(pid), 0) == 0 || errno != ESRCH);
}

void remove_stale_temps(const std::string& path) {
  namespace fs = std::filesystem;
  // Per directory (absolute, normalised): its temporaries when first listed, by base name.
  static std::mutex mu;
  static std::map<std::string, std::multimap<std::string, std::string>> listed;
  std::string d = path;
  while (d.size() > 1 && d.back() == '/') d.pop_back();
  const fs::path p(d);
  const std::string name = p.filename().string();
  if (name.empty() || name == "." || name == "..") return;
  std::error_code ec;
  const fs::path parent = p.has_parent_path() ? p.parent_path() : fs::path(".");
  const std::string key = fs::absolute(parent, ec).lexically_normal().string();
  if (ec) return;
  std::lock_guard<std::mutex> lock(mu);
  auto it = listed.find(key);
  if (it == listed.end()) {
    it = listed.emplace(key, std::multimap<std::string, std::string>()).first;
    for (fs::directory_iterator e(parent, ec), end; !ec && e != end; e.increment(ec)) {
      std::string base;
      const std::string n = e->path().filename().string();
      if (temp_pid(n, &base) > 0) it->second.emplace(base, n);
    }
  }
  auto [from, to] = it->second.equal_range(name);
  const pid_t self = ::getpid();
  for (auto t = from; t != to;) {
    std::string base;
    const pid_t pid = temp_pid(t->second, &base);
    if (pid != self && !process_alive(pid) && !locked_by_writer((parent / t->second).string())) {
      fs::remove_all(parent / t->second, ec);
      t = it->second.erase(t);
    } else {
      ++t;
    }
  }
}

void write_file_atomic(const std::string& path, const void* data, size_t size) {
  namespace fs = std::filesystem;
  fs::path p(path);
  std::error_code ec;
  if (p.has_parent_path()) fs::create_directories(p.parent_path(), ec);
  remove_stale_temps(path);
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  struct Lock {
    int fd = -1;
    ~Lock() {
      if (fd >= 0) ::close(fd);
    }
  } lock;
  {
    // locked while written (remove_stale_temps leaves a locked temporary alone)
    lock.fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (lock.fd < 0) fail(path, ": cannot write: ", std::strerror(errno));
    ::flock(lock.fd, LOCK_EX | LOCK_NB);  // best effort (a file system without flock too)
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) {
      const int e = errno;
      std::remove(tmp.c_str());
      fail(path, ": cannot write: ", std::strerror(e));
    }
    out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
    out.flush();
    if (!out) {
      out.close();
      std::remove(tmp.c_str());
      fail(path, ": write failed (disk full?)");
    }
  }
  fs::rename(tmp, p, ec);
  if (ec) {
    std::remove(tmp.c_str());
    fail(path, ": cannot rename temporary file into place: ", ec.message());
  }
}

void write_file_atomic(const std::string& path, const std::string& text) {
  write_file_atomic(path, text.data(), text.size());
}

AtomicWriter::AtomicWriter(const std::string& path)
    : path_(path), tmp_(path + ".tmp." + std::to_string(::getpid())) {
  std::error_code ec;
  const std::filesystem::path p(path);
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  remove_stale_temps(path);
  f_ = std::fopen(tmp_.c_str(), "wb");
  if (!f_) fail(path, ": cannot write: ", std::strerror(errno));
  ::flock(::fileno(f_), LOCK_EX | LOCK_NB);  // like write_file_atomic: a live writer's temporary
  std::setvbuf(f_, nullptr, _IOFBF, 1 << 16);
}

AtomicWriter::~AtomicWriter() {
  if (!f_) return;
  std::fclose(f_);
  std::remove(tmp_.c_str());
}

void AtomicWriter::write(const char* data, size_t size) {
  CSBRNN_ASSERT(f_, path_, ": written after commit");
  if (size && std::fwrite(data, 1, size, f_) != size) fail(path_, ": write failed (disk full?)");
  size_ += size;
}

void AtomicWriter::commit() {
  CSBRNN_ASSERT(f_, path_, ": committed twice");
  std::FILE* f = f_;
  f_ = nullptr;
  if (std::fflush(f) != 0 || std::ferror(f)) {
    std::fclose(f);
    std::remove(tmp_.c_str());
    fail(path_, ": write failed (disk full?)");
  }
  if (std::fclose(f) != 0) {
    std::remove(tmp_.c_str());
    fail(path_, ": write failed (disk full?)");
  }
  std::error_code ec;
  std::filesystem::rename(tmp_, path_, ec);
  if (ec) {
    std::remove(tmp_.c_str());
    fail(path_, ": cannot rename temporary file into place: ", ec.message());
  }
}

void check_writable(const std::string& path) {
  namespace fs = std::filesystem;
  fs::path p(path);
  std::error_code ec;
  if (path.empty()) fail("output path is empty");
  if (fs::is_directory(p, ec)) fail(path, ": is a directory, expected a file");
  if (p.has_parent_path()) {
    fs::create_directories(p.parent_path(), ec);
    if (ec) fail(path, ": cannot write: ", ec.message());
  }
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) fail(path, ": cannot write: ", std::strerror(errno));
  }
  std::remove(tmp.c_str());
}

void make_directories(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) fail(dir, ": cannot create directory: ", ec.message());
}

namespace {

std::string staging_name(const std::string& dir) {
  std::string d = dir;
  while (d.size() > 1 && d.back() == '/') d.pop_back();
  return d + ".tmp." + std::to_string(::getpid());
}

}  // namespace

void check_dir_writable(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (dir.empty()) fail("output directory is empty");
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
    fail(dir, ": exists and is not a directory");
  const std::string tmp = staging_name(dir);
  const fs::path parent = fs::path(tmp).parent_path();
  if (!parent.empty()) {
    fs::create_directories(parent, ec);
    if (ec) fail(dir, ": cannot create directory: ", ec.message());
  }
  if (::mkdir(tmp.c_str(), 0777) != 0 && errno != EEXIST)
    fail(dir, ": cannot create directory: ", std::strerror(errno));
  fs::remove_all(tmp, ec);
}

StagedDir::StagedDir(const std::string& dir) : dir_(dir), tmp_(staging_name(dir)) {
  check_dir_writable(dir);
  std::error_code ec;
  std::filesystem::remove_all(tmp_, ec);  // a leftover of an earlier process with this pid
  remove_stale_temps(dir);                // and those of earlier processes that were killed
  if (::mkdir(tmp_.c_str(), 0777) != 0)
    fail(dir, ": cannot create directory: ", std::strerror(errno));
  lock_fd_ = lock_temp(tmp_);  // held until the folder is in place or removed
}

StagedDir::~StagedDir() {
  if (lock_fd_ >= 0) ::close(lock_fd_);
  if (done_) return;
  std::error_code ec;
  std::filesystem::remove_all(tmp_, ec);
}

void StagedDir::write(const std::string& name, const std::string& text) {
  const std::string final_path = dir_ + "/" + name;
  try {
    write_file_atomic(tmp_ + "/" + name, text);
  } catch (const Error& e) {
    std::string m = e.what();
    const std::string inner = tmp_ + "/" + name;
    if (m.compare(0, inner.size(), inner) == 0) m = final_path + m.substr(inner.size());
    throw Error(m);
  }
}

void StagedDir::commit() {
  namespace fs = std::filesystem;
  CSBRNN_ASSERT(!done_, "StagedDir committed twice");
  std::error_code ec;
  if (!fs::exists(dir_, ec)) {
    if (::rename(tmp_.c_str(), dir_.c_str()) != 0)
      fail(dir_, ": cannot move the report into place: ", std::strerror(errno));
    done_ = true;
    return;
  }
  if (!fs::is_directory(dir_, ec)) fail(dir_, ": exists and is not a directory");
  if (::renameat2(AT_FDCWD, tmp_.c_str(), AT_FDCWD, dir_.c_str(), RENAME_EXCHANGE) != 0) {
    // a file system without RENAME_EXCHANGE: the old folder aside, then the new one in place
    const std::string old = tmp_ + ".old";
    if (::rename(dir_.c_str(), old.c_str()) != 0)
      fail(dir_, ": cannot replace the previous folder: ", std::strerror(errno));
    if (::rename(tmp_.c_str(), dir_.c_str()) != 0) {
      const int err = errno;
      ::rename(old.c_str(), dir_.c_str());
      fail(dir_, ": cannot move the report into place: ", std::strerror(err));
    }
    fs::rename(old, tmp_, ec);
  }
  done_ = true;
  // tmp_ now holds the previous folder: keep what the new one does not replace, drop the rest
  std::vector<fs::path> previous;
  for (const auto& e : fs::directory_iterator(tmp_, ec)) previous.push_back(e.path());
  for (const auto& from : previous) {
    const fs::path to = fs::path(dir_) / from.filename();
    std::error_code ec2;
    if (!fs::exists(fs::symlink_status(to, ec2))) fs::rename(from, to, ec2);
  }
  fs::remove_all(tmp_, ec);
}

uint32_t crc32_of(const void* data, size_t size, uint32_t seed) {
  uLong c = seed;
  const auto* p = static_cast<const Bytef*>(data);
  while (size > 0) {
    const uInt chunk = size > (1u << 30) ? (1u << 30) : static_cast<uInt>(size);
    c = ::crc32(c, p, chunk);
    p += chunk;
    size -= chunk;
  }
  return static_cast<uint32_t>(c);
}

}  // namespace csbrnn
