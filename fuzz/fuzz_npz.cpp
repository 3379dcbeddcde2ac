// .npz archives and PyTorch state_dict loading (io/weights.h): the zip container (libzip), each
// member's .npy, then the nn.LSTM / nn.GRU parameter names and shapes into an RnnModel.
#include "fuzz_util.h"
#include "io/npy.h"
#include "io/weights.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = csbrnn::fuzz::scratch_file(data, size, ".npz");
  csbrnn::fuzz::expect_user_error([&] {
    const auto tensors = csbrnn::load_tensor_set(path);
    if (csbrnn::looks_like_rnn_state_dict(tensors))
      (void)csbrnn::model_from_state_dict(tensors, "fuzz.npz");
  });
  csbrnn::fuzz::expect_user_error([&] { (void)csbrnn::load_weights(path); });
  return 0;
}
