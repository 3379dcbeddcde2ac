// NeuronAccumBuffers: one per PEGroup, `bh` 48-bit accumulators (int64 here), double-buffered
// by row-group parity so the horizontal reduction of row-group a overlaps the issue of a+1.
#pragma once
#include <cstdint>
#include <systemc>
#include <vector>

namespace csbrnn::sim {

class NeuronAccumBuffers : public sc_core::sc_module {
 public:
  NeuronAccumBuffers(sc_core::sc_module_name name, int groups) : sc_module(name), groups_(groups) {}
  void configure(int bh) {
    bh_ = bh;
    for (auto& h : buf_) h.assign(size_t(groups_) * size_t(bh_), 0);
  }
  int64_t* at(int half, int g) { return buf_[size_t(half)].data() + size_t(g) * bh_; }
  void clear(int half) { std::fill(buf_[size_t(half)].begin(), buf_[size_t(half)].end(), 0); }
  int bh() const { return bh_; }

 private:
  int groups_;
  int bh_ = 0;
  std::vector<int64_t> buf_[2];
};

}  // namespace csbrnn::sim
