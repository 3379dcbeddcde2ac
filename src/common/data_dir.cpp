#include "common/data_dir.h"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "common/error.h"

namespace csbrnn {

namespace fs = std::filesystem;

namespace {

std::mutex mu;
std::string chosen;  // set_data_dir()

bool holds_data(const fs::path& d) {
  std::error_code ec;
  return !d.empty() && fs::is_directory(d / "models", ec);
}

/// The file of the binary (executable or shared object) this code was linked into.
fs::path this_binary() {
  Dl_info info{};
  if (::dladdr(reinterpret_cast<void*>(&this_binary), &info) && info.dli_fname && *info.dli_fname) {
    std::error_code ec;
    const fs::path p = fs::weakly_canonical(fs::path(info.dli_fname), ec);
    if (!ec && p.is_absolute()) return p;
  }
  std::error_code ec;
  return fs::read_symlink("/proc/self/exe", ec);
}

bool inside(const fs::path& file, const fs::path& dir) {
  std::error_code ec;
  const fs::path d = fs::weakly_canonical(dir, ec);
  if (ec || d.empty()) return false;
  const auto rel = file.lexically_relative(d);
  return !rel.empty() && *rel.begin() != "..";
}

struct Found {
  std::string dir, origin;
};

Found find_data_dir() {
  {
    std::lock_guard<std::mutex> lock(mu);
    if (!chosen.empty()) return {chosen, "set_data_dir"};
  }
  if (const char* e = std::getenv("CSBRNN_DATA_DIR"); e && *e) {
    if (!holds_data(e)) fail("CSBRNN_DATA_DIR=", e, ": no models/ folder there");
    return {e, "CSBRNN_DATA_DIR"};
  }
  const fs::path bin = this_binary();
  std::string tried;
  if (!bin.empty()) {
    const fs::path installed = bin.parent_path().parent_path() / "share" / "csbrnn";
    if (holds_data(installed)) return {installed.string(), "installed next to " + bin.string()};
    tried += " " + installed.string() + ",";
  }
  const fs::path prefix = CSBRNN_INSTALL_DATADIR;
  if (holds_data(prefix)) return {prefix.string(), "install prefix"};
  tried += " " + prefix.string();
  if (!bin.empty() && inside(bin, CSBRNN_BINARY_DIR)) {
    if (holds_data(CSBRNN_SOURCE_DIR))
      return {CSBRNN_SOURCE_DIR, "source tree (build tree binary)"};
    tried += ", " + std::string(CSBRNN_SOURCE_DIR);
  }
  fail("cannot find csbrnn's data (models/, configs/): tried", tried,
       "; set CSBRNN_DATA_DIR to <prefix>/share/csbrnn (or call csbrnn::set_data_dir)");
}

}  // namespace

void set_data_dir(const std::string& dir) {
  if (!dir.empty() && !holds_data(dir)) fail(dir, ": no models/ folder there (set_data_dir)");
  std::lock_guard<std::mutex> lock(mu);
  chosen = dir;
}

std::string data_dir() {
  return find_data_dir().dir;
}

std::string data_dir_origin() {
  return find_data_dir().origin;
}

}  // namespace csbrnn
