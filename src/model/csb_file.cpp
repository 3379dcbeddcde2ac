// The .csb container, versions 1 and 2 (2 adds the output permutation). docs/csb-format.md §3 is
// the byte-level spec; keep them in step.
#include "model/csb_file.h"

#include <cmath>
#include <cstring>
#include <fstream>

#include "common/error.h"
#include "common/file_util.h"

namespace csbrnn {

namespace {

constexpr uint8_t kMagic[8] = {'C', 'S', 'B', 'R', 'N', 'N', 0x00, 'M'};
constexpr size_t kFixedHeader = 44;  // bytes before the note
constexpr size_t kCrcBytes = 4;
// Largest model size (input/hidden/proj) the reader accepts: keeps every row/column count and
// G*H inside int with room to spare. Far above any RNN the machine targets.
constexpr uint32_t kMaxDim = 1u << 24;

// ---------------------------------------------------------------- writing (little-endian)

class Writer {
 public:
  void u8(uint8_t v) { buf_.push_back(v); }
  void u16(uint16_t v) {
    for (int i = 0; i < 2; ++i) buf_.push_back(uint8_t(v >> (8 * i)));
  }
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) buf_.push_back(uint8_t(v >> (8 * i)));
  }
  void u64(uint64_t v) {
    for (int i = 0; i < 8; ++i) buf_.push_back(uint8_t(v >> (8 * i)));
  }
  void f32(float f) {
    uint32_t v;
    std::memcpy(&v, &f, 4);
    u32(v);
  }
  void bytes(const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    buf_.insert(buf_.end(), b, b + n);
  }
  void patch_u64(size_t at, uint64_t v) {
    for (int i = 0; i < 8; ++i) buf_[at + i] = uint8_t(v >> (8 * i));
  }
  size_t size() const { return buf_.size(); }
  std::vector<uint8_t>& buf() { return buf_; }

 private:
  std::vector<uint8_t> buf_;
};

void write_matrix(Writer& w, const CsbMatrix& c) {
  w.u32(uint32_t(c.rows));
  w.u32(uint32_t(c.cols));
  w.u16(uint16_t(c.bh));
  w.u16(uint16_t(c.bw));
  for (const CsbBlock& b : c.blocks) {
    w.u16(uint16_t(b.rows.size()));
    w.u16(uint16_t(b.cols.size()));
    for (uint16_t r : b.rows) w.u16(r);
    for (uint16_t k : b.cols) w.u16(k);
    for (float v : b.values) w.f32(v);
  }
}

void write_floats(Writer& w, const std::vector<float>& v) {
  w.u32(uint32_t(v.size()));
  for (float x : v) w.f32(x);
}

// ---------------------------------------------------------------- reading

// Bounds-checked little-endian reader over [pos, end). Every count read from the file is checked
// against the bytes that remain before anything is allocated for it.
class Reader {
 public:
  Reader(const uint8_t* data, size_t end, const std::string& origin)
      : p_(data), end_(end), origin_(origin) {}

  size_t pos() const { return pos_; }
  size_t remaining() const { return end_ - pos_; }

  void need(uint64_t n, const char* what) {
    if (n > remaining())
      fail(origin_, ": truncated or corrupt ", what, " at byte ", pos_, " (needs ", n, " bytes, ",
           remaining(), " left)");
  }
  uint8_t u8(const char* what) {
    need(1, what);
    return p_[pos_++];
  }
  uint16_t u16(const char* what) {
    need(2, what);
    const uint16_t v = uint16_t(p_[pos_] | (p_[pos_ + 1] << 8));
    pos_ += 2;
    return v;
  }
  uint32_t u32(const char* what) {
    need(4, what);
    return u32_unchecked();
  }
  float f32_unchecked() {
    const uint32_t v = u32_unchecked();
    float f;
    std::memcpy(&f, &v, 4);
    return f;
  }
  uint16_t u16_unchecked() {
    const uint16_t v = uint16_t(p_[pos_] | (p_[pos_ + 1] << 8));
    pos_ += 2;
    return v;
  }
  std::string str(size_t n, const char* what) {
    need(n, what);
    std::string s(reinterpret_cast<const char*>(p_ + pos_), n);
    pos_ += n;
    return s;
  }

