//===- QuantMathTest.cpp - tests of the shared quantization math ----------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#include "qat/Dialect/QAT/Utils/QuantMath.h"

#include "gtest/gtest.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::qat;

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

template <typename F = float>
QuantGrid<F> grid(F scale, int64_t zeroPoint, StorageRange range,
                  RoundingMode rounding = RoundingMode::half_to_even,
                  bool reciprocalScale = false) {
  return QuantGrid<F>{scale, zeroPoint, range, rounding, reciprocalScale};
}

TEST(StorageRange, SignedUnsignedNarrow) {
  EXPECT_EQ(getStorageRange(8, true, false), (StorageRange{-128, 127}));
  EXPECT_EQ(getStorageRange(8, true, true), (StorageRange{-127, 127}));
  EXPECT_EQ(getStorageRange(8, false, false), (StorageRange{0, 255}));
  EXPECT_EQ(getStorageRange(8, false, true), (StorageRange{1, 255}));
  EXPECT_EQ(getStorageRange(2, true, false), (StorageRange{-2, 1}));
  EXPECT_EQ(getStorageRange(2, true, true), (StorageRange{-1, 1}));
  EXPECT_EQ(getStorageRange(4, false, false), (StorageRange{0, 15}));
  EXPECT_EQ(getStorageRange(16, true, false), (StorageRange{-32768, 32767}));
  EXPECT_EQ(getStorageRange(16, false, false), (StorageRange{0, 65535}));
}

TEST(RoundToIntegral, TiesPerMode) {
  struct Case {
    float in, even, away, up;
  } cases[] = {
      {0.5f, 0.f, 1.f, 1.f},     {1.5f, 2.f, 2.f, 2.f},
      {2.5f, 2.f, 3.f, 3.f},     {-0.5f, -0.f, -1.f, 0.f},
      {-1.5f, -2.f, -2.f, -1.f}, {-2.5f, -2.f, -3.f, -2.f},
      {2.4f, 2.f, 2.f, 2.f},     {2.6f, 3.f, 3.f, 3.f},
      {-2.6f, -3.f, -3.f, -3.f}, {-2.4f, -2.f, -2.f, -2.f},
  };
  for (const Case &c : cases) {
    EXPECT_EQ(roundToIntegral(c.in, RoundingMode::half_to_even), c.even)
        << c.in;
    EXPECT_EQ(roundToIntegral(c.in, RoundingMode::half_away_from_zero), c.away)
        << c.in;
    EXPECT_EQ(roundToIntegral(c.in, RoundingMode::half_up), c.up) << c.in;
  }
}

TEST(RoundToIntegral, JustBelowHalfIsNotATie) {
  // The classic floor(x + 0.5) bug: in float, 0.49999997f + 0.5f rounds up
  // to 1. half_up is defined on the exact value and must give 0.
  float justBelow = std::nextafter(0.5f, 0.f);
  EXPECT_EQ(roundToIntegral(justBelow, RoundingMode::half_up), 0.f);
  EXPECT_EQ(roundToIntegral(justBelow, RoundingMode::half_to_even), 0.f);
  EXPECT_EQ(roundToIntegral(justBelow, RoundingMode::half_away_from_zero), 0.f);
}

TEST(RoundToIntegral, LargeAndSpecialValues) {
  float big = 16777216.f; // 2^24: every float from here is an integer.
  EXPECT_EQ(roundToIntegral(big, RoundingMode::half_to_even), big);
  // 2^23 - 0.5: the largest float magnitude with a fraction.
  EXPECT_EQ(roundToIntegral(8388607.5f, RoundingMode::half_to_even), 8388608.f);
  EXPECT_EQ(roundToIntegral(-8388607.5f, RoundingMode::half_up), -8388607.f);
  EXPECT_EQ(roundToIntegral(-8388607.5f, RoundingMode::half_away_from_zero),
            -8388608.f);
  EXPECT_EQ(roundToIntegral(kInf, RoundingMode::half_up), kInf);
  EXPECT_TRUE(std::isnan(roundToIntegral(kNaN, RoundingMode::half_up)));
  EXPECT_EQ(roundToIntegral(8388607.5, RoundingMode::half_to_even), 8388608.0);
}

