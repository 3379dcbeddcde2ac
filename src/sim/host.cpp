#include "sim/host.h"

#include "common/error.h"
#include "isa/program_io.h"
#include "sim/tlm_util.h"

namespace csbrnn::sim {

using namespace sc_core;

Host::Host(sc_module_name name, Top& top, std::vector<SimJob>& jobs)
    : sc_module(name), isocket("isocket"), top_(top), jobs_(jobs) {
  isocket.bind(top.host_socket);
  SC_THREAD(run);
}

namespace {

// One host access as 4 KiB TLM transactions (the host interface is not part of the timed run).
template <class Socket>
void host_access(Socket& socket, tlm::tlm_command cmd, uint64_t addr, uint8_t* p, uint64_t len,
                 sc_time& delay) {
  tlm::tlm_generic_payload tr;
  for (uint64_t off = 0; off < len; off += 4096) {
    const unsigned n = unsigned(std::min<uint64_t>(4096, len - off));
    set_payload(tr, cmd, addr + off, p + off, n);
    socket->b_transport(tr, delay);
    CSBRNN_ASSERT(tr.is_response_ok(), "host ",
                  cmd == tlm::TLM_WRITE_COMMAND ? "write to" : "read from", " 0x", std::hex,
                  addr + off, " failed");
  }
}

}  // namespace

void Host::write(uint64_t addr, const void* data, uint64_t len, sc_time& delay) {
  // TLM data pointers are not const; a write target only reads them.
  host_access(isocket, tlm::TLM_WRITE_COMMAND, addr,
              const_cast<uint8_t*>(static_cast<const uint8_t*>(data)), len, delay);
}

void Host::read(uint64_t addr, void* data, uint64_t len, sc_time& delay) {
  host_access(isocket, tlm::TLM_READ_COMMAND, addr, static_cast<uint8_t*>(data), len, delay);
}

void Host::run() {
  for (SimJob& job : jobs_) {
    sc_time d = SC_ZERO_TIME;
    try {
      const std::vector<uint8_t> imem = encode_program(*job.prog);
      write(host_addr(Region::Imem, 0, 0), imem.data(), imem.size(), d);
      top_.install_program(job.steps, job.origin, job.hw ? *job.hw : top_.elaborated_hw());
    } catch (const Error& e) {
      error = e.what();
      all_done = true;
      return;
    }
    // Loading happens before cycle 0 of the run; its modelled time is reported, not simulated.
    const Program& p = top_.program();
    const int G = top_.ctx.hw.engine.groups();
    for (size_t m = 0; m < p.mvms.size(); ++m)
      for (int g = 0; g < G; ++g) {
        const GroupImage& im = p.mvms[m].images[size_t(g)];
        write(host_addr(Region::Weights, m * G + g, 0), im.weights.data(), im.weights.size() * 2,
              d);
        write(host_addr(Region::Index, m * G + g, 0), im.index.data(), im.index.size() * 2, d);
      }
    write(host_addr(Region::Bias, 0, 0), p.bias.data(), p.bias.size() * 8, d);
    for (const BankInit& bi : p.init)
      write(host_addr(Region::Bank, uint64_t(bi.dst.bank), uint64_t(bi.dst.addr) * 2),
            bi.values.data(), bi.values.size() * 2, d);
    write(host_addr(Region::Dram, 0, top_.ctx.x_base), job.x.data(), job.x.size() * 2, d);
    top_.ctx.stats.host_load_ns = d.to_seconds() * 1e9;
    top_.ctx.origin = sc_time_stamp();
    top_.controller.run(job.steps);
    wait(top_.controller.finished_event);
    job.y.assign(size_t(job.steps) * p.output_size, 0);
    sc_time rd = SC_ZERO_TIME;
    read(host_addr(Region::Dram, 0, top_.ctx.y_base), job.y.data(), job.y.size() * 2, rd);
    // The Store path's index table (Program::output_perm): Y rows in the unpermuted order.
    unpermute_output(p.output_perm, job.y.data(), size_t(job.steps), size_t(p.output_size));
    job.stats = top_.ctx.stats;
    job.done = true;
  }
  all_done = true;
}

}  // namespace csbrnn::sim
