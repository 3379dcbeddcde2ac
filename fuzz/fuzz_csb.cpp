// The .csb container (model/csb_file.h, docs/csb-format.md §3). Each input is decoded twice:
// as is, and with its length field and CRC-32 recomputed, so mutations reach the structure
// behind the checksum.
#include "fuzz_util.h"
#include "model/csb_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  csbrnn::fuzz::expect_user_error([&] { (void)csbrnn::decode_csb_model(data, size, "fuzz.csb"); });
  if (size < 24) return 0;  // magic, version, length, CRC
  std::vector<uint8_t> b(data, data + size);
  csbrnn::fuzz::put_u64le(b.data() + 12, b.size());
  csbrnn::fuzz::put_u32le(b.data() + b.size() - 4, csbrnn::crc32_of(b.data(), b.size() - 4));
  csbrnn::fuzz::expect_user_error([&] {
    const csbrnn::CsbModel m = csbrnn::decode_csb_model(b.data(), b.size(), "fuzz.csb");
    // what decodes re-encodes to bytes that decode again
    const std::vector<uint8_t> again = csbrnn::encode_csb_model(m);
    (void)csbrnn::decode_csb_model(again.data(), again.size(), "again.csb");
  });
  return 0;
}
