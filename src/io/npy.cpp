// .npy reading and writing. Format reference: numpy/lib/format.py (NEP 1): magic "\x93NUMPY",
// major/minor version bytes, a little-endian header length (2 bytes in 1.0, 4 bytes in 2.0/3.0),
// then an ASCII (3.0: UTF-8) Python dict literal with the keys 'descr', 'fortran_order' and
// 'shape', padded with spaces and ended by '\n', then the raw array data.
#include "io/npy.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>

#include "common/error.h"
#include "common/file_util.h"

namespace csbrnn {

int64_t Tensor::numel() const {
  // 0 when any dimension is 0, whatever the others (parse_npy accepts an empty array with huge
  // other dimensions; a running product would overflow); otherwise bounded by parse_npy
  if (std::find(shape.begin(), shape.end(), int64_t(0)) != shape.end()) return 0;
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

namespace {

constexpr int64_t kMaxElements = int64_t(1) << 34;  // 16 Gi elements: refuse anything larger
const char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;
constexpr size_t kMaxDims = 32;  // numpy's own limit

// ---- header dict literal parser ------------------------------------------------------------

struct HeaderValue {
  enum Kind { String, Bool, IntTuple, Other } kind = Other;
  std::string str;
  bool boolean = false;
  std::vector<int64_t> ints;
};

class DictParser {
 public:
  DictParser(const std::string& text, const std::string& origin) : s_(text), origin_(origin) {}

  std::vector<std::pair<std::string, HeaderValue>> parse() {
    std::vector<std::pair<std::string, HeaderValue>> out;
    skip_ws();
    expect('{');
    skip_ws();
    while (peek() != '}') {
      std::string key = parse_string();
      if (key != "descr" && key != "fortran_order" && key != "shape")
        fail(origin_, ": malformed .npy header (unexpected key '", key, "')");
      skip_ws();
      expect(':');
      skip_ws();
      HeaderValue v = parse_value(key);
      out.emplace_back(std::move(key), std::move(v));
      skip_ws();
      if (peek() == ',') {
        ++pos_;
        skip_ws();
      } else if (peek() != '}') {
        bad("expected ',' or '}'");
      }
    }
    ++pos_;
    skip_ws();
    if (pos_ != s_.size()) bad("unexpected text after the header dict");
    return out;
  }

 private:
  [[noreturn]] void bad(const std::string& what) const {
    fail(origin_, ": malformed .npy header (", what, " at offset ", pos_, ")");
  }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void skip_ws() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
      ++pos_;
  }
  void expect(char c) {
    if (peek() != c) bad(std::string("expected '") + c + "'");
    ++pos_;
  }
  std::string parse_string() {
    const char q = peek();
    if (q != '\'' && q != '"') bad("expected a quoted string");
    ++pos_;
    std::string out;
    while (true) {
      if (pos_ >= s_.size()) bad("unterminated string");
      const char c = s_[pos_++];
      if (c == q) break;
      if (c == '\\') {
        if (pos_ >= s_.size()) bad("unterminated string");
        out += s_[pos_++];
      } else {
        out += c;
      }
    }
    return out;
  }
  int64_t parse_int() {
    size_t start = pos_;
    int64_t v = 0;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
      const int d = s_[pos_] - '0';
      if (v > (std::numeric_limits<int64_t>::max() - d) / 10)
        fail(origin_, ": .npy header shape dimension is absurdly large");
      v = v * 10 + d;
      ++pos_;
    }
    if (pos_ == start) {
      if (peek() == '-') fail(origin_, ": .npy header has a negative shape dimension");
      bad("expected a non-negative integer");
    }
    if (peek() == 'L' || peek() == 'l') ++pos_;  // Python 2 long suffix
    return v;
  }
  HeaderValue parse_value(const std::string& key) {
    HeaderValue v;
    const char c = peek();
    if (c == '\'' || c == '"') {
      v.kind = HeaderValue::String;
      v.str = parse_string();
    } else if (s_.compare(pos_, 4, "True") == 0) {
      v.kind = HeaderValue::Bool;
      v.boolean = true;
      pos_ += 4;
    } else if (s_.compare(pos_, 5, "False") == 0) {
      v.kind = HeaderValue::Bool;
      v.boolean = false;
      pos_ += 5;
    } else if (c == '(' || (c == '[' && key == "shape")) {
      const char close = c == '(' ? ')' : ']';
      ++pos_;
      v.kind = HeaderValue::IntTuple;
      skip_ws();
      while (peek() != close) {
        v.ints.push_back(parse_int());
        skip_ws();
        if (peek() == ',') {
          ++pos_;
          skip_ws();
        } else if (peek() != close) {
          bad("expected ',' or closing bracket in shape");
        }
      }
      ++pos_;
    } else if (c == '[' && key == "descr") {
      fail(origin_, ": structured (record) dtypes are not supported; save a plain numeric array");
    } else {
      bad("unsupported value for '" + key + "'");
    }
    return v;
  }

  const std::string& s_;
  const std::string& origin_;
  size_t pos_ = 0;
};

// ---- element conversion --------------------------------------------------------------------

float half_to_float(uint16_t h) {
  const uint32_t sign = (h >> 15) & 1u;
  const uint32_t exp = (h >> 10) & 0x1fu;
  const uint32_t mant = h & 0x3ffu;
  float mag;
  if (exp == 0) {
    mag = std::ldexp(static_cast<float>(mant), -24);  // zero or subnormal: mant * 2^-24
  } else if (exp == 31) {
    mag = mant == 0 ? std::numeric_limits<float>::infinity()
                    : std::numeric_limits<float>::quiet_NaN();
  } else {
    mag = std::ldexp(static_cast<float>(mant | 0x400u), static_cast<int>(exp) - 25);
  }
  return sign ? -mag : mag;
}

template <class T>
T load_le(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));  // the host is little-endian (checked below)
  return v;
}

