// DRAM controller + device timing (sim/dram_timing.h).
#include "sim/dram_timing.h"

#include <algorithm>
#include <limits>

#include "common/error.h"

namespace csbrnn::sim {
namespace {
int log2i(int64_t v) {
  int b = 0;
  while ((int64_t(1) << b) < v) ++b;
  return b;
}
constexpr int64_t kNever = std::numeric_limits<int64_t>::min() / 4;
}  // namespace

DramTiming::DramTiming(const DramParams& p) : p_(p) {
  const std::string bad = check_dram_params(p);
  CSBRNN_ASSERT(bad.empty(), "DRAM parameters ", p.name, ": ", bad);
  bits_burst_ = log2i(p.burst_bytes());
  bits_ch_ = log2i(p.channels);
  bits_bg_ = log2i(p.bank_groups);
  bits_col_ = log2i(p.columns / p.burst_length);
  bits_bank_ = log2i(p.banks_per_group);
  bits_rank_ = log2i(p.ranks);
  reset();
}

void DramTiming::reset() {
  ch_.assign(size_t(p_.channels), Channel{});
  for (auto& ch : ch_) {
    ch.ranks.assign(size_t(p_.ranks), Rank{});
    for (auto& r : ch.ranks) {
      r.banks.assign(size_t(p_.banks()), Bank{});
      r.wr_end_group.assign(size_t(p_.bank_groups), kNever);
      r.last_act = kNever;
      for (auto& a : r.acts) a = kNever;
      r.next_ref = p_.REFI;
    }
  }
  counts_ = SimStats::DramCounts{};
  log_.clear();
}

DramTiming::Coord DramTiming::map(uint64_t addr) const {
  uint64_t a = addr >> bits_burst_;
  auto take = [&a](int bits) {
    const uint64_t v = a & ((uint64_t(1) << bits) - 1);
    a >>= bits;
    return v;
  };
  Coord c;
  c.channel = int(take(bits_ch_));
  c.group = int(take(bits_bg_));
  c.column = int(take(bits_col_));
  const int bank = int(take(bits_bank_));
  c.rank = int(take(bits_rank_));
  c.row = int64_t(a % uint64_t(p_.rows));
  c.bank = c.group * p_.banks_per_group + bank;
  return c;
}

int64_t DramTiming::slot(Channel& ch, int64_t t) {
  while (ch.cmd_busy.count(t)) ++t;
  ch.cmd_busy.insert(t);
  return t;
}

void DramTiming::log(Cmd c, int64_t cycle, const Coord& k, int64_t row) {
  if (record_) log_.push_back({c, cycle, k.channel, k.rank, k.bank, row});
}

// Every refresh of rank r due at or before t is done (all-bank: open banks precharged when they
// allow it, REF tRP after the last precharge, the rank's banks blocked for tRFC).
void DramTiming::refresh_upto(Channel& ch, int ci, int64_t t) {
  for (int ri = 0; ri < p_.ranks; ++ri) {
    Rank& r = ch.ranks[size_t(ri)];
    while (r.next_ref <= t) {
      int64_t ref_at = r.next_ref;
      for (int b = 0; b < p_.banks(); ++b) {
        Bank& bk = r.banks[size_t(b)];
        ref_at = std::max(ref_at, bk.next_act);
        if (bk.open_row >= 0) {
          const int64_t tp = slot(ch, std::max(r.next_ref, bk.next_pre));
          Coord k;
          k.channel = ci;
          k.rank = ri;
          k.bank = b;
          log(Cmd::Pre, tp, k, bk.open_row);
          ++counts_.precharges;
          bk.open_row = -1;
          ref_at = std::max(ref_at, tp + p_.RP);
        }
      }
      ref_at = slot(ch, ref_at);
      Coord k;
      k.channel = ci;
      k.rank = ri;
      k.bank = -1;
      log(Cmd::Ref, ref_at, k, -1);
      ++counts_.refreshes;
      counts_.refresh_cycles += p_.RFC;
      for (auto& bk : r.banks) bk.next_act = std::max(bk.next_act, ref_at + p_.RFC);
      r.next_ref += p_.REFI;
    }
  }
}

int64_t DramTiming::schedule(Channel& ch, const Burst& b) {
  const Coord& c = b.c;
  Rank& r = ch.ranks[size_t(c.rank)];
  Bank& bk = r.banks[size_t(c.bank)];
  int64_t t = b.arrive;
  if (bk.open_row != c.row) {
    ++counts_.row_misses;
    if (bk.open_row >= 0) {
      const int64_t tp = slot(ch, std::max(t, bk.next_pre));
      log(Cmd::Pre, tp, c, bk.open_row);
      ++counts_.precharges;
      bk.next_act = std::max(bk.next_act, tp + p_.RP);
      t = tp + 1;
    }
    int64_t ta = std::max(
        {t, bk.next_act, r.last_act + (r.last_act_group == c.group ? p_.RRD_L : p_.RRD_S)});
    if (r.nacts >= 4) ta = std::max(ta, r.acts[r.nacts % 4] + p_.FAW);  // the 4th-last one
    ta = slot(ch, ta);
    log(Cmd::Act, ta, c, c.row);
    ++counts_.activates;
    r.acts[r.nacts % 4] = ta;
    ++r.nacts;
    r.last_act = ta;
    r.last_act_group = c.group;
    bk.open_row = c.row;
    bk.next_cas = ta + p_.RCD;
    bk.next_pre = std::max(bk.next_pre, ta + p_.RAS);
    t = ta + 1;
  } else {
    ++counts_.row_hits;
  }
  int64_t tc = std::max(t, bk.next_cas);
  if (ch.last_cas >= 0) {
    const bool same = ch.last_cas_rank == c.rank && ch.last_cas_group == c.group;
    tc = std::max(tc, ch.last_cas + (same ? p_.CCD_L : p_.CCD_S));
    if (b.write && !ch.last_cas_write)  // read-to-write turnaround
      tc = std::max(tc, ch.last_cas + p_.CL + p_.burst_length / 2 + 2 - p_.CWL);
  }
  if (!b.write) {  // write-to-read: tWTR after the write data (same bank group: _L)
    tc = std::max({tc, r.wr_end_group[size_t(c.group)] + p_.WTR_L, r.wr_end + p_.WTR_S});
  }
  const int lat = b.write ? p_.CWL : p_.CL;
  tc = std::max(tc, ch.data_end - lat);  // data bus free
  tc = slot(ch, tc);
  const int64_t end = tc + lat + p_.burst_length / 2;
  log(b.write ? Cmd::Wr : Cmd::Rd, tc, c, c.row);
  if (b.write) {
    ++counts_.write_bursts;
    bk.next_pre = std::max(bk.next_pre, end + p_.WR);
    r.wr_end_group[size_t(c.group)] = end;
    r.wr_end = end;
  } else {
    ++counts_.read_bursts;
    bk.next_pre = std::max(bk.next_pre, tc + p_.RTP);
  }
  ch.last_cas = tc;
  ch.last_cas_rank = c.rank;
  ch.last_cas_group = c.group;
  ch.last_cas_write = b.write;
  ch.data_end = end;
  // command-bus cycles far behind the column commands are never asked for again
  while (!ch.cmd_busy.empty() && *ch.cmd_busy.begin() < tc - 4 * int64_t(p_.REFI))
    ch.cmd_busy.erase(ch.cmd_busy.begin());
  return end;
}

int64_t DramTiming::issue(uint64_t addr, uint32_t bytes, bool is_write, int64_t now) {
  return issue_batch({DramRequest{addr, bytes, is_write, now}})[0];
}

std::vector<int64_t> DramTiming::issue_batch(const std::vector<DramRequest>& reqs) {
  std::vector<int64_t> done(reqs.size(), 0);
  const uint64_t bb = uint64_t(p_.burst_bytes());
  std::vector<std::vector<Burst>> per(size_t(p_.channels));
  for (size_t i = 0; i < reqs.size(); ++i) {
    const DramRequest& q = reqs[i];
    done[i] = q.arrive;
    if (q.bytes == 0) continue;
    for (uint64_t a = q.addr / bb * bb; a < q.addr + q.bytes; a += bb) {
      const Coord c = map(a);
      per[size_t(c.channel)].push_back({i, c, q.write, q.arrive});
    }
  }
  for (int ci = 0; ci < p_.channels; ++ci) {
    auto& pending = per[size_t(ci)];
    std::stable_sort(pending.begin(), pending.end(),
                     [](const Burst& a, const Burst& b) { return a.arrive < b.arrive; });
    Channel& ch = ch_[size_t(ci)];
    std::vector<Burst> queue;
    size_t next = 0;
    while (next < pending.size() || !queue.empty()) {
      while (queue.size() < size_t(p_.queue_depth) && next < pending.size())
        queue.push_back(pending[next++]);
      // decision time: the earliest the next column command could go, or the first arrival
      int64_t first = queue[0].arrive;
      for (const Burst& b : queue) first = std::min(first, b.arrive);
      const int64_t decide = std::max(first, ch.last_cas + 1);
      refresh_upto(ch, ci, decide);
      size_t pick = queue.size();
      for (size_t k = 0; k < queue.size() && pick == queue.size(); ++k) {
        const Burst& b = queue[k];
        if (b.arrive <= decide &&
            ch.ranks[size_t(b.c.rank)].banks[size_t(b.c.bank)].open_row == b.c.row)
          pick = k;  // oldest arrived row hit
      }
      if (pick == queue.size())
        for (size_t k = 0; k < queue.size(); ++k)
          if (queue[k].arrive <= decide) {
            pick = k;  // oldest arrived
            break;
          }
      Burst b = queue[pick];
      queue.erase(queue.begin() + std::ptrdiff_t(pick));
      b.arrive = std::max(b.arrive, int64_t(0));
      const int64_t end = schedule(ch, b);
      done[b.req] = std::max(done[b.req], end);
    }
  }
  return done;
}

}  // namespace csbrnn::sim
