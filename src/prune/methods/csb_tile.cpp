// `csb-tile`: the paper's projection, then every block's kept rows aligned to a multiple of the
// PE tile's P and its kept columns to a multiple of Q (or the block's whole height / width), so
// the engine's P x Q tiles of every kernel are full, then a count adjustment in Q-column groups
// that keeps the alignment (docs/pruning.md §csb-tile). Reads rate, block and tile.
#include "prune/methods/csb_tile.h"

#include <algorithm>
#include <cstdlib>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "prune/prune.h"
#include "prune/prune_stats.h"
#include "prune/rank.h"

namespace csbrnn {
namespace {

/// The aligned count next below / above an aligned kc in a block of extent n.
int aligned_below(int kc, int n, int unit) {
  return kc == n && n % unit ? n / unit * unit : kc - unit;
}
int aligned_above(int kc, int n, int unit) {
  return std::min(n, kc + unit);
}

/// Sets `want` of the entries idx (flags keep[idx[t]]) kept: restores the highest-energy pruned
/// ones or drops the lowest-energy kept ones (ties by index).
void align_set(const std::vector<size_t>& idx, const std::vector<double>& e, int want,
               std::vector<uint8_t>& keep) {
  int have = 0;
  for (size_t t : idx) have += keep[t];
  if (have == want) return;
  const bool grow = want > have;
  std::vector<double> key;
  std::vector<size_t> cand;
  for (size_t t : idx)
    if (bool(keep[t]) != grow) {
      cand.push_back(t);
      key.push_back(grow ? -e[t] : e[t]);
    }
  int n = std::abs(want - have);
  for (uint32_t o : order_ascending(key)) {
    if (n-- == 0) break;
    keep[cand[o]] = grow;
  }
}

/// One step of the count adjustment: the columns (colkeep entries) that take block `block`
/// from one aligned kc to the next, and the kept weights that changes (kr times their number).
struct Group {
  size_t block;
  std::vector<size_t> cols;
  size_t weights;
};

/// Count adjustment in aligned steps: while the kept count exceeds the target, prunes column
/// groups (a block's lowest-energy kept columns, down to its next aligned kc; lowest mean square
/// over the block's kept rows first); when it falls short, restores groups (a block's
/// highest-energy pruned columns, up to its next aligned kc; highest mean first, only while they
/// fit; a block whose group does not fit takes no later one). A block's groups come in order:
/// their keys are made monotone within the block. With a 1x1 tile it is csb's adjustment.
void adjust_groups(const Matrix& w, CsbState& s, size_t target, int Q) {
  size_t kept = s.kept();
  if (kept == target) return;
  const bool shrink = kept > target;
  const auto kr = s.kr();
  const auto e = s.col_energy(w);
  std::vector<Group> groups;
  std::vector<double> key;
  for (int i = 0; i < s.BR; ++i)
    for (int j = 0; j < s.BC; ++j) {
      const size_t b = size_t(i) * s.BC + j;
      if (kr[b] == 0) continue;
      const int c0 = j * s.bw, W = s.strip_width(j);
      std::vector<size_t> cand;
      std::vector<double> ck;
      int kc = 0;
      for (int c = c0; c < c0 + W; ++c) {
        const size_t t = size_t(i) * s.C + c;
        kc += s.colkeep[t];
        if (bool(s.colkeep[t]) != shrink) continue;
        cand.push_back(t);
        ck.push_back(shrink ? e[t] : -e[t]);
      }
      // the steps from kc down to 0 (shrink) or up to W (grow) use up the candidates exactly
      const auto order = order_ascending(ck);
      size_t o = 0;
      for (bool first = true; o < order.size(); first = false) {
        const int next = shrink ? aligned_below(kc, W, Q) : aligned_above(kc, W, Q);
        const size_t n = size_t(std::abs(next - kc));
        CSBRNN_ASSERT(n > 0 && o + n <= order.size(), "csb-tile: unaligned kc ", kc);
        Group g{b, {}, size_t(kr[b]) * n};
        double sum = 0;
        for (size_t m = 0; m < n; ++m, ++o) {
          g.cols.push_back(cand[order[o]]);
          sum += e[cand[order[o]]];
        }
        // shrink: mean square ascending; grow: descending. Monotone within the block (a later
        // group's mean cannot beat an earlier one's but rounding could make it look so).
        double k = (shrink ? sum : -sum) / double(g.weights);
        if (!first) k = std::max(k, key.back());
        kc = next;
        groups.push_back(std::move(g));
        key.push_back(k);
      }
    }
  std::vector<uint8_t> stopped(kr.size(), 0);
  for (uint32_t o : order_ascending(key)) {
    const Group& g = groups[o];
    if (shrink) {
      if (kept <= target) break;
      for (size_t t : g.cols) s.colkeep[t] = 0;
      kept -= g.weights;
    } else if (!stopped[g.block] && kept + g.weights <= target) {
      for (size_t t : g.cols) s.colkeep[t] = 1;
      kept += g.weights;
    } else {
      stopped[g.block] = 1;
    }
  }
}

class CsbTile final : public CsbStructuredMethod {
 public:
  const char* name() const override { return "csb-tile"; }
  const char* description() const override {
    return "csb, each block's kept rows/columns aligned to the PE tile (--tile PxQ, default 4x4)";
  }

