#include "isa/semantics.h"

#include <algorithm>

#include "common/error.h"
#include "isa/stream.h"

namespace csbrnn {
namespace {

int ceil_div(int a, int b) {
  return (a + b - 1) / b;
}

bool is_vector_bank(Bank b) {
  return uint8_t(b) <= uint8_t(Bank::E);
}

size_t bank_size(const MachineBanks& m, Bank b) {
  if (is_vector_bank(b)) return m.v[uint8_t(b)].size();
  if (b == Bank::Acc) return m.acc.size();
  if (b == Bank::Bias) return m.bias.size();
  return 0;
}

}  // namespace

bool unit_can_run(Unit u, Op op) {
  switch (op) {
    case Op::LoadX:
      return u == Unit::Load;
    case Op::Mvm:
      return u == Unit::Engine;
    case Op::BiasWb:
      return u == Unit::Sum1;
    case Op::Add:
    case Op::Sub:
      return u == Unit::Sum1 || u == Unit::Sum2;
    case Op::Mul:
      return u == Unit::Mult1 || u == Unit::Mult2;
    case Op::Sigmoid:
      return u == Unit::Sigmoid;
    case Op::Tanh:
      return u == Unit::Tanh;
    case Op::Copy:
      return u == Unit::Sum2;
    case Op::StoreY:
      return u == Unit::Store;
  }
  return false;
}

void MachineBanks::reset(const Program& p) {
  for (auto& b : v) b.assign(size_t(p.hw.buffers.vector_buffer), 0);
  acc.assign(size_t(p.hw.buffers.vector_buffer), 0);
  bias = p.bias;
  for (const BankInit& bi : p.init) {
    auto& bank = v[uint8_t(bi.dst.bank)];
    std::copy(bi.values.begin(), bi.values.end(), bank.begin() + bi.dst.addr);
  }
}

void check_section_bounds(const Section& s, const MachineBanks& m, const Program& p) {
  auto in = [&](const Operand& o, Bank want_kind, const char* what) {
    const bool ok_kind = want_kind == Bank::A ? is_vector_bank(o.bank) : o.bank == want_kind;
    if (!ok_kind || uint64_t(o.addr) + s.count > bank_size(m, o.bank))
      fail("program: section ", int(s.op), " operand ", what, " out of its bank");
  };
  switch (s.op) {
    case Op::LoadX:
      in(s.dst, Bank::A, "dst");
      if (uint64_t(s.a.addr) + s.count > uint64_t(p.input_size))
        fail("program: LoadX reads past the input row");
      break;
    case Op::StoreY:
      in(s.a, Bank::A, "a");
      if (uint64_t(s.dst.addr) + s.count > uint64_t(p.output_size))
        fail("program: StoreY writes past the output row");
      break;
    case Op::Mvm:
      if (s.mvm >= p.mvms.size()) fail("program: Mvm section names MVM ", s.mvm);
      in(s.dst, Bank::Acc, "dst");
      if (s.count != uint32_t(p.mvms[s.mvm].rows)) fail("program: Mvm count mismatch");
      break;
    case Op::BiasWb:
      in(s.dst, Bank::A, "dst");
      in(s.a, Bank::Acc, "a");
      in(s.b, Bank::Bias, "b");
      break;
    case Op::Add:
    case Op::Sub:
    case Op::Mul:
      in(s.dst, Bank::A, "dst");
      in(s.a, Bank::A, "a");
      in(s.b, Bank::A, "b");
      break;
    case Op::Sigmoid:
    case Op::Tanh:
    case Op::Copy:
      in(s.dst, Bank::A, "dst");
      in(s.a, Bank::A, "a");
      break;
  }
}

bool reads_b(Op op) {
  return op == Op::BiasWb || op == Op::Add || op == Op::Sub || op == Op::Mul;
}

void exec_elementwise(const Section& s, MachineBanks& m, const fx::Format& f) {
  const size_t n = s.count;
  std::vector<int16_t> out(n);
  if (s.op == Op::BiasWb) {
    const int64_t* a = m.acc.data() + s.a.addr;
    const int64_t* b = m.bias.data() + s.b.addr;
    for (size_t i = 0; i < n; ++i) out[i] = fx::writeback(a[i] + b[i], f);
  } else {
    const int16_t* a = m.v[uint8_t(s.a.bank)].data() + s.a.addr;
    const int16_t* b = reads_b(s.op) ? m.v[uint8_t(s.b.bank)].data() + s.b.addr : nullptr;
    switch (s.op) {
      case Op::Add:
        for (size_t i = 0; i < n; ++i) out[i] = fx::add(a[i], b[i]);
        break;
      case Op::Sub:
        for (size_t i = 0; i < n; ++i) out[i] = fx::sub(a[i], b[i]);
        break;
      case Op::Mul:
        for (size_t i = 0; i < n; ++i) out[i] = fx::mul(a[i], b[i], f);
        break;
      case Op::Sigmoid:
        for (size_t i = 0; i < n; ++i) out[i] = fx::sigmoid(a[i], f);
        break;
      case Op::Tanh:
        for (size_t i = 0; i < n; ++i) out[i] = fx::tanh(a[i], f);
        break;
      case Op::Copy:
        for (size_t i = 0; i < n; ++i) out[i] = a[i];
        break;
      default:
        CSBRNN_ASSERT(false, "not an element-wise op");
    }
  }
  std::copy(out.begin(), out.end(), m.v[uint8_t(s.dst.bank)].begin() + s.dst.addr);
}

void exec_load(const Section& s, MachineBanks& m, const int16_t* x_row, int input_size) {
  CSBRNN_ASSERT(uint64_t(s.a.addr) + s.count <= uint64_t(input_size));
  std::copy(x_row + s.a.addr, x_row + s.a.addr + s.count,
            m.v[uint8_t(s.dst.bank)].begin() + s.dst.addr);
}

void exec_store(const Section& s, const MachineBanks& m, int16_t* y_row, int output_size) {
  CSBRNN_ASSERT(uint64_t(s.dst.addr) + s.count <= uint64_t(output_size));
  const int16_t* a = m.v[uint8_t(s.a.bank)].data() + s.a.addr;
  std::copy(a, a + s.count, y_row + s.dst.addr);
}

void load_bnb(const ColumnSlice& cs, const MachineBanks& m, int bw, int16_t* bnb) {
  std::fill(bnb, bnb + bw, int16_t(0));
  const int16_t* src = m.v[uint8_t(cs.src.bank)].data() + cs.src.addr;
  std::copy(src, src + cs.width, bnb);
}

void load_bnb_iteration(const MvmProgram& mv, int b, int L, const MachineBanks& m, int16_t* bnb) {
  for (int l = 0; l < L; ++l) {
    int16_t* dst = bnb + size_t(l) * size_t(mv.bw);
    const int bc = b * L + l;
    if (bc < mv.BC)
      load_bnb(mv.col_slices[size_t(bc)], m, mv.bw, dst);
    else
      std::fill(dst, dst + mv.bw, int16_t(0));
  }
}

namespace {

// The tiles of one piece, column tile outer, row tile inner: acc[rt*P + p] += sum_q
// w[p][q] * x[ct*Q + q]. `x` holds the piece's gathered inputs zero-padded to CT*Q entries, so
// weights in a partial tile's padding (zero by contract, but whatever they hold) add nothing to
// a real row; padded rows land in acc entries past `rows`, which are dropped. Integer sums are
// exact, so this order equals the hardware's (per PE row adder tree, then the accumulator).
template <int P, int Q>
void mac_tiles(const int16_t* __restrict w, int RT, int CT, const int16_t* __restrict x,
               int64_t* __restrict acc) {
  for (int ct = 0; ct < CT; ++ct, x += Q) {
    int32_t xv[Q];
#pragma GCC unroll 16
    for (int q = 0; q < Q; ++q) xv[q] = x[q];
    int64_t* a = acc;
    for (int rt = 0; rt < RT; ++rt, w += P * Q, a += P) {
#pragma GCC unroll 16
      for (int p = 0; p < P; ++p) {
        int64_t s = 0;  // |w*x| <= 2^30: each product fits int32, their sum needs int64
#pragma GCC unroll 16
        for (int q = 0; q < Q; ++q) s += int64_t(int32_t(w[p * Q + q]) * xv[q]);
        a[p] += s;
      }
    }
  }
}

void mac_tiles_any(const int16_t* w, int P, int Q, int RT, int CT, const int16_t* x, int64_t* acc) {
  for (int ct = 0; ct < CT; ++ct, x += Q) {
    int64_t* a = acc;
    for (int rt = 0; rt < RT; ++rt, w += P * Q, a += P)
      for (int p = 0; p < P; ++p) {
        int64_t s = 0;
        for (int q = 0; q < Q; ++q) s += int32_t(w[p * Q + q]) * int32_t(x[q]);
        a[p] += s;
      }
  }
}

}  // namespace

int64_t exec_micro_item(const MicroItem& it, const GroupImage& img, int P, int Q,
                        const int16_t* bnb, int64_t* nab) {
  if (it.rows == 0 || it.cols == 0) return 0;
  const uint16_t* ri = img.index.data() + it.index_ptr;
  const uint16_t* ci = ri + it.rows;
  const int16_t* w = img.weights.data() + size_t(it.weight_ptr) * P * Q;
  const int RT = ceil_div(it.rows, P), CT = ceil_div(it.cols, Q);
  // Scratch reused across calls (no allocation per item once grown).
  thread_local std::vector<int16_t> xs;
  thread_local std::vector<int64_t> as;
  const size_t nx = size_t(CT) * Q, na = size_t(RT) * P;
  if (xs.size() < nx) xs.resize(nx);
  if (as.size() < na) as.resize(na);
  int16_t* x = xs.data();
  int64_t* acc = as.data();
  for (int c = 0; c < it.cols; ++c) x[c] = bnb[ci[c]];
  for (size_t c = it.cols; c < nx; ++c) x[c] = 0;
  std::fill(acc, acc + na, int64_t(0));
  if (P == 4 && Q == 4)
    mac_tiles<4, 4>(w, RT, CT, x, acc);
  else if (P == 4 && Q == 8)
    mac_tiles<4, 8>(w, RT, CT, x, acc);
  else if (P == 8 && Q == 4)
    mac_tiles<8, 4>(w, RT, CT, x, acc);
  else if (P == 8 && Q == 8)
    mac_tiles<8, 8>(w, RT, CT, x, acc);
  else if (P == 2 && Q == 4)
    mac_tiles<2, 4>(w, RT, CT, x, acc);
  else if (P == 2 && Q == 2)
    mac_tiles<2, 2>(w, RT, CT, x, acc);
  else
    mac_tiles_any(w, P, Q, RT, CT, x, acc);
  for (int r = 0; r < it.rows; ++r) nab[ri[r]] += acc[r];
  return int64_t(RT) * CT;
}

void reduce_row_group(const MvmProgram& mv, int block_row, const std::vector<int64_t*>& nabs,
                      uint32_t acc_base, std::vector<int64_t>& acc) {
  const uint32_t* dest = mv.row_dest.data() + size_t(block_row) * mv.bh;
  for (int r = 0; r < mv.bh; ++r) {
    if (dest[r] == UINT32_MAX) continue;
    int64_t sum = 0;
    for (const int64_t* n : nabs) sum += n[r];
    acc[size_t(acc_base) + dest[r]] = sum;
  }
}

void exec_mvm(const Program& p, const Section& s, MachineBanks& m) {
  const MvmProgram& mv = p.mvms[s.mvm];
  const int K = p.hw.engine.K, L = p.hw.engine.L, P = p.hw.engine.P, Q = p.hw.engine.Q;
  std::vector<std::vector<int64_t>> nab(size_t(K) * L, std::vector<int64_t>(mv.bh));
  std::vector<int16_t> bnbs(size_t(L) * size_t(mv.bw));
  auto bnb = [&](int l) { return bnbs.data() + size_t(l) * size_t(mv.bw); };
  for (int a = 0; a < mv.iter_rows; ++a) {
    for (auto& n : nab) std::fill(n.begin(), n.end(), 0);
    for (int b = 0; b < mv.iter_cols; ++b) {
      load_bnb_iteration(mv, b, L, m, bnbs.data());
      for (int k = 0; k < K; ++k)
        for (int l = 0; l < L; ++l) {
          const int kl = (l - 1 + L) % L, ku = (k - 1 + K) % K;
          const int kr = (l + 1) % L, kd = (k + 1) % K;
          const GroupImage& img = mv.images[size_t(k) * L + l];
          for (const MicroItem& it : mv.at(a, b, k, l, K, L).items) {
            switch (it.kind) {
              case ItemKind::Local:
                exec_micro_item(it, img, P, Q, bnb(l), nab[size_t(k) * L + l].data());
                break;
              case ItemKind::FromLeft:
                exec_micro_item(it, img, P, Q, bnb(kl), nab[size_t(k) * L + l].data());
                break;
              case ItemKind::FromUp:
                exec_micro_item(it, img, P, Q, bnb(l), nab[size_t(ku) * L + l].data());
                break;
              case ItemKind::FromRight:
                exec_micro_item(it, img, P, Q, bnb(kr), nab[size_t(k) * L + l].data());
                break;
              case ItemKind::FromDown:
                exec_micro_item(it, img, P, Q, bnb(l), nab[size_t(kd) * L + l].data());
                break;
            }
          }
        }
    }
    for (int k = 0; k < K; ++k) {
      const int br = a * K + k;
      if (br >= mv.BR) break;
      std::vector<int64_t*> row;
      for (int l = 0; l < L; ++l) row.push_back(nab[size_t(k) * L + l].data());
      reduce_row_group(mv, br, row, s.dst.addr, m.acc);
    }
  }
}

void check_program(const Program& p, const std::string& origin) {
  const auto& e = p.hw.engine;
  auto bad = [&](auto&&... what) { fail(origin, ": inconsistent program: ", what...); };
  if (e.K < 1 || e.L < 1 || e.P < 1 || e.Q < 1 || e.K > 1024 || e.L > 1024 || e.P > 1024 ||
      e.Q > 1024)
    bad("engine ", e.K, "x", e.L, "x", e.P, "x", e.Q);
  if (e.neuron_load_width < 1 || e.reduce_lanes < 1 || p.hw.eltwise.lanes < 1 ||
      p.hw.memory.burst_bytes < 1 || !(e.clock_mhz > 0))
    bad("hardware rates (lanes, widths, burst, clock) must be positive");
  if (p.hw.buffers.vector_buffer < 1 || p.hw.buffers.vector_buffer > (1 << 24))
    bad("vector_buffer ", p.hw.buffers.vector_buffer);
  if (p.fmt.wf < 1 || p.fmt.wf > 15 || p.fmt.af < 1 || p.fmt.af > 15) bad("numeric format");
  if (p.input_size < 1 || p.output_size < 1) bad("input/output size");
  check_output_perm(p.output_perm, p.output_size, origin);
  const size_t cap = size_t(p.hw.buffers.vector_buffer);
  const size_t G = size_t(e.K) * e.L, PQ = size_t(e.P) * e.Q;
  for (size_t i = 0; i < p.mvms.size(); ++i) {
    const MvmProgram& mv = p.mvms[i];
    if (mv.bh < 1 || mv.bw < 1 || mv.bh > 65535 || mv.bw > 65535 || mv.BR < 1 || mv.BC < 1)
      bad("MVM ", i, " geometry");
    if (mv.iter_rows != ceil_div(mv.BR, e.K) || mv.iter_cols != ceil_div(mv.BC, e.L))
      bad("MVM ", i, " iteration counts");
    if (mv.col_slices.size() != size_t(mv.BC)) bad("MVM ", i, " column slices");
    for (const ColumnSlice& cs : mv.col_slices)
      if (uint8_t(cs.src.bank) > uint8_t(Bank::E) || cs.width > mv.bw ||
          size_t(cs.src.addr) + cs.width > cap)
        bad("MVM ", i, " column slice out of range");
    if (mv.row_dest.size() != size_t(mv.BR) * mv.bh) bad("MVM ", i, " row_dest size");
    for (uint32_t d : mv.row_dest)
      if (d != UINT32_MAX && (d >= cap || d >= uint32_t(std::max(mv.rows, 0))))
        bad("MVM ", i, " row_dest outside the MVM's Acc rows");
    if (mv.images.size() != G) bad("MVM ", i, " images");
    if (mv.micro.size() != size_t(mv.iter_rows) * mv.iter_cols * G) bad("MVM ", i, " micro");
    for (size_t x = 0; x < mv.micro.size(); ++x) {
      const GroupImage& img = mv.images[x % G];
      const auto& items = mv.micro[x].items;
      if (items.size() > 5) bad("MVM ", i, " more than 5 items");
      for (size_t t = 0; t < items.size(); ++t) {
        const MicroItem& it = items[t];
        if (uint8_t(it.kind) > uint8_t(ItemKind::FromDown) ||
            (t > 0 && uint8_t(it.kind) <= uint8_t(items[t - 1].kind)))
          bad("MVM ", i, " item kinds out of order");
        if (it.kind > ItemKind::FromUp && p.hw.sharing_neighbours != 4)
          bad("MVM ", i, " from-right / from-down item in a program for sharing.neighbours = ",
              p.hw.sharing_neighbours);
        if (uint64_t(it.index_ptr) + it.rows + it.cols > img.index.size())
          bad("MVM ", i, " index pointer out of the index memory");
        const uint64_t tiles = uint64_t(ceil_div(it.rows, e.P)) * ceil_div(it.cols, e.Q);
        if ((uint64_t(it.weight_ptr) + tiles) * PQ > img.weights.size())
          bad("MVM ", i, " weight pointer out of the weight buffer");
        for (int r = 0; r < it.rows; ++r)
          if (img.index[it.index_ptr + r] >= mv.bh) bad("MVM ", i, " row index >= bh");
        for (int c = 0; c < it.cols; ++c)
          if (img.index[it.index_ptr + it.rows + c] >= mv.bw) bad("MVM ", i, " col index >= bw");
      }
    }
  }
  MachineBanks sizes;
  for (auto& b : sizes.v) b.resize(cap);
  sizes.acc.resize(cap);
  sizes.bias.resize(p.bias.size());
  for (const MacroWord& w : p.words) {
    bool used[kUnitCount] = {};
    for (const Section& s : w.sections) {
      if (uint8_t(s.unit) >= kUnitCount || uint8_t(s.op) > uint8_t(Op::StoreY) ||
          !unit_can_run(s.unit, s.op))
        bad("section unit/op mismatch");
      if (used[uint8_t(s.unit)]) bad("two sections on one unit in a word");
      used[uint8_t(s.unit)] = true;
      try {
        check_section_bounds(s, sizes, p);
      } catch (const Error& err) {
        bad(err.what());
      }
    }
  }
  for (const BankInit& bi : p.init)
    if (uint8_t(bi.dst.bank) > uint8_t(Bank::E) || size_t(bi.dst.addr) + bi.values.size() > cap)
      bad("initial state out of its bank");
  check_streams(p, origin);
}

}  // namespace csbrnn
