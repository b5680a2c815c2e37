//===- QuantMath.cpp - The shared quantization arithmetic -----------------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#include "qat/Dialect/QAT/Utils/QuantMath.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

// The enum's string conversions live with the library that owns the enum's
// C++ uses, so the math does not depend on the dialect library.
#include "qat/Dialect/QAT/IR/QATEnums.cpp.inc"

using namespace mlir;
using namespace mlir::qat;

StorageRange mlir::qat::getStorageRange(unsigned numBits, bool isSigned,
                                        bool narrowRange) {
  assert(numBits >= kMinNumBits && numBits <= kMaxNumBits &&
         "bit width out of range");
  StorageRange r;
  if (isSigned) {
    r.min = -(int64_t(1) << (numBits - 1));
    r.max = (int64_t(1) << (numBits - 1)) - 1;
  } else {
    r.min = 0;
    r.max = (int64_t(1) << numBits) - 1;
  }
  if (narrowRange)
    r.min += 1;
  return r;
}

template <typename F> F mlir::qat::roundToIntegral(F v, RoundingMode mode) {
  if (!std::isfinite(v))
    return v;
  F lower = std::floor(v);
  // Exact: for |v| < 2^(p-1) both are multiples of ulp(v) and the difference
  // is below 1; larger |v| are integers and give 0.
  F frac = v - lower;
  switch (mode) {
  case RoundingMode::half_to_even:
    if (frac != F(0.5))
      return frac < F(0.5) ? lower : lower + 1;
    return std::fmod(lower, F(2)) == 0 ? lower : lower + 1;
  case RoundingMode::half_away_from_zero:
    return std::round(v);
  case RoundingMode::half_up:
    return frac < F(0.5) ? lower : lower + 1;
  }
  llvm_unreachable("unknown rounding mode");
}

template <typename F>
int64_t mlir::qat::quantize(F x, const QuantGrid<F> &grid) {
  if (std::isnan(x))
    return grid.zeroPoint;
  F quotient = grid.reciprocalScale ? x * (F(1) / grid.scale) : x / grid.scale;
  F r = roundToIntegral<F>(quotient, grid.rounding);
  // Compare before converting: r may be far outside int64 (or infinite).
  // The bounds are small integers, exact in F.
  if (r >= F(grid.range.max - grid.zeroPoint))
    return grid.range.max;
  if (r <= F(grid.range.min - grid.zeroPoint))
    return grid.range.min;
  return static_cast<int64_t>(r) + grid.zeroPoint;
}

template <typename F>
F mlir::qat::dequantize(int64_t q, F scale, int64_t zeroPoint) {
  // |q - zeroPoint| < 2^17, exact in F.
  return static_cast<F>(q - zeroPoint) * scale;
}

template <typename F> F mlir::qat::fakeQuantize(F x, const QuantGrid<F> &grid) {
  return dequantize<F>(quantize<F>(x, grid), grid.scale, grid.zeroPoint);
}

std::optional<int64_t> mlir::qat::roundZeroPoint(double zeroPoint,
                                                 StorageRange range) {
  if (std::isnan(zeroPoint))
    return std::nullopt;
  double r = roundToIntegral<double>(zeroPoint, RoundingMode::half_to_even);
  if (r <= double(range.min))
    return range.min;
  if (r >= double(range.max))
    return range.max;
  return static_cast<int64_t>(r);
}

template <typename F> bool mlir::qat::isValidScale(double scale) {
  F s = static_cast<F>(scale);
  return std::isfinite(s) && s > 0;
}

