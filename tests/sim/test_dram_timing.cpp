// DramTiming (sim/dram_timing.h) on hand-worked command timelines. The small test device below
// has round numbers so every cycle can be followed by hand (the comments give the arithmetic).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "common/error.h"
#include "config/dram_params.h"
#include "sim/dram_timing.h"

using namespace csbrnn;
using sim::DramRequest;
using sim::DramTiming;

namespace {

// 1 channel, 1 rank, 2 bank groups x 4 banks, BL8 on 64 bits: 64-byte bursts, 8 per row.
DramParams small() {
  DramParams p;
  p.name = "test";
  p.bank_groups = 2;
  p.banks_per_group = 4;
  p.rows = 1024;
  p.columns = 64;
  p.bus_bits = 64;
  p.burst_length = 8;
  p.queue_depth = 8;
  p.tck_ns = 1;
  p.CL = 5;
  p.CWL = 4;
  p.RCD = 4;
  p.RP = 3;
  p.RAS = 10;
  p.RRD_S = 2;
  p.RRD_L = 3;
  p.FAW = 12;
  p.WR = 4;
  p.WTR_S = 2;
  p.WTR_L = 3;
  p.RTP = 2;
  p.CCD_S = 4;
  p.CCD_L = 5;
  p.RFC = 30;
  p.REFI = 1000;
  return p;
}

// Address of a burst: low to high bits byte(6) | group(1) | column(3) | bank(2) | row.
uint64_t at(int group, int bank, int64_t row, int col) {
  return ((uint64_t(row) << 6) | (uint64_t(bank) << 4) | (uint64_t(col) << 1) | uint64_t(group)) *
         64;
}

std::vector<int64_t> times(const DramTiming& d, DramTiming::Cmd c) {
  std::vector<int64_t> t;
  for (const auto& x : d.commands())
    if (x.cmd == c) t.push_back(x.cycle);
  return t;
}

}  // namespace

TEST_CASE("dram timing: address mapping", "[dram]") {
  DramTiming d(small());
  const auto c = d.map(at(1, 3, 77, 5) + 10);
  CHECK(c.group == 1);
  CHECK(c.bank == 1 * 4 + 3);
  CHECK(c.row == 77);
  CHECK(c.column == 5);
}

TEST_CASE("dram timing: one read is tRCD + tCL + BL/2", "[dram]") {
  DramTiming d(small());
  d.record(true);
  // ACT at 0, RD at tRCD = 4, last beat at 4 + CL 5 + BL/2 4 = 13
  CHECK(d.issue(at(0, 0, 0, 0), 64, false, 0) == 13);
  CHECK(times(d, DramTiming::Cmd::Act) == std::vector<int64_t>{0});
  CHECK(times(d, DramTiming::Cmd::Rd) == std::vector<int64_t>{4});
  CHECK(d.counts().row_misses == 1);
  CHECK(d.counts().activates == 1);
  // the ddr4-2400 preset: 17 + 17 + 4 = 38 clocks of 0.8333 ns
  DramParams p;
  REQUIRE(dram_preset("ddr4-2400", p));
  DramTiming e(p);
  CHECK(e.issue(0, 64, false, 0) == 38);
  CHECK(e.unloaded_read_cycles() == 38);
}

TEST_CASE("dram timing: two reads of one row are tCCD apart", "[dram]") {
  DramTiming d(small());
  // same bank group: second RD at max(4 + tCCD_L 5, data bus 13 - 5) = 9, ends 9 + 9 = 18
  const auto t = d.issue_batch({{at(0, 0, 0, 0), 64, false, 0}, {at(0, 0, 0, 1), 64, false, 0}});
  CHECK(t == std::vector<int64_t>{13, 18});
  CHECK(d.counts().row_hits == 1);
  CHECK(d.counts().row_misses == 1);
  // a 128-byte request is the same two bursts
  DramTiming e(small());
  CHECK(e.issue(at(0, 0, 0, 0), 64, false, 0) == 13);
  CHECK(e.issue(at(0, 0, 0, 1), 64, false, 0) == 18);
}

