#include "energy/counts.h"

#include "isa/semantics.h"

namespace csbrnn::energy {
namespace {

void count_read(ActionCounts& a, Bank b, int64_t n) {
  if (b == Bank::Acc)
    a.acc_reads += n;
  else if (b == Bank::Bias)
    a.bias_reads += n;
  else if (b != Bank::Dram)
    a.vec_reads += n;
}

void count_write(ActionCounts& a, Bank b, int64_t n) {
  if (b == Bank::Acc)
    a.acc_writes += n;
  else if (b != Bank::Dram && b != Bank::Bias)
    a.vec_writes += n;
}

}  // namespace

void count_item(ActionCounts& a, const MicroItem& it, int P, int Q) {
  const int64_t t = item_tiles(it, P, Q);
  if (t == 0) return;
  a.tiles += t;
  a.mac_ops += t * P * Q;
  a.weight_read_bytes += t * P * Q * 2;
  a.index_read_bytes += (int64_t(it.rows) + it.cols) * 2;
  a.bnb_reads += t * Q;
  a.nab_rmw += t * P;
  if (it.kind == ItemKind::FromLeft || it.kind == ItemKind::FromRight) a.link_h_words += t * Q;
  if (uses_vertical_path(it.kind)) a.link_v_words += t * P;
}

void count_bnb_load(ActionCounts& a, const ColumnSlice& cs, int bw) {
  a.bnb_writes += bw;
  count_read(a, cs.src.bank, cs.width);
}

void count_bnb_iteration(ActionCounts& a, const MvmProgram& mv, int b, int L) {
  for (int l = 0; l < L; ++l) {
    const int bc = b * L + l;
    if (bc < mv.BC) count_bnb_load(a, mv.col_slices[size_t(bc)], mv.bw);
  }
}

void count_reduce(ActionCounts& a, const MvmProgram& mv, int block_row, int L) {
  a.reduce_neurons += mv.bh;
  a.reduce_nab_reads += int64_t(mv.bh) * L;
  int64_t kept = 0;
  for (int r = 0; r < mv.bh; ++r)
    if (mv.row_dest[size_t(block_row) * size_t(mv.bh) + size_t(r)] != UINT32_MAX) ++kept;
  a.acc_writes += kept;
}

void count_elementwise(ActionCounts& a, const Section& s) {
  const int64_t n = s.count;
  switch (s.op) {
    case Op::BiasWb:
      a.elt_biaswb += n;
      break;
    case Op::Add:
      a.elt_add += n;
      break;
    case Op::Sub:
      a.elt_sub += n;
      break;
    case Op::Mul:
      a.elt_mul += n;
      break;
    case Op::Sigmoid:
      a.elt_sigmoid += n;
      break;
    case Op::Tanh:
      a.elt_tanh += n;
      break;
    case Op::Copy:
      a.elt_copy += n;
      break;
    default:
      return;  // not element-wise
  }
  count_read(a, s.a.bank, n);
  if (reads_b(s.op)) count_read(a, s.b.bank, n);
  count_write(a, s.dst.bank, n);
}

void count_load_store(ActionCounts& a, const Section& s) {
  const int64_t n = s.count;
  if (s.op == Op::LoadX) {
    a.load_bytes += 2 * n;
    count_write(a, s.dst.bank, n);
  } else if (s.op == Op::StoreY) {
    a.store_bytes += 2 * n;
    count_read(a, s.a.bank, n);
  }
}

int64_t bursts_of(int64_t bytes, int burst_bytes) {
  return burst_bytes > 0 ? (bytes + burst_bytes - 1) / burst_bytes : 0;
}

ActionCounts program_counts(const Program& p, const HwConfig& hw, int steps) {
  const int K = hw.engine.K, L = hw.engine.L, P = hw.engine.P, Q = hw.engine.Q;
  ActionCounts one;  // one timestep
  auto section = [&](const Section& s) {
    if (s.op == Op::LoadX || s.op == Op::StoreY) {
      count_load_store(one, s);
      const int64_t b = bursts_of(int64_t(s.count) * 2, hw.memory.burst_bytes);
      (s.op == Op::LoadX ? one.dram_read_bursts : one.dram_write_bursts) += b;
    } else if (s.op != Op::Mvm) {
      count_elementwise(one, s);
    }
  };
  for (const MacroWord& w : p.words)
    for (const Section& s : w.sections) {
      section(s);
      if (s.op != Op::Mvm) continue;
      const MvmProgram& mv = p.mvms[size_t(s.mvm)];
      for (int a = 0; a < mv.iter_rows; ++a) {
        for (int b = 0; b < mv.iter_cols; ++b) {
          // iteration sync reloads the slices every iteration; row-group sync loads each slice
          // set once per MVM (docs/timing.md "Synchronisation")
          if (a == 0 || !inputs_resident(hw.engine.sync)) count_bnb_iteration(one, mv, b, L);
          for (int k = 0; k < K; ++k)
            for (int l = 0; l < L; ++l)
              for (const MicroItem& it : mv.at(a, b, k, l, K, L).items) count_item(one, it, P, Q);
        }
        for (int k = 0; k < K; ++k)
          if (a * K + k < mv.BR) count_reduce(one, mv, a * K + k, L);
      }
      for (const MacroWord& stage : mv.stream.stages)
        for (const Section& ss : stage.sections) {
          if (ss.op != Op::StoreY) {
            section(ss);
            continue;
          }
          // a streamed store (eltwise.stream_store) moves each chunk as its own transfer
          count_load_store(one, ss);
          uint32_t lo = 0;
          for (uint32_t hi : mv.stream.chunk_end) {
            one.dram_write_bursts += bursts_of(int64_t(hi - lo) * 2, hw.memory.burst_bytes);
            lo = hi;
          }
        }
    }
  ActionCounts run;
  stats::add(run, one, steps);
  return run;
}

}  // namespace csbrnn::energy