template <typename F>
std::optional<NudgedRange<F>>
mlir::qat::nudgeMinMax(F min, F max, unsigned numBits, bool narrowRange) {
  if (!std::isfinite(min) || !std::isfinite(max) || !(min < max))
    return std::nullopt;
  NudgedRange<F> r;
  r.range = getStorageRange(numBits, /*isSigned=*/false, narrowRange);
  const F qmin = static_cast<F>(r.range.min);
  const F qmax = static_cast<F>(r.range.max);
  // The order of operations is TensorFlow's Nudge(); each line is one
  // rounding in F.
  r.scale = (max - min) / (qmax - qmin);
  r.invScale = (qmax - qmin) / (max - min);
  if (!(r.scale > 0) || !std::isfinite(r.scale) || !std::isfinite(r.invScale))
    return std::nullopt;
  const F zeroPointFromMin = qmin - min / r.scale;
  if (zeroPointFromMin < qmin)
    r.zeroPoint = r.range.min;
  else if (zeroPointFromMin > qmax)
    r.zeroPoint = r.range.max;
  else
    r.zeroPoint = static_cast<int64_t>(std::round(zeroPointFromMin));
  const F zp = static_cast<F>(r.zeroPoint);
  r.nudgedMin = (qmin - zp) * r.scale;
  r.nudgedMax = (qmax - zp) * r.scale;
  F shiftedZero = -r.nudgedMin * r.invScale;
  r.quantZero = std::floor(shiftedZero + F(0.5));
  return r;
}

template <typename F>
int64_t mlir::qat::quantizeMinMax(F x, const NudgedRange<F> &r) {
  if (std::isnan(x))
    return r.zeroPoint;
  const F clamped = std::max(std::min(x, r.nudgedMax), r.nudgedMin);
  const F shifted = clamped - r.nudgedMin;
  const F scaled = shifted * r.invScale;
  const F centered = scaled - r.quantZero;
  const F steps = std::floor(centered + F(0.5));
  // `steps` counts from the zero point. TensorFlow does not clamp here; the
  // clamp only guards against rounding at the range ends and never changes
  // a value for ranges of at most 2^16 levels (see docs/Semantics.md).
  int64_t q = static_cast<int64_t>(steps) + r.zeroPoint;
  return std::clamp(q, r.range.min, r.range.max);
}

template <typename F>
F mlir::qat::fakeQuantizeMinMax(F x, const NudgedRange<F> &r) {
  return dequantize<F>(quantizeMinMax<F>(x, r), r.scale, r.zeroPoint);
}

float mlir::qat::getAccumulatorScale(double inputScale, double weightScale) {
  return static_cast<float>(inputScale) * static_cast<float>(weightScale);
}

float mlir::qat::getRequantMultiplier(float accumulatorScale,
                                      double outputScale,
                                      bool reciprocalScale) {
  float out = static_cast<float>(outputScale);
  return reciprocalScale ? accumulatorScale * (1.0f / out)
                         : accumulatorScale / out;
}

std::optional<int64_t> mlir::qat::quantizeBias(float bias,
                                               float accumulatorScale) {
  float r = roundToIntegral<float>(bias / accumulatorScale,
                                   RoundingMode::half_to_even);
  if (!std::isfinite(r) || r < -2147483648.0f || r >= 2147483648.0f)
    return std::nullopt;
  return static_cast<int64_t>(r);
}

std::optional<BiasPlacement> mlir::qat::placeBias(float bias,
                                                  float accumulatorScale,
                                                  double outputScale,
                                                  int64_t maxAccumulator) {
  constexpr int kGuardBits = 6;
  constexpr unsigned kMaxShift = 30;
  float target = std::ldexp(static_cast<float>(outputScale), -kGuardBits);
  unsigned shift = 0;
  while (shift < kMaxShift &&
         std::ldexp(accumulatorScale, -static_cast<int>(shift)) > target)
    ++shift;
  // A bias that is exact on a coarser grid needs no finer one (an int32
  // bias imported from ONNX is exact on the unrefined grid).
  for (unsigned s = 0; s < shift; ++s) {
    double grid = std::ldexp(double(accumulatorScale), -static_cast<int>(s));
    std::optional<int64_t> q = quantizeBias(bias, static_cast<float>(grid));
    if (q && double(*q) * grid == double(bias)) {
      shift = s;
      break;
    }
  }
  for (;; --shift) {
    std::optional<int64_t> q = quantizeBias(
        bias, std::ldexp(accumulatorScale, -static_cast<int>(shift)));
    if (shift == 0)
      return q ? std::optional(BiasPlacement{*q, 0}) : std::nullopt;
    int64_t room = std::numeric_limits<int32_t>::max() - (q ? std::abs(*q) : 0);
    if (q && room >= 0 && maxAccumulator <= (room >> shift))
      return BiasPlacement{*q, shift};
  }
}

