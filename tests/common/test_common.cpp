#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>

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

TEST_CASE("write relay: a writer that never opens gives an empty file; an unfinished relay none") {
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
