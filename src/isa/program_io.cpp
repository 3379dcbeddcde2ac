#include "isa/program_io.h"

#include <cstring>
#include <iomanip>
#include <sstream>

#include "common/error.h"
#include "common/file_util.h"
#include "config/hw_keys.h"
#include "isa/semantics.h"

namespace csbrnn {
namespace {

// ---- writer ------------------------------------------------------------------------------

struct Writer {
  std::vector<uint8_t> b;
  template <class T>
  void put(T v) {
    uint8_t raw[sizeof(T)];
    std::memcpy(raw, &v, sizeof(T));  // host is little-endian (checked in encode_program)
    b.insert(b.end(), raw, raw + sizeof(T));
  }
  void u8(uint8_t v) { put(v); }
  void u16(uint16_t v) { put(v); }
  void u32(uint32_t v) { put(v); }
  void i32(int32_t v) { put(v); }
  void u64(uint64_t v) { put(v); }
  void f64(double v) { put(v); }
  void str(const std::string& s) {
    u32(uint32_t(s.size()));
    b.insert(b.end(), s.begin(), s.end());
  }
  void operand(const Operand& o) {
    u8(uint8_t(o.bank));
    u32(o.addr);
  }
};

void put_section(Writer& w, const Section& s) {
  w.u8(uint8_t(s.unit));
  w.u8(uint8_t(s.op));
  w.operand(s.dst);
  w.operand(s.a);
  w.operand(s.b);
  w.u32(s.count);
  w.u16(s.mvm);
}

// The hw record walks the key table (config/hw_keys.h): every key's fields in table order, the
// text fields (the design's name) last: integers i32, reals f64, booleans and enums u8.
void put_hw(Writer& w, const HwConfig& h) {
  using Kind = HwKey::Field::Kind;
  for (const HwKey& k : hw_keys())
    for (const HwKey::Field& f : k.fields) {
      if (f.kind == Kind::Int) w.i32(int32_t(f.get_int(h)));
      if (f.kind == Kind::Real) w.f64(f.get_real(h));
      if (f.kind == Kind::Bool || f.kind == Kind::Enum) w.u8(uint8_t(f.get_int(h)));
    }
  for (const HwKey& k : hw_keys())
    for (const HwKey::Field& f : k.fields)
      if (f.kind == Kind::Text) w.str(f.get_text(h));
}

// ---- reader ------------------------------------------------------------------------------

struct Reader {
  const uint8_t* p;
  const uint8_t* end;
  const std::string& origin;
  size_t left() const { return size_t(end - p); }
  void need(uint64_t n, const char* what) {
    if (n > left()) fail(origin, ": truncated program (", what, ")");
  }
  template <class T>
  T get(const char* what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, p, sizeof(T));
    p += sizeof(T);
    return v;
  }
  uint8_t u8(const char* w) { return get<uint8_t>(w); }
  uint16_t u16(const char* w) { return get<uint16_t>(w); }
  uint32_t u32(const char* w) { return get<uint32_t>(w); }
  int32_t i32(const char* w) { return get<int32_t>(w); }
  uint64_t u64(const char* w) { return get<uint64_t>(w); }
  double f64(const char* w) { return get<double>(w); }
  /// A count of elements at least `min_size` bytes each, checked against the remaining bytes.
  uint64_t count(uint64_t n, uint64_t min_size, const char* what) {
    if (min_size > 0 && n > left() / min_size)
      fail(origin, ": corrupt program: ", what, " count ", n, " exceeds the remaining bytes");
    return n;
  }
  std::string str(const char* what) {
    const uint64_t n = count(u32(what), 1, what);
    std::string s(reinterpret_cast<const char*>(p), size_t(n));
    p += n;
    return s;
  }
  uint8_t enum8(uint8_t max, const char* what) {
    const uint8_t v = u8(what);
    if (v > max) fail(origin, ": corrupt program: bad ", what, " ", int(v));
    return v;
  }
  Operand operand(const char* what) {
    Operand o;
    o.bank = Bank(enum8(uint8_t(Bank::Dram), what));
    o.addr = u32(what);
    return o;
  }
};

HwConfig get_hw(Reader& r) {
  using Kind = HwKey::Field::Kind;
  HwConfig h;
  for (const HwKey& k : hw_keys())
    for (const HwKey::Field& f : k.fields) {
      if (f.kind == Kind::Int) f.set_int(h, r.i32("hw"));
      if (f.kind == Kind::Real) f.set_real(h, r.f64("hw"));
      if (f.kind == Kind::Bool) f.set_int(h, r.enum8(1, k.path.c_str()));
      if (f.kind == Kind::Enum) f.set_int(h, r.enum8(uint8_t(f.enum_max), k.path.c_str()));
    }
  for (const HwKey& k : hw_keys())
    for (const HwKey::Field& f : k.fields)
      if (f.kind == Kind::Text) f.set_text(h, r.str("hw name"));
  return h;
}

Section get_section(Reader& r) {
  Section s;
  s.unit = Unit(r.enum8(uint8_t(kUnitCount - 1), "unit"));
  s.op = Op(r.enum8(uint8_t(Op::StoreY), "op"));
  s.dst = r.operand("operand bank");
  s.a = r.operand("operand bank");
  s.b = r.operand("operand bank");
  s.count = r.u32("section");
  s.mvm = r.u16("section");
  return s;
}

void put_u32le(uint8_t* d, uint32_t v) {
  std::memcpy(d, &v, 4);
}
void put_u64le(uint8_t* d, uint64_t v) {
  std::memcpy(d, &v, 8);
}

constexpr size_t kHeader = 8 + 4 + 4 + 8 + 4;  // magic, version, flags, payload bytes, crc
// Flag bit 0: the payload ends with the output permutation (u32 n, u32[n]). Without it the file
// is byte-identical to what csbrnn wrote before the permutation existed.
constexpr uint32_t kFlagOutputPerm = 1;
// Flag bit 1: the program needs resident inputs (Program::resident_inputs, eltwise.inplace_state);
// no payload change.
constexpr uint32_t kFlagResidentInputs = 2;

}  // namespace

