#include "compile/compiler.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>

#include "common/error.h"
#include "isa/stream.h"
#include "compile/sharing.h"
#include "config/config_loader.h"
#include "timing/analytic.h"

namespace csbrnn {
namespace {

constexpr uint32_t kDiscard = UINT32_MAX;

int ceil_div(int a, int b) {
  return (a + b - 1) / b;
}

// ---- validation --------------------------------------------------------------------------

void check_matrix(const CsbMatrix& c, int rows, int cols, const std::string& origin,
                  const std::string& what) {
  if (c.rows != rows || c.cols != cols)
    fail(origin, ": ", what, " is ", c.rows, "x", c.cols, ", expected ", rows, "x", cols);
  if (c.bh <= 0 || c.bw <= 0) fail(origin, ": ", what, " has block size ", c.bh, "x", c.bw);
  if (c.blocks.size() != size_t(c.block_rows()) * c.block_cols())
    fail(origin, ": ", what, " has ", c.blocks.size(), " blocks, expected ",
         size_t(c.block_rows()) * c.block_cols());
  for (int i = 0; i < c.block_rows(); ++i)
    for (int j = 0; j < c.block_cols(); ++j) {
      const CsbBlock& b = c.block(i, j);
      const int rmax = std::min(c.bh, rows - i * c.bh), cmax = std::min(c.bw, cols - j * c.bw);
      for (size_t t = 0; t < b.rows.size(); ++t)
        if (b.rows[t] >= rmax || (t > 0 && b.rows[t] <= b.rows[t - 1]))
          fail(origin, ": ", what, " block (", i, ",", j, ") has a bad row index ", b.rows[t]);
      for (size_t t = 0; t < b.cols.size(); ++t)
        if (b.cols[t] >= cmax || (t > 0 && b.cols[t] <= b.cols[t - 1]))
          fail(origin, ": ", what, " block (", i, ",", j, ") has a bad column index ", b.cols[t]);
      if (b.values.size() != size_t(b.kr()) * b.kc())
        fail(origin, ": ", what, " block (", i, ",", j, ") has ", b.values.size(), " values for a ",
             b.kr(), "x", b.kc(), " kernel");
      for (float v : b.values)
        if (!std::isfinite(v))
          fail(origin, ": ", what, " block (", i, ",", j, ") holds a non-finite weight");
    }
}

void check_block_fits(const CsbMatrix& c, const HwConfig& hw, const std::string& origin,
                      const std::string& what) {
  if (c.bh > hw.buffers.neuron_accum_buffer)
    fail(origin, ": ", what, " block height ", c.bh,
         " exceeds the NeuronAccumBuffer (buffers.neuron_accum_buffer = ",
         hw.buffers.neuron_accum_buffer, ")");
  if (c.bw > hw.buffers.block_neuron_buffer)
    fail(origin, ": ", what, " block width ", c.bw,
         " exceeds the BlockNeuronBuffer (buffers.block_neuron_buffer = ",
         hw.buffers.block_neuron_buffer, ")");
  if (c.bh > 65535 || c.bw > 65535) fail(origin, ": ", what, " block too large for the ISA");
}

void validate(const CsbModel& m, const HwConfig& hw, const std::string& origin) {
  validate_hw_config(hw, origin + ": hardware config");
  const auto& e = hw.engine;
  if (e.K < 1 || e.L < 1 || e.P < 1 || e.Q < 1)
    fail(origin, ": hardware has ", e.K, "x", e.L, " groups of ", e.P, "x", e.Q, " PEs");
  if (hw.numeric.wf < 1 || hw.numeric.wf > 15 || hw.numeric.af < 1 || hw.numeric.af > 15)
    fail(origin, ": numeric fractional bits must be in 1..15");
  if (hw.buffers.vector_buffer < 1) fail(origin, ": buffers.vector_buffer must be positive");
  if (hw.max_vertical_fraction < 0 || hw.max_vertical_fraction > 1)
    fail(origin, ": sharing.max_vertical_fraction must be in [0,1]");
  if (m.num_layers() < 1) fail(origin, ": model has no layers");
  if (m.num_layers() > 65535) fail(origin, ": too many layers");
  if (m.input_size < 1 || m.hidden_size < 1 || m.proj_size < 0)
    fail(origin, ": bad model sizes (input ", m.input_size, ", hidden ", m.hidden_size, ", proj ",
         m.proj_size, ")");
  if (m.cell == CellType::GRU && m.proj_size > 0)
    fail(origin, ": GRU with a projection is not a PyTorch model");
  const int G = gate_count(m.cell), H = m.hidden_size, S = m.state_size();
  for (int k = 0; k < m.num_layers(); ++k) {
    const CsbLayer& L = m.layers[k];
    const std::string sk = std::to_string(k);
    check_matrix(L.w_ih, G * H, m.layer_input_size(k), origin, "weight_ih_l" + sk);
    check_matrix(L.w_hh, G * H, S, origin, "weight_hh_l" + sk);
    if (L.w_ih.bh != L.w_hh.bh || L.w_ih.bw != L.w_hh.bw)
      fail(origin, ": layer ", k, " uses block ", L.w_ih.bh, "x", L.w_ih.bw, " for weight_ih and ",
           L.w_hh.bh, "x", L.w_hh.bw,
           " for weight_hh; the combined [W_ih | W_hh] MVM needs one block size");
    check_block_fits(L.w_ih, hw, origin, "weight_ih_l" + sk);
    if (m.proj_size > 0) {
      check_matrix(L.w_hr, m.proj_size, H, origin, "weight_hr_l" + sk);
      check_block_fits(L.w_hr, hw, origin, "weight_hr_l" + sk);
    } else if (L.w_hr.rows != 0) {
      fail(origin, ": layer ", k, " has weight_hr but the model has no projection");
    }
    if (m.has_bias) {
      if (L.b_ih.size() != size_t(G * H) || L.b_hh.size() != size_t(G * H))
        fail(origin, ": layer ", k, " biases have ", L.b_ih.size(), " and ", L.b_hh.size(),
             " entries, expected ", G * H);
      for (float v : L.b_ih)
        if (!std::isfinite(v)) fail(origin, ": bias_ih_l", k, " holds a non-finite value");
      for (float v : L.b_hh)
        if (!std::isfinite(v)) fail(origin, ": bias_hh_l", k, " holds a non-finite value");
    }
  }
}

// ---- the combined MVM grid ---------------------------------------------------------------

// A block of the combined matrix: a source CSB block, optionally with only some kept rows.
struct VBlock {
  const CsbBlock* b = nullptr;
  std::vector<int> rsel;  // positions into b->rows; used when !all_rows
  bool all_rows = true;
  int kr() const { return b ? (all_rows ? b->kr() : int(rsel.size())) : 0; }
  int kc() const { return b ? b->kc() : 0; }
  int rpos(int i) const { return all_rows ? i : rsel[i]; }
  uint16_t row(int i) const { return b->rows[rpos(i)]; }
  float val(int i, int j) const { return b->values[size_t(rpos(i)) * b->kc() + j]; }
};

struct Grid {
  int BR = 0, BC = 0, bh = 0, bw = 0;
  std::vector<VBlock> blocks;  // BR*BC
  const VBlock& at(int i, int j) const { return blocks[size_t(i) * BC + j]; }
  VBlock& at(int i, int j) { return blocks[size_t(i) * BC + j]; }
};

// Keeps the rows of `b` whose global row (row0 + local) satisfies lo <= row < hi.
VBlock filtered(const CsbBlock& b, int row0, int lo, int hi) {
  VBlock v;
  v.b = &b;
  v.all_rows = false;
  for (int i = 0; i < b.kr(); ++i) {
    const int g = row0 + b.rows[i];
    if (g >= lo && g < hi) v.rsel.push_back(i);
  }
  return v;
}

// ---- micro-program emission --------------------------------------------------------------

void emit_item(GroupImage& img, GroupIteration& gi, ItemKind kind, const VBlock& vb,
               const Piece& pc, int P, int Q) {
  if (pc.empty()) return;
  MicroItem it;
  it.kind = kind;
  it.rows = uint16_t(pc.rows);
  it.cols = uint16_t(pc.cols);
  it.index_ptr = uint32_t(img.index.size());
  it.weight_ptr = uint32_t(img.weights.size() / size_t(P * Q));
  if (img.index.size() + pc.rows + pc.cols > UINT32_MAX ||
      img.weights.size() / size_t(P * Q) > UINT32_MAX - 1)
    fail("program: a group image exceeds the ISA's 32-bit pointers");
  for (int i = 0; i < pc.rows; ++i) img.index.push_back(vb.row(pc.row0 + i));
  for (int j = 0; j < pc.cols; ++j) img.index.push_back(vb.b->cols[pc.col0 + j]);
  gi.items.push_back(it);
}

void emit_weights(GroupImage& img, const VBlock& vb, const Piece& pc, int P, int Q, int wf) {
  if (pc.empty()) return;
  const int RT = ceil_div(pc.rows, P), CT = ceil_div(pc.cols, Q);
  const size_t base = img.weights.size();
  img.weights.resize(base + size_t(RT) * CT * P * Q, 0);
  int16_t* w = img.weights.data() + base;
  for (int ct = 0; ct < CT; ++ct)
    for (int rt = 0; rt < RT; ++rt, w += P * Q)
      for (int p = 0; p < P; ++p) {
        const int r = rt * P + p;
        if (r >= pc.rows) break;
        for (int q = 0; q < Q; ++q) {
          const int c = ct * Q + q;
          if (c >= pc.cols) break;
          w[p * Q + q] = fx::quantize(vb.val(pc.row0 + r, pc.col0 + c), wf);
        }
      }
}

void build_micro(MvmProgram& mv, const Grid& g, const HwConfig& hw, CompileStats* stats) {
  const int K = hw.engine.K, L = hw.engine.L, P = hw.engine.P, Q = hw.engine.Q;
  ShareParams sp;
  sp.K = K;
  sp.L = L;
  sp.P = P;
  sp.Q = Q;
  sp.mode = hw.sharing;
  sp.max_vertical_fraction = hw.max_vertical_fraction;
  mv.images.assign(size_t(K) * L, GroupImage{});
  mv.micro.assign(size_t(mv.iter_rows) * mv.iter_cols * K * L, GroupIteration{});
  static const VBlock kNone;
  auto block_at = [&](int i, int j) -> const VBlock& {
    return (i < g.BR && j < g.BC) ? g.at(i, j) : kNone;
  };
  std::vector<KernelSize> kernels(size_t(K) * L);
  for (int a = 0; a < mv.iter_rows; ++a)
    for (int b = 0; b < mv.iter_cols; ++b) {
      for (int k = 0; k < K; ++k)
        for (int l = 0; l < L; ++l) {
          const VBlock& vb = block_at(a * K + k, b * L + l);
          KernelSize ks{vb.kr(), vb.kc()};
          if (ks.kr == 0 || ks.kc == 0) ks = KernelSize{};
          kernels[size_t(k) * L + l] = ks;
        }
      const IterationSchedule sch = schedule_iteration(kernels, sp);
      CSBRNN_ASSERT(sch.share.size() == kernels.size(), "scheduler returned wrong size");
      if (stats) {
        stats->iterations++;
        if (sch.proven_optimal) stats->proven_optimal++;
      }
      std::vector<SplitPieces> split(kernels.size());
      for (size_t x = 0; x < kernels.size(); ++x) {
        CSBRNN_ASSERT(share_is_legal(kernels[x], sch.share[x], sp), "illegal share decision");
        split[x] = split_kernel(kernels[x], sch.share[x]);
      }
      for (int k = 0; k < K; ++k)
        for (int l = 0; l < L; ++l) {
          const size_t gidx = size_t(k) * L + l;
          const int kl = (l - 1 + L) % L, ku = (k - 1 + K) % K;
          GroupIteration& gi = mv.micro[((size_t(a) * mv.iter_cols + b) * K + k) * L + l];
          gi.share = sch.share[gidx];
          GroupImage& img = mv.images[gidx];
          const VBlock& own = block_at(a * K + k, b * L + l);
          const VBlock& left = block_at(a * K + k, b * L + kl);
          const VBlock& up = block_at(a * K + ku, b * L + l);
          const Piece& pl = split[gidx].local;
          const Piece& ph = split[size_t(k) * L + kl].horizontal;
          const Piece& pv = split[size_t(ku) * L + l].vertical;
          emit_item(img, gi, ItemKind::Local, own, pl, P, Q);
          emit_weights(img, own, pl, P, Q, hw.numeric.wf);
          emit_item(img, gi, ItemKind::FromLeft, left, ph, P, Q);
          emit_weights(img, left, ph, P, Q, hw.numeric.wf);
          emit_item(img, gi, ItemKind::FromUp, up, pv, P, Q);
          emit_weights(img, up, pv, P, Q, hw.numeric.wf);
          int64_t load = 0;
          for (const MicroItem& it : gi.items) load += item_tiles(it, P, Q);
          CSBRNN_ASSERT(load == sch.load[gidx], "group load ", load, " != scheduler load ",
                        sch.load[gidx]);
        }
    }
  mv.useful_macs = 0;
  for (const VBlock& vb : g.blocks) mv.useful_macs += uint64_t(vb.kr()) * vb.kc();
}

MvmProgram make_mvm(int layer, MvmKind kind, const Grid& g, int rows, int cols,
                    std::vector<ColumnSlice> slices, std::vector<uint32_t> row_dest,
                    const HwConfig& hw, CompileStats* stats) {
  MvmProgram mv;
  mv.layer = uint16_t(layer);
  mv.kind = kind;
  mv.rows = rows;
  mv.cols = cols;
  mv.bh = g.bh;
  mv.bw = g.bw;
  mv.BR = g.BR;
  mv.BC = g.BC;
  mv.iter_rows = ceil_div(g.BR, hw.engine.K);
  mv.iter_cols = ceil_div(g.BC, hw.engine.L);
  mv.col_slices = std::move(slices);
  mv.row_dest = std::move(row_dest);
  build_micro(mv, g, hw, stats);
  return mv;
}

// ---- macro program -----------------------------------------------------------------------

struct Region {
  Bank bank;
  uint32_t addr, count;
};
bool overlap(const Region& x, const Region& y) {
  return x.bank == y.bank && x.addr < y.addr + y.count && y.addr < x.addr + x.count;
}

enum class UClass { Load, Engine, Sum1Only, Sum, Mult, Sigmoid, Tanh, Sum2Only, Store };

struct PendingOp {
  Section s;
  UClass uc;
  std::vector<Region> reads, writes;
  std::array<bool, kUnitCount> claims{};  // further units the op occupies (an Mvm's stream)
};

class Allocator {
 public:
  Allocator(int cap, std::string origin) : cap_(cap), origin_(std::move(origin)) {}
  Operand alloc(int n, const std::string& what) {
    int best = -1;
    for (int b = 0; b < 5; ++b)
      if (best < 0 || used_[b] < used_[best]) best = b;
    if (n > cap_ - used_[best])
      fail(origin_, ": vector '", what, "' (", n, " entries) does not fit in any vector bank ",
           "(buffers.vector_buffer = ", cap_, " entries; banks A..E hold ", used_[0], ", ",
           used_[1], ", ", used_[2], ", ", used_[3], ", ", used_[4], ")");
    Operand o{Bank(best), uint32_t(used_[best])};
    used_[best] += n;
    return o;
  }