 private:
  uint32_t u32_unchecked() {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= uint32_t(p_[pos_ + i]) << (8 * i);
    pos_ += 4;
    return v;
  }
  const uint8_t* p_;
  size_t end_;
  size_t pos_ = 0;
  const std::string& origin_;
};

uint32_t get_u32(const uint8_t* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}
uint64_t get_u64(const uint8_t* p) {
  return uint64_t(get_u32(p)) | uint64_t(get_u32(p + 4)) << 32;
}

CsbMatrix read_matrix(Reader& r, int want_rows, int want_cols, const std::string& origin,
                      const std::string& name) {
  const std::string what = origin + ": " + name;
  CsbMatrix c;
  const uint32_t rows = r.u32("matrix header"), cols = r.u32("matrix header");
  const uint16_t bh = r.u16("matrix header"), bw = r.u16("matrix header");
  if (rows != uint32_t(want_rows) || cols != uint32_t(want_cols))
    fail(what, " has shape (", rows, ", ", cols, "), expected (", want_rows, ", ", want_cols, ")");
  if (bh == 0 || bw == 0) fail(what, ": block size ", bh, "x", bw, " (each side must be >= 1)");
  c.rows = want_rows;
  c.cols = want_cols;
  c.bh = bh;
  c.bw = bw;
  const uint64_t nblocks = uint64_t(c.block_rows()) * uint64_t(c.block_cols());
  // Every block takes at least its 4-byte kr/kc header.
  if (nblocks > r.remaining() / 4)
    fail(what, ": ", nblocks, " blocks cannot fit in the ", r.remaining(),
         " bytes left (truncated or corrupt)");
  c.blocks.resize(nblocks);
  for (uint64_t n = 0; n < nblocks; ++n) {
    CsbBlock& b = c.blocks[n];
    const uint16_t kr = r.u16("block header"), kc = r.u16("block header");
    const int bi = int(n / uint64_t(c.block_cols())), bj = int(n % uint64_t(c.block_cols()));
    if (kr > bh || kc > bw)
      fail(what, ": block (", bi, ",", bj, "): kernel ", kr, "x", kc, " larger than the block ", bh,
           "x", bw);
    const uint64_t body = 2 * uint64_t(kr) + 2 * uint64_t(kc) + 4 * uint64_t(kr) * uint64_t(kc);
    if (body > r.remaining())
      fail(what, ": block (", bi, ",", bj, "): kernel ", kr, "x", kc, " needs ", body,
           " bytes, only ", r.remaining(), " left (truncated or corrupt)");
    b.rows.resize(kr);
    b.cols.resize(kc);
    b.values.resize(size_t(kr) * kc);
    for (auto& x : b.rows) x = r.u16_unchecked();
    for (auto& x : b.cols) x = r.u16_unchecked();
    for (auto& v : b.values) v = r.f32_unchecked();
  }
  check_csb(c, what);
  return c;
}

std::vector<float> read_floats(Reader& r, int want, const std::string& what) {
  const uint32_t n = r.u32("vector length");
  if (n != uint32_t(want)) fail(what, " has ", n, " elements, expected ", want);
  r.need(4 * uint64_t(n), "vector");
  std::vector<float> v(n);
  for (auto& x : v) {
    x = r.f32_unchecked();
    if (!std::isfinite(x)) fail(what, " contains NaN or Inf");
  }
  return v;
}

}  // namespace

