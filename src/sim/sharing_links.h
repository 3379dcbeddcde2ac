// The neighbour links of the PEGroup torus (docs/architecture.md §4): horizontal links (k,l) ->
// (k, l+1 mod L) carry a piece's inputs from the giver's BlockNeuronBuffer (extra read port);
// vertical links (k,l) -> (k+1 mod K, l) carry a piece whose results return over the vertical
// accumulation path into the giver's NeuronAccumBuffer (extra latency in the pipeline drain).
// With sharing.neighbours = 4 the same holds mirrored: leftward links (k,l) -> (k, l-1 mod L) and
// upward links (k,l) -> (k-1 mod K, l), whose pieces' sums return down to the giver.
// This module routes those reads/writes and counts the tiles that cross every link.
#pragma once
#include <cstdint>
#include <systemc>
#include <vector>

#include "sim/block_neuron_buffer.h"
#include "sim/neuron_accum_buffer.h"

namespace csbrnn::sim {

class SharingLinks : public sc_core::sc_module {
 public:
  SharingLinks(sc_core::sc_module_name name, int K, int L)
      : sc_module(name),
        h_tiles(size_t(K) * L, 0),
        v_tiles(size_t(K) * L, 0),
        hl_tiles(size_t(K) * L, 0),
        vu_tiles(size_t(K) * L, 0),
        K_(K),
        L_(L) {}
  int left(int k, int l) const { return k * L_ + (l - 1 + L_) % L_; }
  int up(int k, int l) const { return ((k - 1 + K_) % K_) * L_ + l; }
  int right(int k, int l) const { return k * L_ + (l + 1) % L_; }
  int down(int k, int l) const { return ((k + 1) % K_) * L_ + l; }
  /// Inputs of a horizontally received piece: the left neighbour's BlockNeuronBuffer.
  const int16_t* horizontal_inputs(const BlockNeuronBuffers& bnb, int half, int k, int l,
                                   int64_t tiles) {
    h_tiles[size_t(left(k, l))] += tiles;
    return bnb.slice(half, (l - 1 + L_) % L_);
  }
  /// Accumulators of a vertically received piece: the upper neighbour's NeuronAccumBuffer,
  /// reached over the vertical accumulation path.
  int64_t* vertical_accumulators(NeuronAccumBuffers& nab, int half, int k, int l, int64_t tiles) {
    v_tiles[size_t(up(k, l))] += tiles;
    return nab.at(half, up(k, l));
  }
  /// Inputs of a piece received from the right (sharing.neighbours = 4): the right neighbour's
  /// BlockNeuronBuffer, over the giver's leftward link.
  const int16_t* leftward_inputs(const BlockNeuronBuffers& bnb, int half, int k, int l,
                                 int64_t tiles) {
    hl_tiles[size_t(right(k, l))] += tiles;
    return bnb.slice(half, (l + 1) % L_);
  }
  /// Accumulators of a piece received from below (sharing.neighbours = 4): the lower
  /// neighbour's NeuronAccumBuffer, the sums going back down the vertical path.
  int64_t* upward_accumulators(NeuronAccumBuffers& nab, int half, int k, int l, int64_t tiles) {
    vu_tiles[size_t(down(k, l))] += tiles;
    return nab.at(half, down(k, l));
  }
  std::vector<int64_t> h_tiles, v_tiles;    // tiles sent over the link leaving group g (traced)
  std::vector<int64_t> hl_tiles, vu_tiles;  // ... over its leftward / upward link (not traced)

 private:
  int K_, L_;
};

}  // namespace csbrnn::sim
