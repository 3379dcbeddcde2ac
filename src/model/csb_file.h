// The CSB model container (.csb): a versioned, checksummed binary file holding a CsbModel.
// docs/csb-format.md is the byte-level spec.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model/csb.h"

namespace csbrnn {

/// The newest .csb container version this csbrnn reads and writes (docs/csb-format.md §3): 2 adds
/// the output permutation after the last layer. Versions 1..kCsbVersion load (1 = identity order);
/// the writer emits 1 when the permutation is the identity, 2 otherwise; a newer one is refused.
constexpr uint32_t kCsbVersion = 2;

std::vector<uint8_t> encode_csb_model(const CsbModel& m);
/// Throws Error naming `origin` on bad magic, wrong version, truncation or checksum mismatch.
CsbModel decode_csb_model(const uint8_t* data, size_t size, const std::string& origin);
void save_csb_model(const std::string& path, const CsbModel& m);  // atomic
CsbModel load_csb_model(const std::string& path);
/// True when the file starts with the container's magic bytes.
bool is_csb_file(const std::string& path);

}  // namespace csbrnn
