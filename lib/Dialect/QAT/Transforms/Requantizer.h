//===- Requantizer.h - the IR of requantization -----------------*- C++ -*-===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// Every integer region ends the same way: an i32 value on some intermediate
// grid is scaled to the output grid, rounded, offset by the zero point,
// saturated and narrowed to the storage type (docs/Semantics.md §8.4). The
// Requantizer is the one emitter of that step, in float (f32 multiplier) or
// fixed point (TOSA's apply_scale), so that the region kinds differ only in
// what they accumulate.
//
//===----------------------------------------------------------------------===//

#ifndef QAT_LIB_DIALECT_QAT_TRANSFORMS_REQUANTIZER_H
#define QAT_LIB_DIALECT_QAT_TRANSFORMS_REQUANTIZER_H

#include "RegionMatching.h"

#include "qat/Dialect/QAT/Transforms/IntegerRegions.h"
#include "qat/Dialect/QAT/Utils/QuantMath.h"

#include "mlir/IR/Builders.h"

namespace mlir::qat {

/// Requantization onto one output grid, saturated to [lo, hi].
class Requantizer {
public:
  /// Requantization onto the grid `grid` of `quantize`, saturated to its
  /// storage range narrowed by `activation`.
  Requantizer(const RequantOptions &options, QuantizeOp quantize,
              const QuantGrid<float> &grid, ActivationBounds activation = {})
      : options(options), output(grid),
        bounds(getSaturationBounds(grid, activation.lo, activation.hi)),
        storageType(quantize.getOutput().getType().getElementType()) {}

  bool isFixedPoint() const { return options.isFixedPoint(); }

  /// The multiplier that scales values on `scale` to the output grid, in
  /// this requantizer's mode; std::nullopt when fixed point cannot
  /// represent it.
  std::optional<RequantMultiplier> getMultiplier(IntermediateScale scale) const;

  /// Why getMultiplier found no multiplier for `what` ("the product", ...):
  /// not finite in f32, or (fixed point) too large for a shift of at least 2.
  std::string describeMissingMultiplier(StringRef what) const;

  /// `m` as scalar constants (f32; or i32 multiplier and i8 shift), built
  /// where `emit` will use them (e.g. inside a linalg.generic body).
  SmallVector<Value>
  createMultiplierConstants(OpBuilder &b, Location loc,
                            const RequantMultiplier &m) const;

  /// Per-channel multipliers as tables of `shape` (f32; or i32 multipliers
  /// and i8 shifts), to be read by a linalg.generic through the channel
  /// dimensions; their body arguments then go to `emit`.
  SmallVector<Value> createMultiplierTables(OpBuilder &b, Location loc,
                                            ArrayRef<RequantMultiplier> ms,
                                            ArrayRef<int64_t> shape) const;

  /// Requantizes the i32 `value` with `multiplier` (what one of the create
  /// functions returned, or the body arguments reading its tables).
  Value emit(OpBuilder &b, Location loc, Value value,
             ValueRange multiplier) const;

  /// Float mode's last step, for a value already scaled to the output grid:
  /// round, saturate, add the zero point, narrow.
  Value emitScaled(OpBuilder &b, Location loc, Value scaled) const;

  /// TOSA's apply_scale(value, multiplier, shift) with this requantizer's
  /// rounding (one step of fixed-point arithmetic that is not yet the last).
  Value emitApplyScale(OpBuilder &b, Location loc, Value value,
                       Value multiplier, Value shift) const;

private:
  Value emitFixedPoint(OpBuilder &b, Location loc, Value value,
                       Value multiplier, Value shift) const;

  RequantOptions options;
  QuantGrid<float> output;
  /// [lo, hi] of the saturation.
  std::pair<int64_t, int64_t> bounds;
  Type storageType;
};

/// (q - zeroPoint) of a storage value as i32.
Value emitCentered(OpBuilder &b, Location loc, Value q, bool isSigned,
                   int64_t zeroPoint);

/// Zero-extends unsigned storage to a container in which linalg's signed
/// casts read it right (i8 -> i16, i16 -> i32).
Value extendUnsigned(OpBuilder &b, Location loc, Value q);

} // namespace mlir::qat

#endif // QAT_LIB_DIALECT_QAT_TRANSFORMS_REQUANTIZER_H