std::vector<uint8_t> encode_program(const Program& p) {
  const uint16_t probe = 1;
  CSBRNN_ASSERT(*reinterpret_cast<const uint8_t*>(&probe) == 1, "big-endian host");
  Writer w;
  put_hw(w, p.hw);
  w.u8(uint8_t(p.cell));
  for (int v :
       {p.input_size, p.hidden_size, p.proj_size, p.num_layers, p.output_size, p.fmt.wf, p.fmt.af})
    w.i32(v);
  w.str(p.note);
  w.u64(p.bias.size());
  for (int64_t v : p.bias) w.put<int64_t>(v);
  w.u32(uint32_t(p.init.size()));
  for (const BankInit& bi : p.init) {
    w.operand(bi.dst);
    w.u32(uint32_t(bi.values.size()));
    for (int16_t v : bi.values) w.put<int16_t>(v);
  }
  w.u32(uint32_t(p.words.size()));
  for (const MacroWord& mw : p.words) {
    w.u8(uint8_t(mw.sections.size()));
    for (const Section& s : mw.sections) put_section(w, s);
  }
  w.u32(uint32_t(p.mvms.size()));
  for (const MvmProgram& m : p.mvms) {
    w.u16(m.layer);
    w.u8(uint8_t(m.kind));
    for (int v : {m.rows, m.cols, m.bh, m.bw, m.BR, m.BC, m.iter_rows, m.iter_cols}) w.i32(v);
    w.u32(uint32_t(m.col_slices.size()));
    for (const ColumnSlice& cs : m.col_slices) {
      w.operand(cs.src);
      w.u16(cs.width);
    }
    w.u32(uint32_t(m.row_dest.size()));
    for (uint32_t d : m.row_dest) w.u32(d);
    w.u32(uint32_t(m.micro.size()));
    for (const GroupIteration& gi : m.micro) {
      w.u8(uint8_t(gi.share.order));
      w.i32(gi.share.h_rows);
      w.i32(gi.share.v_cols);
      w.i32(gi.share.hl_rows);
      w.i32(gi.share.vu_cols);
      w.u8(uint8_t(gi.items.size()));
      for (const MicroItem& it : gi.items) {
        w.u8(uint8_t(it.kind));
        w.u16(it.rows);
        w.u16(it.cols);
        w.u32(it.index_ptr);
        w.u32(it.weight_ptr);
      }
    }
    w.u32(uint32_t(m.images.size()));
    for (const GroupImage& g : m.images) {
      w.u64(g.weights.size());
      for (int16_t v : g.weights) w.put<int16_t>(v);
      w.u64(g.index.size());
      for (uint16_t v : g.index) w.u16(v);
    }
    w.u64(m.useful_macs);
    w.u32(m.stream.width);
    w.u32(uint32_t(m.stream.chunk_end.size()));
    for (uint32_t e : m.stream.chunk_end) w.u32(e);
    w.u32(uint32_t(m.stream.stages.size()));
    for (const MacroWord& st : m.stream.stages) {
      w.u8(uint8_t(st.sections.size()));
      for (const Section& x : st.sections) put_section(w, x);
    }
  }
  if (!p.output_perm.empty()) {
    w.u32(uint32_t(p.output_perm.size()));
    for (uint32_t v : p.output_perm) w.u32(v);
  }
  std::vector<uint8_t> out(kHeader + w.b.size());
  std::memcpy(out.data(), kProgramMagic, 8);
  put_u32le(out.data() + 8, kProgramVersion);
  put_u32le(out.data() + 12, (p.output_perm.empty() ? 0 : kFlagOutputPerm) |
                                 (p.resident_inputs ? kFlagResidentInputs : 0));
  put_u64le(out.data() + 16, w.b.size());
  put_u32le(out.data() + 24, crc32_of(w.b.data(), w.b.size()));
  std::memcpy(out.data() + kHeader, w.b.data(), w.b.size());
  return out;
}