std::vector<uint8_t> encode_csb_model(const CsbModel& m) {
  validate_csb_model(m, "encode_csb_model");
  if (uint32_t(m.input_size) > kMaxDim || uint32_t(m.hidden_size) > kMaxDim)
    fail("encode_csb_model: model sizes above ", kMaxDim, " are not supported by the container");
  Writer w;
  w.bytes(kMagic, 8);
  // Version 1 when the output order is the identity: such files stay byte-identical to the
  // ones every earlier csbrnn wrote (and readable by it); version 2 only when there is a
  // permutation to store.
  w.u32(m.output_perm.empty() ? 1u : kCsbVersion);
  const size_t length_at = w.size();
  w.u64(0);  // total length, patched below
  w.u8(m.cell == CellType::LSTM ? 0 : 1);
  w.u8(m.has_bias ? 1 : 0);
  w.u16(0);  // reserved
  w.u32(uint32_t(m.num_layers()));
  w.u32(uint32_t(m.input_size));
  w.u32(uint32_t(m.hidden_size));
  w.u32(uint32_t(m.proj_size));
  w.u32(uint32_t(m.note.size()));
  w.bytes(m.note.data(), m.note.size());
  for (const CsbLayer& L : m.layers) {
    write_matrix(w, L.w_ih);
    write_matrix(w, L.w_hh);
    if (m.proj_size > 0) write_matrix(w, L.w_hr);
    if (m.has_bias) {
      write_floats(w, L.b_ih);
      write_floats(w, L.b_hh);
    }
  }
  if (!m.output_perm.empty()) {
    w.u32(uint32_t(m.output_perm.size()));
    for (uint32_t v : m.output_perm) w.u32(v);
  }
  w.patch_u64(length_at, uint64_t(w.size()) + kCrcBytes);
  const uint32_t crc = crc32_of(w.buf().data(), w.size());
  w.u32(crc);
  return std::move(w.buf());
}