TEST(Quantize, RoundsThenAddsZeroPointThenClamps) {
  StorageRange u8 = getStorageRange(8, false, false);
  // 0.25f / 0.1f rounds to exactly 2.5 in float: a tie, to even.
  EXPECT_EQ(quantize(0.25f, grid(0.1f, 10, u8, RoundingMode::half_to_even)),
            12);
  // Exact ties with a power-of-two scale.
  EXPECT_EQ(quantize(0.625f, grid(0.25f, 0, u8, RoundingMode::half_to_even)),
            2);
  EXPECT_EQ(quantize(0.875f, grid(0.25f, 0, u8, RoundingMode::half_to_even)),
            4);
  EXPECT_EQ(quantize(-0.625f, grid(0.25f, 100, u8, RoundingMode::half_to_even)),
            98);
  EXPECT_EQ(quantize(-0.625f,
                     grid(0.25f, 100, u8, RoundingMode::half_away_from_zero)),
            97);
  EXPECT_EQ(quantize(-0.625f, grid(0.25f, 100, u8, RoundingMode::half_up)), 98);
  // Saturation at both ends, including values far outside int64.
  EXPECT_EQ(quantize(1000.f, grid(1.f, 0, u8, RoundingMode::half_to_even)),
            255);
  EXPECT_EQ(quantize(-1.f, grid(1.f, 0, u8, RoundingMode::half_to_even)), 0);
  EXPECT_EQ(quantize(3e38f, grid(1e-30f, 0, u8, RoundingMode::half_to_even)),
            255);
  EXPECT_EQ(quantize(-3e38f, grid(1e-30f, 0, u8, RoundingMode::half_to_even)),
            0);
}

TEST(Quantize, NaNAndInfinities) {
  StorageRange s8 = getStorageRange(8, true, true);
  EXPECT_EQ(quantize(kNaN, grid(0.5f, 3, s8, RoundingMode::half_to_even)), 3);
  EXPECT_EQ(quantize(kInf, grid(0.5f, 3, s8, RoundingMode::half_to_even)), 127);
  EXPECT_EQ(quantize(-kInf, grid(0.5f, 3, s8, RoundingMode::half_to_even)),
            -127);
}

TEST(Quantize, DivisionIsInComputePrecision) {
  // The float quotient of these two floats is exactly 2.5, a tie; the double
  // quotient is 2.49999990..., not a tie. The precision is part of the
  // semantics.
  float x = 0x1.999998p-5f, s = 0x1.47ae14p-6f;
  ASSERT_EQ(x / s, 2.5f);
  ASSERT_LT(double(x) / double(s), 2.5);
  StorageRange s8 = getStorageRange(8, true, false);
  EXPECT_EQ(quantize<float>(x, grid<float>(s, 0, s8, RoundingMode::half_up)),
            3);
  EXPECT_EQ(quantize<double>(x, grid<double>(s, 0, s8, RoundingMode::half_up)),
            2);
}

TEST(Quantize, ReciprocalScaleIsPyTorchsProduct) {
  // x / s is exactly the tie 2.5 (to even: 2); x * fl(1 / s) is 2.50000024,
  // which rounds to 3 in every mode.
  float x = 0x1.916874p-5f, s = 0x1.41205cp-6f;
  ASSERT_EQ(x / s, 2.5f);
  ASSERT_GT(x * (1.f / s), 2.5f);
  StorageRange s8 = getStorageRange(8, true, false);
  EXPECT_EQ(quantize(x, grid(s, 0, s8)), 2);
  EXPECT_EQ(quantize(x, grid(s, 0, s8, RoundingMode::half_to_even,
                             /*reciprocalScale=*/true)),
            3);
}

