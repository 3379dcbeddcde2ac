// The bank layout of the `bank-balanced` method (BBS), exposed for its tests and reports.
#pragma once
#include <cstddef>

namespace csbrnn {

/// How bank-balanced splits each row of a rows x cols matrix: `banks` banks of `width` columns
/// (the last one `narrowest` wide), every bank of every row keeping `per_bank` weights, so
/// kept = rows * banks * per_bank. A bank count is reachable when width = ceil(cols/banks) makes
/// exactly `banks` banks (ceil(cols/width) == banks; e.g. 70 columns cannot make 11 banks).
struct BankLayout {
  int banks = 1, width = 1, narrowest = 1, per_bank = 1;
  size_t kept = 0;
};

/// The reachable layout whose kept count is nearest `target`; ties go to the bank count nearest
/// `requested_banks`, then to the smaller kept count, then to more banks. Every per-row count
/// 1..cols is reachable (one bank is row-balanced), so the nearest kept count is
/// rows * clamp(round(target/rows), 1, cols) and the requested bank count is kept whenever it
/// divides that per-row count (and the narrowest bank holds the quotient).
BankLayout choose_bank_layout(int rows, int cols, size_t target, int requested_banks);

}  // namespace csbrnn
