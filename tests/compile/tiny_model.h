// A hand-built LSTM (input 4, hidden 2, one layer, block 4x4) whose program is worked out by hand
// in test_listing.cpp: on 2x2 groups of 2x2 PEs the combined [W_ih | W_hh] grid is 2x2 blocks,
// one iteration, group (k,l) holding block (k,l):
//   (0,0) ih rows {0,1,2,3} cols {0,1,2,3}: 4x4 kernel -> 2x2 = 4 tiles
//   (0,1) hh rows {0,2} cols {0,1}:         2x2 kernel -> 1 tile
//   (1,0) ih rows {1} cols {0,3}:           1x2 kernel -> 1 tile
//   (1,1) hh rows {0,1,2,3} cols {1}:       4x1 kernel -> 2 tiles
#pragma once
#include "model/csb.h"

namespace csbrnn::test {

inline CsbModel tiny_lstm() {
  CsbModel m;
  m.cell = CellType::LSTM;
  m.input_size = 4;
  m.hidden_size = 2;
  CsbLayer L;
  L.w_ih.rows = 8, L.w_ih.cols = 4, L.w_ih.bh = 4, L.w_ih.bw = 4;
  L.w_hh.rows = 8, L.w_hh.cols = 2, L.w_hh.bh = 4, L.w_hh.bw = 4;
  CsbBlock a;  // ih (0,0): value[r][c] = (4r + c + 1) / 64  (exact at 12 bits: (4r+c+1)*64)
  a.rows = {0, 1, 2, 3};
  a.cols = {0, 1, 2, 3};
  for (int i = 0; i < 16; ++i) a.values.push_back(float(i + 1) / 64.0f);
  CsbBlock b;  // ih (1,0)
  b.rows = {1};
  b.cols = {0, 3};
  b.values = {0.5f, -0.25f};
  L.w_ih.blocks = {a, b};
  CsbBlock c;  // hh (0,0)
  c.rows = {0, 2};
  c.cols = {0, 1};
  c.values = {0.75f, -0.5f, 0.125f, 1.0f};
  CsbBlock d;  // hh (1,0)
  d.rows = {0, 1, 2, 3};
  d.cols = {1};
  d.values = {-1.0f, 0.5f, 0.25f, -0.75f};
  L.w_hh.blocks = {c, d};
  L.b_ih = {0.1f, -0.2f, 0.3f, 0.0f, 0.05f, -0.1f, 0.2f, 0.4f};
  L.b_hh = {0.0f, 0.1f, -0.1f, 0.2f, 0.0f, 0.3f, -0.2f, 0.1f};
  m.layers.push_back(L);
  m.note = "tiny hand-worked LSTM";
  return m;
}

inline HwConfig tiny_hw(SharingMode mode = SharingMode::None) {
  HwConfig hw;
  hw.engine.K = hw.engine.L = 2;
  hw.engine.P = hw.engine.Q = 2;
  hw.sharing = mode;
  // The hand-worked listings assume no streaming (hn vectors would shift the bank layout);
  // tests/compile/test_stream.cpp works the streamed variants of this model.
  hw.eltwise.stream = false;
  return hw;
}

}  // namespace csbrnn::test
