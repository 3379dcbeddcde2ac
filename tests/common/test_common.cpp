#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include <sys/wait.h>
#include <unistd.h>

#include "common/error.h"
#include "common/file_util.h"
#include "common/strings.h"
#include "common/write_relay.h"
#include "support/test_util.h"

using namespace csbrnn;

TEST_CASE("edit distance and closest match") {
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(edit_distance("", "abc") == 3);
  CHECK(closest_match("pe_grups", {"pe_groups", "pes_per_group", "clock_mhz"}) == "pe_groups");
  CHECK(closest_match("zzzzzzzz", {"pe_groups", "clock_mhz"}).empty());
}

TEST_CASE("atomic write replaces the file whole and leaves no temporary") {
  test::TempDir d("common");
  const auto p = d.file("sub/out.txt");
  write_file_atomic(p, std::string("first"));
  write_file_atomic(p, std::string("second"));
  CHECK(read_text_file(p) == "second");
  int entries = 0;
  for (auto& e : std::filesystem::directory_iterator(d.path / "sub")) (void)e, ++entries;
  CHECK(entries == 1);
}

TEST_CASE("reading a missing file names it") {
  try {
    read_file("/nonexistent/x.npy");
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("/nonexistent/x.npy") != std::string::npos);
  }
}

TEST_CASE("crc32 matches the standard check value") {
  const std::string s = "123456789";
  CHECK(crc32_of(s.data(), s.size()) == 0xCBF43926u);
}

namespace {
// Writes `bytes` bytes of a known pattern the way SystemC's VCD writer does: fopen/fputc/fclose,
// results ignored.
void careless_write(const std::string& path, size_t bytes) {
  FILE* f = std::fopen(path.c_str(), "w");
  REQUIRE(f != nullptr);
  for (size_t i = 0; i < bytes; ++i) std::fputc('a' + int(i % 26), f);
  std::fclose(f);
}
std::string pattern(size_t bytes) {
  std::string s(bytes, ' ');
  for (size_t i = 0; i < bytes; ++i) s[i] = char('a' + int(i % 26));
  return s;
}
}  // namespace

TEST_CASE("write relay: what a careless writer writes arrives whole, only at finish") {
  test::TempDir d("relay");
  const std::string out = d.file("wave.vcd");
  WriteRelay r(out);
  CHECK(r.writer_base() + ".vcd" == r.writer_path());
  careless_write(r.writer_path(), 1 << 20);  // 1 MiB: many times the pipe's buffer
  CHECK_FALSE(std::filesystem::exists(out));
  r.finish();
  CHECK(read_text_file(out) == pattern(1 << 20));
  int entries = 0;
  for (auto& e : std::filesystem::directory_iterator(d.path)) (void)e, ++entries;
  CHECK(entries == 1);  // no temporary left
}

TEST_CASE("write relay: a writer that never opens gives an empty file, an unfinished relay none") {
  test::TempDir d("relay0");
  {
    WriteRelay r(d.file("empty.vcd"));
    r.finish();
  }
  CHECK(read_text_file(d.file("empty.vcd")).empty());
  {
    WriteRelay r(d.file("gone.vcd"));
    careless_write(r.writer_path(), 1000);
  }  // destroyed without finish (the run failed)
  CHECK_FALSE(std::filesystem::exists(d.file("gone.vcd")));
  int entries = 0;
  for (auto& e : std::filesystem::directory_iterator(d.path)) (void)e, ++entries;
  CHECK(entries == 1);
}

TEST_CASE("write relay: a full disk fails finish naming the file and leaves nothing") {
  test::SmallFs fs("relay", 64);
  if (!fs.ok) {
    WARN("skipped: " << fs.why);
    return;
  }
  const std::string out = fs.file("wave.vcd");
  WriteRelay r(out);
  careless_write(r.writer_path(), 1 << 20);  // 1 MiB into 64 KiB
  try {
    r.finish();
    FAIL("finish() succeeded on a full disk");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find(out + ": write failed: No space left on device") == 0);
  }
  CHECK(std::filesystem::is_empty(fs.path));
}

namespace {

std::set<std::string> names_in(const std::filesystem::path& d) {
  std::set<std::string> v;
  for (auto& e : std::filesystem::directory_iterator(d)) v.insert(e.path().filename().string());
  return v;
}

}  // namespace

TEST_CASE("stale temporaries of dead writers are removed, only those, by the next writer") {
  test::TempDir d("stale");
  const std::string dead = std::to_string(test::dead_pid());
  const std::string live = std::to_string(long(::getppid()));  // the test's parent: alive
  const std::string dead2 = std::to_string(test::dead_pid());
  REQUIRE_FALSE(process_alive(std::stol(dead)));
  REQUIRE(process_alive(std::stol(live)));
  const std::set<std::string> kept = {
      "out.txt.tmp." + live,        // a live process writing the same output now
      "out.txt.tmp.0" + dead,       // leading zero: not the pattern
      "out.txt.tmp." + dead + "x",  // not the pattern
      "out.txt.tmp.",               // no pid
      "xout.txt.tmp." + dead,       // another output's
      "out.tx.tmp." + dead,         // another output's
      "out.txt.tmp." + dead + ".new",
      "out.txt.tmp." + dead2};  // a dead pid, but locked: another host's live writer
  const std::set<std::string> stale = {"out.txt.tmp." + dead, "out.txt.tmp." + dead + ".old",
                                       "rep.tmp." + dead, "rep.tmp." + dead + ".old"};
  // (made without write_file_atomic: a directory is listed once per process, at its first
  // write, so a killed writer's leftovers must be there before; here they are)
  for (const auto& n : kept) std::ofstream(d.file(n)) << "x";
  for (const auto& n : stale) {
    std::filesystem::create_directories(d.path / n / "sub");  // a folder, with contents
    std::ofstream(d.file(n + "/sub/f")) << "y";
  }
  const int held = lock_temp(d.file("out.txt.tmp." + dead2));
  REQUIRE(held >= 0);
  REQUIRE(locked_by_writer(d.file("out.txt.tmp." + dead2)));
  write_file_atomic(d.file("out.txt"), std::string("new"));
  ::close(held);
  CHECK_FALSE(locked_by_writer(d.file("out.txt.tmp." + dead2)));
  std::set<std::string> want = kept;
  want.insert({"out.txt", "rep.tmp." + dead, "rep.tmp." + dead + ".old"});
  CHECK(names_in(d.path) == want);
  // A staged folder "rep" removes its own stale siblings (and writes through write_file_atomic).
  {
    StagedDir s(d.file("rep"));
    s.write("a.txt", "a");
    s.commit();
  }
  want.erase("rep.tmp." + dead);
  want.erase("rep.tmp." + dead + ".old");
  want.insert("rep");
  CHECK(names_in(d.path) == want);
  CHECK(names_in(d.path / "rep") == std::set<std::string>{"a.txt"});
  CHECK(read_text_file(d.file("out.txt")) == "new");
}