bool is_program_file(const std::string& path) {
  return read_file_head(path, 8) == std::string(kProgramMagic, 8);
}

Program decode_program(const uint8_t* data, size_t size, const std::string& origin) {
  if (size < 8 || std::memcmp(data, kProgramMagic, 8) != 0)
    fail(origin, ": not a csbrnn program (bad magic)");
  if (size < kHeader) fail(origin, ": truncated program header");
  uint32_t version, flags, crc;
  uint64_t payload;
  std::memcpy(&version, data + 8, 4);
  std::memcpy(&flags, data + 12, 4);
  std::memcpy(&payload, data + 16, 8);
  std::memcpy(&crc, data + 24, 4);
  if (version > kProgramVersion)
    fail(origin, ": program version ", version, " is newer than this csbrnn reads (version ",
         kProgramVersion, "): written by a newer csbrnn");
  if (version != kProgramVersion)
    fail(origin, ": program version ", version, " (this csbrnn reads version ", kProgramVersion,
         "): recompile the model");
  if ((flags & ~(kFlagOutputPerm | kFlagResidentInputs)) != 0)
    fail(origin, ": unknown program flags ", flags);
  if (payload != size - kHeader)
    fail(origin, ": program length mismatch (header says ", payload, " payload bytes, file has ",
         size - kHeader, ")", payload > size - kHeader ? ": truncated" : "");
  if (crc32_of(data + kHeader, size_t(payload)) != crc)
    fail(origin, ": program checksum mismatch (corrupt file)");
  Reader r{data + kHeader, data + size, origin};
  Program p;
  p.hw = get_hw(r);
  p.cell = CellType(r.enum8(uint8_t(CellType::GRU), "cell type"));
  for (int* v : {&p.input_size, &p.hidden_size, &p.proj_size, &p.num_layers, &p.output_size,
                 &p.fmt.wf, &p.fmt.af})
    *v = r.i32("header");
  p.note = r.str("note");
  p.bias.resize(r.count(r.u64("bias"), 8, "bias"));
  for (auto& v : p.bias) v = r.get<int64_t>("bias");
  p.init.resize(r.count(r.u32("init"), 9, "init"));
  for (BankInit& bi : p.init) {
    bi.dst = r.operand("init bank");
    bi.values.resize(r.count(r.u32("init"), 2, "init values"));
    for (auto& v : bi.values) v = r.get<int16_t>("init");
  }
  p.words.resize(r.count(r.u32("words"), 1, "words"));
  for (MacroWord& mw : p.words) {
    mw.sections.resize(r.count(r.u8("word"), 23, "sections"));
    for (Section& s : mw.sections) s = get_section(r);
  }
  p.mvms.resize(r.count(r.u32("mvms"), 59, "mvms"));
  for (MvmProgram& m : p.mvms) {
    m.layer = r.u16("mvm");
    m.kind = MvmKind(r.enum8(uint8_t(MvmKind::Projection), "mvm kind"));
    for (int* v : {&m.rows, &m.cols, &m.bh, &m.bw, &m.BR, &m.BC, &m.iter_rows, &m.iter_cols})
      *v = r.i32("mvm");
    m.col_slices.resize(r.count(r.u32("slices"), 7, "column slices"));
    for (ColumnSlice& cs : m.col_slices) {
      cs.src = r.operand("slice bank");
      cs.width = r.u16("slice");
    }
    m.row_dest.resize(r.count(r.u32("row_dest"), 4, "row_dest"));
    for (auto& d : m.row_dest) d = r.u32("row_dest");
    m.micro.resize(r.count(r.u32("micro"), 18, "micro iterations"));
    for (GroupIteration& gi : m.micro) {
      gi.share.order = CutOrder(r.enum8(uint8_t(CutOrder::ColsFirst), "cut order"));
      gi.share.h_rows = r.i32("share");
      gi.share.v_cols = r.i32("share");
      gi.share.hl_rows = r.i32("share");
      gi.share.vu_cols = r.i32("share");
      gi.items.resize(r.count(r.u8("items"), 13, "items"));
      for (MicroItem& it : gi.items) {
        it.kind = ItemKind(r.enum8(uint8_t(ItemKind::FromDown), "item kind"));
        it.rows = r.u16("item");
        it.cols = r.u16("item");
        it.index_ptr = r.u32("item");
        it.weight_ptr = r.u32("item");
      }
    }
    m.images.resize(r.count(r.u32("images"), 16, "images"));
    for (GroupImage& g : m.images) {
      g.weights.resize(r.count(r.u64("weights"), 2, "weights"));
      for (auto& v : g.weights) v = r.get<int16_t>("weights");
      g.index.resize(r.count(r.u64("index"), 2, "index"));
      for (auto& v : g.index) v = r.u16("index");
    }
    m.useful_macs = r.u64("mvm");
    m.stream.width = r.u32("stream");
    m.stream.chunk_end.resize(r.count(r.u32("stream chunks"), 4, "stream chunks"));
    for (auto& e : m.stream.chunk_end) e = r.u32("stream chunks");
    m.stream.stages.resize(r.count(r.u32("stream stages"), 1, "stream stages"));
    for (MacroWord& st : m.stream.stages) {
      st.sections.resize(r.count(r.u8("stream stage"), 23, "stream sections"));
      for (Section& x : st.sections) x = get_section(r);
    }
  }
  if (flags & kFlagOutputPerm) {
    p.output_perm.resize(r.count(r.u32("output permutation"), 4, "output permutation"));
    for (auto& v : p.output_perm) v = r.u32("output permutation");
    if (p.output_perm.empty()) fail(origin, ": output permutation flag set but no entries");
  }
  if (r.left() != 0) fail(origin, ": ", r.left(), " trailing bytes after the program");
  p.resident_inputs = (flags & kFlagResidentInputs) != 0;
  check_program(p, origin);
  return p;
}