TEST_CASE("dram timing: a row conflict costs tRAS + tRP + tRCD", "[dram]") {
  DramTiming d(small());
  d.record(true);
  CHECK(d.issue(at(0, 0, 0, 0), 64, false, 0) == 13);
  // PRE at max(ACT 0 + tRAS 10, RD 4 + tRTP 2) = 10, ACT at 10 + tRP 3 = 13, RD at 13 + tRCD 4 =
  // 17, last beat 17 + 5 + 4 = 26
  CHECK(d.issue(at(0, 0, 1, 0), 64, false, 0) == 26);
  CHECK(times(d, DramTiming::Cmd::Pre) == std::vector<int64_t>{10});
  CHECK(times(d, DramTiming::Cmd::Act) == std::vector<int64_t>{0, 13});
  CHECK(d.counts().precharges == 1);
}

TEST_CASE("dram timing: the fifth activate waits for tFAW", "[dram]") {
  DramTiming d(small());
  d.record(true);
  // five banks, alternating groups (tRRD_S = 2): ACT 0, 2, then 4 is taken by the first RD -> 5,
  // 7; the fifth would go at 9 but tFAW puts it at ACT#1 0 + 12 = 12, taken by RD#3 -> 13
  std::vector<DramRequest> r = {{at(0, 0, 0, 0), 64, false, 0},
                                {at(1, 0, 0, 0), 64, false, 0},
                                {at(0, 1, 0, 0), 64, false, 0},
                                {at(1, 1, 0, 0), 64, false, 0},
                                {at(0, 2, 0, 0), 64, false, 0}};
  d.issue_batch(r);
  const auto acts = times(d, DramTiming::Cmd::Act);
  CHECK(acts == std::vector<int64_t>{0, 2, 5, 7, 13});
  CHECK(acts[4] - acts[0] >= 12);
  CHECK(times(d, DramTiming::Cmd::Rd) == std::vector<int64_t>{4, 8, 12, 16, 20});
  // without the window (tFAW = 0) the fifth goes at 7 + 2 = 9
  DramParams p = small();
  p.FAW = 1;
  DramTiming e(p);
  e.record(true);
  e.issue_batch(r);
  CHECK(times(e, DramTiming::Cmd::Act)[4] == 9);
}

TEST_CASE("dram timing: a refresh every tREFI blocks the rank for tRFC", "[dram]") {
  DramTiming d(small());
  d.record(true);
  CHECK(d.issue(at(0, 0, 0, 0), 64, false, 0) == 13);  // row 0 open
  // at 1000 the refresh is due: PRE of the open bank at 1000, REF at 1003, banks blocked until
  // 1033: ACT 1033, RD 1037, last beat 1046 (the row was closed by the refresh)
  CHECK(d.issue(at(0, 0, 0, 1), 64, false, 1000) == 1046);
  CHECK(times(d, DramTiming::Cmd::Ref) == std::vector<int64_t>{1003});
  CHECK(d.counts().refreshes == 1);
  CHECK(d.counts().refresh_cycles == 30);
  CHECK(d.counts().row_misses == 2);
  // before the due time there is no refresh: a row hit, RD at 999, last beat 1008
  DramTiming e(small());
  e.issue(at(0, 0, 0, 0), 64, false, 0);
  CHECK(e.issue(at(0, 0, 0, 1), 64, false, 999) == 1008);
  CHECK(e.counts().refreshes == 0);
  // the next refresh is due at 2000 (every tREFI)
  CHECK(e.issue(at(0, 0, 0, 1), 64, false, 2500) > 2500);
  CHECK(e.counts().refreshes == 2);
}

TEST_CASE("dram timing: write to read waits tWTR, read to write the turnaround", "[dram]") {
  {
    DramTiming d(small());
    // WR at 4, data end 4 + CWL 4 + 4 = 12; a read in the same group: RD at 12 + tWTR_L 3 = 15
    CHECK(d.issue(at(0, 0, 0, 0), 64, true, 0) == 12);
    CHECK(d.issue(at(0, 0, 0, 1), 64, false, 0) == 15 + 9);
    CHECK(d.counts().write_bursts == 1);
    CHECK(d.counts().read_bursts == 1);
  }
  {
    DramTiming d(small());
    // the other bank group: ACT at 2 (tRRD_S), RD at 12 + tWTR_S 2 = 14
    CHECK(d.issue(at(0, 0, 0, 0), 64, true, 0) == 12);
    CHECK(d.issue(at(1, 0, 0, 0), 64, false, 0) == 14 + 9);
  }
  {
    DramTiming d(small());
    // RD at 4; a write after it: WR at 4 + CL 5 + BL/2 4 + 2 - CWL 4 = 11, data end 19
    CHECK(d.issue(at(0, 0, 0, 0), 64, false, 0) == 13);
    CHECK(d.issue(at(0, 0, 0, 1), 64, true, 0) == 19);
  }
}