int64_t mlir::qat::requantize(int64_t accumulator, float multiplier,
                              RoundingMode rounding, int64_t zeroPoint,
                              int64_t lo, int64_t hi) {
  return requantizeScaled(static_cast<float>(accumulator) * multiplier,
                          rounding, zeroPoint, lo, hi);
}

int64_t mlir::qat::requantizeScaled(float scaled, RoundingMode rounding,
                                    int64_t zeroPoint, int64_t lo, int64_t hi) {
  float r = roundToIntegral<float>(scaled, rounding);
  // Compare before converting, as quantize() does.
  if (r >= static_cast<float>(hi - zeroPoint))
    return hi;
  if (r <= static_cast<float>(lo - zeroPoint))
    return lo;
  return static_cast<int64_t>(r) + zeroPoint;
}

std::optional<FixedPointMultiplier>
mlir::qat::getFixedPointMultiplier(double real) {
  int exponent;
  double mantissa = std::frexp(real, &exponent); // real = mantissa * 2^exp
  auto m = static_cast<int64_t>(std::nearbyint(std::ldexp(mantissa, 31)));
  if (m == (int64_t(1) << 31)) {
    m >>= 1;
    ++exponent;
  }
  int64_t shift = 31 - exponent;
  if (shift < 2)
    return std::nullopt;
  if (shift > 62) {
    // Drop the mantissa bits below 2^-62, rounding half up as TOSA does.
    int64_t excess = std::min<int64_t>(shift - 62, 40);
    m = (m + (int64_t(1) << (excess - 1))) >> excess;
    shift = 62;
  }
  return FixedPointMultiplier{static_cast<int32_t>(m),
                              static_cast<int8_t>(shift)};
}

int64_t mlir::qat::applyScale(int32_t value, FixedPointMultiplier m,
                              bool doubleRound) {
  int64_t round = int64_t(1) << (m.shift - 1);
  if (doubleRound && m.shift > 31)
    round += value >= 0 ? (int64_t(1) << 30) : -(int64_t(1) << 30);
  return (static_cast<int64_t>(value) * m.multiplier + round) >> m.shift;
}

int64_t mlir::qat::requantizeFixedPoint(int32_t accumulator,
                                        FixedPointMultiplier m,
                                        bool doubleRound, int64_t zeroPoint,
                                        int64_t lo, int64_t hi) {
  int64_t q = applyScale(accumulator, m, doubleRound) + zeroPoint;
  return std::clamp(q, lo, hi);
}

IntermediateScale IntermediateScale::ofProduct(double a, double b) {
  return {getAccumulatorScale(a, b),
          double(static_cast<float>(a)) * double(static_cast<float>(b))};
}

IntermediateScale IntermediateScale::refined(unsigned shift) const {
  int exponent = -static_cast<int>(shift);
  return {std::ldexp(rounded, exponent), std::ldexp(exact, exponent)};
}