void save_program(const std::string& path, const Program& p) {
  write_file_atomic(path, encode_program(p));
}

Program load_program(const std::string& path) {
  const std::vector<uint8_t> b = read_file(path);
  return decode_program(b.data(), b.size(), path);
}

// ---- equality ----------------------------------------------------------------------------

namespace {
bool eq(const Operand& a, const Operand& b) {
  return a.bank == b.bank && a.addr == b.addr;
}
}  // namespace

static bool section_equal(const Section& x, const Section& y) {
  return x.unit == y.unit && x.op == y.op && eq(x.dst, y.dst) && eq(x.a, y.a) && eq(x.b, y.b) &&
         x.count == y.count && x.mvm == y.mvm;
}

bool program_equal(const Program& a, const Program& b, std::string* where) {
  auto diff = [&](const std::string& w) {
    if (where) *where = w;
    return false;
  };
  // The HwConfig is compared through its (complete, deterministic) serialization.
  Writer wa, wb;
  put_hw(wa, a.hw);
  put_hw(wb, b.hw);
  if (wa.b != wb.b) return diff("hw");
  if (a.cell != b.cell || a.input_size != b.input_size || a.hidden_size != b.hidden_size ||
      a.proj_size != b.proj_size || a.num_layers != b.num_layers ||
      a.output_size != b.output_size || a.fmt.wf != b.fmt.wf || a.fmt.af != b.fmt.af)
    return diff("header");
  if (a.note != b.note) return diff("note");
  if (a.output_perm != b.output_perm) return diff("output_perm");
  if (a.resident_inputs != b.resident_inputs) return diff("resident_inputs");
  if (a.bias != b.bias) return diff("bias");
  if (a.init.size() != b.init.size()) return diff("init");
  for (size_t i = 0; i < a.init.size(); ++i)
    if (!eq(a.init[i].dst, b.init[i].dst) || a.init[i].values != b.init[i].values)
      return diff("init " + std::to_string(i));
  if (a.words.size() != b.words.size()) return diff("word count");
  for (size_t i = 0; i < a.words.size(); ++i) {
    const auto &sa = a.words[i].sections, &sb = b.words[i].sections;
    if (sa.size() != sb.size()) return diff("word " + std::to_string(i));
    for (size_t j = 0; j < sa.size(); ++j)
      if (!section_equal(sa[j], sb[j]))
        return diff("word " + std::to_string(i) + " section " + std::to_string(j));
  }
  if (a.mvms.size() != b.mvms.size()) return diff("mvm count");
  for (size_t i = 0; i < a.mvms.size(); ++i) {
    const MvmProgram &x = a.mvms[i], &y = b.mvms[i];
    const std::string m = "mvm " + std::to_string(i);
    if (x.layer != y.layer || x.kind != y.kind || x.rows != y.rows || x.cols != y.cols ||
        x.bh != y.bh || x.bw != y.bw || x.BR != y.BR || x.BC != y.BC ||
        x.iter_rows != y.iter_rows || x.iter_cols != y.iter_cols || x.useful_macs != y.useful_macs)
      return diff(m + " header");
    if (x.col_slices.size() != y.col_slices.size()) return diff(m + " slices");
    for (size_t j = 0; j < x.col_slices.size(); ++j)
      if (!eq(x.col_slices[j].src, y.col_slices[j].src) ||
          x.col_slices[j].width != y.col_slices[j].width)
        return diff(m + " slice " + std::to_string(j));
    if (x.row_dest != y.row_dest) return diff(m + " row_dest");
    if (x.micro.size() != y.micro.size()) return diff(m + " micro");
    for (size_t j = 0; j < x.micro.size(); ++j) {
      const GroupIteration &g = x.micro[j], &h = y.micro[j];
      if (g.share.order != h.share.order || g.share.h_rows != h.share.h_rows ||
          g.share.v_cols != h.share.v_cols || g.share.hl_rows != h.share.hl_rows ||
          g.share.vu_cols != h.share.vu_cols || g.items.size() != h.items.size())
        return diff(m + " micro " + std::to_string(j));
      for (size_t t = 0; t < g.items.size(); ++t)
        if (g.items[t].kind != h.items[t].kind || g.items[t].rows != h.items[t].rows ||
            g.items[t].cols != h.items[t].cols || g.items[t].index_ptr != h.items[t].index_ptr ||
            g.items[t].weight_ptr != h.items[t].weight_ptr)
          return diff(m + " micro " + std::to_string(j) + " item " + std::to_string(t));
    }
    if (x.images.size() != y.images.size()) return diff(m + " images");
    for (size_t j = 0; j < x.images.size(); ++j)
      if (x.images[j].weights != y.images[j].weights || x.images[j].index != y.images[j].index)
        return diff(m + " image " + std::to_string(j));
    if (x.stream.width != y.stream.width || x.stream.chunk_end != y.stream.chunk_end ||
        x.stream.stages.size() != y.stream.stages.size())
      return diff(m + " stream");
    for (size_t j = 0; j < x.stream.stages.size(); ++j) {
      const auto &sa = x.stream.stages[j].sections, &sb = y.stream.stages[j].sections;
      if (sa.size() != sb.size()) return diff(m + " stream stage " + std::to_string(j));
      for (size_t t = 0; t < sa.size(); ++t)
        if (!section_equal(sa[t], sb[t]))
          return diff(m + " stream stage " + std::to_string(j) + " section " + std::to_string(t));
    }
  }
  return true;
}

