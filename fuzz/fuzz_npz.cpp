// .npz archives and PyTorch state_dict loading (io/weights.h): the zip container (libzip), each
// member's .npy, then the nn.LSTM / nn.GRU parameter names and shapes into an RnnModel. Each
// input is decoded twice: as is, and with every member's CRC-32 recomputed (fix_zip_crcs), so
// mutations of the members reach the .npy parser and the state_dict mapping past the checksum.
#include <algorithm>

#include "fuzz_util.h"
#include "io/npy.h"
#include "io/weights.h"

namespace {

void decode(const uint8_t* data, size_t size) {
  const std::string path = csbrnn::fuzz::scratch_file(data, size, ".npz");
  csbrnn::fuzz::expect_user_error([&] {
    const auto tensors = csbrnn::load_tensor_set(path);
    if (csbrnn::looks_like_rnn_state_dict(tensors))
      (void)csbrnn::model_from_state_dict(tensors, "fuzz.npz");
  });
  csbrnn::fuzz::expect_user_error([&] { (void)csbrnn::load_weights(path); });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  decode(data, size);
  const std::vector<uint8_t> fixed = csbrnn::fuzz::fix_zip_crcs(data, size);
  if (!std::equal(fixed.begin(), fixed.end(), data)) decode(fixed.data(), fixed.size());
  return 0;
}
