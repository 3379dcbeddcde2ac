// The program container and its disassembly (isa/program_io.h, docs/isa.md). Each input is
// decoded twice: as is, and with its payload length and CRC-32 recomputed, so mutations reach
// the instruction words behind the checksum; a decoded program is disassembled.
#include "fuzz_util.h"
#include "isa/program_io.h"

namespace {
void decode_and_list(const uint8_t* data, size_t size) {
  csbrnn::fuzz::expect_user_error([&] {
    const csbrnn::Program p = csbrnn::decode_program(data, size, "fuzz.bin");
    (void)csbrnn::disassemble(p);
    const std::vector<uint8_t> again = csbrnn::encode_program(p);
    if (!csbrnn::program_equal(csbrnn::decode_program(again.data(), again.size(), "again.bin"), p))
      std::abort();
  });
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  decode_and_list(data, size);
  constexpr size_t kHeader = 28;  // magic, version, flags, payload bytes, CRC
  if (size < kHeader) return 0;
  std::vector<uint8_t> b(data, data + size);
  csbrnn::fuzz::put_u64le(b.data() + 16, b.size() - kHeader);
  csbrnn::fuzz::put_u32le(b.data() + 24, csbrnn::crc32_of(b.data() + kHeader, b.size() - kHeader));
  decode_and_list(b.data(), b.size());
  return 0;
}
