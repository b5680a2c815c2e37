//===- ElementRange.h - bounds on the elements of a tensor ------*- C++ -*-===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// Upstream's IntegerRangeAnalysis bounds scalar integers, and
// ValueBoundsOpInterface bounds shapes and indices; neither bounds the
// elements of a tensor, and neither follows the float clamps that
// quantization ends with. The codegen needs exactly that: the largest u8
// activation a contraction can see decides whether saturating int16 pair
// sums (vpmaddubsw) are exact.
//
//===----------------------------------------------------------------------===//

#ifndef QAT_CODEGEN_ELEMENTRANGE_H
#define QAT_CODEGEN_ELEMENTRANGE_H

#include "mlir/IR/Value.h"

namespace mlir::qat {

/// A closed interval of the mathematical values an element can take
/// (infinite ends: unbounded).
struct Interval {
  double lo, hi;
  static Interval unbounded();
  static Interval point(double v) { return {v, v}; }
  bool isBounded() const;
  Interval join(Interval other) const;
};

/// Bounds every element of the integer tensor `tensor` (its storage read as
/// unsigned) or float tensor, from what its producers compute: the clamps
/// of a linalg op's body (the clamp of a quantization or requantization,
/// float or fixed-point), constants, fills, padding values, reshapes and
/// slices. Unbounded where the producers do not show a bound.
Interval getElementRange(Value tensor);

} // namespace mlir::qat

#endif // QAT_CODEGEN_ELEMENTRANGE_H