TEST(Dequantize, IsOneMultiplication) {
  EXPECT_EQ(dequantize(12, 0.1f, 10), 2.f * 0.1f);
  EXPECT_EQ(dequantize(-128, 0.5f, 0), -64.f);
  EXPECT_EQ(fakeQuantize(0.26f, grid(0.1f, 0, getStorageRange(8, true, false),
                                     RoundingMode::half_to_even)),
            3.f * 0.1f);
}

TEST(FakeQuantize, IsIdempotentInFloat) {
  // The property the double-fake-quant folder relies on, checked for every
  // level of a 16-bit grid with awkward scales.
  for (float s : {0.1f, 3.3e-5f, 7.77f, 1e-30f}) {
    StorageRange r = getStorageRange(16, true, false);
    for (int64_t q = r.min; q <= r.max; ++q) {
      float y = dequantize(q, s, 17);
      ASSERT_EQ(quantize(y, grid(s, 17, r, RoundingMode::half_to_even)), q)
          << "scale " << s << " level " << q;
    }
  }
}

TEST(RoundZeroPoint, HalfToEvenAndClamp) {
  StorageRange u8 = getStorageRange(8, false, false);
  EXPECT_EQ(roundZeroPoint(2.5, u8), 2);
  EXPECT_EQ(roundZeroPoint(3.5, u8), 4);
  EXPECT_EQ(roundZeroPoint(-4.0, u8), 0);
  EXPECT_EQ(roundZeroPoint(300.2, u8), 255);
  EXPECT_FALSE(roundZeroPoint(std::nan(""), u8).has_value());
}

TEST(IsValidScale, PrecisionMatters) {
  EXPECT_TRUE(isValidScale<float>(0.1));
  EXPECT_FALSE(isValidScale<float>(0.0));
  EXPECT_FALSE(isValidScale<float>(-1.0));
  EXPECT_FALSE(isValidScale<float>(1e-50)); // underflows to 0 in float
  EXPECT_TRUE(isValidScale<double>(1e-50));
  EXPECT_FALSE(isValidScale<float>(1e39)); // overflows to inf in float
  EXPECT_FALSE(isValidScale<double>(std::nan("")));
}

TEST(NudgeMinMax, TensorFlowReferenceValues) {
  // min = -0.1, max = 25.4 on [0, 255]: scale 0.1, zero point from min 1.0.
  auto r = nudgeMinMax<float>(-0.1f, 25.4f, 8, false);
  ASSERT_TRUE(r);
  EXPECT_FLOAT_EQ(r->scale, 0.1f);
  EXPECT_EQ(r->zeroPoint, 1);
  EXPECT_EQ(r->quantZero, 1.f);
  EXPECT_FLOAT_EQ(r->nudgedMin, -0.1f);
  EXPECT_FLOAT_EQ(r->nudgedMax, 25.4f);
  // A range that excludes zero is nudged to include it.
  auto pos = nudgeMinMax<float>(0.5f, 10.f, 8, false);
  ASSERT_TRUE(pos);
  EXPECT_EQ(pos->zeroPoint, 0);
  EXPECT_EQ(pos->nudgedMin, 0.f);
  auto neg = nudgeMinMax<float>(-10.f, -0.5f, 8, true);
  ASSERT_TRUE(neg);
  EXPECT_EQ(neg->zeroPoint, 255);
  EXPECT_EQ(neg->nudgedMax, 0.f);
  // The zero point rounds half away from zero (std::round in TensorFlow):
  // [-0.375, 63.375] on [0, 255] has scale 0.25 and zero point 1.5 -> 2.
  auto tie = nudgeMinMax<float>(-0.375f, 63.375f, 8, false);
  ASSERT_TRUE(tie);
  EXPECT_EQ(tie->scale, 0.25f);
  EXPECT_EQ(tie->zeroPoint, 2);
}

TEST(NudgeMinMax, RejectsEmptyAndNonFinite) {
  EXPECT_FALSE(nudgeMinMax<float>(1.f, 1.f, 8, false));
  EXPECT_FALSE(nudgeMinMax<float>(2.f, 1.f, 8, false));
  EXPECT_FALSE(nudgeMinMax<float>(-kInf, 1.f, 8, false));
  EXPECT_FALSE(nudgeMinMax<float>(kNaN, 1.f, 8, false));
}