// ---- disassembly -------------------------------------------------------------------------

const char* unit_name(Unit u) {
  static const char* n[] = {"load",  "engine",  "sum1", "sum2", "mult1",
                            "mult2", "sigmoid", "tanh", "store"};
  return uint8_t(u) < kUnitCount ? n[uint8_t(u)] : "?";
}
const char* op_name(Op o) {
  static const char* n[] = {"loadx", "mvm",     "biaswb", "add",  "sub",
                            "mul",   "sigmoid", "tanh",   "copy", "storey"};
  return uint8_t(o) <= uint8_t(Op::StoreY) ? n[uint8_t(o)] : "?";
}
const char* bank_name(Bank b) {
  static const char* n[] = {"A", "B", "C", "D", "E", "Acc", "Bias", "Dram"};
  return uint8_t(b) <= uint8_t(Bank::Dram) ? n[uint8_t(b)] : "?";
}
const char* item_kind_name(ItemKind k) {
  static const char* n[] = {"local", "from-left", "from-up", "from-right", "from-down"};
  return uint8_t(k) <= 4 ? n[uint8_t(k)] : "?";
}

namespace {
std::string opnd(const Operand& o) {
  return cat(bank_name(o.bank), "[", o.addr, "]");
}
}  // namespace

std::string disassemble(const Program& p, const DisasmOptions& opt) {
  std::ostringstream o;
  const auto& e = p.hw.engine;
  o << "; csbrnn program v" << kProgramVersion << ": " << cell_name(p.cell)
    << (p.proj_size > 0 ? "p" : "") << " input " << p.input_size << " hidden " << p.hidden_size
    << " proj " << p.proj_size << " layers " << p.num_layers << " output " << p.output_size
    << " wf " << p.fmt.wf << " af " << p.fmt.af << "\n";
  o << "; note: " << p.note << "\n";
  o << "; hw '" << p.hw.name << "': " << e.K << "x" << e.L << " groups of " << e.P << "x" << e.Q
    << " PEs at " << e.clock_mhz << " MHz, sharing " << sharing_name(p.hw.sharing)
    << ", vector banks " << p.hw.buffers.vector_buffer << " entries\n";
  if (p.resident_inputs)
    o << "; needs resident inputs (flag bit 1: streams write their MVM's inputs in place; "
         "engine.sync row-group or free)\n";
  for (size_t i = 0; i < p.mvms.size(); ++i) {
    const MvmProgram& m = p.mvms[i];
    o << "; mvm " << i << ": layer " << m.layer << " "
      << (m.kind == MvmKind::Gates ? "gates" : "projection") << " " << m.rows << " acc rows x "
      << m.cols << " cols, block " << m.bh << "x" << m.bw << ", grid " << m.BR << "x" << m.BC
      << ", iterations " << m.iter_rows << "x" << m.iter_cols << ", useful MACs " << m.useful_macs
      << "\n";
    o << ";   column slices:";
    for (const ColumnSlice& cs : m.col_slices) o << " " << opnd(cs.src) << "+" << cs.width;
    o << "\n";
  }
  o << "; bias bank: " << p.bias.size() << " entries\n";
  for (const BankInit& bi : p.init)
    o << "; init " << opnd(bi.dst) << " x" << bi.values.size() << "\n";
  auto print_section = [&](const Section& s, const char* indent) {
    o << indent << std::left << std::setw(8) << unit_name(s.unit) << std::setw(8) << op_name(s.op)
      << std::right;
    switch (s.op) {
      case Op::LoadX:
        o << opnd(s.dst) << " <- X[t][" << s.a.addr << "]";
        break;
      case Op::StoreY:
        o << "Y[t][" << s.dst.addr << "] <- " << opnd(s.a);
        break;
      case Op::Mvm:
        o << opnd(s.dst) << " <- mvm " << s.mvm;
        break;
      case Op::Sigmoid:
      case Op::Tanh:
      case Op::Copy:
        o << opnd(s.dst) << " <- " << opnd(s.a);
        break;
      default:
        o << opnd(s.dst) << " <- " << opnd(s.a) << ", " << opnd(s.b);
        break;
    }
    o << "  n=" << s.count << "\n";
  };
  for (size_t w = 0; w < p.words.size(); ++w) {
    o << "word " << w << ":\n";
    for (const Section& s : p.words[w].sections) {
      print_section(s, "  ");
      if (s.op != Op::Mvm || s.mvm >= p.mvms.size()) continue;
      const MvmStream& st = p.mvms[s.mvm].stream;
      if (st.empty()) continue;
      o << "    stream n=" << st.width << " chunks (end per row-group):";
      for (uint32_t end : st.chunk_end) o << " " << end;
      o << "\n";
      for (size_t j = 0; j < st.stages.size(); ++j) {
        o << "    stage " << j << ":\n";
        for (const Section& x : st.stages[j].sections) print_section(x, "      ");
      }
    }
  }
  if (opt.micro) {
    for (size_t i = 0; i < p.mvms.size(); ++i) {
      const MvmProgram& m = p.mvms[i];
      for (int a = 0; a < m.iter_rows; ++a)
        for (int b = 0; b < m.iter_cols; ++b) {
          o << "mvm " << i << " iteration (" << a << "," << b << "):\n";
          for (int k = 0; k < e.K; ++k)
            for (int l = 0; l < e.L; ++l) {
              const GroupIteration& gi = m.at(a, b, k, l, e.K, e.L);
              o << "  group (" << k << "," << l << ") share ";
              const GroupShare& sh = gi.share;
              if (sh.h_rows == 0 && sh.v_cols == 0 && sh.hl_rows == 0 && sh.vu_cols == 0) {
                o << "none:";
              } else {
                o << (sh.order == CutOrder::RowsFirst ? "rows-first" : "cols-first") << " h_rows "
                  << sh.h_rows << " v_cols " << sh.v_cols;
                if (sh.hl_rows || sh.vu_cols)
                  o << " hl_rows " << sh.hl_rows << " vu_cols " << sh.vu_cols;
                o << ":";
              }
              if (gi.items.empty()) o << " idle";
              for (const MicroItem& it : gi.items) {
                const int64_t tiles = (it.rows && it.cols) ? int64_t((it.rows + e.P - 1) / e.P) *
                                                                 ((it.cols + e.Q - 1) / e.Q)
                                                           : 0;
                o << " [" << item_kind_name(it.kind) << " " << it.rows << "x" << it.cols << " idx@"
                  << it.index_ptr << " w@" << it.weight_ptr << " tiles " << tiles << "]";
              }
              o << "\n";
            }
        }
    }
  }
  if (opt.images) {
    for (size_t i = 0; i < p.mvms.size(); ++i) {
      const MvmProgram& m = p.mvms[i];
      o << "mvm " << i << " row_dest:";
      for (uint32_t d : m.row_dest) {
        if (d == UINT32_MAX)
          o << " -";
        else
          o << " " << d;
      }
      o << "\n";
      for (size_t g = 0; g < m.images.size(); ++g) {
        const GroupImage& img = m.images[g];
        o << "mvm " << i << " group (" << g / e.L << "," << g % e.L << ") index["
          << img.index.size() << "]:";
        for (uint16_t v : img.index) o << " " << v;
        o << "\nmvm " << i << " group (" << g / e.L << "," << g % e.L << ") weights["
          << img.weights.size() << "]:";
        for (int16_t v : img.weights) o << " " << v;
        o << "\n";
      }
    }
    o << "bias[" << p.bias.size() << "]:";
    for (int64_t v : p.bias) o << " " << v;
    o << "\n";
  }
  return o.str();
}

}  // namespace csbrnn
