//===- ContractionConstants.h - compile-time constants of an i32 matmul ---===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// An integer matmul or convolution accumulates raw storage products
// sum(qa * qw) in i32 and corrects them afterwards (docs/Semantics.md §8.1):
//
//   acc = sum((qa - za)(qw - zw))
//       = sum(qa qw) + K za zw - za sum(qw) - zw sum(qa)
//
// Everything but sum(qa qw) and sum(qa) is known at compile time from the
// constant weights. This file computes those per-channel constants, places
// the bias, derives the requantization multipliers and proves that no
// accumulator can overflow i32, without building any IR, so that each
// number can be unit-tested.
//
//===----------------------------------------------------------------------===//

#ifndef QAT_DIALECT_QAT_UTILS_CONTRACTIONCONSTANTS_H
#define QAT_DIALECT_QAT_UTILS_CONTRACTIONCONSTANTS_H

#include "qat/Dialect/QAT/Utils/QuantMath.h"

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/SmallVector.h"

namespace mlir::qat {

/// What the constants of one integer contraction depend on.
struct ContractionOperands {
  /// The activation's (per-tensor) grid.
  QuantGrid<float> input;
  /// The weight's grids: one, or one per output channel.
  ArrayRef<QuantGrid<float>> weights;
  /// Weight storage values as `batches` row-major (k, n) matrices: k the
  /// reduction (all reduced dimensions flattened), n the output channels.
  ArrayRef<int64_t> weightValues;
  int64_t batches = 1;
  int64_t k = 0;
  int64_t n = 0;
  /// The float bias per output channel, or empty.
  ArrayRef<float> bias;
  /// The output grid's scale, and whether quantizing onto it multiplies by
  /// its reciprocal.
  double outputScale = 1;
  bool reciprocalScale = false;
  /// Requantize with fixed-point multipliers (else f32 ones).
  bool fixedPoint = false;
};

/// The per-channel constants of the integer contraction. With `n` channels
/// and `batches` batches:
///   result = requant(((acc + corrections[b*n + c] - zw[c] * inputSum)
///                     * accumulatorFactors[c] + biasSteps[c]),
///                    multipliers[c])
/// where the factor and the bias steps apply only with `refinedBias` (else
/// the bias is part of the correction) and the weight zero point term only
/// with `asymmetricWeights`.
struct ContractionConstants {
  /// K za zw - za sum(qw) per (batch, channel), plus the bias unless
  /// `refinedBias`.
  SmallVector<int64_t> corrections;
  /// zw per channel.
  SmallVector<int64_t> weightZeroPoints;
  /// The bias on the (refined) accumulator grid, per channel.
  SmallVector<int64_t> biasSteps;
  /// 2^shift per channel: the refinement of the accumulator grid.
  SmallVector<int64_t> accumulatorFactors;
  /// Per channel, from the refined accumulator grid to the output grid.
  SmallVector<RequantMultiplier> multipliers;
  /// Some channel has zw != 0 (the input sums are needed).
  bool asymmetricWeights = false;
  /// Some channel's bias sits on a refined grid (shift > 0).
  bool refinedBias = false;
};

/// Why a contraction cannot be lowered to i32 arithmetic.
struct ContractionConstantsError {
  enum class Kind {
    /// The bias does not fit in i32 on the accumulator grid.
    BiasOutOfRange,
    /// |acc + bias| can exceed the i32 range.
    AccumulatorOverflow,
    /// requant=fixed-point: the multiplier needs a shift below 2.
    MultiplierTooLarge,
  };
  Kind kind = Kind::AccumulatorOverflow;
  int64_t channel = 0;
  /// BiasOutOfRange: the channel's bias and accumulator scale.
  float bias = 0;
  float accumulatorScale = 0;
  /// AccumulatorOverflow: the bound that |acc + bias| can reach.
  int64_t bound = 0;
};

/// Computes the constants of `operands`; on failure fills `error` with the
/// first channel that cannot be lowered.
FailureOr<ContractionConstants>
computeContractionConstants(const ContractionOperands &operands,
                            ContractionConstantsError &error);

} // namespace mlir::qat

#endif // QAT_DIALECT_QAT_UTILS_CONTRACTIONCONSTANTS_H
