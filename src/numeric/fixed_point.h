// The machine's number system (docs/architecture.md §8, §9.1). Every stage that computes in
// fixed point (the reference oracle, the program interpreter, the SystemC model) calls these
// functions and nothing else, so they agree bit for bit by construction. docs/numerics.md is the
// spec.
//
//  - weights:     int16, `wf` fractional bits          (Q(15-wf).wf)
//  - activations: int16, `af` fractional bits          (x, h, c, gates)
//  - MVM:         int16*int16 products summed exactly in a 48-bit accumulator at wf+af frac bits;
//                 the bias enters at the same precision; write-back = round_shift(acc, wf),
//                 saturated to int16 (af frac bits).
//  - rounding:    round half up (add 2^(s-1), arithmetic shift right): one adder in hardware.
//  - element-wise units (Sum, Mult, Sigmoid, Tanh) take and give int16 at af frac bits; each
//    unit rounds and saturates its own output.
#pragma once
#include <cstdint>

namespace csbrnn::fx {

constexpr int kAccBits = 48;
constexpr int64_t kAccMax = (int64_t(1) << (kAccBits - 1)) - 1;
constexpr int64_t kAccMin = -(int64_t(1) << (kAccBits - 1));

struct Format {
  int wf = 12;  // weight fractional bits (1..15)
  int af = 12;  // activation fractional bits (1..15)
};

inline int16_t sat16(int64_t v) {
  return static_cast<int16_t>(v > 32767 ? 32767 : (v < -32768 ? -32768 : v));
}

/// Round-half-up shift right by s (s >= 0): floor((v + 2^(s-1)) / 2^s).
inline int64_t round_shift(int64_t v, int s) {
  if (s <= 0) return v * (int64_t(1) << (-s));
  return (v + (int64_t(1) << (s - 1))) >> s;
}

/// Float -> int16 with `frac` fractional bits: round to nearest (ties away from zero), saturate.
/// NaN is a caller error (weights/inputs are validated before quantization).
int16_t quantize(double x, int frac);
/// Float bias -> accumulator precision (wf+af frac bits), saturated to 48 bits.
int64_t quantize_acc(double x, int frac);
inline double dequantize(int64_t v, int frac) {
  return double(v) / double(int64_t(1) << frac);
}

/// MVM write-back: (acc + bias) at wf+af frac bits -> int16 at af frac bits.
inline int16_t writeback(int64_t acc_plus_bias, const Format& f) {
  return sat16(round_shift(acc_plus_bias, f.wf));
}

// Element-wise units (all at af fractional bits).
inline int16_t add(int16_t a, int16_t b) {
  return sat16(int64_t(a) + b);
}
inline int16_t sub(int16_t a, int16_t b) {
  return sat16(int64_t(a) - b);
}
inline int16_t mul(int16_t a, int16_t b, const Format& f) {
  return sat16(round_shift(int64_t(a) * b, f.af));
}
/// Piecewise-linear tanh: 128 segments on [0,4) (odd symmetry, saturating to +-1 beyond),
/// table in Q15; output rounded to af bits.
int16_t tanh(int16_t x, const Format& f);
/// sigmoid(x) = (1 + tanh(x/2)) / 2, through the same table (so one table serves both units).
int16_t sigmoid(int16_t x, const Format& f);
/// The constant 1.0 at af bits (saturated to 32767 when af = 15).
inline int16_t one(const Format& f) {
  return sat16(int64_t(1) << f.af);
}

}  // namespace csbrnn::fx
