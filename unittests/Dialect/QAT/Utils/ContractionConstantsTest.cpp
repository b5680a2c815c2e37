//===- ContractionConstantsTest.cpp - an i32 matmul's constants by hand ---===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#include "qat/Dialect/QAT/Utils/ContractionConstants.h"

#include "gtest/gtest.h"

using namespace mlir;
using namespace mlir::qat;

namespace {

using Kind = ContractionConstantsError::Kind;

QuantGrid<float> grid(float scale, int64_t zeroPoint, StorageRange range) {
  return QuantGrid<float>{scale, zeroPoint, range};
}

constexpr StorageRange kU8{0, 255};
constexpr StorageRange kS8Narrow{-127, 127};

/// The float multipliers of `cc`.
std::vector<float> floatMultipliers(const ContractionConstants &cc) {
  std::vector<float> m;
  for (const RequantMultiplier &r : cc.multipliers)
    m.push_back(r.multiplier);
  return m;
}

// u8 activations (scale 0.5, zero point 10), per-channel weights (0.25,
// 0.5), bias [1, -2], output scale 1 (test/Transforms/qat-form-integer-
// regions.mlir @matmul_bias_relu). Accumulator scales 0.125 and 0.25; the
// biases are exact there: 8 and -8 steps. Column sums -1 and 8:
// corrections 0 - 10 * (-1) + 8 = 18 and 0 - 10 * 8 - 8 = -88.
TEST(ContractionConstants, PerChannelWithExactBias) {
  QuantGrid<float> weights[] = {grid(0.25f, 0, kS8Narrow),
                                grid(0.5f, 0, kS8Narrow)};
  int64_t w[] = {1, -2, 3, 4, -5, 6};
  float bias[] = {1.0f, -2.0f};
  ContractionOperands ops;
  ops.input = grid(0.5f, 10, kU8);
  ops.weights = weights;
  ops.weightValues = w;
  ops.k = 3;
  ops.n = 2;
  ops.bias = bias;
  ops.outputScale = 1.0;
  ContractionConstantsError error;
  FailureOr<ContractionConstants> cc = computeContractionConstants(ops, error);
  ASSERT_TRUE(succeeded(cc));
  EXPECT_EQ(cc->corrections, (SmallVector<int64_t>{18, -88}));
  EXPECT_EQ(cc->biasSteps, (SmallVector<int64_t>{8, -8}));
  EXPECT_EQ(cc->accumulatorFactors, (SmallVector<int64_t>{1, 1}));
  EXPECT_EQ(cc->weightZeroPoints, (SmallVector<int64_t>{0, 0}));
  EXPECT_EQ(floatMultipliers(*cc), (std::vector<float>{0.125f, 0.25f}));
  EXPECT_FALSE(cc->asymmetricWeights);
  EXPECT_FALSE(cc->refinedBias);
}

// Weight zero points 1 and -2, za = 3, K = 2, columns [2, 4] and [0, -3]:
// corrections K za zw - za sum(qw) = 6 - 18 = -12 and -12 + 9 = -3.
TEST(ContractionConstants, AsymmetricWeights) {
  QuantGrid<float> weights[] = {grid(1.0f, 1, {-128, 127}),
                                grid(1.0f, -2, {-128, 127})};
  int64_t w[] = {2, 0, 4, -3};
  ContractionOperands ops;
  ops.input = grid(1.0f, 3, kU8);
  ops.weights = weights;
  ops.weightValues = w;
  ops.k = 2;
  ops.n = 2;
  ContractionConstantsError error;
  FailureOr<ContractionConstants> cc = computeContractionConstants(ops, error);
  ASSERT_TRUE(succeeded(cc));
  EXPECT_EQ(cc->corrections, (SmallVector<int64_t>{-12, -3}));
  EXPECT_EQ(cc->weightZeroPoints, (SmallVector<int64_t>{1, -2}));
  EXPECT_TRUE(cc->asymmetricWeights);
}

// One weight per batch: the corrections are a (batch, channel) table.
TEST(ContractionConstants, BatchesHaveTheirOwnCorrections) {
  QuantGrid<float> weights[] = {grid(1.0f, 0, kS8Narrow)};
  int64_t w[] = {3, 5};
  ContractionOperands ops;
  ops.input = grid(1.0f, 2, kU8);
  ops.weights = weights;
  ops.weightValues = w;
  ops.batches = 2;
  ops.k = 1;
  ops.n = 1;
  ContractionConstantsError error;
  FailureOr<ContractionConstants> cc = computeContractionConstants(ops, error);
  ASSERT_TRUE(succeeded(cc));
  EXPECT_EQ(cc->corrections, (SmallVector<int64_t>{-6, -10}));
}

// A bias of 0.3 on an accumulator grid of 1 (output scale 1): no coarser
// grid is exact, so it goes to 2^-6, 1/64 of an output step: 19 steps,
// the accumulator multiplied by 64 and the multiplier 2^-6.
TEST(ContractionConstants, InexactBiasRefinesTheGrid) {
  QuantGrid<float> weights[] = {grid(1.0f, 0, kS8Narrow)};
  int64_t w[] = {1, 1};
  float bias[] = {0.3f};
  ContractionOperands ops;
  ops.input = grid(1.0f, 0, {-128, 127});
  ops.weights = weights;
  ops.weightValues = w;
  ops.k = 2;
  ops.n = 1;
  ops.bias = bias;
  ops.outputScale = 1.0;
  ContractionConstantsError error;
  FailureOr<ContractionConstants> cc = computeContractionConstants(ops, error);
  ASSERT_TRUE(succeeded(cc));
  EXPECT_TRUE(cc->refinedBias);
  EXPECT_EQ(cc->biasSteps, (SmallVector<int64_t>{19}));
  EXPECT_EQ(cc->accumulatorFactors, (SmallVector<int64_t>{64}));
  // The bias is not folded into the correction on a refined grid.
  EXPECT_EQ(cc->corrections, (SmallVector<int64_t>{0}));
  EXPECT_EQ(floatMultipliers(*cc), (std::vector<float>{0.015625f}));
}

// |qa - za| <= 255 and |qw| = 127: 255 * 127 * K fits in i32 up to
// K = 66311 and overflows at K = 66312.
TEST(ContractionConstants, OverflowProofAtTheBoundary) {
  QuantGrid<float> weights[] = {grid(1.0f, 0, kS8Narrow)};
  std::vector<int64_t> w(66312, 127);
  ContractionOperands ops;
  ops.input = grid(1.0f, 0, kU8);
  ops.weights = weights;
  ops.weightValues = w;
  ops.n = 1;
  ContractionConstantsError error;
  ops.k = 66311;
  EXPECT_TRUE(succeeded(computeContractionConstants(ops, error)));
  ops.k = 66312;
  ASSERT_TRUE(failed(computeContractionConstants(ops, error)));
  EXPECT_EQ(error.kind, Kind::AccumulatorOverflow);
  EXPECT_EQ(error.channel, 0);
  EXPECT_EQ(error.bound, int64_t(255) * 127 * 66312);
}

TEST(ContractionConstants, BiasOutOfI32Range) {
  QuantGrid<float> weights[] = {grid(1.0f, 0, kS8Narrow)};
  int64_t w[] = {1, 1};
  float bias[] = {0.0f, 3e9f};
  ContractionOperands ops;
  ops.input = grid(1.0f, 0, kU8);
  ops.weights = weights;
  ops.weightValues = w;
  ops.k = 1;
  ops.n = 2;
  ops.bias = bias;
  ops.outputScale = 1e6;
  ContractionConstantsError error;
  ASSERT_TRUE(failed(computeContractionConstants(ops, error)));
  EXPECT_EQ(error.kind, Kind::BiasOutOfRange);
  EXPECT_EQ(error.channel, 1);
  EXPECT_EQ(error.bias, 3e9f);
  EXPECT_EQ(error.accumulatorScale, 1.0f);
}

// A real multiplier of 1e9 has no fixed-point form; float holds it.
TEST(ContractionConstants, FixedPointMultiplierTooLarge) {
  QuantGrid<float> weights[] = {grid(1.0f, 0, kS8Narrow)};
  int64_t w[] = {1};
  ContractionOperands ops;
  ops.input = grid(1.0f, 0, kU8);
  ops.weights = weights;
  ops.weightValues = w;
  ops.k = 1;
  ops.n = 1;
  ops.outputScale = 1e-9;
  ContractionConstantsError error;
  EXPECT_TRUE(succeeded(computeContractionConstants(ops, error)));
  ops.fixedPoint = true;
  ASSERT_TRUE(failed(computeContractionConstants(ops, error)));
  EXPECT_EQ(error.kind, Kind::MultiplierTooLarge);
}

} // namespace