 private:
  int cap_;
  std::string origin_;
  std::array<int, 5> used_{};
};

Unit unit_for(UClass c, int alt) {
  switch (c) {
    case UClass::Load:
      return Unit::Load;
    case UClass::Engine:
      return Unit::Engine;
    case UClass::Sum1Only:
      return Unit::Sum1;
    case UClass::Sum:
      return alt == 0 ? Unit::Sum1 : Unit::Sum2;
    case UClass::Mult:
      return alt == 0 ? Unit::Mult1 : Unit::Mult2;
    case UClass::Sigmoid:
      return Unit::Sigmoid;
    case UClass::Tanh:
      return Unit::Tanh;
    case UClass::Sum2Only:
      return Unit::Sum2;
    case UClass::Store:
      return Unit::Store;
  }
  return Unit::Sum1;
}
int alternatives(UClass c) {
  return (c == UClass::Sum || c == UClass::Mult) ? 2 : 1;
}

// ASAP list scheduling in program order: an op goes to the first word after every earlier op
// it conflicts with (RAW, WAR, WAW on any overlapping region) that has its unit class free.
// The result computes exactly what running the ops one by one in program order computes.
std::vector<MacroWord> list_schedule(const std::vector<PendingOp>& ops) {
  std::vector<int> word_of(ops.size(), 0);
  std::vector<std::array<bool, kUnitCount>> busy;
  std::vector<MacroWord> words;
  for (size_t i = 0; i < ops.size(); ++i) {
    int earliest = 0;
    for (size_t j = 0; j < i; ++j) {
      bool conflict = false;
      for (const Region& w : ops[j].writes) {
        for (const Region& r : ops[i].reads) conflict = conflict || overlap(w, r);
        for (const Region& r : ops[i].writes) conflict = conflict || overlap(w, r);
      }
      for (const Region& r : ops[j].reads)
        for (const Region& w : ops[i].writes) conflict = conflict || overlap(w, r);
      if (conflict) earliest = std::max(earliest, word_of[j] + 1);
    }
    for (int w = earliest;; ++w) {
      if (size_t(w) >= busy.size()) {
        busy.emplace_back();
        busy.back().fill(false);
        words.emplace_back();
      }
      bool claims_free = true;
      for (int u = 0; u < kUnitCount; ++u)
        claims_free = claims_free && !(ops[i].claims[u] && busy[w][u]);
      if (!claims_free) continue;
      int chosen = -1;
      for (int alt = 0; alt < alternatives(ops[i].uc) && chosen < 0; ++alt)
        if (!busy[w][int(unit_for(ops[i].uc, alt))] &&
            !ops[i].claims[int(unit_for(ops[i].uc, alt))])
          chosen = alt;
      if (chosen < 0) continue;
      Section s = ops[i].s;
      s.unit = unit_for(ops[i].uc, chosen);
      busy[w][int(s.unit)] = true;
      for (int u = 0; u < kUnitCount; ++u) busy[w][u] = busy[w][u] || ops[i].claims[u];
      words[w].sections.push_back(s);
      word_of[i] = w;
      break;
    }
  }
  return words;
}

Operand at(Operand o, uint32_t off) {
  return Operand{o.bank, o.addr + off};
}
Region reg(Operand o, uint32_t n) {
  return Region{o.bank, o.addr, n};
}

class MacroBuilder {
 public:
  std::vector<PendingOp> ops;

