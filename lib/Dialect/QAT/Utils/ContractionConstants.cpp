//===- ContractionConstants.cpp - compile-time constants of an i32 matmul -===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#include "qat/Dialect/QAT/Utils/ContractionConstants.h"

#include <cstdlib>
#include <limits>

using namespace mlir;
using namespace mlir::qat;

namespace {
/// One output channel's weight column, over every batch.
struct ColumnStats {
  /// sum(qw) per batch.
  SmallVector<int64_t> sums;
  /// The largest sum(|qw - zw|) over the batches: with |qa - za| bounded,
  /// it bounds |acc|.
  int64_t maxAbsCenteredSum = 0;
};
} // namespace

static ColumnStats getColumnStats(const ContractionOperands &ops, int64_t c,
                                  int64_t zw) {
  ColumnStats stats;
  stats.sums.assign(ops.batches, 0);
  for (int64_t b = 0; b < ops.batches; ++b) {
    int64_t absSum = 0;
    for (int64_t i = 0; i < ops.k; ++i) {
      int64_t v = ops.weightValues[(b * ops.k + i) * ops.n + c];
      stats.sums[b] += v;
      absSum += std::abs(v - zw);
    }
    stats.maxAbsCenteredSum = std::max(stats.maxAbsCenteredSum, absSum);
  }
  return stats;
}

FailureOr<ContractionConstants>
mlir::qat::computeContractionConstants(const ContractionOperands &ops,
                                       ContractionConstantsError &error) {
  using Kind = ContractionConstantsError::Kind;
  auto fail = [&](Kind kind, int64_t channel) {
    error.kind = kind;
    error.channel = channel;
    return failure();
  };
  ContractionConstants cc;
  int64_t n = ops.n, za = ops.input.zeroPoint;
  int64_t maxCenteredA = ops.input.getMaxCenteredMagnitude();
  cc.corrections.assign(ops.batches * n, 0);
  for (int64_t c = 0; c < n; ++c) {
    const QuantGrid<float> &wg = ops.weights[ops.weights.size() == 1 ? 0 : c];
    int64_t zw = wg.zeroPoint;
    ColumnStats column = getColumnStats(ops, c, zw);
    IntermediateScale acc =
        IntermediateScale::ofProduct(ops.input.scale, wg.scale);
    int64_t maxAccumulator = maxCenteredA * column.maxAbsCenteredSum;
    BiasPlacement bias;
    if (!ops.bias.empty()) {
      std::optional<BiasPlacement> placed =
          placeBias(ops.bias[c], acc.rounded, ops.outputScale, maxAccumulator);
      if (!placed) {
        error.bias = ops.bias[c];
        error.accumulatorScale = acc.rounded;
        return fail(Kind::BiasOutOfRange, c);
      }
      bias = *placed;
    }
    int64_t bound =
        (maxAccumulator << bias.shift) + std::abs(bias.storageValue);
    if (bound > std::numeric_limits<int32_t>::max()) {
      error.bound = bound;
      return fail(Kind::AccumulatorOverflow, c);
    }
    std::optional<RequantMultiplier> multiplier =
        getRequantMultiplier(acc.refined(bias.shift), ops.outputScale,
                             ops.reciprocalScale, ops.fixedPoint);
    if (!multiplier)
      return fail(Kind::MultiplierTooLarge, c);
    for (int64_t b = 0; b < ops.batches; ++b)
      cc.corrections[b * n + c] = ops.k * za * zw - za * column.sums[b];
    cc.weightZeroPoints.push_back(zw);
    cc.biasSteps.push_back(bias.storageValue);
    cc.accumulatorFactors.push_back(int64_t(1) << bias.shift);
    cc.multipliers.push_back(*multiplier);
    cc.asymmetricWeights |= zw != 0;
    cc.refinedBias |= bias.shift != 0;
  }
  // Without a refined grid the bias is one more constant term.
  if (!cc.refinedBias)
    for (int64_t b = 0; b < ops.batches; ++b)
      for (int64_t c = 0; c < n; ++c)
        cc.corrections[b * n + c] += cc.biasSteps[c];
  return cc;
}