CsbModel decode_csb_model(const uint8_t* data, size_t size, const std::string& origin) {
  // 1. Magic (a short file that matches the magic so far is a truncated container).
  if (size < 8) {
    if (size > 0 && std::memcmp(data, kMagic, size) == 0)
      fail(origin, ": truncated CSB container (", size, " bytes)");
    fail(origin, ": not a csbrnn CSB model (bad magic)");
  }
  if (std::memcmp(data, kMagic, 8) != 0) fail(origin, ": not a csbrnn CSB model (bad magic)");
  // 2. Version: the only field whose place is fixed for every version.
  if (size < 12) fail(origin, ": truncated CSB container (", size, " bytes)");
  const uint32_t version = get_u32(data + 8);
  if (version > kCsbVersion)
    fail(origin, ": CSB container version ", version, " is newer than this csbrnn reads (version ",
         kCsbVersion, "): written by a newer csbrnn");
  if (version < 1)
    fail(origin, ": unsupported CSB container version ", version,
         " (this csbrnn reads versions 1..", kCsbVersion, ")");
  // 3. Total length: catches truncation and trailing bytes before anything else is trusted.
  if (size < kFixedHeader + kCrcBytes) fail(origin, ": truncated CSB container (", size, " bytes)");
  const uint64_t length = get_u64(data + 12);
  if (length != size) {
    if (size < length)
      fail(origin, ": truncated CSB container (", size, " bytes, header says ", length, ")");
    fail(origin, ": ", size - length, " bytes of trailing garbage after the CSB container (",
         "header says ", length, " bytes)");
  }
  // 4. Checksum over everything before the CRC field.
  const uint32_t stored = get_u32(data + size - kCrcBytes);
  if (crc32_of(data, size - kCrcBytes) != stored)
    fail(origin, ": checksum mismatch (file corrupt)");

  // 5. Structure. The checksum proves nothing against a hand-made file, so every count is still
  // checked against the remaining bytes before it is used.
  Reader r(data, size - kCrcBytes, origin);
  r.str(20, "header");  // magic, version, length: checked above
  CsbModel m;
  const uint8_t cell = r.u8("header"), has_bias = r.u8("header");
  const uint16_t reserved = r.u16("header");
  if (cell > 1) fail(origin, ": unknown cell type code ", int(cell), " (0 = lstm, 1 = gru)");
  if (has_bias > 1) fail(origin, ": has_bias flag is ", int(has_bias), ", expected 0 or 1");
  if (reserved != 0) fail(origin, ": reserved header field is ", reserved, ", expected 0");
  m.cell = cell == 0 ? CellType::LSTM : CellType::GRU;
  m.has_bias = has_bias == 1;
  const uint32_t layers = r.u32("header"), in = r.u32("header"), hid = r.u32("header"),
                 proj = r.u32("header");
  if (layers == 0) fail(origin, ": model has no layers");
  if (in == 0 || hid == 0 || in > kMaxDim || hid > kMaxDim || proj > kMaxDim)
    fail(origin, ": model sizes out of range (input ", in, ", hidden ", hid, ", proj ", proj,
         "; each 1..", kMaxDim, ")");
  m.input_size = int(in);
  m.hidden_size = int(hid);
  m.proj_size = int(proj);
  if (m.proj_size > 0 && m.cell != CellType::LSTM)
    fail(origin, ": proj_size is only valid for LSTM");
  if (m.proj_size > 0 && m.proj_size >= m.hidden_size)
    fail(origin, ": proj_size (", m.proj_size, ") must be < hidden_size (", m.hidden_size, ")");
  const uint32_t note_len = r.u32("header");
  m.note = r.str(note_len, "note");
  // Each layer holds at least two 12-byte matrix headers.
  if (layers > r.remaining() / 24)
    fail(origin, ": ", layers, " layers cannot fit in the ", r.remaining(),
         " bytes left (truncated or corrupt)");
  const int gh = gate_count(m.cell) * m.hidden_size;
  m.layers.resize(layers);
  for (uint32_t k = 0; k < layers; ++k) {
    CsbLayer& L = m.layers[k];
    const int kk = int(k);
    L.w_ih = read_matrix(r, gh, m.layer_input_size(kk), origin, param_name("weight_ih", kk));
    L.w_hh = read_matrix(r, gh, m.state_size(), origin, param_name("weight_hh", kk));
    if (m.proj_size > 0)
      L.w_hr = read_matrix(r, m.proj_size, m.hidden_size, origin, param_name("weight_hr", kk));
    if (m.has_bias) {
      L.b_ih = read_floats(r, gh, origin + ": " + param_name("bias_ih", kk));
      L.b_hh = read_floats(r, gh, origin + ": " + param_name("bias_hh", kk));
    }
  }
  if (version >= 2) {
    const uint32_t n = r.u32("output permutation");
    if (n != uint32_t(m.state_size()))
      fail(origin, ": output permutation has ", n, " entries, expected ", m.state_size(),
           " (the output size)");
    r.need(4 * uint64_t(n), "output permutation");
    m.output_perm.resize(n);
    for (auto& v : m.output_perm) v = r.u32("output permutation");
    check_output_perm(m.output_perm, m.state_size(), origin);
  }
  if (r.remaining() != 0)
    fail(origin, ": ", r.remaining(), " unexpected bytes after the last layer (corrupt container)");
  validate_csb_model(m, origin);
  return m;
}

void save_csb_model(const std::string& path, const CsbModel& m) {
  validate_csb_model(m, path);
  write_file_atomic(path, encode_csb_model(m));
}

CsbModel load_csb_model(const std::string& path) {
  const std::vector<uint8_t> bytes = read_file(path);
  return decode_csb_model(bytes.data(), bytes.size(), path);
}

bool is_csb_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  char buf[8];
  if (!in.read(buf, 8)) return false;
  return std::memcmp(buf, kMagic, 8) == 0;
}

}  // namespace csbrnn