std::optional<RequantMultiplier>
mlir::qat::getRequantMultiplier(IntermediateScale scale, double outputScale,
                                bool reciprocalScale, bool fixedPoint) {
  RequantMultiplier m;
  m.multiplier =
      getRequantMultiplier(scale.rounded, outputScale, reciprocalScale);
  // acc * inf is NaN for acc = 0 (the output's zero point is right).
  if (!std::isfinite(m.multiplier))
    return std::nullopt;
  if (!fixedPoint)
    return m;
  std::optional<FixedPointMultiplier> fixed = getFixedPointMultiplier(
      scale.exact / double(static_cast<float>(outputScale)));
  if (!fixed)
    return std::nullopt;
  m.fixed = *fixed;
  return m;
}

std::pair<int64_t, int64_t>
mlir::qat::getSaturationBounds(const QuantGrid<float> &output, float actLo,
                               float actHi) {
  int64_t lo = output.range.min, hi = output.range.max;
  if (actLo > -std::numeric_limits<float>::infinity())
    lo = std::max(lo, quantize<float>(actLo, output));
  if (actHi < std::numeric_limits<float>::infinity())
    hi = std::min(hi, quantize<float>(actHi, output));
  return {lo, std::max(hi, lo)};
}

std::optional<FixedPointAddition> mlir::qat::getFixedPointAddition(
    const QuantGrid<float> &a, const QuantGrid<float> &b, double outputScale) {
  // As many guard bits as leave the shifted inputs 2 bits of headroom in
  // i32, at most TFLite's 20.
  int64_t maxCentered =
      std::max(a.getMaxCenteredMagnitude(), b.getMaxCenteredMagnitude());
  FixedPointAddition add;
  add.leftShift =
      std::min(20, 29 - static_cast<int>(llvm::Log2_64_Ceil(maxCentered + 1)));
  double common = 2.0 * std::max(double(a.scale), double(b.scale));
  std::optional<FixedPointMultiplier> lhs =
      getFixedPointMultiplier(double(a.scale) / common);
  std::optional<FixedPointMultiplier> rhs =
      getFixedPointMultiplier(double(b.scale) / common);
  add.commonStep = std::ldexp(common, -add.leftShift) / outputScale;
  std::optional<FixedPointMultiplier> output =
      getFixedPointMultiplier(add.commonStep);
  if (!lhs || !rhs || !output)
    return std::nullopt;
  add.lhs = *lhs;
  add.rhs = *rhs;
  add.output = *output;
  return add;
}

int64_t mlir::qat::addOnCommonGrid(int64_t ca, int64_t cb,
                                   const FixedPointAddition &add,
                                   bool doubleRound) {
  auto shifted = [&](int64_t c) {
    return static_cast<int32_t>(c * (int64_t(1) << add.leftShift));
  };
  return applyScale(shifted(ca), add.lhs, doubleRound) +
         applyScale(shifted(cb), add.rhs, doubleRound);
}

ChannelIndexer::ChannelIndexer(ArrayRef<int64_t> shape,
                               std::optional<int64_t> axis) {
  if (!axis)
    return;
  size = shape[*axis];
  for (int64_t d = *axis + 1, e = shape.size(); d < e; ++d)
    stride *= shape[d];
}

// The two precisions qat computes in.
#define QAT_INSTANTIATE(F)                                                     \
  template F mlir::qat::roundToIntegral<F>(F, RoundingMode);                   \
  template int64_t mlir::qat::quantize<F>(F, const QuantGrid<F> &);            \
  template F mlir::qat::dequantize<F>(int64_t, F, int64_t);                    \
  template F mlir::qat::fakeQuantize<F>(F, const QuantGrid<F> &);              \
  template bool mlir::qat::isValidScale<F>(double);                            \
  template std::optional<NudgedRange<F>> mlir::qat::nudgeMinMax<F>(            \
      F, F, unsigned, bool);                                                   \
  template int64_t mlir::qat::quantizeMinMax<F>(F, const NudgedRange<F> &);    \
  template F mlir::qat::fakeQuantizeMinMax<F>(F, const NudgedRange<F> &);
QAT_INSTANTIATE(float)
QAT_INSTANTIATE(double)
#undef QAT_INSTANTIATE
