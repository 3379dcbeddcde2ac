#include "sim/detailed/accum_scoreboard.h"

#include "common/error.h"

namespace csbrnn::sim::detailed {

void AccumScoreboard::configure(int G, int bh) {
  G_ = G;
  bh_ = bh;
  from_.assign(2 * size_t(G) * size_t(bh), std::numeric_limits<int64_t>::min());
  queue_.assign(2 * size_t(G), {});
}

bool AccumScoreboard::ready(int half, int nab, const uint16_t* rows, int n, int64_t read) const {
  const int64_t* f = from_.data() + (size_t(half) * size_t(G_) + size_t(nab)) * size_t(bh_);
  for (int i = 0; i < n; ++i)
    if (f[rows[i]] > read) return false;
  return true;
}

void AccumScoreboard::write(int half, int nab, const uint16_t* rows, int n, int64_t from) {
  for (int i = 0; i < n; ++i) {
    CSBRNN_ASSERT(rows[i] < bh_, "accumulator row out of range");
    at(half, nab, rows[i]) = from;
  }
}

void AccumScoreboard::queue(int half, int nab, const uint16_t* rows, int n, int dir) {
  write(half, nab, rows, n, kPending);
  queue_[size_t(dir) * size_t(G_) + size_t(nab)].push_back({half, rows, n});
}

void AccumScoreboard::written(int nab, int count, int64_t c, int dir) {
  std::deque<Pending>& q = queue_[size_t(dir) * size_t(G_) + size_t(nab)];
  for (; count > 0; --count) {
    CSBRNN_ASSERT(!q.empty(), "accumulator write without a queued result");
    const Pending p = q.front();
    q.pop_front();
    // no other tile of these rows has issued meanwhile (it found them pending), so this write
    // is the rows' last one
    for (int i = 0; i < p.n; ++i) {
      int64_t& f = at(p.half, nab, p.rows[i]);
      CSBRNN_ASSERT(f == kPending, "a pending accumulator row was written over");
      f = c + 1;
    }
  }
}

}  // namespace csbrnn::sim::detailed
