// .npy decoding (io/npy.h parse_npy): header dict, dtypes, shapes, Fortran order, sizes.
#include "fuzz_util.h"
#include "io/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  csbrnn::fuzz::expect_user_error([&] {
    const csbrnn::Tensor t = csbrnn::parse_npy(data, size, "fuzz.npy");
    // a decoded tensor re-encodes and decodes to the same shape and values
    const std::vector<uint8_t> again = csbrnn::encode_npy(t);
    const csbrnn::Tensor u = csbrnn::parse_npy(again.data(), again.size(), "again.npy");
    if (u.shape != t.shape || u.data.size() != t.data.size()) std::abort();
  });
  return 0;
}
