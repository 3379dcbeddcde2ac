// NumPy .npy / .npz reading and writing (format 1.0/2.0/3.0 headers), compatible with numpy.save,
// numpy.savez (stored) and numpy.savez_compressed (deflated).
//
// Reading accepts little-endian float32, float64, float16, int16, int32 (and int8/uint8/int64 as
// a courtesy), C or Fortran order; data is converted to float32, C order. Every malformed input
// (bad magic, truncated data, header lies, absurd dimensions, big-endian, unsupported dtype)
// throws csbrnn::Error naming the file (and the npz member).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace csbrnn {

struct Tensor {
  std::vector<int64_t> shape;  // numpy shape; () for a scalar
  std::vector<float> data;     // C order, product(shape) elements
  std::string source_dtype;    // dtype as it was in the file, e.g. "<f4", "<i2"

  int64_t numel() const;
  int dims() const { return static_cast<int>(shape.size()); }
};

/// A shape as numpy prints it: "(5, 39)", "(5,)", "()".
std::string shape_str(const std::vector<int64_t>& shape);

/// True when the file starts with the .npy magic "\x93NUMPY" / the zip magic "PK" of an .npz.
bool is_npy_file(const std::string& path);
bool is_npz_file(const std::string& path);

/// Parses the bytes of one .npy file; `origin` names it in errors ("w.npz:weight_ih_l0.npy").
Tensor parse_npy(const uint8_t* data, size_t size, const std::string& origin);
Tensor load_npy(const std::string& path);

/// Encodes float32 ("<f4") or int16 ("<i2", values rounded) .npy bytes.
std::vector<uint8_t> encode_npy(const Tensor& t, const std::string& dtype = "<f4");
void save_npy(const std::string& path, const Tensor& t, const std::string& dtype = "<f4");

/// Loads every member of an .npz archive, keyed by name without the ".npy" suffix.
std::map<std::string, Tensor> load_npz(const std::string& path);
/// Writes an .npz (deflated when `compress`), atomically.
void save_npz(const std::string& path, const std::map<std::string, Tensor>& arrays,
              bool compress = true);

}  // namespace csbrnn
