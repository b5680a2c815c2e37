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
/// integer value (+0.0 for zero); NaN inputs give +0.0 (q = z).
Value emitQuantizeSteps(OpBuilder &b, Location loc, Value x,
                        const GridValues &grid, RoundingMode rounding,
                        bool reciprocalScale);

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

/// A float constant of type `type` from a double (rounded to nearest).
Value emitFloatConstant(OpBuilder &b, Location loc, FloatType type,
                        double value);

} // namespace mlir::qat

#endif // QAT_DIALECT_QAT_UTILS_QUANTCODEGEN_H
