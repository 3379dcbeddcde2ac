// The DRAM's approximately timed front end (sim/dram_at.h) alone: a test initiator sends
// BEGIN_REQ at chosen times and records what comes back (the phases, the response times, the
// data). Elaborated in a forked child (SystemC elaborates once per process); the child reports
// through its exit status and a pipe.
#include <sys/wait.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <deque>
#include <vector>

#include "sim/dram.h"
#include "sim/dram_at.h"

using namespace csbrnn;
using namespace sc_core;

namespace {

struct Initiator : sc_module {
  SC_HAS_PROCESS(Initiator);
  tlm_utils::simple_initiator_socket<Initiator> isocket;
  tlm_utils::simple_initiator_socket<Initiator> lt;  // the Dram's b_transport port (unused)
  struct Req {
    int64_t at_ps;  // BEGIN_REQ time
    uint64_t addr;
    unsigned len;
  };
  std::vector<Req> reqs;
  std::deque<tlm::tlm_generic_payload> tr;
  std::vector<std::vector<uint8_t>> data;
  std::vector<int64_t> resp_ps;  // BEGIN_RESP time per request (-1: none)
  std::vector<int> fw_status;    // what nb_transport_fw answered to BEGIN_REQ, phase after
  Initiator(sc_module_name n, std::vector<Req> r)
      : sc_module(n), isocket("isocket"), lt("lt"), reqs(r) {
    isocket.register_nb_transport_bw(this, &Initiator::bw);
    tr.resize(reqs.size());
    data.assign(reqs.size(), std::vector<uint8_t>(256, 0));
    resp_ps.assign(reqs.size(), -1);
    SC_THREAD(run);
  }
  void run() {
    for (size_t i = 0; i < reqs.size(); ++i) {
      const sc_time at(double(reqs[i].at_ps), SC_PS);
      if (at > sc_time_stamp()) wait(at - sc_time_stamp());
      tlm::tlm_generic_payload& t = tr[i];
      t.set_command(tlm::TLM_READ_COMMAND);
      t.set_address(reqs[i].addr);
      t.set_data_ptr(data[i].data());
      t.set_data_length(reqs[i].len);
      t.set_streaming_width(reqs[i].len);
      t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
      tlm::tlm_phase ph = tlm::BEGIN_REQ;
      sc_time d = SC_ZERO_TIME;
      const tlm::tlm_sync_enum s = isocket->nb_transport_fw(t, ph, d);
      fw_status.push_back(s == tlm::TLM_UPDATED && ph == tlm::END_REQ ? 1 : 0);
    }
  }
  tlm::tlm_sync_enum bw(tlm::tlm_generic_payload& t, tlm::tlm_phase& ph, sc_time& d) {
    for (size_t i = 0; i < tr.size(); ++i)
      if (&tr[i] == &t && ph == tlm::BEGIN_RESP)
        resp_ps[i] = int64_t((sc_time_stamp() + d).value() / sc_time(1, SC_PS).value());
    ph = tlm::END_RESP;
    return tlm::TLM_UPDATED;
  }
};

struct Result {
  std::vector<int64_t> resp_ps;
  std::vector<int> fw;
  std::vector<uint8_t> first_bytes;  // data[i][0] per request
  int64_t requests = 0, responses = 0;
};

Result run_at(const HwConfig& hw, const std::vector<Initiator::Req>& reqs) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    sim::SimContext ctx(hw, sc_time(5, SC_NS));  // 200 MHz
    sim::Dram dram("dram", ctx);
    dram.resize(1024);
    for (uint64_t a = 0; a < 1024; ++a) *dram.data(a, 1) = uint8_t(a / 64 + 1);
    dram.reset_timing();
    sim::DramAt at("dram_at", dram);
    Initiator ini("ini", reqs);
    ini.isocket.bind(at.tsocket);
    ini.lt.bind(dram.tsocket);
    sc_start();
    std::vector<int64_t> out;
    for (size_t i = 0; i < reqs.size(); ++i) {
      out.push_back(ini.resp_ps[i]);
      out.push_back(ini.fw_status[i]);
      out.push_back(ini.data[i][0]);
    }
    out.push_back(at.requests);
    out.push_back(at.responses);
    const size_t n = out.size() * sizeof(int64_t);
    ::_exit(::write(fds[1], out.data(), n) == ssize_t(n) ? 0 : 1);
  }
  ::close(fds[1]);
  std::vector<int64_t> in(reqs.size() * 3 + 2, 0);
  const size_t n = in.size() * sizeof(int64_t);
  size_t got = 0;
  while (got < n) {
    const ssize_t k = ::read(fds[0], reinterpret_cast<char*>(in.data()) + got, n - got);
    if (k <= 0) break;
    got += size_t(k);
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  REQUIRE(got == n);
  Result r;
  for (size_t i = 0; i < reqs.size(); ++i) {
    r.resp_ps.push_back(in[3 * i]);
    r.fw.push_back(int(in[3 * i + 1]));
    r.first_bytes.push_back(uint8_t(in[3 * i + 2]));
  }
  r.requests = in[in.size() - 2];
  r.responses = in[in.size() - 1];
  return r;
}

}  // namespace

// Ideal memory, 64-byte bursts, 5 ns cycles: a read of n bytes is in ceil(n / 64) cycles after
// its request. Requests: 64 B at 0 -> 5 ns; 128 B at 5 ns -> 15 ns (2 bursts); 32 B at 5 ns
// (same time, no channel model) -> 10 ns: the responses come at their own times, the third
// before the second (approximately timed: not in request order). Each BEGIN_REQ is accepted in
// its call (TLM_UPDATED, END_REQ). The data are the DRAM's (byte value = 64-byte block + 1).
// memory.model simple, 9 ns latency, 1e5 GB/s: each read is in 9 ns (+ < 1 ps of transfer)
// after its request; the channel serialises them (the second starts after the first's transfer).
TEST_CASE("DRAM AT front end: four phases, per-request response times (hand-worked)",
          "[sim][dram]") {
  const std::vector<Initiator::Req> reqs = {{0, 0, 64}, {5000, 128, 128}, {5000, 320, 32}};
  HwConfig hw;
  hw.memory.burst_bytes = 64;
  const Result r = run_at(hw, reqs);
  CHECK(r.resp_ps == std::vector<int64_t>{5000, 15000, 10000});
  CHECK(r.fw == std::vector<int>{1, 1, 1});
  CHECK(r.first_bytes == std::vector<uint8_t>{1, 3, 6});
  CHECK(r.requests == 3);
  CHECK(r.responses == 3);
  hw.memory.ideal = false;
  hw.memory.model = "simple";
  hw.memory.dram_latency_ns = 9;
  hw.memory.dram_bandwidth_gbps = 1e5;
  const Result s = run_at(hw, reqs);
  REQUIRE(s.resp_ps.size() == 3);
  CHECK(s.resp_ps[0] >= 9000);  // 64 B / 1e5 GB/s = 0.64 ps of transfer (sc_time rounds it)
  CHECK(s.resp_ps[0] <= 9001);
  CHECK(s.resp_ps[1] >= 14000);
  CHECK(s.resp_ps[1] <= 14002);
  CHECK(s.resp_ps[2] >= s.resp_ps[1]);  // behind the second on the channel
  CHECK(s.resp_ps[2] <= 14003);
}