  void load_x(Operand dst, int n) {
    PendingOp p;
    p.s.op = Op::LoadX;
    p.s.dst = dst;
    p.s.a = Operand{Bank::Dram, 0};
    p.s.count = uint32_t(n);
    p.uc = UClass::Load;
    p.writes = {reg(dst, n)};
    ops.push_back(p);
  }
  void mvm(int index, const MvmProgram& mv) {
    PendingOp p;
    p.s.op = Op::Mvm;
    p.s.dst = Operand{Bank::Acc, 0};
    p.s.count = uint32_t(mv.rows);
    p.s.mvm = uint16_t(index);
    p.uc = UClass::Engine;
    for (const ColumnSlice& cs : mv.col_slices) p.reads.push_back(reg(cs.src, cs.width));
    p.writes = {Region{Bank::Acc, 0, uint32_t(mv.rows)}};
    // A stream runs inside the Mvm's word: the op also reads and writes what the chain does and
    // occupies the chain's units.
    for (const MacroWord& st : mv.stream.stages)
      for (const Section& x : st.sections) {
        p.reads.push_back(reg(x.a, x.count));
        if (x.op == Op::BiasWb || x.op == Op::Add || x.op == Op::Sub || x.op == Op::Mul)
          p.reads.push_back(reg(x.b, x.count));
        p.writes.push_back(reg(x.dst, x.count));
        p.claims[int(x.unit)] = true;
      }
    ops.push_back(p);
  }
  void bias_wb(Operand dst, uint32_t acc, uint32_t bias, int n) {
    PendingOp p;
    p.s.op = Op::BiasWb;
    p.s.dst = dst;
    p.s.a = Operand{Bank::Acc, acc};
    p.s.b = Operand{Bank::Bias, bias};
    p.s.count = uint32_t(n);
    p.uc = UClass::Sum1Only;
    p.reads = {reg(p.s.a, n), reg(p.s.b, n)};
    p.writes = {reg(dst, n)};
    ops.push_back(p);
  }
  void unary(Op op, UClass uc, Operand dst, Operand a, int n) {
    PendingOp p;
    p.s.op = op;
    p.s.dst = dst;
    p.s.a = a;
    p.s.count = uint32_t(n);
    p.uc = uc;
    p.reads = {reg(a, n)};
    p.writes = {reg(dst, n)};
    ops.push_back(p);
  }
  void binary(Op op, Operand dst, Operand a, Operand b, int n) {
    PendingOp p;
    p.s.op = op;
    p.s.dst = dst;
    p.s.a = a;
    p.s.b = b;
    p.s.count = uint32_t(n);
    p.uc = op == Op::Mul ? UClass::Mult : UClass::Sum;
    p.reads = {reg(a, n), reg(b, n)};
    p.writes = {reg(dst, n)};
    ops.push_back(p);
  }
  void store_y(Operand a, int n) {
    PendingOp p;
    p.s.op = Op::StoreY;
    p.s.dst = Operand{Bank::Dram, 0};
    p.s.a = a;
    p.s.count = uint32_t(n);
    p.uc = UClass::Store;
    p.reads = {reg(a, n)};
    ops.push_back(p);
  }
};

// ---- streaming (eltwise.stream) ----------------------------------------------------------

// Reorders whole block-rows of the grid (blocks and their row_dest rows together; the Acc layout
// is unchanged) so that row-groups complete neurons early: stable sort by the smallest neuron
// (Acc offset mod N) a block-row writes; block-rows writing nothing go last.
void permute_block_rows(Grid& g, std::vector<uint32_t>& dest, int N) {
  std::vector<std::pair<int64_t, int>> key(size_t(g.BR));
  for (int i = 0; i < g.BR; ++i) {
    int64_t k = INT64_MAX;
    for (int r = 0; r < g.bh; ++r) {
      const uint32_t d = dest[size_t(i) * g.bh + r];
      if (d != kDiscard) k = std::min<int64_t>(k, d % uint32_t(N));
    }
    key[size_t(i)] = {k, i};
  }
  std::stable_sort(key.begin(), key.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  Grid h = g;
  std::vector<uint32_t> d2(dest.size());
  for (int i = 0; i < g.BR; ++i) {
    const int src = key[size_t(i)].second;
    for (int j = 0; j < g.BC; ++j) h.at(i, j) = g.at(src, j);
    std::copy(dest.begin() + size_t(src) * g.bh, dest.begin() + size_t(src + 1) * g.bh,
              d2.begin() + size_t(i) * g.bh);
  }
  g = std::move(h);
  dest = std::move(d2);
}

// chunk_end[a]: the longest prefix of neurons 0..N-1 whose G Acc entries (neuron j: j + q*N,
// q < G) have all been written by row-groups <= a.
std::vector<uint32_t> chunk_ends(const MvmProgram& mv, int K, int N, int G) {
  std::vector<int> cnt(size_t(N), 0);
  std::vector<uint32_t> ends;
  uint32_t p = 0;
  for (int a = 0; a < mv.iter_rows; ++a) {
    for (int k = 0; k < K && a * K + k < mv.BR; ++k)
      for (int r = 0; r < mv.bh; ++r) {
        const uint32_t d = mv.row_dest[size_t(a * K + k) * mv.bh + r];
        if (d != kDiscard && d < uint32_t(N * G)) cnt[d % uint32_t(N)]++;
      }
    while (p < uint32_t(N) && cnt[p] == G) ++p;
    ends.push_back(p);
  }
  CSBRNN_ASSERT(p == uint32_t(N), "stream: neurons never completed");
  return ends;
}

// Attaches `chain` (element-wise ops over N neurons, in program order) to `mv` as its stream:
// list-scheduled into stages; adds and subtracts stay on Sum1 so Sum2 is free for the h copy.
void attach_stream(MvmProgram& mv, std::vector<PendingOp> chain, int K, int N, int G) {
  for (PendingOp& op : chain)
    if (op.uc == UClass::Sum) op.uc = UClass::Sum1Only;
  mv.stream.width = uint32_t(N);
  mv.stream.chunk_end = chunk_ends(mv, K, N, G);
  mv.stream.stages = list_schedule(chain);
}

// The Mvm section length of `mv` (analytic: max(engine cycles, stream end)).
int64_t mvm_section_len(const HwConfig& hw, MvmProgram& mv) {
  Program probe;
  probe.hw = hw;
  probe.mvms.push_back(std::move(mv));
  const int64_t c = timing::analyze_mvm(probe, 0).section_end;
  mv = std::move(probe.mvms[0]);
  return c;
}

// Cycles of `words` (sum of their longest sections), Mvm sections taking mvm_len[index].
int64_t program_cycles(const HwConfig& hw, const std::vector<MacroWord>& words,
                       const std::vector<int64_t>& mvm_len) {
  int64_t total = 0;
  for (const MacroWord& w : words) {
    int64_t c = 0;
    for (const Section& s : w.sections)
      c = std::max(c, s.op == Op::Mvm ? mvm_len.at(s.mvm) : timing::section_cycles(hw, s));
    total += c;
  }
  return total;
}

std::vector<ColumnSlice> slices_for(Operand src, int n, int bw) {
  std::vector<ColumnSlice> v;
  for (int j = 0; j * bw < n; ++j)
    v.push_back(ColumnSlice{at(src, uint32_t(j * bw)), uint16_t(std::min(bw, n - j * bw))});
  return v;
}

}  // namespace

Program compile_program(const CsbModel& m, const HwConfig& hw, const CompileOptions& opt,
                        CompileStats* stats) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::string& origin = opt.origin;
  validate(m, hw, origin);
  Program prog;
  prog.hw = hw;
  prog.cell = m.cell;
  prog.input_size = m.input_size;
  prog.hidden_size = m.hidden_size;
  prog.proj_size = m.proj_size;
  prog.num_layers = m.num_layers();
  prog.output_size = m.state_size();
  prog.fmt = hw.numeric;
  prog.note = m.note.empty() ? origin : origin + ": " + m.note;

