//===- ContractionRegion.h - matmuls and convolutions to i32 ----*- C++ -*-===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// quantize(epilogue(op(dequantize(a), dequantize(w)))), where op is a matmul,
// a batch matmul or a 2-D convolution (its input possibly zero-padded) with
// constant weights: what such a region is made of (matched in
// ContractionMatching.cpp) and its integer form (ContractionLowering.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef QAT_LIB_DIALECT_QAT_TRANSFORMS_CONTRACTIONREGION_H
#define QAT_LIB_DIALECT_QAT_TRANSFORMS_CONTRACTIONREGION_H

#include "RegionMatching.h"

#include "qat/Dialect/QAT/Transforms/IntegerRegions.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::qat {

/// The element-wise tail of a region: act(factor[c] * acc + bias[c]),
/// computed by a chain of generics (a bias; QAT Conv+BN's division and
/// BatchNormalization).
struct Epilogue {
  /// The last generic (the quantize reads it).
  linalg::GenericOp op;
  /// The chain, from the accumulator on.
  SmallVector<linalg::GenericOp> chain;
  /// Per output channel, or empty.
  SmallVector<float> bias;
  /// Per output channel, in f64, or empty (1): folded into the weight's
  /// scales (docs/Semantics.md §8.2).
  SmallVector<double> factor;
  ActivationBounds activation;
};

/// What a matched contraction region needs to be rebuilt in integers. The
/// contraction is a matmul (weights K x N, or N x K transposed), a batch
/// matmul, or a 2-D convolution (NHWC/HWCF, NCHW/FCHW, grouped NGCHW/GFCHW,
/// depthwise NHWC/HWC). Whatever the layout, `weightValues` holds the weight
/// as a (K, channels) matrix in row-major order, the channels flattened in
/// the order of the result's channel dimensions.
struct ContractionRegion {
  /// The quantize the region ends in; null for a float result.
  QuantizeOp output;
  linalg::LinalgOp contraction;
  std::optional<Epilogue> epilogue;
  DequantizeOp input;
  /// A tensor.pad of the dequantized input with 0.0, or null.
  tensor::PadOp pad;
  DequantizeOp weight;
  /// Storage values, as K x N for a matmul whose weight is N x K.
  DenseIntElementsAttr weightValues;
  /// A (batch) matmul whose weight is computed, not a constant (attention's
  /// scores and context): no `weightValues`, a per-tensor weight grid
  /// (ActivationProductLowering.cpp).
  bool weightIsActivation = false;
  /// A matmul with a transposed (N x K) constant weight: the lowering uses
  /// `weightValues`, transposed at compile time.
  bool transposedWeight = false;
  /// A grouped convolution's weight, read as G x F x C x KH x KW through
  /// this expand_shape of a (G*F) x C x KH x KW dequantize (whose per-channel
  /// axis 0 is then the flattened output channel), or null.
  tensor::ExpandShapeOp weightExpand;
  /// The output channel dimensions of the result: (G, F) of a grouped
  /// convolution, 1 for NCHW, else the last.
  SmallVector<unsigned, 2> channelDims;
};

/// Matches the region rooted at `output`. Fails with an empty `reason` when
/// `output` does not compute a contraction at all (another region kind may
/// match), with a reason when it does but the region cannot be lowered.
FailureOr<ContractionRegion> matchContractionRegion(QuantizeOp output,
                                                    std::string &reason);

/// Matches a contraction of a dequantized activation by a dequantized
/// constant weight whatever consumes its float result (a region that
/// `matchContractionRegion` declined, or none); `output` and `epilogue` stay
/// empty. Fails with an empty `reason` when `op` is no contraction qat
/// lowers, with a reason when its operands do not allow an i32 form.
FailureOr<ContractionRegion> matchFloatResultContraction(linalg::LinalgOp op,
                                                         std::string &reason);

/// Rebuilds `r` in integers, replacing `r.output` and erasing the float ops
/// left unused (so that no dequantize looks consumed in float afterwards);
/// fails with an error at the op concerned when no exact i32 form exists
/// (an accumulator that may overflow, a bias out of range, a multiplier
/// fixed point cannot hold); every failure is such an error, so `reason`
/// (there for the signature all region lowerings share) stays empty.
LogicalResult lowerContractionRegion(RewriterBase &rewriter,
                                     ContractionRegion &r,
                                     const RequantOptions &options,
                                     std::string &reason);

/// Replaces the contraction of `r` (matched by
/// `matchFloatResultContraction`) by its exact i32 accumulation converted
/// to f32 with one rounding (docs/Semantics.md §8.12), for the float ops
/// that read it. Fails with a `reason` (the region stays in float) when the
/// accumulator may overflow i32.
LogicalResult lowerContractionToFloat(RewriterBase &rewriter,
                                      ContractionRegion &r,
                                      std::string &reason);

/// lowerContractionRegion and lowerContractionToFloat for a region whose
/// weight is an activation: both operands centered first, so that the i32
/// accumulation needs no correction. Fail with a `reason` (the region stays
/// in float) for a bias, an accumulator that may overflow i32, or a
/// multiplier without a form.
LogicalResult lowerActivationProduct(RewriterBase &rewriter,
                                     ContractionRegion &r,
                                     const RequantOptions &options,
                                     std::string &reason);
LogicalResult lowerActivationProductToFloat(RewriterBase &rewriter,
                                            ContractionRegion &r,
                                            std::string &reason);

} // namespace mlir::qat

#endif // QAT_LIB_DIALECT_QAT_TRANSFORMS_CONTRACTIONREGION_H