  void check_params(const Matrix& w, const PruneParams& p, const std::string& what) const override {
    CsbStructuredMethod::check_params(w, p, what);
    if (p.tile.bh < 1 || p.tile.bw < 1) fail(what, ": tile must be at least 1x1");
  }

  void project(const Matrix& w, const PruneParams& p, MatrixPrune& out) const override {
    CsbState s(w.rows, w.cols, p.block.bh, p.block.bw);
    csb_paper_projection(w, p.rate, s);
    csb_tile_align(w, s, p.tile.bh, p.tile.bw);
    out.projection_kept = s.kept();
    adjust_groups(w, s, out.target, p.tile.bw);
    out.keep = s.mask();
  }

  /// A step is one Q-column group of a block (up to bh*Q weights); max with bw*P so that the
  /// tolerance does not depend on the orientation.
  size_t count_step(const Matrix& /*w*/, const PruneParams& p) const override {
    return size_t(std::max(p.block.bh * p.tile.bw, p.block.bw * p.tile.bh));
  }

  std::string miss_reason(const MatrixStats& /*s*/) const override {
    return "its tile-aligned structure reaches no count nearer the target";
  }

  void report_matrix(const MatrixStats& s, nlohmann::json& j) const override {
    j["aligned_kept_before_adjust"] = s.projection_kept;
  }
  void report_run(const PruneParams& p, nlohmann::json& j) const override {
    j["tile"] = {p.tile.bh, p.tile.bw};
  }
};

}  // namespace

int csb_tile_round(int k, int n, int unit) {
  if (k >= n) return n;
  const int lo = k / unit * unit, hi = std::min(n, lo + unit);
  return k - lo < hi - k ? lo : hi;
}

void csb_tile_align(const Matrix& w, CsbState& s, int P, int Q) {
  std::vector<size_t> idx;
  const auto er = s.row_energy(w, true);
  for (int i = 0; i < s.BR; ++i)
    for (int j = 0; j < s.BC; ++j) {
      const int r0 = i * s.bh, r1 = std::min(s.R, r0 + s.bh);
      idx.clear();
      int kr = 0;
      for (int r = r0; r < r1; ++r) {
        idx.push_back(size_t(r) * s.BC + j);
        kr += s.rowkeep[idx.back()];
      }
      align_set(idx, er, csb_tile_round(kr, r1 - r0, P), s.rowkeep);
    }
  const auto ec = s.col_energy(w);
  for (int i = 0; i < s.BR; ++i)
    for (int j = 0; j < s.BC; ++j) {
      const int c0 = j * s.bw, c1 = c0 + s.strip_width(j);
      idx.clear();
      int kc = 0;
      for (int c = c0; c < c1; ++c) {
        idx.push_back(size_t(i) * s.C + c);
        kc += s.colkeep[idx.back()];
      }
      align_set(idx, ec, csb_tile_round(kc, c1 - c0, Q), s.colkeep);
    }
}

namespace prune_methods {
const PruneMethod& csb_tile() {
  static const CsbTile m;
  return m;
}
}  // namespace prune_methods

}  // namespace csbrnn
