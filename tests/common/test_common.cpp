#include <catch2/catch.hpp>

#include "common/error.h"
#include "common/file_util.h"
#include "common/strings.h"
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