  const int H = m.hidden_size, S = m.state_size(), Pj = m.proj_size;
  const bool lstm = m.cell == CellType::LSTM;
  const int cap = hw.buffers.vector_buffer;
  if (4 * H > cap || (Pj > 0 && Pj > cap))
    fail(origin, ": the Acc bank (buffers.vector_buffer = ", cap, " entries) cannot hold the ",
         4 * H, " gate accumulators of a layer");

  Allocator alloc(cap, origin);
  const Operand x0 = alloc.alloc(m.input_size, "x");
  std::vector<Operand> h(m.num_layers()), c(m.num_layers());
  for (int k = 0; k < m.num_layers(); ++k) {
    h[k] = alloc.alloc(S, "h_l" + std::to_string(k));
    prog.init.push_back(BankInit{h[k], std::vector<int16_t>(size_t(S), 0)});
    if (lstm) {
      c[k] = alloc.alloc(H, "c_l" + std::to_string(k));
      prog.init.push_back(BankInit{c[k], std::vector<int16_t>(size_t(H), 0)});
    }
  }
  // Streaming: the chain cannot write h in place (the MVM still reads it), so it writes hn and a
  // copy hn -> h follows (in the next word, beside the next MVM); LSTMP writes m, not h.
  const bool stream = hw.eltwise.stream;
  std::vector<Operand> hn(m.num_layers());
  if (stream && Pj == 0)
    for (int k = 0; k < m.num_layers(); ++k) hn[k] = alloc.alloc(S, "hn_l" + std::to_string(k));
  // Temporaries, shared by all layers (the list scheduler orders the reuse).
  const Operand pre = alloc.alloc(4 * H, "pre");
  Operand gates, fc, ig, tc, mm, t_, u_, n_, d_, e_;
  if (lstm) {
    gates = alloc.alloc(4 * H, "gates");
    fc = alloc.alloc(H, "f*c");
    ig = alloc.alloc(H, "i*g");
    tc = alloc.alloc(H, "tanh(c)");
    if (Pj > 0) mm = alloc.alloc(H, "m");
  } else {
    gates = alloc.alloc(2 * H, "rz");
    t_ = alloc.alloc(H, "r*gh_n");
    u_ = alloc.alloc(H, "gi_n+r*gh_n");
    n_ = alloc.alloc(H, "n");
    d_ = alloc.alloc(H, "h-n");
    e_ = alloc.alloc(H, "z*(h-n)");
  }