TEST(QuantizeMinMax, MatchesTensorFlowKernel) {
  // TensorFlow's FakeQuantWithMinMaxArgs(min=-0.1, max=25.4): the outputs
  // listed in its own kernel tests for inputs -0.1, 0, 0.1, 25.4.
  auto r = nudgeMinMax<float>(-0.1f, 25.4f, 8, false);
  ASSERT_TRUE(r);
  EXPECT_EQ(quantizeMinMax(-0.1f, *r), 0);
  EXPECT_EQ(quantizeMinMax(0.f, *r), 1);
  EXPECT_EQ(quantizeMinMax(0.1f, *r), 2);
  EXPECT_EQ(quantizeMinMax(25.4f, *r), 255);
  EXPECT_EQ(quantizeMinMax(100.f, *r), 255);
  EXPECT_EQ(quantizeMinMax(-100.f, *r), 0);
  EXPECT_EQ(quantizeMinMax(kNaN, *r), 1);
  EXPECT_EQ(fakeQuantizeMinMax(0.f, *r), 0.f);
  EXPECT_FLOAT_EQ(fakeQuantizeMinMax(0.1f, *r), 0.1f);
  // Ties go up (floor(x + 0.5)) on a grid of scale 0.25.
  auto half = nudgeMinMax<float>(0.f, 63.75f, 8, false); // scale 0.25
  ASSERT_TRUE(half);
  EXPECT_EQ(quantizeMinMax(0.125f, *half), 1);
  EXPECT_EQ(quantizeMinMax(0.375f, *half), 2);
}

TEST(Requantize, FloatModeRoundsTheScaledAccumulator) {
  // 10 * 0.25 = 2.5: a tie, per the output's rounding mode.
  EXPECT_EQ(requantize(10, 0.25f, RoundingMode::half_to_even, 0, -128, 127), 2);
  EXPECT_EQ(requantize(10, 0.25f, RoundingMode::half_up, 0, -128, 127), 3);
  EXPECT_EQ(
      requantize(-10, 0.25f, RoundingMode::half_away_from_zero, 5, -128, 127),
      2);
  // Saturation at the activation-narrowed bounds.
  EXPECT_EQ(requantize(1000, 1.0f, RoundingMode::half_to_even, 0, 0, 12), 12);
  EXPECT_EQ(requantize(-1000, 1.0f, RoundingMode::half_to_even, 3, 3, 255), 3);
}

TEST(PlaceBias, RefinesOnlyWhenTheGridIsCoarse) {
  // A fine accumulator grid: no refinement.
  BiasPlacement fine = *placeBias(0.3f, 1e-5f, 0.01, 1000);
  EXPECT_EQ(fine.shift, 0u);
  EXPECT_EQ(fine.storageValue, 30000);
  // 0.125 against an output step of 0.01: refined to 2^-10.
  BiasPlacement coarse = *placeBias(0.3f, 0.125f, 0.01, 768);
  EXPECT_EQ(coarse.shift, 10u);
  EXPECT_EQ(coarse.storageValue, 2458);
  // Exact on the coarse grid: kept there.
  BiasPlacement exact = *placeBias(1.0f, 0.125f, 0.01, 768);
  EXPECT_EQ(exact.shift, 0u);
  EXPECT_EQ(exact.storageValue, 8);
  // A large accumulator bound limits the refinement.
  BiasPlacement bounded = *placeBias(0.3f, 0.125f, 0.01, 1 << 24);
  EXPECT_EQ(bounded.shift, 6u);
  EXPECT_EQ(bounded.storageValue, 154);
  // Beyond i32 even unrefined.
  EXPECT_FALSE(placeBias(1e10f, 1e-3f, 1.0, 0).has_value());
}

