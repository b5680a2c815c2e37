//===- QuantMath.h - The shared quantization arithmetic ---------*- C++ -*-===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// The one implementation of qat's quantization arithmetic: storage ranges,
// rounding modes, quantize/dequantize, TensorFlow's min/max nudging and
// per-channel indexing. Folders, passes, the runner and the tests all call
// these functions, so there is a single definition of what
// docs/Semantics.md says, bit for bit.
//
// Every function computes in the precision of its template parameter `F`
// (float or double), one IEEE operation at a time, without fused
// multiply-add: the library is compiled with -ffp-contract=off.
//
//===----------------------------------------------------------------------===//

#ifndef QAT_DIALECT_QAT_UTILS_QUANTMATH_H
#define QAT_DIALECT_QAT_UTILS_QUANTMATH_H

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/DenseMapInfo.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/LogicalResult.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>

// The RoundingMode enum is declared once, in ODS. Its generated parser hooks
// are templates over the parser type, so this header needs no IR header.
#include "qat/Dialect/QAT/IR/QATEnums.h.inc"

namespace mlir::qat {

/// Bit widths a fake-quant op may declare.
constexpr int64_t kMinNumBits = 2;
constexpr int64_t kMaxNumBits = 16;

/// The closed integer interval [min, max] a quantized value is clamped to.
struct StorageRange {
  int64_t min = 0;
  int64_t max = 0;
  bool contains(int64_t v) const { return v >= min && v <= max; }
  bool operator==(const StorageRange &o) const {
    return min == o.min && max == o.max;
  }
  bool operator!=(const StorageRange &o) const { return !(*this == o); }
  /// The largest |q - zeroPoint| over the range: how far a storage value
  /// centred on `zeroPoint` can reach (the factor of every overflow bound).
  int64_t getMaxCenteredMagnitude(int64_t zeroPoint) const {
    return std::max(zeroPoint - min, max - zeroPoint);
  }
};

/// Storage range of a `numBits`-bit integer: signed [-2^(b-1), 2^(b-1)-1] or
/// unsigned [0, 2^b-1]; `narrowRange` drops the lowest value. `numBits` must
/// lie in [kMinNumBits, kMaxNumBits].
StorageRange getStorageRange(unsigned numBits, bool isSigned, bool narrowRange);

/// Rounds `v` to an integral value per `mode`. Exact for every finite `v`
/// (no intermediate rounding); NaN and infinities are returned unchanged.
template <typename F> F roundToIntegral(F v, RoundingMode mode);

/// One channel's integer grid and how fake_quant rounds onto it.
template <typename F> struct QuantGrid {
  /// Positive and finite (see isValidScale).
  F scale = 1;
  /// Inside `range`.
  int64_t zeroPoint = 0;
  StorageRange range;
  RoundingMode rounding = RoundingMode::half_to_even;
  /// Multiply by fl(1 / scale) instead of dividing by scale, as PyTorch's
  /// fake-quant kernels do.
  bool reciprocalScale = false;

  /// The largest |q - zeroPoint| on this grid.
  int64_t getMaxCenteredMagnitude() const {
    return range.getMaxCenteredMagnitude(zeroPoint);
  }
};

/// The fake_quant rule: clamp(round(x / scale) + zeroPoint, range), the
/// quotient (or product with the reciprocal) rounded once in precision F.
/// NaN maps to the zero point, +-Inf to the range ends.
template <typename F> int64_t quantize(F x, const QuantGrid<F> &grid);

/// (q - zeroPoint) * scale, with one rounding (the multiplication) in F.
template <typename F> F dequantize(int64_t q, F scale, int64_t zeroPoint);

/// dequantize(quantize(x)).
template <typename F> F fakeQuantize(F x, const QuantGrid<F> &grid);

/// A learned float zero point as the forward pass uses it: rounded half to
/// even, then clamped to `range`. Returns std::nullopt for NaN.
std::optional<int64_t> roundZeroPoint(double zeroPoint, StorageRange range);

/// True when `scale` is usable in precision F: positive and finite after
/// rounding to F.
template <typename F> bool isValidScale(double scale);

/// The quantities TensorFlow's fake-quant kernels derive from a learned
/// [min, max], all computed in precision F (float for TensorFlow).
template <typename F> struct NudgedRange {
  F scale;
  F invScale;
  F nudgedMin;
  F nudgedMax;
  /// Integer zero point in `range` (TensorFlow's nudged_zero_point).
  int64_t zeroPoint;
  /// floor(-nudgedMin * invScale + 0.5): TensorFlow's quant_zero, the zero
  /// point counted from `range.min`.
  F quantZero;
  StorageRange range;
};

/// TensorFlow's nudging of [min, max] on the unsigned grid of `numBits`
/// bits. Returns std::nullopt unless min < max and both are finite.
template <typename F>
std::optional<NudgedRange<F>> nudgeMinMax(F min, F max, unsigned numBits,
                                          bool narrowRange);

/// The storage value TensorFlow's kernel rounds `x` to, in `r.range`.
/// NaN maps to `r.zeroPoint`.
template <typename F> int64_t quantizeMinMax(F x, const NudgedRange<F> &r);

/// The float TensorFlow's kernel outputs for `x`:
/// (quantizeMinMax(x) - zeroPoint) * scale.
template <typename F> F fakeQuantizeMinMax(F x, const NudgedRange<F> &r);

//===----------------------------------------------------------------------===//
// Integer kernels: bias and requantization (docs/Semantics.md §8)
//===----------------------------------------------------------------------===//

/// The scale of an i32 accumulator: f32(s_in) * f32(s_w), one rounding.
float getAccumulatorScale(double inputScale, double weightScale);

/// The float requantization multiplier f32(accScale / f32(s_out)), or
/// f32(accScale * f32(1 / f32(s_out))) with `reciprocalScale`.
float getRequantMultiplier(float accumulatorScale, double outputScale,
                           bool reciprocalScale);

/// A float bias on the accumulator grid: round_half_even(f32(bias) /
/// accScale) in f32; std::nullopt when it does not fit in i32.
std::optional<int64_t> quantizeBias(float bias, float accumulatorScale);

/// A float bias on a refined accumulator grid accScale * 2^-shift; the
/// accumulator is multiplied by 2^shift before the bias is added.
struct BiasPlacement {
  int64_t storageValue = 0;
  unsigned shift = 0;
};

/// Places `bias` on the accumulator grid, refined (shift > 0) while that
/// grid is coarser than 1/64 of an output step and the bias is not exact on
/// it, so that rounding the bias moves a result by at most 1/128 step (an
/// exact bias, e.g. an imported int32 one, stays as it is). The refinement
/// stops where an accumulator bounded by |maxAccumulator| would leave i32.
/// std::nullopt when the bias does not fit in i32 on the unrefined grid.
std::optional<BiasPlacement> placeBias(float bias, float accumulatorScale,
                                       double outputScale,
                                       int64_t maxAccumulator);

/// The end of float-mode requantization: round(v) per `rounding`, plus the
/// zero point, clamped to [lo, hi]; `v` is already on the output grid.
int64_t requantizeScaled(float v, RoundingMode rounding, int64_t zeroPoint,
                         int64_t lo, int64_t hi);

/// Float-mode requantization: round(f32(acc) * multiplier) per `rounding`,
/// plus the zero point, clamped to [lo, hi] (the storage range narrowed by
/// a fused activation).
int64_t requantize(int64_t accumulator, float multiplier, RoundingMode rounding,
                   int64_t zeroPoint, int64_t lo, int64_t hi);

/// A real multiplier as TOSA's rescale takes it: multiplier * 2^-shift with
/// multiplier in [2^30, 2^31) (smaller only for tiny reals, where the shift
/// stops at 62) and shift in [2, 62].
struct FixedPointMultiplier {
  int32_t multiplier = 0;
  int8_t shift = 2;
};

/// The fixed-point form of `real` (> 0), the 31-bit mantissa rounded to
/// nearest; std::nullopt when `real` >= 2^29 (no valid shift).
std::optional<FixedPointMultiplier> getFixedPointMultiplier(double real);

/// TOSA's apply_scale: (value * multiplier + round) >> shift in i64, with
/// round = 2^(shift-1), adjusted by +-2^30 for `doubleRound` when shift > 31
/// (TFLite's rounding doubling high multiply, then a rounding shift).
int64_t applyScale(int32_t value, FixedPointMultiplier m, bool doubleRound);

/// Fixed-point requantization: applyScale(acc) + zeroPoint, clamped to
/// [lo, hi].
int64_t requantizeFixedPoint(int32_t accumulator, FixedPointMultiplier m,
                             bool doubleRound, int64_t zeroPoint, int64_t lo,
                             int64_t hi);

/// The scale of an integer value about to be requantized (an accumulator, a
/// window sum, a product, a centred storage value), in the two forms the two
/// requantization modes read: rounded to f32, the scale float requantization
/// divides by f32(s_out), and exact in double, the scale of fixed point.
struct IntermediateScale {
  float rounded = 1;
  double exact = 1;

