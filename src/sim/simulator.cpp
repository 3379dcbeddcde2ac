#include "sim/simulator.h"

#include <unistd.h>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <memory>

#include "common/error.h"
#include "common/strings.h"
#include "common/write_relay.h"

namespace csbrnn::sim {

using namespace sc_core;

double process_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

std::vector<std::string> parse_vcd_scope(const std::string& text, int K, int L) {
  std::vector<std::string> out;
  const std::vector<std::string> names = {"all",     "controller", "engine", "groups",
                                          "eltwise", "load",       "store",  "dram"};
  // split on commas outside parentheses
  std::string cur;
  int depth = 0;
  std::vector<std::string> parts;
  for (char c : text) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      parts.push_back(trim(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!trim(cur).empty()) parts.push_back(trim(cur));
  for (const auto& p : parts) {
    int k = -1, l = -1;
    char tail = 0;
    if (std::sscanf(p.c_str(), "group(%d,%d)%c", &k, &l, &tail) == 2 ||
        std::sscanf(p.c_str(), "group(%d, %d)%c", &k, &l, &tail) == 2) {
      if (k < 0 || k >= K || l < 0 || l >= L)
        fail("--vcd-scope: ", p, " outside the ", K, "x", L, " PEGroup grid");
      out.push_back("group(" + std::to_string(k) + "," + std::to_string(l) + ")");
      continue;
    }
    bool ok = false;
    for (const auto& n : names) ok |= n == p;
    if (!ok) {
      const std::string near = closest_match(p, names);
      fail("--vcd-scope: unknown unit '", p, "'",
           near.empty() ? "" : " (did you mean '" + near + "'?)",
           "; valid: all, controller, engine, groups, group(k,l), eltwise, load, store, dram");
    }
    out.push_back(p);
  }
  if (out.empty()) out.push_back("all");
  return out;
}

void parse_vcd_window(const std::string& text, int64_t& from, int64_t& to) {
  const auto colon = text.find(':');
  if (colon == std::string::npos) fail("--vcd-window: expected FROM:TO (cycles), got '", text, "'");
  auto num = [&](const std::string& s, int64_t dflt) -> int64_t {
    if (s.empty()) return dflt;
    char* end = nullptr;
    const long long v = std::strtoll(s.c_str(), &end, 10);
    if (*end || v < 0) fail("--vcd-window: '", s, "' is not a cycle number");
    return v;
  };
  from = num(text.substr(0, colon), 0);
  to = num(text.substr(colon + 1), -1);
  if (to >= 0 && to <= from) fail("--vcd-window: empty window ", text);
}

namespace {

bool in_scope(const std::vector<std::string>& scope, const std::string& unit) {
  for (const auto& s : scope)
    if (s == "all" || s == unit) return true;
  return false;
}

// SystemC writes the VCD to `base` + ".vcd": the pipe of a WriteRelay, which checks every write.
sc_trace_file* open_vcd(Top& top, const VcdOptions& v, const std::string& base) {
  sc_trace_file* tf = sc_create_vcd_trace_file(base.c_str());
  if (!tf) fail(v.file, ": cannot create the VCD file");
  tf->set_time_unit(1, SC_PS);  // finer than any clock: no W713
  auto nm = [](const sc_object& o, const char* var) { return std::string(o.name()) + "." + var; };
  const auto& sc = v.scope;
  if (in_scope(sc, "controller")) {
    auto& c = top.controller;
    sc_trace(tf, c.timestep, nm(c, "timestep"));
    sc_trace(tf, c.word, nm(c, "word"));
    sc_trace(tf, c.outstanding, nm(c, "outstanding"));
    sc_trace(tf, c.words_retired, nm(c, "words_retired"));
  }
  if (top.detailed) {  // sim.timing = detailed: the clock and the clocked units' state
    auto& d = *top.detailed;
    auto& de = d.engine;
    sc_trace(tf, d.clock, nm(d, "clk"));
    if (in_scope(sc, "engine")) {
      sc_trace(tf, de.state, nm(de, "state"));
      sc_trace(tf, de.iteration, nm(de, "iteration"));
      sc_trace(tf, de.barrier_go, nm(de, "barrier_go"));
      sc_trace(tf, de.streamer.in_flight, nm(de.streamer, "in_flight"));
      sc_trace(tf, de.streamer.staged_bytes, nm(de.streamer, "staged_bytes"));
    }
    const int Ld = top.ctx.hw.engine.L;
    for (size_t g = 0; g < de.reason.size(); ++g) {
      const std::string id =
          "group(" + std::to_string(g / size_t(Ld)) + "," + std::to_string(g % size_t(Ld)) + ")";
      if (!in_scope(sc, "groups") && !in_scope(sc, id)) continue;
      const std::string s = std::to_string(g / size_t(Ld)) + "_" + std::to_string(g % size_t(Ld));
      sc_trace(tf, de.reason[g], nm(de, ("reason_" + s).c_str()));
      sc_trace(tf, de.link_occupancy[g], nm(de, ("link_fifo_" + s).c_str()));
      if (top.ctx.hw.sharing_neighbours == 4)  // the second link, from the right
        sc_trace(tf, de.link_occupancy_r[g], nm(de, ("link_fifo_r_" + s).c_str()));
    }
    if (in_scope(sc, "engine")) sc_trace(tf, de.loader_wait, nm(de, "loader_wait"));
    if (in_scope(sc, "eltwise"))
      for (size_t u = 0; u < d.eltwise.in_flight.size(); ++u) {
        auto& el = d.eltwise;
        const std::string s = std::to_string(u);
        sc_trace(tf, el.in_flight[u], nm(el, ("in_flight_" + s).c_str()));
        sc_trace(tf, el.in_fifo[u], nm(el, ("in_fifo_" + s).c_str()));
        sc_trace(tf, el.out_fifo[u], nm(el, ("out_fifo_" + s).c_str()));
        sc_trace(tf, el.reason[u], nm(el, ("reason_" + s).c_str()));
      }
    return tf;
  }
  auto& e = top.engine;
  if (in_scope(sc, "engine")) {
    sc_trace(tf, e.state, nm(e, "state"));
    sc_trace(tf, e.iteration, nm(e, "iteration"));
    sc_trace(tf, e.row_group, nm(e, "row_group"));
    sc_trace(tf, e.block_col, nm(e, "block_col"));
    sc_trace(tf, e.bnb.loading, nm(e.bnb, "loading"));
    sc_trace(tf, e.bnb.loads, nm(e.bnb, "loads"));
    sc_trace(tf, e.reduce.busy, nm(e.reduce, "busy"));
    sc_trace(tf, e.reduce.reductions, nm(e.reduce, "reductions"));
    sc_trace(tf, e.streamer.bytes_fetched, nm(e.streamer, "bytes_fetched"));
    for (size_t g = 0; g < e.links.h_tiles.size(); ++g) {
      const std::string s = std::to_string(g / size_t(top.ctx.hw.engine.L)) + "_" +
                            std::to_string(g % size_t(top.ctx.hw.engine.L));
      sc_trace(tf, e.links.h_tiles[g], nm(e.links, ("h_tiles_from_" + s).c_str()));
      sc_trace(tf, e.links.v_tiles[g], nm(e.links, ("v_tiles_from_" + s).c_str()));
    }
  }
  const int L = top.ctx.hw.engine.L;
  for (size_t g = 0; g < e.groups.size(); ++g) {
    const std::string id =
        "group(" + std::to_string(g / size_t(L)) + "," + std::to_string(g % size_t(L)) + ")";
    if (!in_scope(sc, "groups") && !in_scope(sc, id)) continue;
    sc_trace(tf, e.groups[g]->busy, nm(*e.groups[g], "busy"));
    sc_trace(tf, e.groups[g]->tiles_issued, nm(*e.groups[g], "tiles_issued"));
  }
  if (in_scope(sc, "eltwise"))
    for (auto& u : top.eltwise) {
      sc_trace(tf, u->busy, nm(*u, "busy"));
      sc_trace(tf, u->elements, nm(*u, "elements"));
    }
  if (in_scope(sc, "load")) {
    sc_trace(tf, top.load.busy, nm(top.load, "busy"));
    sc_trace(tf, top.load.bytes_moved, nm(top.load, "bytes_moved"));
  }
  if (in_scope(sc, "store")) {
    sc_trace(tf, top.store.busy, nm(top.store, "busy"));
    sc_trace(tf, top.store.bytes_moved, nm(top.store, "bytes_moved"));
  }
  if (in_scope(sc, "dram")) {
    sc_trace(tf, top.dram.transactions, nm(top.dram, "transactions"));
    sc_trace(tf, top.dram.busy_until_cycle, nm(top.dram, "busy_until_cycle"));
  }
  return tf;
}

void draw_progress(int64_t cyc, int64_t total, double secs) {
  const double f = total > 0 ? std::min(1.0, double(cyc) / double(total)) : 0.0;
  const int w = 40, fill = int(f * w);
  std::fprintf(stderr, "\r[%s%s] %5.1f%%  %lld cycles  %.1fs",
               std::string(size_t(fill), '#').c_str(), std::string(size_t(w - fill), '.').c_str(),
               100 * f, (long long)cyc, secs);
  std::fflush(stderr);
}

}  // namespace

void simulate_jobs(const HwConfig& hw, std::vector<SimJob>& jobs, const SimOptions& opt) {
  static bool elaborated = false;
  CSBRNN_ASSERT(!elaborated, "simulate_jobs called twice in one process");
  elaborated = true;
  sc_report_handler::set_actions(SC_INFO, SC_DO_NOTHING);
  // The modules live until the process ends (SystemC owns the hierarchy).
  Top* top = new Top("top", hw);
  Host* host = new Host("host", *top, jobs);
  top->engine.group_events = !opt.vcd.file.empty();  // the VCD traces every group's busy
  top->ctx.stats.record_iterations = opt.record_iterations;
  top->ctx.stats.bucket_cycles = top->ctx.stats.bucket_initial =
      std::max<int64_t>(1, (opt.expected_cycles + opt.buckets - 1) / std::max(1, opt.buckets));
  top->ctx.stats.bucket_cap = 10 * size_t(std::max(1, opt.buckets));
  const sc_time T = top->ctx.T;
  const bool bar = opt.progress && ::isatty(2);
  const auto t0 = std::chrono::steady_clock::now();
  const double c0 = process_cpu_seconds();
  sc_trace_file* tf = nullptr;
  const bool vcd = !opt.vcd.file.empty();
  int64_t now_c = 0;  // cycles since time 0 (the first job starts at 0)
  const int64_t chunk = std::max<int64_t>(1000, opt.expected_cycles / 200);
  auto run_until = [&](int64_t target) {  // advance to `target` cycles or the end
    while (!host->all_done && now_c < target) {
      const int64_t step = std::min(chunk, target - now_c);
      sc_start(T * double(step));
      now_c += step;
      if (!host->all_done && !sc_pending_activity())
        CSBRNN_ASSERT(false, "simulation deadlock at cycle ", now_c);
      if (bar)
        draw_progress(now_c, opt.expected_cycles,
                      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
  };
  std::unique_ptr<WriteRelay> relay;  // the VCD is complete or absent, never truncated
  auto close_vcd = [&] {
    if (tf) sc_close_vcd_trace_file(tf);
    tf = nullptr;
    if (relay) relay->finish();
    relay.reset();
  };
  if (vcd) {
    run_until(opt.vcd.from);
    if (!host->all_done || opt.vcd.from == 0) {
      relay = std::make_unique<WriteRelay>(opt.vcd.file);
      tf = open_vcd(*top, opt.vcd, relay->writer_base());
      sc_write_comment(tf, "csbrnn window from cycle " + std::to_string(opt.vcd.from));
    }
    if (opt.vcd.to >= 0) {
      run_until(opt.vcd.to);
      close_vcd();
    }
  }
  run_until(INT64_MAX);
  close_vcd();
  if (bar) std::fprintf(stderr, "\n");
  if (!host->error.empty()) throw Error(host->error);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = process_cpu_seconds() - c0;
  for (auto& j : jobs) {
    CSBRNN_ASSERT(j.done, "job did not finish");
    j.stats.wall_seconds = wall / double(jobs.size());
    j.stats.cpu_seconds = cpu / double(jobs.size());
  }
}

}  // namespace csbrnn::sim