  MacroBuilder mb;
  const uint32_t uH = uint32_t(H);
  std::vector<Operand> layer_out(m.num_layers());  // each layer's new state (chosen variant)
  std::vector<int64_t> mvm_len;                    // Mvm section lengths of prog.mvms
  mb.load_x(x0, m.input_size);
  for (int k = 0; k < m.num_layers(); ++k) {
    const CsbLayer& Ly = m.layers[k];
    const int in = m.layer_input_size(k);
    const Operand xin = k == 0 ? x0 : layer_out[k - 1];
    const int bh = Ly.w_ih.bh, bw = Ly.w_ih.bw;
    const int BCih = Ly.w_ih.block_cols(), BChh = Ly.w_hh.block_cols();
    // Gates MVM.
    Grid g;
    g.bh = bh;
    g.bw = bw;
    g.BC = BCih + BChh;
    std::vector<ColumnSlice> sl = slices_for(xin, in, bw);
    for (const ColumnSlice& s : slices_for(h[k], S, bw)) sl.push_back(s);
    std::vector<uint32_t> dest;
    const int GH = gate_count(m.cell) * H;
    const int BR1 = ceil_div(GH, bh);
    if (lstm) {
      g.BR = BR1;
      g.blocks.resize(size_t(g.BR) * g.BC);
      for (int i = 0; i < BR1; ++i) {
        for (int j = 0; j < BCih; ++j) g.at(i, j).b = &Ly.w_ih.block(i, j);
        for (int j = 0; j < BChh; ++j) g.at(i, BCih + j).b = &Ly.w_hh.block(i, j);
      }
      dest.assign(size_t(g.BR) * bh, kDiscard);
      for (int r = 0; r < GH; ++r) dest[r] = uint32_t(r);
    } else {
      const int n_lo = 2 * H, n_hi = 3 * H;
      const int e0 = n_lo / bh, E = BR1 - e0;  // hh block-rows holding n rows
      g.BR = BR1 + E;
      g.blocks.resize(size_t(g.BR) * g.BC);
      dest.assign(size_t(g.BR) * bh, kDiscard);
      for (int i = 0; i < BR1; ++i) {
        for (int j = 0; j < BCih; ++j) g.at(i, j).b = &Ly.w_ih.block(i, j);
        for (int j = 0; j < BChh; ++j)
          g.at(i, BCih + j) = filtered(Ly.w_hh.block(i, j), i * bh, 0, n_lo);
      }
      for (int r = 0; r < GH; ++r) dest[r] = uint32_t(r);
      for (int e = 0; e < E; ++e) {
        const int ie = e0 + e;
        for (int j = 0; j < BChh; ++j)
          g.at(BR1 + e, BCih + j) = filtered(Ly.w_hh.block(ie, j), ie * bh, n_lo, n_hi);
        for (int p = 0; p < bh; ++p) {
          const int gr = ie * bh + p;
          if (gr >= n_lo && gr < n_hi) dest[size_t(BR1 + e) * bh + p] = uint32_t(GH + gr - n_lo);
        }
      }
    }
    const int acc_rows = 4 * H;
    CompileStats gate_stats;  // counted once the layer's variant is chosen
    MvmProgram nat = make_mvm(k, MvmKind::Gates, g, acc_rows, in + S, std::move(sl),
                              std::move(dest), hw, stats ? &gate_stats : nullptr);
    const int gates_mvm = int(prog.mvms.size());
    // Bias image for this layer: 4H entries at wf+af bits.
    const uint32_t bias0 = uint32_t(prog.bias.size());
    const int af = hw.numeric.af, wf = hw.numeric.wf;
    prog.bias.resize(prog.bias.size() + size_t(4) * H, 0);
    if (m.has_bias) {
      int64_t* bb = prog.bias.data() + bias0;
      if (lstm) {
        for (int r = 0; r < 4 * H; ++r)
          bb[r] = fx::quantize_acc(double(Ly.b_ih[r]) + double(Ly.b_hh[r]), wf + af);
      } else {
        for (int r = 0; r < 2 * H; ++r)
          bb[r] = fx::quantize_acc(double(Ly.b_ih[r]) + double(Ly.b_hh[r]), wf + af);
        for (int r = 2 * H; r < 3 * H; ++r) {
          bb[r] = fx::quantize_acc(double(Ly.b_ih[r]), wf + af);
          bb[r + H] = fx::quantize_acc(double(Ly.b_hh[r]), wf + af);
        }
      }
    }
    // LSTMP's projection MVM: compiled once, shared by every variant of the layer.
    MvmProgram proj;
    uint32_t pb = 0;
    if (Pj > 0) {
      Grid gp;
      const CsbMatrix& wr = Ly.w_hr;
      gp.bh = wr.bh;
      gp.bw = wr.bw;
      gp.BR = wr.block_rows();
      gp.BC = wr.block_cols();
      gp.blocks.resize(size_t(gp.BR) * gp.BC);
      for (int i = 0; i < gp.BR; ++i)
        for (int j = 0; j < gp.BC; ++j) gp.at(i, j).b = &wr.block(i, j);
      std::vector<uint32_t> pd(size_t(gp.BR) * gp.bh, kDiscard);
      for (int r = 0; r < Pj; ++r) pd[r] = uint32_t(r);
      proj = make_mvm(k, MvmKind::Projection, gp, Pj, H, slices_for(mm, H, gp.bw), std::move(pd),
                      hw, stats);
      pb = uint32_t(prog.bias.size());
      prog.bias.resize(prog.bias.size() + Pj, 0);  // projection has no bias
    }
    // The layer's variants: streamed in the interleaved / source row-group order, unstreamed.
    struct Variant {
      MvmProgram gates, proj;
      int64_t gates_len = 0, proj_len = 0;  // Mvm section lengths (analytic)
      CompileStats st;
      MacroBuilder ops;
      Operand out;  // the layer's new state (what the next layer and storey read)
    };
    std::vector<Variant> vars;
    if (stream) {
      // The same element-wise ops as the unstreamed program, per neuron, split per gate region.
      const Operand out = lstm && Pj > 0 ? mm : hn[k];
      MacroBuilder ch;
      auto bw_gate = [&](uint32_t q) { ch.bias_wb(at(pre, q * uH), q * uH, bias0 + q * uH, H); };
      if (lstm) {
        bw_gate(0);                                                                     // i
        bw_gate(2);                                                                     // g
        ch.unary(Op::Sigmoid, UClass::Sigmoid, gates, pre, H);                          // i
        ch.unary(Op::Tanh, UClass::Tanh, at(gates, 2 * uH), at(pre, 2 * uH), H);        // g
        ch.binary(Op::Mul, ig, gates, at(gates, 2 * uH), H);                            // i*g
        bw_gate(1);                                                                     // f
        ch.unary(Op::Sigmoid, UClass::Sigmoid, at(gates, uH), at(pre, uH), H);          // f
        ch.binary(Op::Mul, fc, at(gates, uH), c[k], H);                                 // f*c
        ch.binary(Op::Add, c[k], fc, ig, H);                                            // c'
        bw_gate(3);                                                                     // o
        ch.unary(Op::Sigmoid, UClass::Sigmoid, at(gates, 3 * uH), at(pre, 3 * uH), H);  // o
        ch.unary(Op::Tanh, UClass::Tanh, tc, c[k], H);
        ch.binary(Op::Mul, out, at(gates, 3 * uH), tc, H);  // h' (or m) = o*tanh(c')
      } else {
        bw_gate(0);                                                             // r
        bw_gate(3);                                                             // gh_n
        bw_gate(2);                                                             // gi_n
        ch.unary(Op::Sigmoid, UClass::Sigmoid, gates, pre, H);                  // r
        ch.binary(Op::Mul, t_, gates, at(pre, 3 * uH), H);                      // r*gh_n
        ch.binary(Op::Add, u_, at(pre, 2 * uH), t_, H);                         // gi_n + r*gh_n
        ch.unary(Op::Tanh, UClass::Tanh, n_, u_, H);                            // n
        bw_gate(1);                                                             // z
        ch.unary(Op::Sigmoid, UClass::Sigmoid, at(gates, uH), at(pre, uH), H);  // z
        ch.binary(Op::Sub, d_, h[k], n_, H);                                    // h - n
        ch.binary(Op::Mul, e_, at(gates, uH), d_, H);                           // z*(h-n)
        ch.binary(Op::Add, out, n_, e_, H);                                     // h'
      }
      for (const bool inter : {true, false}) {
        if (opt.row_order ==
            (inter ? CompileOptions::RowOrder::Source : CompileOptions::RowOrder::Interleaved))
          continue;
        Variant v;
        if (inter) {
          // Block-rows interleaved (permute_block_rows).
          Grid gi = g;
          std::vector<uint32_t> di = nat.row_dest;
          permute_block_rows(gi, di, H);
          v.gates = make_mvm(k, MvmKind::Gates, gi, acc_rows, in + S, nat.col_slices, std::move(di),
                             hw, stats ? &v.st : nullptr);
        } else {
          v.gates = nat;
          v.st = gate_stats;
        }
        attach_stream(v.gates, ch.ops, hw.engine.K, H, 4);
        v.ops.mvm(gates_mvm, v.gates);
        if (Pj == 0) {
          v.ops.unary(Op::Copy, UClass::Sum2Only, h[k], hn[k], H);
          v.out = hn[k];
        } else {
          v.proj = proj;
          MacroBuilder pc;
          pc.bias_wb(h[k], 0, pb, Pj);
          attach_stream(v.proj, pc.ops, hw.engine.K, Pj, 1);
          v.ops.mvm(gates_mvm + 1, v.proj);
          v.out = h[k];
        }
        vars.push_back(std::move(v));
      }
    }
    if (!stream || opt.streaming == CompileOptions::Streaming::Best) {
      Variant v;
      v.gates = std::move(nat);
      v.proj = std::move(proj);
      v.st = gate_stats;
      v.out = h[k];
      MacroBuilder& b = v.ops;
      b.mvm(gates_mvm, v.gates);
      b.bias_wb(pre, 0, bias0, 4 * H);
      if (lstm) {
        b.unary(Op::Sigmoid, UClass::Sigmoid, gates, pre, 2 * H);                      // i, f
        b.unary(Op::Tanh, UClass::Tanh, at(gates, 2 * uH), at(pre, 2 * uH), H);        // g
        b.unary(Op::Sigmoid, UClass::Sigmoid, at(gates, 3 * uH), at(pre, 3 * uH), H);  // o
        b.binary(Op::Mul, fc, at(gates, uH), c[k], H);                                 // f*c
        b.binary(Op::Mul, ig, gates, at(gates, 2 * uH), H);                            // i*g
        b.binary(Op::Add, c[k], fc, ig, H);                                            // c'
        b.unary(Op::Tanh, UClass::Tanh, tc, c[k], H);
        if (Pj == 0) {
          b.binary(Op::Mul, h[k], at(gates, 3 * uH), tc, H);  // h' = o*tanh(c')
        } else {
          b.binary(Op::Mul, mm, at(gates, 3 * uH), tc, H);  // m
          b.mvm(gates_mvm + 1, v.proj);
          b.bias_wb(h[k], 0, pb, Pj);
        }
      } else {
        b.unary(Op::Sigmoid, UClass::Sigmoid, gates, pre, 2 * H);  // r, z
        b.binary(Op::Mul, t_, gates, at(pre, 3 * uH), H);          // r*gh_n
        b.binary(Op::Add, u_, at(pre, 2 * uH), t_, H);             // gi_n + r*gh_n
        b.unary(Op::Tanh, UClass::Tanh, n_, u_, H);                // n
        b.binary(Op::Sub, d_, h[k], n_, H);                        // h - n
        b.binary(Op::Mul, e_, at(gates, uH), d_, H);               // z*(h-n)
        b.binary(Op::Add, h[k], n_, e_, H);                        // h'
      }
      vars.push_back(std::move(v));
    }
    // The choice (docs/compiler.md "Streaming"): the variant whose program prefix — layers 0..k
    // with the earlier layers' chosen variants, then storey of this layer's new state — has the
    // fewest cycles (sum of its list-scheduled words, analytic); ties go to the earlier variant
    // in the order interleaved, source, unstreamed.
    size_t best = 0;
    for (Variant& v : vars) {
      v.gates_len = mvm_section_len(hw, v.gates);
      if (Pj > 0) v.proj_len = mvm_section_len(hw, v.proj);
    }
    if (vars.size() > 1) {
      int64_t best_c = -1;
      for (size_t i = 0; i < vars.size(); ++i) {
        std::vector<PendingOp> ops = mb.ops;
        ops.insert(ops.end(), vars[i].ops.ops.begin(), vars[i].ops.ops.end());
        MacroBuilder tail;
        tail.store_y(vars[i].out, S);
        ops.push_back(tail.ops[0]);
        std::vector<int64_t> len = mvm_len;
        len.push_back(vars[i].gates_len);
        if (Pj > 0) len.push_back(vars[i].proj_len);
        const int64_t c = program_cycles(hw, list_schedule(ops), len);
        if (best_c < 0 || c < best_c) {
          best = i;
          best_c = c;
        }
      }
    }
    Variant& v = vars[best];
    if (stats) {
      stats->iterations += v.st.iterations;
      stats->proven_optimal += v.st.proven_optimal;
    }
    prog.mvms.push_back(std::move(v.gates));
    mvm_len.push_back(v.gates_len);
    if (Pj > 0) {
      prog.mvms.push_back(std::move(v.proj));
      mvm_len.push_back(v.proj_len);
    }
    mb.ops.insert(mb.ops.end(), v.ops.ops.begin(), v.ops.ops.end());
    layer_out[k] = v.out;
  }
  mb.store_y(layer_out[m.num_layers() - 1], S);
  if (prog.mvms.size() > 65535) fail(origin, ": too many MVMs");
  prog.words = list_schedule(mb.ops);
  if (stream) check_streams(prog, origin);  // the compiler's own guarantees (program.h)
  if (stats) {
    stats->buffers = buffer_usage(prog);
    stats->weight_buffer_overflow = false;
    for (const auto& b : stats->buffers) stats->weight_buffer_overflow |= b.overflow;
    for (uint64_t b : place_weights(prog).total_bytes)
      stats->model_max_group_bytes = std::max(stats->model_max_group_bytes, b);
    stats->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  return prog;
}

}  // namespace csbrnn
