// Hardware YAML (config/config_loader.h): strict YAML, the key table, ranges, validation. A
// config that loads writes back (hw_config_to_yaml) to YAML that loads to the same text.
#include "config/config_loader.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  csbrnn::fuzz::expect_user_error([&] {
    const csbrnn::HwConfig c = csbrnn::parse_hw_config(text, "fuzz.yaml");
    const std::string y = csbrnn::hw_config_to_yaml(c);
    const csbrnn::HwConfig d = csbrnn::parse_hw_config(y, "again.yaml");
    if (csbrnn::hw_config_to_yaml(d) != y) std::abort();
  });
  return 0;
}
