#include "energy/table.h"

#include <cmath>

#include "common/error.h"
#include "common/file_util.h"
#include "config/strict_yaml.h"
#include "energy/default_table.h"

namespace csbrnn::energy {
namespace {

double nonneg(const yaml::Value& v) {
  const double d = v.as_double();
  if (d < 0) v.fail(v.scalar() + " is out of range (valid: >= 0)");
  return d;
}

double positive(const yaml::Value& v) {
  const double d = v.as_double();
  if (!(d > 0)) v.fail(v.scalar() + " is out of range (valid: > 0)");
  return d;
}

}  // namespace

double EnergyTable::sram_read_pj_per_byte_at(double bytes) const {
  if (bytes <= 0) return 0;
  return sram_read_pj_per_byte * std::pow(bytes / (sram_reference_kib * 1024.0), sram_exponent);
}

const char* default_table_text() {
  return kDefaultTableYaml;
}

EnergyTable parse_table(const std::string& text, const std::string& origin) {
  const yaml::Value root = yaml::parse(text, origin);
  const yaml::Map m = root.map(
      {"name", "datapath_bits", "ops_pj", "sram", "links_pj_per_byte", "dram", "leakage_mw"},
      "an energy table (a mapping)");
  EnergyTable t;
  t.origin = origin;
  t.name = m.required("name").as_string();
  t.datapath_bits = int(m.required("datapath_bits").as_int(16, 16, "16 (the machine's datapath)"));
  {
    const yaml::Map o = m.required("ops_pj").map(
        {"add16", "add48", "mul16", "mac", "sigmoid", "tanh", "copy", "biaswb"});
    t.add16 = nonneg(o.required("add16"));
    t.add48 = nonneg(o.required("add48"));
    t.mul16 = nonneg(o.required("mul16"));
    t.mac = nonneg(o.required("mac"));
    t.sigmoid = nonneg(o.required("sigmoid"));
    t.tanh = nonneg(o.required("tanh"));
    t.copy = nonneg(o.required("copy"));
    t.biaswb = nonneg(o.required("biaswb"));
  }
  {
    const yaml::Map s =
        m.required("sram").map({"reference_kib", "read_pj_per_byte", "exponent", "write_factor"});
    t.sram_reference_kib = positive(s.required("reference_kib"));
    t.sram_read_pj_per_byte = nonneg(s.required("read_pj_per_byte"));
    t.sram_exponent = nonneg(s.required("exponent"));
    if (t.sram_exponent > 2) s.required("exponent").fail("is out of range (valid: 0..2)");
    t.sram_write_factor = nonneg(s.required("write_factor"));
  }
  {
    const yaml::Map l = m.required("links_pj_per_byte").map({"neighbour", "load_store"});
    t.link_neighbour_pj_per_byte = nonneg(l.required("neighbour"));
    t.link_load_store_pj_per_byte = nonneg(l.required("load_store"));
  }
  {
    const yaml::Map d = m.required("dram").map(yaml::Keys::any(), "a mapping of DRAM devices");
    if (d.size() == 0) m.required("dram").fail("needs at least one DRAM device");
    for (const auto& [dev, v] : d.entries()) {
      const yaml::Map e = v.map({"read_pj_per_byte", "write_pj_per_byte", "activate_pj",
                                 "precharge_pj", "refresh_pj", "background_mw"});
      DramEnergy x;
      x.read_pj_per_byte = nonneg(e.required("read_pj_per_byte"));
      x.write_pj_per_byte = nonneg(e.required("write_pj_per_byte"));
      x.activate_pj = nonneg(e.required("activate_pj"));
      x.precharge_pj = nonneg(e.required("precharge_pj"));
      x.refresh_pj = nonneg(e.required("refresh_pj"));
      x.background_mw = nonneg(e.required("background_mw"));
      t.dram[dev] = x;
    }
  }
  {
    const yaml::Map k =
        m.required("leakage_mw").map({"pe", "sram_per_kib", "eltwise_lane", "control"});
    t.leak_pe_mw = nonneg(k.required("pe"));
    t.leak_sram_per_kib_mw = nonneg(k.required("sram_per_kib"));
    t.leak_eltwise_lane_mw = nonneg(k.required("eltwise_lane"));
    t.leak_control_mw = nonneg(k.required("control"));
  }
  return t;
}

const EnergyTable& default_table() {
  static const EnergyTable t = load_table("default-45nm");
  return t;
}

EnergyTable load_table(const std::string& spec) {
  if (spec == "default-45nm")
    return parse_table(default_table_text(), "default-45nm (configs/energy/default-45nm.yaml)");
  auto ends = [&](const char* x) {
    const std::string s(x);
    return spec.size() >= s.size() && spec.compare(spec.size() - s.size(), s.size(), s) == 0;
  };
  if (!ends(".yaml") && !ends(".yml"))
    throw Error(
        cat("energy.table: '", spec, "' is neither default-45nm nor a path ending in .yaml/.yml"));
  return parse_table(read_text_file(spec), spec);
}

}  // namespace csbrnn::energy
