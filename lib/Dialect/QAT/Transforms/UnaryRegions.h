//===- UnaryRegions.h - functions of one 8-bit input as tables --*- C++ -*-===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// quantize(f(dequantize(q))) for any element-wise f of one input with at
// most 256 storage values (Sigmoid, Tanh, GELU, HardSwish, Log, Sqrt, ...,
// and clamps between different grids), f one generic or a few generics
// from the same input: f is evaluated at compile time on every storage
// value by MLIR's own folders, and the region becomes a lookup table
// indexed by the storage value (docs/Semantics.md §8.11).
//
//===----------------------------------------------------------------------===//

#ifndef QAT_LIB_DIALECT_QAT_TRANSFORMS_UNARYREGIONS_H
#define QAT_LIB_DIALECT_QAT_TRANSFORMS_UNARYREGIONS_H

#include "RegionMatching.h"

#include "qat/Dialect/QAT/Transforms/IntegerRegions.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::qat {

/// quantize(f(dequantize(q))): f computed by element-wise linalg.generics
/// (one result, identity maps, no reduction) from one dequantized tensor
/// and splat constants, e.g. GELU written as five generics with x used
/// twice; their bodies read only their inputs and constants.
struct UnaryRegion {
  QuantizeOp output;
  /// Producers first; the last one computes the quantized value.
  SmallVector<linalg::GenericOp> generics;
  DequantizeOp input;
};

/// Fails with an empty `reason` when `output` is not rooted at such a
/// generic, with a reason when it is but its body cannot be tabulated.
FailureOr<UnaryRegion> matchUnaryRegion(QuantizeOp output, std::string &reason);

/// Replaces the region by a table lookup; fails with a reason (the region
/// stays in float) when the grids have no table or the body does not fold
/// on some storage value.
LogicalResult lowerUnaryRegion(RewriterBase &rewriter, UnaryRegion &r,
                               const RequantOptions &options,
                               std::string &reason);

/// The storage value (of `output`'s grid) of f(x) for the input element `x`:
/// the bodies folded by the ops' own folders, then quantized (§3). Fails
/// with a reason naming the op that does not fold.
FailureOr<int64_t> evaluateUnaryRegion(const UnaryRegion &r, float x,
                                       const QuantGrid<float> &output,
                                       std::string &reason);

} // namespace mlir::qat

#endif // QAT_LIB_DIALECT_QAT_TRANSFORMS_UNARYREGIONS_H
