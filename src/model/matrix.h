// Dense row-major float matrix (weights as PyTorch stores them: rows = outputs, cols = inputs).
#pragma once
#include <cstddef>
#include <vector>

namespace csbrnn {

struct Matrix {
  int rows = 0;
  int cols = 0;
  std::vector<float> data;  // row-major, rows*cols

  Matrix() = default;
  Matrix(int r, int c, float fill = 0.0f) : rows(r), cols(c), data(size_t(r) * size_t(c), fill) {}
  float& at(int r, int c) { return data[size_t(r) * size_t(cols) + size_t(c)]; }
  float at(int r, int c) const { return data[size_t(r) * size_t(cols) + size_t(c)]; }
  bool empty() const { return rows == 0 || cols == 0; }
  size_t size() const { return data.size(); }
};

}  // namespace csbrnn