bool host_is_little_endian() {
  const uint16_t one = 1;
  uint8_t b;
  std::memcpy(&b, &one, 1);
  return b == 1;
}

enum class Kind { F2, F4, F8, I1, U1, I2, I4, I8 };

struct DType {
  Kind kind;
  size_t size;
};

DType parse_descr(const std::string& descr, const std::string& origin) {
  if (descr.size() < 2)
    fail(origin, ": unsupported dtype '", descr, "' (supported: <f4 <f8 <f2 <i2 <i4 <i8 |i1 |u1)");
  const char order = descr[0];
  const std::string code = descr.substr(1);
  static const struct {
    const char* code;
    Kind kind;
    size_t size;
  } table[] = {{"f2", Kind::F2, 2}, {"f4", Kind::F4, 4}, {"f8", Kind::F8, 8}, {"i1", Kind::I1, 1},
               {"u1", Kind::U1, 1}, {"i2", Kind::I2, 2}, {"i4", Kind::I4, 4}, {"i8", Kind::I8, 8}};
  for (const auto& e : table) {
    if (code != e.code) continue;
    if (order == '>' && e.size > 1)
      fail(origin, ": big-endian dtype '", descr, "' is not supported; convert with arr.astype('<",
           code, "') before saving");
    if (order != '<' && order != '|' && order != '=' && order != '>')
      fail(origin, ": dtype '", descr, "' has an unknown byte-order mark '", order, "'");
    return {e.kind, e.size};
  }
  fail(origin, ": unsupported dtype '", descr, "' (supported: <f4 <f8 <f2 <i2 <i4 <i8 |i1 |u1)");
}

float element(const uint8_t* p, Kind k) {
  switch (k) {
    case Kind::F2:
      return half_to_float(load_le<uint16_t>(p));
    case Kind::F4:
      return load_le<float>(p);
    case Kind::F8:
      return static_cast<float>(load_le<double>(p));
    case Kind::I1:
      return static_cast<float>(static_cast<int8_t>(p[0]));
    case Kind::U1:
      return static_cast<float>(p[0]);
    case Kind::I2:
      return static_cast<float>(load_le<int16_t>(p));
    case Kind::I4:
      return static_cast<float>(load_le<int32_t>(p));
    case Kind::I8:
      return static_cast<float>(load_le<int64_t>(p));
  }
  return 0.0f;
}

}  // namespace

bool is_npy_file(const std::string& path) {
  return read_file_head(path, 6) == std::string("\x93NUMPY", 6);
}

bool is_npz_file(const std::string& path) {
  return read_file_head(path, 2) == "PK";
}

std::string shape_str(const std::vector<int64_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    s += std::to_string(shape[i]);
    if (i + 1 < shape.size() || shape.size() == 1) s += ",";
    if (i + 1 < shape.size()) s += " ";
  }
  return s + ")";
}

