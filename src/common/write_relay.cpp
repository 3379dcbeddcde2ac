#include "common/write_relay.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <thread>

#include "common/error.h"
#include "common/file_util.h"

namespace csbrnn {

namespace fs = std::filesystem;

namespace {

void remove_stale_relay_dirs() {
  static const std::string prefix = "csbrnn-relay-";
  std::error_code ec;
  const fs::path tmp = fs::temp_directory_path(ec);
  if (ec) return;
  for (fs::directory_iterator e(tmp, ec), end; !ec && e != end; e.increment(ec)) {
    const std::string n = e->path().filename().string();
    // exactly "csbrnn-relay-<pid>-XXXXXX" (mkdtemp's six characters)
    if (n.compare(0, prefix.size(), prefix) != 0 || n.size() < prefix.size() + 8) continue;
    const std::string digits = n.substr(prefix.size(), n.size() - prefix.size() - 7);
    if (n[n.size() - 7] != '-' || digits.size() > 9 || digits[0] == '0' ||
        digits.find_first_not_of("0123456789") != std::string::npos)
      continue;
    const long pid = std::stol(digits);
    std::error_code ec2;
    if (pid != long(::getpid()) && !process_alive(pid)) fs::remove_all(e->path(), ec2);
  }
}

}  // namespace

struct WriteRelay::State {
  std::string path, tmp, dir, fifo;
  int fifo_fd = -1, out_fd = -1, stop_rd = -1, stop_wr = -1;
  int error = 0;  // first errno of a failed write (0: none)
  bool finished = false;
  std::thread thread;

  // Copies what is readable now; returns false at EOF or when nothing is left to read.
  bool copy_available() {
    char buf[65536];
    const ssize_t n = ::read(fifo_fd, buf, sizeof buf);
    if (n <= 0) return false;
    for (ssize_t done = 0; done < n && error == 0;) {
      const ssize_t w = ::write(out_fd, buf + done, size_t(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0)
        error = w < 0 ? errno : EIO;
      else
        done += w;
    }
    return true;  // keep draining after an error so the writer never blocks
  }

  void run() {
    pollfd fds[2] = {{fifo_fd, POLLIN, 0}, {stop_rd, POLLIN, 0}};
    for (;;) {
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        if (error == 0) error = errno;
        return;
      }
      if (fds[0].revents & POLLIN) copy_available();
      if (fds[1].revents & POLLIN) {  // the writer has closed: drain what is left, then stop
        while (copy_available()) {
        }
        return;
      }
    }
  }

  void stop() {
    if (!thread.joinable()) return;
    const char c = 1;
    while (::write(stop_wr, &c, 1) < 0 && errno == EINTR) {
    }
    thread.join();
  }

  void close_all() {
    for (int* fd : {&fifo_fd, &out_fd, &stop_rd, &stop_wr})
      if (*fd >= 0) {
        ::close(*fd);
        *fd = -1;
      }
    std::error_code ec;
    if (!fifo.empty()) fs::remove(fifo, ec);
    if (!dir.empty()) fs::remove(dir, ec);
  }
};

WriteRelay::WriteRelay(const std::string& path) : s_(new State) {
  State& s = *s_;
  s.path = path;
  s.tmp = path + ".tmp." + std::to_string(::getpid());
  remove_stale_temps(path);
  // The private directory is "<tmp>/csbrnn-relay-<pid>-XXXXXX": those of killed processes
  // (a SIGKILL leaves the directory and its pipe) are removed here.
  remove_stale_relay_dirs();
  std::string templ =
      (fs::temp_directory_path() / ("csbrnn-relay-" + std::to_string(::getpid()) + "-XXXXXX"))
          .string();
  if (!::mkdtemp(templ.data()))
    fail(path, ": cannot create a private directory: ", std::strerror(errno));
  s.dir = templ;
  const std::string name = fs::path(path).filename().string();
  s.fifo = (fs::path(s.dir) / (name.empty() ? std::string("out") : name)).string();
  if (::mkfifo(s.fifo.c_str(), 0600) != 0) {
    const int e = errno;
    s.close_all();
    fail(path, ": cannot create a pipe: ", std::strerror(e));
  }
  // Read-write so that the writer's open never blocks and EOF never comes early; the end is
  // signalled by finish().
  s.fifo_fd = ::open(s.fifo.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
  s.out_fd = ::open(s.tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (s.out_fd >= 0) ::flock(s.out_fd, LOCK_EX | LOCK_NB);  // see remove_stale_temps
  int p[2] = {-1, -1};
  const bool piped = ::pipe2(p, O_CLOEXEC) == 0;
  s.stop_rd = p[0];
  s.stop_wr = p[1];
  if (s.fifo_fd < 0 || s.out_fd < 0 || !piped) {
    const int e = errno;
    s.close_all();
    std::remove(s.tmp.c_str());
    fail(path, ": cannot write: ", std::strerror(e));
  }
  s.thread = std::thread([&s] { s.run(); });
}

WriteRelay::~WriteRelay() {
  if (!s_ || s_->finished) return;
  s_->stop();
  s_->close_all();
  std::remove(s_->tmp.c_str());
}

const std::string& WriteRelay::writer_path() const {
  return s_->fifo;
}

std::string WriteRelay::writer_base() const {
  const fs::path p(s_->fifo);
  return (p.parent_path() / p.stem()).string();
}

void WriteRelay::finish() {
  State& s = *s_;
  CSBRNN_ASSERT(!s.finished, "WriteRelay::finish called twice");
  s.finished = true;
  s.stop();
  int e = s.error;
  if (e == 0 && ::fsync(s.out_fd) != 0 && errno != EINVAL) e = errno;
  if (::close(s.out_fd) != 0 && e == 0) e = errno;
  s.out_fd = -1;
  s.close_all();
  if (e != 0) {
    std::remove(s.tmp.c_str());
    fail(s.path, ": write failed: ", std::strerror(e));
  }
  std::error_code ec;
  fs::rename(s.tmp, s.path, ec);
  if (ec) {
    std::remove(s.tmp.c_str());
    fail(s.path, ": cannot rename temporary file into place: ", ec.message());
  }
}

}  // namespace csbrnn
