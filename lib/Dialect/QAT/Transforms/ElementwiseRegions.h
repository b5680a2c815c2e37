//===- ElementwiseRegions.h - element-wise integer regions ------*- C++ -*-===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// The integer regions without a weight: the addition or multiplication of
// two dequantized tensors (§8.6), average pooling (§8.8) and a change of
// grid (§8.9). Each kind is a match function, which reads the region and its
// grids or says why it cannot, and a lowering, which builds one
// linalg.generic ending in the Requantizer.
//
//===----------------------------------------------------------------------===//

#ifndef QAT_LIB_DIALECT_QAT_TRANSFORMS_ELEMENTWISEREGIONS_H
#define QAT_LIB_DIALECT_QAT_TRANSFORMS_ELEMENTWISEREGIONS_H

#include "RegionMatching.h"

#include "qat/Dialect/QAT/Transforms/IntegerRegions.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::qat {

/// quantize(act(dequantize(a) op dequantize(b))), op an addition, a
/// subtraction or a multiplication, element-wise with numpy broadcasting.
struct BinaryRegion {
  enum class Kind { Add, Sub, Mul };
  QuantizeOp output;
  linalg::GenericOp generic;
  /// The operands in the op's order, and the maps they are read through.
  DequantizeOp lhs;
  DequantizeOp rhs;
  AffineMap lhsMap;
  AffineMap rhsMap;
  Kind kind = Kind::Add;
  ActivationBounds activation;
};

/// quantize(act(pooling_nhwc_sum(dequantize(q)) * c)) (or / d, or without
/// the scaling).
struct AveragePoolRegion {
  QuantizeOp output;
  linalg::PoolingNhwcSumOp pool;
  /// The element-wise scaling and activation after the sum, or null.
  linalg::GenericOp scale;
  DequantizeOp input;
  std::optional<float> factor;
  std::optional<float> divisor;
  ActivationBounds activation;
};

/// quantize(dequantize(q)) from one per-tensor grid to another.
struct RescaleRegion {
  QuantizeOp output;
  DequantizeOp input;
};

// Each match fails with an empty `reason` when `output` is not rooted at a
// region of its kind, with a reason when it is but cannot be lowered. Each
// lowering replaces the region or fails: with a reason when the region
// stays in float, with an emitted error (and an empty reason) when the
// graph cannot be lowered exactly.
FailureOr<BinaryRegion> matchBinaryRegion(QuantizeOp output,
                                          std::string &reason);
LogicalResult lowerBinaryRegion(RewriterBase &rewriter, BinaryRegion &r,
                                const RequantOptions &options,
                                std::string &reason);

FailureOr<AveragePoolRegion> matchAveragePoolRegion(QuantizeOp output,
                                                    std::string &reason);
LogicalResult lowerAveragePoolRegion(RewriterBase &rewriter,
                                     AveragePoolRegion &r,
                                     const RequantOptions &options,
                                     std::string &reason);

FailureOr<RescaleRegion> matchRescaleRegion(QuantizeOp output,
                                            std::string &reason);
LogicalResult lowerRescaleRegion(RewriterBase &rewriter, RescaleRegion &r,
                                 const RequantOptions &options,
                                 std::string &reason);

} // namespace mlir::qat

#endif // QAT_LIB_DIALECT_QAT_TRANSFORMS_ELEMENTWISEREGIONS_H