  /// The grid of a scale that is already an f32 value.
  static IntermediateScale of(float scale) { return {scale, double(scale)}; }
  /// The grid of a product of values on grids `a` and `b`:
  /// f32(a) * f32(b), rounded once for `rounded`.
  static IntermediateScale ofProduct(double a, double b);
  /// This grid refined by 2^-shift (the accumulator of a refined bias).
  IntermediateScale refined(unsigned shift) const;
};

/// One channel's requantization multiplier, in the form of the chosen mode:
/// f32(rounded / f32(s_out)) for float, the fixed-point form of
/// exact / f32(s_out) for fixed point.
struct RequantMultiplier {
  float multiplier = 0;
  FixedPointMultiplier fixed;
};

/// The multiplier that scales a value on `scale` to the output grid of
/// scale `outputScale`; std::nullopt when its f32 value is not finite, or
/// when `fixedPoint` is asked for and the multiplier is too large for a
/// shift of at least 2.
std::optional<RequantMultiplier> getRequantMultiplier(IntermediateScale scale,
                                                      double outputScale,
                                                      bool reciprocalScale,
                                                      bool fixedPoint);

/// The saturation bounds [lo, hi] of `output` narrowed by a fused
/// activation's float bounds [actLo, actHi] (infinite when absent), which
/// quantize monotonically (Semantics.md §8.3).
std::pair<int64_t, int64_t> getSaturationBounds(const QuantGrid<float> &output,
                                                float actLo, float actHi);

/// TFLite's fixed-point addition of two per-tensor grids (Semantics.md §8.6):
/// both centred inputs shifted left by `leftShift` bits, each scaled to the
/// common grid 2 * max(sa, sb) * 2^-leftShift, added; `output` scales the sum
/// to the output grid.
struct FixedPointAddition {
  int leftShift = 0;
  FixedPointMultiplier lhs, rhs, output;
  /// The common grid's step in output steps: g * 2^-L / s_out, the real
  /// value of `output`.
  double commonStep = 0;

