// --set KEY=VALUE overrides (config/config_loader.h): one override per input line, applied to
// the built-in defaults as `csbrnn ... --set` does.
#include "config/config_loader.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> sets;
  std::string cur;
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == '\n') {
      sets.push_back(cur);
      cur.clear();
    } else {
      cur += char(data[i]);
    }
  }
  sets.push_back(cur);
  csbrnn::fuzz::expect_user_error([&] {
    const csbrnn::HwConfig c = csbrnn::parse_hw_config("", "built-in defaults", sets);
    (void)csbrnn::parse_hw_config(csbrnn::hw_config_to_yaml(c), "again.yaml");
  });
  return 0;
}
