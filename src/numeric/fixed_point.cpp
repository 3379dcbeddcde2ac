#include "numeric/fixed_point.h"

#include <array>
#include <cmath>

namespace csbrnn::fx {
namespace {

constexpr int kSegments = 128;  // on [0, 4): segment width 1/32

const std::array<int32_t, kSegments + 1>& tanh_table() {
  static const auto table = [] {
    std::array<int32_t, kSegments + 1> t{};
    for (int i = 0; i <= kSegments; ++i)
      t[i] = static_cast<int32_t>(std::lround(std::tanh(i / 32.0) * 32768.0));
    return t;
  }();
  return table;
}

/// |tanh| in Q15 of a non-negative input given in Q16.
int64_t tanh_mag_q15(int64_t p16) {
  const auto& t = tanh_table();
  const int64_t seg = p16 >> 11;  // 1/32 = 2^11 in Q16
  if (seg >= kSegments) return t[kSegments];
  const int64_t frac = p16 & 2047;
  return t[seg] + round_shift((t[seg + 1] - t[seg]) * frac, 11);
}

}  // namespace

int16_t quantize(double x, int frac) {
  const double s = std::ldexp(x, frac);
  if (s >= 32767.0) return 32767;
  if (s <= -32768.0) return -32768;
  return static_cast<int16_t>(std::llround(s));
}

int64_t quantize_acc(double x, int frac) {
  const double s = std::ldexp(x, frac);
  if (s >= double(kAccMax)) return kAccMax;
  if (s <= double(kAccMin)) return kAccMin;
  return std::llround(s);
}

int16_t tanh(int16_t x, const Format& f) {
  const int64_t a = x < 0 ? -int64_t(x) : int64_t(x);
  const int64_t y15 = tanh_mag_q15(a << (16 - f.af));
  const int64_t out = round_shift(y15, 15 - f.af);
  return sat16(x < 0 ? -out : out);
}

int16_t sigmoid(int16_t x, const Format& f) {
  const int64_t a = x < 0 ? -int64_t(x) : int64_t(x);
  const int64_t t15 = tanh_mag_q15(a << (15 - f.af));  // tanh(|x|/2) in Q15
  const int64_t s16 = 32768 + (x < 0 ? -t15 : t15);    // sigmoid in Q16
  return sat16(round_shift(s16, 16 - f.af));
}

}  // namespace csbrnn::fx