Tensor parse_npy(const uint8_t* data, size_t size, const std::string& origin) {
  if (!host_is_little_endian())
    fail(origin, ": .npy reading is only implemented on little-endian hosts");
  if (size < kMagicLen && std::memcmp(data, kMagic, size) == 0)
    fail(origin, ": truncated .npy file (", size, " bytes)");
  if (size < kMagicLen || std::memcmp(data, kMagic, kMagicLen) != 0)
    fail(origin, ": not a .npy file (bad magic)");
  if (size < 10) fail(origin, ": truncated .npy file (", size, " bytes)");
  const int major = data[6];
  size_t header_len, header_start;
  if (major == 1) {
    header_len = size_t(data[8]) | (size_t(data[9]) << 8);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (size < 12) fail(origin, ": truncated .npy file (", size, " bytes)");
    header_len = size_t(data[8]) | (size_t(data[9]) << 8) | (size_t(data[10]) << 16) |
                 (size_t(data[11]) << 24);
    header_start = 12;
  } else {
    fail(origin, ": unsupported .npy format version ", major, ".", int(data[7]));
  }
  if (header_len > size - header_start)
    fail(origin, ": truncated .npy file (header of ", header_len, " bytes, only ",
         size - header_start, " present)");
  const std::string header(reinterpret_cast<const char*>(data + header_start), header_len);
  for (unsigned char c : header)
    if (c == 0 || (major < 3 && c >= 0x80))
      fail(origin, ": malformed .npy header (non-ASCII byte)");

  bool have_descr = false, have_order = false, have_shape = false;
  std::string descr;
  bool fortran = false;
  std::vector<int64_t> shape;
  for (auto& [key, v] : DictParser(header, origin).parse()) {
    if (key == "descr") {
      if (have_descr) fail(origin, ": malformed .npy header (duplicate 'descr')");
      if (v.kind != HeaderValue::String)
        fail(origin, ": malformed .npy header ('descr' must be a string)");
      descr = v.str;
      have_descr = true;
    } else if (key == "fortran_order") {
      if (have_order) fail(origin, ": malformed .npy header (duplicate 'fortran_order')");
      if (v.kind != HeaderValue::Bool)
        fail(origin, ": malformed .npy header ('fortran_order' must be True or False)");
      fortran = v.boolean;
      have_order = true;
    } else if (key == "shape") {
      if (have_shape) fail(origin, ": malformed .npy header (duplicate 'shape')");
      if (v.kind != HeaderValue::IntTuple)
        fail(origin, ": malformed .npy header ('shape' must be a tuple of integers)");
      shape = v.ints;
      have_shape = true;
    } else {
      fail(origin, ": malformed .npy header (unexpected key '", key, "')");
    }
  }
  if (!have_descr || !have_order || !have_shape)
    fail(origin, ": malformed .npy header (missing '",
         !have_descr   ? "descr"
         : !have_order ? "fortran_order"
                       : "shape",
         "')");
  if (shape.size() > kMaxDims)
    fail(origin, ": .npy array has ", shape.size(), " dimensions (max ", kMaxDims, ")");
  const DType dt = parse_descr(descr, origin);

  // An array with a zero-length dimension is empty whatever its other dimensions are.
  const bool empty = std::find(shape.begin(), shape.end(), int64_t(0)) != shape.end();
  int64_t n = empty ? 0 : 1;
  for (int64_t d : shape) {
    if (empty) break;
    if (n > kMaxElements / d)
      fail(origin, ": .npy shape ", shape_str(shape),
           " is absurdly large (more than 2^34 elements)");
    n *= d;
  }
  if (n > kMaxElements)
    fail(origin, ": .npy shape ", shape_str(shape), " is absurdly large (more than 2^34 elements)");
  const size_t data_start = header_start + header_len;
  const size_t present = size - data_start;
  const uint64_t needed = uint64_t(n) * dt.size;  // <= 2^37, no overflow
  if (present != needed)
    fail(origin, ": ", present < needed ? "truncated .npy data" : "trailing bytes after .npy data",
         " (shape ", shape_str(shape), " of ", descr, " needs ", needed, " bytes, file has ",
         present, ")");

  Tensor t;
  t.shape = shape;
  t.source_dtype = descr;
  t.data.resize(static_cast<size_t>(n));
  const uint8_t* src = data + data_start;
  if (dt.kind == Kind::F4 && (!fortran || shape.size() < 2)) {
    if (n > 0) std::memcpy(t.data.data(), src, size_t(n) * 4);  // little-endian host
  } else if (!fortran || shape.size() < 2) {
    for (int64_t i = 0; i < n; ++i) t.data[size_t(i)] = element(src + size_t(i) * dt.size, dt.kind);
  } else if (n > 0) {
    // Walk the file in Fortran order (first index fastest) and place each element at its C
    // offset. C strides: stride[last] = 1. With n > 0 every dimension is >= 1, so every partial
    // product is <= n <= 2^34 (a zero-length dimension beside huge ones would overflow int64).
    const size_t nd = shape.size();
    std::array<int64_t, kMaxDims> cstride{};
    int64_t s = 1;
    for (size_t k = nd; k-- > 0;) {
      cstride[k] = s;
      s *= shape[k];
    }
    std::array<int64_t, kMaxDims> idx{};
    int64_t coff = 0;
    for (int64_t i = 0; i < n; ++i) {
      t.data[size_t(coff)] = element(src + size_t(i) * dt.size, dt.kind);
      for (size_t k = 0; k < nd; ++k) {  // increment the Fortran multi-index
        ++idx[k];
        coff += cstride[k];
        if (idx[k] < shape[k]) break;
        coff -= idx[k] * cstride[k];
        idx[k] = 0;
      }
    }
  }
  return t;
}

