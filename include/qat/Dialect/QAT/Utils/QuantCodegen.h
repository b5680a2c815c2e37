//===- QuantCodegen.h - emit the quantization rules as IR -------*- C++ -*-===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// The IR counterpart of QuantMath: builders that emit docs/Semantics.md's
// element rules as scalar arith/math ops, one IEEE operation per step, for
// use inside linalg.generic bodies. The simulation (float) and the integer
// lowering both build on the "step count" k = q - z these return, so the
// two paths share one emitter.
//
//===----------------------------------------------------------------------===//

#ifndef QAT_DIALECT_QAT_UTILS_QUANTCODEGEN_H
#define QAT_DIALECT_QAT_UTILS_QUANTCODEGEN_H

#include "qat/Dialect/QAT/Utils/QuantMath.h"

#include "mlir/IR/Builders.h"

namespace mlir::qat {

/// One channel's fake_quant grid as SSA scalars of the compute type P.
struct GridValues {
  Value scale;
  /// fl(1 / scale); used only with reciprocal_scale.
  Value reciprocal;
  /// qmin - z and qmax - z.
  Value lowSteps;
  Value highSteps;
};

/// Emits §3: k = clamp(round(x / scale), qmin - z, qmax - z) in P, an exact
/// integer value (+0.0 for zero); NaN inputs give +0.0 (q = z). With
/// `forInteger` (k only goes on to an integer conversion) a zero may be
/// -0.0, which saves an addition.
Value emitQuantizeSteps(OpBuilder &b, Location loc, Value x,
                        const GridValues &grid, RoundingMode rounding,
                        bool reciprocalScale, bool forInteger = false);

/// Emits the requantization steps of an accumulator already scaled to the
/// output grid: clamp(round(v), lowSteps, highSteps) (Semantics.md §8), an
/// exact integer value that goes on to an integer conversion (so a zero may
/// be -0.0); `v` is never NaN.
Value emitRequantizeSteps(OpBuilder &b, Location loc, Value v, Value lowSteps,
                          Value highSteps, RoundingMode rounding);

/// One channel's TensorFlow min/max grid (see NudgedRange) as SSA scalars.
struct MinMaxValues {
  Value nudgedMin;
  Value nudgedMax;
  Value invScale;
  Value quantZero;
  Value lowSteps;
  Value highSteps;
};

/// Emits §4: TensorFlow's k = floor((clamp(x) - nmin) * inv - qz + 0.5),
/// guarded to [qmin - z, qmax - z]; NaN inputs give +0.0.
Value emitMinMaxSteps(OpBuilder &b, Location loc, Value x,
                      const MinMaxValues &grid);

/// Per-channel values of each parameter: params[i][c] is parameter i of
/// channel c (a single channel when per-tensor).
using ChannelParams = SmallVector<SmallVector<double>>;
using ElementBodyBuilder =
    function_ref<Value(OpBuilder &, Location, Value, ArrayRef<Value>)>;

/// Builds a linalg.generic that maps every element of `input` to
/// body(element, params), producing a tensor of `resultElementType`.
/// With `axis`, parameters become 1-D constants of `paramType` read through
/// the channel dimension; without, scalar constants in the body.
Value buildChannelwiseGeneric(OpBuilder &b, Location loc, Value input,
                              Type resultElementType,
                              std::optional<int64_t> axis, FloatType paramType,
                              const ChannelParams &params,
                              ElementBodyBuilder body);

/// A float constant of type `type` from a double (rounded to nearest).
Value emitFloatConstant(OpBuilder &b, Location loc, FloatType type,
                        double value);

} // namespace mlir::qat

#endif // QAT_DIALECT_QAT_UTILS_QUANTCODEGEN_H
