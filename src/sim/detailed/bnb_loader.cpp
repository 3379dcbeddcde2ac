#include "sim/detailed/bnb_loader.h"

#include <algorithm>

#include "common/error.h"
#include "energy/counts.h"

namespace csbrnn::sim::detailed {

void BnbLoader::start(const MvmProgram& mvm, int64_t n, const MachineBanks& banks) {
  CSBRNN_ASSERT(!busy_, "detailed BNB loader started while loading");
  bw_ = mvm.bw;
  auto& half = buf_[size_t(n % 2)];
  half.assign(size_t(L_) * size_t(bw_), 0);
  const int b = int(n % mvm.iter_cols);
  for (int l = 0; l < L_; ++l) {
    const int bc = b * L_ + l;
    left_[size_t(l)] = 0;
    if (bc >= mvm.BC) continue;
    load_bnb(mvm.col_slices[size_t(bc)], banks, bw_, half.data() + size_t(l) * size_t(bw_));
    if (actions) energy::count_bnb_load(*actions, mvm.col_slices[size_t(bc)], bw_);
    left_[size_t(l)] = int(mvm.col_slices[size_t(bc)].width);
  }
  ++loads;
  busy_ = true;
}

void BnbLoader::step() {
  if (!busy_) return;
  for (int& x : left_) x -= std::min(x, width_);
}

bool BnbLoader::finish_if_done() {
  if (!busy_) return true;
  for (int x : left_)
    if (x > 0) return false;
  busy_ = false;
  return true;
}

}  // namespace csbrnn::sim::detailed