TEST_CASE("dram timing: FR-FCFS serves a row hit before an older miss", "[dram]") {
  const std::vector<DramRequest> batch = {{at(0, 0, 1, 0), 64, false, 20},   // A: miss (older)
                                          {at(0, 0, 0, 1), 64, false, 20}};  // B: hit on row 0
  {
    DramTiming d(small());
    d.issue(at(0, 0, 0, 0), 64, false, 0);  // opens row 0
    // B first: RD at 20, ends 29; A: PRE at B's RD 20 + tRTP 2 = 22, ACT 25, RD 29, ends 38
    CHECK(d.issue_batch(batch) == std::vector<int64_t>{38, 29});
  }
  {
    DramParams p = small();
    p.queue_depth = 1;  // FCFS: A first (PRE 20, ACT 23, RD 27, ends 36), then B conflicts:
    DramTiming d(p);    // PRE at ACT 23 + tRAS 10 = 33, ACT 36, RD 40, ends 49
    d.issue(at(0, 0, 0, 0), 64, false, 0);
    CHECK(d.issue_batch(batch) == std::vector<int64_t>{36, 49});
  }
}

TEST_CASE("dram params: the shipped files are the built-in presets", "[dram]") {
  for (const std::string& n : dram_preset_names()) {
    INFO(n);
    DramParams a,
        b = load_dram_params(std::string(CSBRNN_SOURCE_DIR) + "/configs/dram/" + n + ".yaml");
    REQUIRE(dram_preset(n, a));
    CHECK(a.name == b.name);
    CHECK(a.channels == b.channels);
    CHECK(a.bank_groups == b.bank_groups);
    CHECK(a.banks_per_group == b.banks_per_group);
    CHECK(a.rows == b.rows);
    CHECK(a.columns == b.columns);
    CHECK(a.bus_bits == b.bus_bits);
    CHECK(a.burst_length == b.burst_length);
    CHECK(a.queue_depth == b.queue_depth);
    CHECK(a.tck_ns == b.tck_ns);
    const int DramParams::*f[] = {
        &DramParams::CL,    &DramParams::CWL,   &DramParams::RCD,   &DramParams::RP,
        &DramParams::RAS,   &DramParams::RRD_S, &DramParams::RRD_L, &DramParams::FAW,
        &DramParams::WR,    &DramParams::WTR_S, &DramParams::WTR_L, &DramParams::RTP,
        &DramParams::CCD_S, &DramParams::CCD_L, &DramParams::RFC,   &DramParams::REFI};
    for (auto m : f) CHECK(a.*m == b.*m);
  }
  DramParams d;
  REQUIRE(dram_preset("ddr4-2400", d));
  CHECK(d.peak_gbps() == Approx(19.2).epsilon(1e-3));  // 2400 MT/s x 8 bytes
  REQUIRE(dram_preset("lpddr4-3200", d));
  CHECK(d.peak_gbps() == Approx(12.8).epsilon(1e-3));  // 3200 MT/s x 2 bytes x 2 channels
}

TEST_CASE("dram params: a bad file is one line naming the file and the key", "[dram]") {
  const std::string src = std::string(CSBRNN_SOURCE_DIR) + "/configs/dram/ddr4-2400.yaml";
  std::ifstream in(src);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string path =
      (std::filesystem::temp_directory_path() / "csbrnn_bad_dram.yaml").string();
  auto write = [&](const std::string& t) {
    std::ofstream o(path);
    o << t;
  };
  std::string bad = text;
  bad.replace(bad.find("tRCD: 17"), 8, "tRCE: 17");
  write(bad);
  try {
    load_dram_params(path);
    FAIL("accepted");
  } catch (const Error& e) {
    const std::string m = e.what();
    CHECK(m.find(path) == 0);
    CHECK(m.find("tRCE") != std::string::npos);
    CHECK(m.find('\n') == std::string::npos);
  }
  bad = text;
  bad.replace(bad.find("CL: 17"), 6, "CL: x");
  write(bad);
  CHECK_THROWS_WITH(load_dram_params(path), Catch::Contains("timing.CL"));
  std::filesystem::remove(path);
  CHECK_THROWS_WITH(resolve_dram_model("ddr5"), Catch::Contains("unknown memory model 'ddr5'"));
}