  /// Rounding the two inputs onto the common grid moves their sum by up to
  /// one common step; at most a quarter of an output step keeps the result
  /// within one step of the exact sum. Output grids 2^18 times finer than
  /// the coarser input (or finer) fail this (Semantics.md §8.6).
  bool keepsOneStep() const { return commonStep <= 0.25; }
};

/// The parameters of adding values on grids `a` and `b` onto an output of
/// scale `outputScale`; std::nullopt when a multiplier has no fixed-point
/// form.
std::optional<FixedPointAddition>
getFixedPointAddition(const QuantGrid<float> &a, const QuantGrid<float> &b,
                      double outputScale);

/// The sum of the centred values `ca` and `cb` on the common grid of `add`,
/// before the output multiplier.
int64_t addOnCommonGrid(int64_t ca, int64_t cb, const FixedPointAddition &add,
                        bool doubleRound);

/// Maps the row-major linear index of an element to its channel along
/// `axis` (always channel 0 without an axis).
class ChannelIndexer {
public:
  ChannelIndexer(ArrayRef<int64_t> shape, std::optional<int64_t> axis);
  int64_t channelOf(int64_t linearIndex) const {
    return (linearIndex / stride) % size;
  }
  int64_t getNumChannels() const { return size; }

private:
  int64_t stride = 1;
  int64_t size = 1;
};

} // namespace mlir::qat

#endif // QAT_DIALECT_QAT_UTILS_QUANTMATH_H