Tensor load_npy(const std::string& path) {
  const auto bytes = read_file(path);
  return parse_npy(bytes.data(), bytes.size(), path);
}

std::vector<uint8_t> encode_npy(const Tensor& t, const std::string& dtype) {
  if (dtype != "<f4" && dtype != "<i2")
    fail("cannot write .npy dtype '", dtype, "' (supported for writing: <f4, <i2)");
  // the element count: 0 when any dimension is 0, whatever the others (an empty array may have
  // huge other dimensions, which would overflow a running product)
  bool empty = false;
  for (int64_t d : t.shape) {
    CSBRNN_ASSERT(d >= 0, "negative tensor dimension");
    empty = empty || d == 0;
  }
  int64_t n = empty ? 0 : 1;
  for (int64_t d : t.shape)
    CSBRNN_ASSERT(empty || !__builtin_mul_overflow(n, d, &n), "tensor shape ", shape_str(t.shape),
                  " has more elements than int64 holds");
  CSBRNN_ASSERT(static_cast<size_t>(n) == t.data.size(), "tensor data size ", t.data.size(),
                " does not match shape ", shape_str(t.shape));

  std::string dict =
      "{'descr': '" + dtype + "', 'fortran_order': False, 'shape': " + shape_str(t.shape) + ", }";
  // numpy pads so that magic + length + header is a multiple of 64, ending in '\n'.
  size_t prefix = 10;
  size_t total = prefix + dict.size() + 1;
  if (total % 64) total += 64 - total % 64;
  size_t hlen = total - prefix;
  int major = 1;
  if (hlen > 65535) {
    major = 2;
    prefix = 12;
    total = prefix + dict.size() + 1;
    if (total % 64) total += 64 - total % 64;
    hlen = total - prefix;
  }
  dict.append(hlen - dict.size() - 1, ' ');
  dict += '\n';

  const size_t item = dtype == "<f4" ? 4 : 2;
  std::string head(kMagic, kMagicLen);
  head += static_cast<char>(major);
  head += '\0';
  for (size_t b = 0; b < prefix - 8; ++b) head += static_cast<char>((hlen >> (8 * b)) & 0xff);
  head += dict;
  const size_t data_start = head.size();
  std::vector<uint8_t> out(data_start + size_t(n) * item);
  std::memcpy(out.data(), head.data(), data_start);
  uint8_t* dst = out.data() + data_start;
  if (item == 4) {
    for (size_t i = 0; i < size_t(n); ++i) {
      uint32_t bits;
      std::memcpy(&bits, &t.data[i], 4);
      for (int b = 0; b < 4; ++b) dst[4 * i + b] = static_cast<uint8_t>(bits >> (8 * b));
    }
  } else {
    for (size_t i = 0; i < size_t(n); ++i) {
      const float v = t.data[i];
      if (!(v > -32768.5f && v < 32767.5f))
        fail("cannot write value ", v, " at index ", i, " as int16 (out of range or NaN)");
      const auto q = static_cast<uint16_t>(static_cast<int16_t>(std::lround(v)));
      dst[2 * i] = static_cast<uint8_t>(q & 0xff);
      dst[2 * i + 1] = static_cast<uint8_t>(q >> 8);
    }
  }
  return out;
}

void save_npy(const std::string& path, const Tensor& t, const std::string& dtype) {
  std::vector<uint8_t> bytes;
  try {
    bytes = encode_npy(t, dtype);
  } catch (const Error& e) {
    fail(path, ": ", e.what());
  }
  write_file_atomic(path, bytes);
}

}  // namespace csbrnn
