// What the two CSB methods (csb.cpp, csb_global.cpp) share: the segment state both projections
// work on, and the base class with the CSB structure's parameter check, index format and count
// step. docs/pruning.md §Methods gives the notation.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "prune/method.h"
#include "prune/prune.h"

namespace csbrnn {

/// The CSB state: rowkeep[r*BC + j] (row r kept in block-column strip j) and colkeep[i*C + c]
/// (column c kept in block-row strip i). Block (i,j) keeps the cross-product of its rows r with
/// rowkeep[r][j] and its columns c with colkeep[i][c], which is the CSB structure by
/// construction.
struct CsbState {
  int R, C, bh, bw, BR, BC;
  std::vector<uint8_t> rowkeep, colkeep;
  CsbState(int r, int c, int h, int w);
  int strip_width(int j) const;
  /// Kept rows of every block, kr[i*BC+j].
  std::vector<int> kr() const;
  /// Kept columns of every block, kc[i*BC+j].
  std::vector<int> kc() const;
  size_t kept() const;
  /// Row-segment energies e[r*BC+j] (over the kept columns when respect_cols).
  std::vector<double> row_energy(const Matrix& w, bool respect_cols) const;
  /// Column-segment energies over kept rows: e[i*C+c].
  std::vector<double> col_energy(const Matrix& w) const;
  std::vector<uint8_t> mask() const;
  /// Sum of squares of the kept weights.
  double energy(const Matrix& w) const;
};

/// The paper's projection (ICS'20 Alg. 1, one shot) on a fresh state `s`: RowPrune (per
/// block-column strip, prune the round(q*R) row segments of least l2 norm) then ColumnPrune (per
/// block-row strip, prune the round(q*C) column segments of least surviving energy), q = 1 -
/// sqrt(1/rate). `csb` and `csb-tile` start from it.
void csb_paper_projection(const Matrix& w, double rate, CsbState& s);

/// Base of the CSB methods: is_csb, the block check (at least 1x1; larger than the matrix is one
/// partial edge block), the CSB index format (per-block kr/kc counters + kept row/column indices, =
/// csb_index_bits) and a count step of one segment, max(bh, bw). Reads PruneParams::block.
class CsbStructuredMethod : public PruneMethod {
 public:
  bool is_csb() const override { return true; }
  void check_params(const Matrix& w, const PruneParams& p, const std::string& what) const override;
  uint64_t index_bits(const Matrix& w, const PruneParams& p, const MatrixPrune& r,
                      std::string* format) const override;
  size_t count_step(const Matrix& w, const PruneParams& p) const override;
};

}  // namespace csbrnn