TEST(FixedPoint, MultiplierAndShift) {
  FixedPointMultiplier half = *getFixedPointMultiplier(0.5);
  EXPECT_EQ(half.multiplier, 1 << 30);
  EXPECT_EQ(half.shift, 31);
  // Rounding the mantissa up to 2^31 renormalizes.
  FixedPointMultiplier almostOne = *getFixedPointMultiplier(1.0 - 1e-12);
  EXPECT_EQ(almostOne.multiplier, 1 << 30);
  EXPECT_EQ(almostOne.shift, 30);
  // Tiny multipliers stop at shift 62.
  FixedPointMultiplier tiny = *getFixedPointMultiplier(std::ldexp(0.75, -40));
  EXPECT_EQ(tiny.shift, 62);
  EXPECT_EQ(tiny.multiplier, 3 << 20);
  EXPECT_FALSE(getFixedPointMultiplier(std::ldexp(1.0, 30)).has_value());
}

TEST(FixedPoint, SingleAndDoubleRounding) {
  // 0.5 * 5 = 2.5: single rounding rounds half up.
  FixedPointMultiplier half = *getFixedPointMultiplier(0.5);
  EXPECT_EQ(applyScale(5, half, false), 3);
  EXPECT_EQ(applyScale(-5, half, false), -2);
  // Shift 31 is not above 31: double rounding changes nothing here.
  EXPECT_EQ(applyScale(-5, half, true), -2);
  // With shift > 31 double rounding rounds the high product away from zero
  // first: -2.5 in fixed point (multiplier 2^30, shift 33, value -20).
  FixedPointMultiplier eighth{1 << 30, 33};
  EXPECT_EQ(applyScale(-20, eighth, false), -2);
  EXPECT_EQ(applyScale(-20, eighth, true), -3);
  EXPECT_EQ(applyScale(20, eighth, true), 3);
  EXPECT_EQ(requantizeFixedPoint(1000, half, true, 10, -128, 127), 127);
  EXPECT_EQ(requantizeFixedPoint(7, half, true, 10, -128, 127), 14);
}

TEST(StorageRange, MaxCenteredMagnitude) {
  EXPECT_EQ((StorageRange{0, 255}).getMaxCenteredMagnitude(10), 245);
  EXPECT_EQ((StorageRange{0, 255}).getMaxCenteredMagnitude(200), 200);
  EXPECT_EQ((StorageRange{-128, 127}).getMaxCenteredMagnitude(0), 128);
  EXPECT_EQ(grid(0.5f, -127, {-127, 127}).getMaxCenteredMagnitude(), 254);
}

TEST(IntermediateScale, ProductRoundedOnceAndExact) {
  IntermediateScale s = IntermediateScale::ofProduct(0.1, 0.2);
  EXPECT_EQ(s.rounded, 0.1f * 0.2f);
  EXPECT_EQ(s.exact, double(0.1f) * double(0.2f));
  EXPECT_EQ(s.rounded, static_cast<float>(s.exact));
  EXPECT_NE(double(s.rounded), s.exact);
  IntermediateScale r = s.refined(3);
  EXPECT_EQ(r.rounded, s.rounded / 8);
  EXPECT_EQ(r.exact, s.exact / 8);
}

TEST(RequantMultiplier, FloatAndFixedPointForms) {
  std::optional<RequantMultiplier> m = getRequantMultiplier(
      IntermediateScale::of(0.125f), 1.0, /*reciprocalScale=*/false,
      /*fixedPoint=*/true);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->multiplier, 0.125f);
  // 0.125 = 2^30 * 2^-33.
  EXPECT_EQ(m->fixed.multiplier, 1 << 30);
  EXPECT_EQ(m->fixed.shift, 33);
  // A real multiplier of 1e9 needs a shift below 2: only float can hold it.
  IntermediateScale large = IntermediateScale::of(1.0f);
  EXPECT_FALSE(getRequantMultiplier(large, 1e-9, false, true));
  ASSERT_TRUE(getRequantMultiplier(large, 1e-9, false, false));
  EXPECT_EQ(getRequantMultiplier(large, 1e-9, false, false)->multiplier,
            1.0f / 1e-9f);
}

