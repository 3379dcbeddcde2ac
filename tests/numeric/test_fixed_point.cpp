#include <catch2/catch.hpp>
#include <cmath>

#include "numeric/fixed_point.h"

using namespace csbrnn;

TEST_CASE("round_shift rounds half up") {
  CHECK(fx::round_shift(5, 1) == 3);    // 2.5 -> 3
  CHECK(fx::round_shift(-5, 1) == -2);  // -2.5 -> -2
  CHECK(fx::round_shift(7, 2) == 2);    // 1.75 -> 2
  CHECK(fx::round_shift(3, 0) == 3);
}

TEST_CASE("quantize saturates and rounds to nearest") {
  CHECK(fx::quantize(1.0, 12) == 4096);
  CHECK(fx::quantize(100.0, 12) == 32767);
  CHECK(fx::quantize(-100.0, 12) == -32768);
  CHECK(fx::quantize(0.5 / 4096, 12) == 1);
}

TEST_CASE("tanh and sigmoid approximations stay within 2e-3 of the real functions") {
  for (int af : {8, 10, 12, 14}) {
    fx::Format f{12, af};
    double worst_t = 0, worst_s = 0;
    for (int v = -32768; v <= 32767; v += 7) {
      const double x = fx::dequantize(v, af);
      worst_t =
          std::max(worst_t, std::fabs(fx::dequantize(fx::tanh(int16_t(v), f), af) - std::tanh(x)));
      worst_s = std::max(worst_s, std::fabs(fx::dequantize(fx::sigmoid(int16_t(v), f), af) -
                                            1.0 / (1.0 + std::exp(-x))));
    }
    INFO("af=" << af);
    CHECK(worst_t < 1e-3 + std::ldexp(1.0, -af));
    CHECK(worst_s < 1e-3 + std::ldexp(1.0, -af));
  }
}

TEST_CASE("tanh is odd and sigmoid is symmetric around 1/2") {
  fx::Format f{12, 12};
  for (int v = 0; v < 32767; v += 13) {
    CHECK(fx::tanh(int16_t(-v), f) == -fx::tanh(int16_t(v), f));
    const int s = fx::sigmoid(int16_t(v), f) + fx::sigmoid(int16_t(-v), f);
    CHECK(std::abs(s - 4096) <= 1);
  }
}
