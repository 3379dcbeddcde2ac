// The one way the model's initiators (host, load/store units, weight streamer) set up a TLM-2.0
// generic payload for a plain memory read or write.
#pragma once
#include <cstdint>
#include <tlm>

namespace csbrnn::sim {

inline void set_payload(tlm::tlm_generic_payload& tr, tlm::tlm_command cmd, uint64_t addr,
                        uint8_t* data, unsigned len) {
  tr.set_command(cmd);
  tr.set_address(addr);
  tr.set_data_ptr(data);
  tr.set_data_length(len);
  tr.set_streaming_width(len);
  tr.set_byte_enable_ptr(nullptr);
  tr.set_dmi_allowed(false);
  tr.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
}

}  // namespace csbrnn::sim