TEST(SaturationBounds, ActivationNarrowsTheStorageRange) {
  QuantGrid<float> out = grid(0.5f, 5, {0, 255});
  EXPECT_EQ(getSaturationBounds(out, -kInf, kInf), std::make_pair(0l, 255l));
  // ReLU6: 0 -> q 5, 6 -> q 17.
  EXPECT_EQ(getSaturationBounds(out, 0.0f, 6.0f), std::make_pair(5l, 17l));
  // An activation range below the grid collapses onto its lower bound.
  EXPECT_EQ(getSaturationBounds(out, 0.0f, -10.0f), std::make_pair(5l, 5l));
}

TEST(FixedPointAddition, CommonGridAndSum) {
  QuantGrid<float> a = grid(0.5f, 0, {-128, 127});
  QuantGrid<float> b = grid(0.25f, 0, {-128, 127});
  std::optional<FixedPointAddition> add = getFixedPointAddition(a, b, 1.0);
  ASSERT_TRUE(add);
  // |q - z| <= 128 needs 8 bits: 29 - 8 = 21 guard bits, capped at 20.
  EXPECT_EQ(add->leftShift, 20);
  // Common grid 2 * max(0.5, 0.25) = 1: multipliers 0.5 and 0.25.
  EXPECT_EQ(add->lhs.multiplier, 1 << 30);
  EXPECT_EQ(add->lhs.shift, 31);
  EXPECT_EQ(add->rhs.multiplier, 1 << 30);
  EXPECT_EQ(add->rhs.shift, 32);
  EXPECT_EQ(add->output.shift, 50);
  // 3 * 0.5 + 5 * 0.25 = 2.75 on the grid 2^-20.
  int64_t sum = addOnCommonGrid(3, 5, *add, /*doubleRound=*/false);
  EXPECT_EQ(sum, 2883584);
  EXPECT_EQ(requantizeFixedPoint(sum, add->output, false, 0, -128, 127), 3);
  EXPECT_EQ(addOnCommonGrid(-3, -5, *add, false), -2883584);
  // The common grid 2^-20 is 2^-20 output steps: fine enough.
  EXPECT_EQ(add->commonStep, std::ldexp(1.0, -20));
  EXPECT_TRUE(add->keepsOneStep());
  // Output scale 2^-21, 2^20 times finer than the coarser input: the common
  // grid is 2 output steps, too coarse to stay within one step. A quarter
  // step (output scale 2^-18) is the limit.
  std::optional<FixedPointAddition> coarse =
      getFixedPointAddition(a, b, std::ldexp(1.0, -21));
  ASSERT_TRUE(coarse);
  EXPECT_EQ(coarse->commonStep, 2.0);
  EXPECT_FALSE(coarse->keepsOneStep());
  EXPECT_TRUE(
      getFixedPointAddition(a, b, std::ldexp(1.0, -18))->keepsOneStep());
  EXPECT_FALSE(
      getFixedPointAddition(a, b, std::ldexp(1.0, -19))->keepsOneStep());
  // A 16-bit input leaves fewer guard bits.
  QuantGrid<float> wide = grid(0.5f, 0, {-32768, 32767});
  EXPECT_EQ(getFixedPointAddition(wide, b, 1.0)->leftShift, 13);
}

TEST(ChannelIndexer, PerAxis) {
  int64_t shape[] = {2, 3, 4};
  ChannelIndexer none(shape, std::nullopt);
  EXPECT_EQ(none.channelOf(23), 0);
  EXPECT_EQ(none.getNumChannels(), 1);
  ChannelIndexer first(shape, 0);
  EXPECT_EQ(first.channelOf(11), 0);
  EXPECT_EQ(first.channelOf(12), 1);
  ChannelIndexer middle(shape, 1);
  EXPECT_EQ(middle.channelOf(3), 0);
  EXPECT_EQ(middle.channelOf(4), 1);
  EXPECT_EQ(middle.channelOf(12 + 9), 2);
  ChannelIndexer last(shape, 2);
  EXPECT_EQ(last.channelOf(5), 1);
  EXPECT_EQ(last.getNumChannels(), 4);
}

} // namespace
