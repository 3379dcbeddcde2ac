#include "sim/detailed/bnb_loader.h"

#include <algorithm>

#include "common/error.h"
#include "energy/counts.h"

namespace csbrnn::sim::detailed {

void BnbLoader::start(const MvmProgram& mvm, int64_t n, const MachineBanks& banks) {
  CSBRNN_ASSERT(!busy_, "detailed BNB loader started while loading");
  bw_ = mvm.bw;
  const int slot_n = slot(mvm, n);
  if (buf_.size() <= size_t(slot_n)) buf_.resize(size_t(slot_n) + 1);
  auto& half = buf_[size_t(slot_n)];
  half.resize(size_t(L_) * size_t(bw_));
  const int b = int(n % mvm.iter_cols);
  load_bnb_iteration(mvm, b, L_, banks, half.data());
  if (actions) energy::count_bnb_iteration(*actions, mvm, b, L_);
  for (int l = 0; l < L_; ++l) {  // the timing: neurons each column still has to move
    const int bc = b * L_ + l;
    left_[size_t(l)] = bc < mvm.BC ? int(mvm.col_slices[size_t(bc)].width) : 0;
    bank_[size_t(l)] = bc < mvm.BC ? int(mvm.col_slices[size_t(bc)].src.bank) : 0;
  }
  ++loads;
  busy_ = true;
}

void BnbLoader::step(const std::vector<uint8_t>* granted) {
  if (!busy_) return;
  for (int l = 0; l < L_; ++l)
    if (!granted || (*granted)[size_t(l)]) left_[size_t(l)] -= std::min(left_[size_t(l)], width_);
}

bool BnbLoader::finish_if_done() {
  if (!busy_) return true;
  for (int x : left_)
    if (x > 0) return false;
  busy_ = false;
  return true;
}

}  // namespace csbrnn::sim::detailed
