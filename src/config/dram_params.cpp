// DRAM parameter tables: the built-in presets and the YAML reader (config/dram_params.h).
#include "config/dram_params.h"

#include <cmath>

#include "common/error.h"
#include "common/strings.h"
#include "config/strict_yaml.h"

namespace csbrnn {
namespace {

// DDR4-2400 17-17-17 on a 64-bit bus of four 8 Gb x16 parts (MT40A512M16, the parts of the
// ZCU102's PS-side SODIMM): JEDEC JESD79-4 speed bin DDR4-2400R and the Micron MT40A512M16
// datasheet (x16: 2 bank groups x 4 banks, 64 K rows, 1 K columns, 2 KB page per part).
// configs/dram/ddr4-2400.yaml holds the same table with the ns figures.
DramParams ddr4_2400() {
  DramParams p;
  p.name = "ddr4-2400";
  p.channels = 1;
  p.ranks = 1;
  p.bank_groups = 2;
  p.banks_per_group = 4;
  p.rows = 65536;
  p.columns = 1024;
  p.bus_bits = 64;
  p.burst_length = 8;
  p.queue_depth = 16;
  p.tck_ns = 0.8333;
  p.CL = 17;
  p.CWL = 12;
  p.RCD = 17;
  p.RP = 17;
  p.RAS = 39;
  p.RRD_S = 7;
  p.RRD_L = 8;
  p.FAW = 36;
  p.WR = 18;
  p.WTR_S = 3;
  p.WTR_L = 9;
  p.RTP = 9;
  p.CCD_S = 4;
  p.CCD_L = 6;
  p.RFC = 420;
  p.REFI = 9360;
  return p;
}

// LPDDR4-3200, two x16 channels (one x32 package), 8 Gb per channel: JEDEC JESD209-4 (RL/WL
// set A, DBI off; tRPpb; tRFCab for 8 Gb per channel). configs/dram/lpddr4-3200.yaml.
DramParams lpddr4_3200() {
  DramParams p;
  p.name = "lpddr4-3200";
  p.channels = 2;
  p.ranks = 1;
  p.bank_groups = 1;
  p.banks_per_group = 8;
  p.rows = 65536;
  p.columns = 1024;
  p.bus_bits = 16;
  p.burst_length = 16;
  p.queue_depth = 16;
  p.tck_ns = 0.625;
  p.CL = 28;
  p.CWL = 14;
  p.RCD = 29;
  p.RP = 29;
  p.RAS = 68;
  p.RRD_S = 16;
  p.RRD_L = 16;
  p.FAW = 64;
  p.WR = 29;
  p.WTR_S = 16;
  p.WTR_L = 16;
  p.RTP = 12;
  p.CCD_S = 8;
  p.CCD_L = 8;
  p.RFC = 448;
  p.REFI = 6246;
  return p;
}

bool power_of_two(int64_t v) {
  return v > 0 && (v & (v - 1)) == 0;
}

}  // namespace

const std::vector<std::string>& dram_preset_names() {
  static const std::vector<std::string> n = {"ddr4-2400", "lpddr4-3200"};
  return n;
}

bool dram_preset(const std::string& name, DramParams& out) {
  if (name == "ddr4-2400") {
    out = ddr4_2400();
    return true;
  }
  if (name == "lpddr4-3200") {
    out = lpddr4_3200();
    return true;
  }
  return false;
}

std::string check_dram_params(const DramParams& p) {
  for (int64_t v : {int64_t(p.channels), int64_t(p.ranks), int64_t(p.bank_groups),
                    int64_t(p.banks_per_group), p.rows, int64_t(p.columns)})
    if (!power_of_two(v))
      return "channels, ranks, bank groups, banks, rows and columns must be powers of two";
  if (p.bus_bits % 8 != 0 || !power_of_two(p.bus_bits)) return "bus_bits must be 8, 16, 32, ...";
  if (!power_of_two(p.burst_length) || p.burst_length < 2 || p.burst_length > p.columns)
    return "burst_length must be a power of two, 2..columns";
  if (!(p.tck_ns > 0) || !std::isfinite(p.tck_ns)) return "tck_ns must be > 0";
  if (p.REFI <= p.RFC) return "tREFI must exceed tRFC";
  if (p.CCD_S < p.burst_length / 2 || p.CCD_L < p.CCD_S)
    return "need burst_length/2 <= tCCD_S <= tCCD_L";
  if (p.RRD_L < p.RRD_S || p.WTR_L < p.WTR_S) return "need tRRD_S <= tRRD_L and tWTR_S <= tWTR_L";
  return "";
}

DramParams load_dram_params(const std::string& path) {
  const yaml::Value root = yaml::load_file(path);
  const yaml::Map top = root.map({"name", "organisation", "controller", "timing"});
  DramParams p;
  p.name = top.required("name").as_string();
  const yaml::Map org = top.required("organisation")
                            .map({"channels", "ranks", "bank_groups", "banks_per_group", "rows",
                                  "columns", "bus_bits", "burst_length"});
  auto i = [](const yaml::Map& m, const char* k, long long hi) {
    return m.required(k).as_int(1, hi);
  };
  p.channels = int(i(org, "channels", 64));
  p.ranks = int(i(org, "ranks", 16));
  p.bank_groups = int(i(org, "bank_groups", 16));
  p.banks_per_group = int(i(org, "banks_per_group", 64));
  p.rows = i(org, "rows", 1 << 24);
  p.columns = int(i(org, "columns", 1 << 16));
  p.bus_bits = int(i(org, "bus_bits", 1024));
  p.burst_length = int(i(org, "burst_length", 64));
  const yaml::Map ctl = top.required("controller").map({"queue_depth"});
  p.queue_depth = int(i(ctl, "queue_depth", 4096));
  const yaml::Map t = top.required("timing").map(
      {"tCK_ns", "CL", "CWL", "tRCD", "tRP", "tRAS", "tRRD_S", "tRRD_L", "tFAW", "tWR", "tWTR_S",
       "tWTR_L", "tRTP", "tCCD_S", "tCCD_L", "tRFC", "tREFI"});
  const yaml::Value tck = t.required("tCK_ns");
  p.tck_ns = tck.as_double();
  if (!(p.tck_ns > 0) || p.tck_ns > 1000)
    tck.fail(cat(p.tck_ns, " is out of range (valid: > 0 and <= 1000 ns)"));
  const long long hi = 1 << 20;
  p.CL = int(i(t, "CL", hi));
  p.CWL = int(i(t, "CWL", hi));
  p.RCD = int(i(t, "tRCD", hi));
  p.RP = int(i(t, "tRP", hi));
  p.RAS = int(i(t, "tRAS", hi));
  p.RRD_S = int(i(t, "tRRD_S", hi));
  p.RRD_L = int(i(t, "tRRD_L", hi));
  p.FAW = int(i(t, "tFAW", hi));
  p.WR = int(i(t, "tWR", hi));
  p.WTR_S = int(i(t, "tWTR_S", hi));
  p.WTR_L = int(i(t, "tWTR_L", hi));
  p.RTP = int(i(t, "tRTP", hi));
  p.CCD_S = int(i(t, "tCCD_S", hi));
  p.CCD_L = int(i(t, "tCCD_L", hi));
  p.RFC = int(i(t, "tRFC", hi));
  p.REFI = int(i(t, "tREFI", hi));
  const std::string bad = check_dram_params(p);
  if (!bad.empty()) fail(path, ": ", bad);
  return p;
}

DramParams resolve_dram_model(const std::string& model) {
  DramParams p;
  if (dram_preset(model, p)) return p;
  auto ends = [&](const char* s) {
    const std::string e(s);
    return model.size() > e.size() && model.compare(model.size() - e.size(), e.size(), e) == 0;
  };
  if (ends(".yaml") || ends(".yml")) return load_dram_params(model);
  fail("unknown memory model '", model, "' (valid: ideal, simple, ", dram_preset_names()[0], ", ",
       dram_preset_names()[1], " or a DRAM parameter file *.yaml)");
}

}  // namespace csbrnn
