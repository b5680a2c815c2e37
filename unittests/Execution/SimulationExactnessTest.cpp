//===- SimulationExactnessTest.cpp - compiled simulation == QuantMath -----===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// End-to-end check of the reference path: qat-simulate, lowered to LLVM and
// JIT-compiled, must produce bit for bit what QuantMath (the C++ definition
// of docs/Semantics.md) computes, for every rounding mode, storage kind, bit
// width, precision and per-channel layout, on inputs that include exact
// ties, values next to ties, zeros of both signs, NaN, infinities and
// values far outside the range.
//
//===----------------------------------------------------------------------===//

#include "qat/Dialect/QAT/IR/QATOps.h"
#include "qat/Execution/JitRunner.h"
#include "qat/Pipelines/Pipelines.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/FormatVariadic.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

using namespace mlir;
using namespace mlir::qat;

namespace {

constexpr int64_t kChannels = 3;
constexpr int64_t kPerChannel = 700;

struct Config {
  std::string name;
  ElementKind kind = ElementKind::F32;
  unsigned numBits = 8;
  bool isSigned = true;
  bool narrow = false;
  RoundingMode rounding = RoundingMode::half_to_even;
  bool reciprocal = false;
  bool perChannel = false;
  bool minMax = false;
};

StringRef kindName(ElementKind kind) {
  switch (kind) {
  case ElementKind::F16:
    return "f16";
  case ElementKind::BF16:
    return "bf16";
  case ElementKind::F64:
    return "f64";
  default:
    return "f32";
  }
}

const double kScales[kChannels] = {0.1, 0.0196, 3.0517578125e-05};
const double kMins[kChannels] = {-1.0, -0.37, 0.5};
const double kMaxs[kChannels] = {2.0, 6.1, 10.0};

/// Zero points inside every storage range used here.
int64_t zeroPointFor(const Config &c, int64_t channel) {
  StorageRange r = getStorageRange(c.numBits, c.isSigned, c.narrow);
  int64_t candidates[kChannels] = {r.min + (r.max - r.min) / 3, r.max, r.min};
  return candidates[channel];
}

std::string buildModule(const Config &c) {
  std::string type = llvm::formatv("tensor<{0}x{1}x{2}>", kChannels,
                                   kPerChannel, kindName(c.kind))
                         .str();
  int64_t n = c.perChannel ? kChannels : 1;
  std::string attrs = llvm::formatv("num_bits = {0} : i64", c.numBits).str();
  if (c.perChannel)
    attrs += ", axis = 0 : i64";
  if (c.narrow)
    attrs += ", narrow_range";
  auto list = [&](auto fn) {
    std::string s;
    for (int64_t i = 0; i < n; ++i)
      s += (i ? ", " : "") + fn(i);
    return s;
  };
  std::string op;
  if (c.minMax) {
    attrs += ", mins = array<f64: " + list([](int64_t i) {
               return llvm::formatv("{0}", kMins[i]).str();
             }) +
             ">, maxs = array<f64: " + list([](int64_t i) {
               return llvm::formatv("{0}", kMaxs[i]).str();
             }) +
             ">";
    op = "qat.fake_quant_min_max";
  } else {
    if (!c.isSigned)
      attrs += ", is_signed = false";
    if (c.reciprocal)
      attrs += ", reciprocal_scale";
    attrs += ", rounding = #qat.rounding<" +
             stringifyRoundingMode(c.rounding).str() + ">";
    attrs += ", scales = array<f64: " + list([](int64_t i) {
               return llvm::formatv("{0:e17}", kScales[i]).str();
             }) +
             ">, zero_points = array<i64: " + list([&](int64_t i) {
               return std::to_string(zeroPointFor(c, i));
             }) +
             ">";
    op = "qat.fake_quant";
  }
  return llvm::formatv("func.func @f(%x: {0}) -> {0} {{\n"
                       "  %y = {1} %x {{{2}} : {0}\n"
                       "  return %y : {0}\n}\n",
                       type, op, attrs)
      .str();
}

/// Inputs around channel c's grid: exact and near ties, levels, zeros,
/// specials, far-out values and random ones.
HostTensor buildInput(const Config &c) {
  HostTensor t(c.kind, {kChannels, kPerChannel});
  std::mt19937 rng(42);
  for (int64_t ch = 0; ch < kChannels; ++ch) {
    double s = c.minMax ? (kMaxs[ch] - kMins[ch]) / 255 : kScales[ch];
    std::vector<double> v = {0.0,
                             -0.0,
                             std::numeric_limits<double>::quiet_NaN(),
                             std::numeric_limits<double>::infinity(),
                             -std::numeric_limits<double>::infinity(),
                             1e30,
                             -1e30,
                             s * 0.5,
                             -s * 0.5};
    for (int k = -40; k <= 40; ++k) {
      double tie = (k + 0.5) * s;
      v.push_back(tie);
      v.push_back(std::nextafter(float(tie), 1e9f));
      v.push_back(std::nextafter(float(tie), -1e9f));
      v.push_back(k * s);
    }
    std::uniform_real_distribution<double> wide(-300 * s, 300 * s);
    while (static_cast<int64_t>(v.size()) < kPerChannel)
      v.push_back(wide(rng));
    for (int64_t i = 0; i < kPerChannel; ++i)
      t.setFromDouble(ch * kPerChannel + i, v[i]);
  }
  return t;
}

/// QuantMath's answer for every element, stored in the element kind.
template <typename F>
HostTensor expected(const Config &c, const HostTensor &in) {
  HostTensor out(c.kind, in.shape);
  for (int64_t i = 0, e = in.getNumElements(); i < e; ++i) {
    int64_t ch = c.perChannel ? i / kPerChannel : 0;
    F x = static_cast<F>(in.getAsDouble(i));
    F y;
    if (c.minMax) {
      auto r = nudgeMinMax<F>(static_cast<F>(kMins[ch]),
                              static_cast<F>(kMaxs[ch]), c.numBits, c.narrow);
      y = fakeQuantizeMinMax<F>(x, *r);
    } else {
      QuantGrid<F> g{static_cast<F>(kScales[ch]), zeroPointFor(c, ch),
                     getStorageRange(c.numBits, c.isSigned, c.narrow),
                     c.rounding, c.reciprocal};
      y = fakeQuantize<F>(x, g);
    }
    out.setFromDouble(i, y);
  }
  return out;
}

class SimulationExactness : public ::testing::TestWithParam<Config> {};

TEST_P(SimulationExactness, BitForBitWithQuantMath) {
  const Config &c = GetParam();
  MLIRContext context(createQATContextRegistry());

  std::string source = buildModule(c);
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(source, &context);
  ASSERT_TRUE(module) << source;
  auto compiled =
      CompiledFunction::compile(*module, "f", [](OpPassManager &pm) {
        buildSimulationPipeline(pm);
        buildLowerToLLVMPipeline(pm);
      });
  ASSERT_TRUE(succeeded(compiled)) << source;

  HostTensor in = buildInput(c);
  auto results = (*compiled)->run({in});
  ASSERT_TRUE(static_cast<bool>(results)) << toString(results.takeError());
  HostTensor want = c.kind == ElementKind::F64 ? expected<double>(c, in)
                                               : expected<float>(c, in);
  const HostTensor &got = (*results)[0];
  size_t size = getElementSize(c.kind);
  int64_t mismatches = 0;
  for (int64_t i = 0, e = in.getNumElements(); i < e; ++i) {
    if (std::memcmp(got.bytes.data() + i * size, want.bytes.data() + i * size,
                    size) == 0)
      continue;
    if (++mismatches <= 5)
      ADD_FAILURE() << "element " << i << ": input " << in.getAsDouble(i)
                    << " compiled " << got.getAsDouble(i) << " expected "
                    << want.getAsDouble(i) << "\n"
                    << source;
  }
  EXPECT_EQ(mismatches, 0);
}

std::vector<Config> allConfigs() {
  std::vector<Config> configs;
  auto add = [&](Config c) {
    c.name =
        llvm::formatv(
            "{0}_{1}b_{2}{3}_{4}{5}{6}{7}", kindName(c.kind), c.numBits,
            c.isSigned ? "s" : "u", c.narrow ? "n" : "",
            stringifyRoundingMode(c.rounding), c.reciprocal ? "_recip" : "",
            c.perChannel ? "_perchannel" : "", c.minMax ? "_minmax" : "")
            .str();
    configs.push_back(c);
  };
  for (RoundingMode mode :
       {RoundingMode::half_to_even, RoundingMode::half_away_from_zero,
        RoundingMode::half_up}) {
    for (unsigned bits : {2u, 4u, 8u, 16u}) {
      Config c;
      c.rounding = mode;
      c.numBits = bits;
      c.perChannel = true;
      add(c);
      c.isSigned = false;
      c.narrow = bits > 2;
      add(c);
    }
    Config r;
    r.rounding = mode;
    r.reciprocal = true;
    add(r);
  }
  for (ElementKind kind :
       {ElementKind::F16, ElementKind::BF16, ElementKind::F64}) {
    Config c;
    c.kind = kind;
    c.perChannel = true;
    add(c);
    c.numBits = 7;
    c.narrow = true;
    add(c);
  }
  for (unsigned bits : {2u, 8u, 16u}) {
    Config c;
    c.minMax = true;
    c.numBits = bits;
    add(c);
    c.perChannel = true;
    c.narrow = true;
    add(c);
  }
  Config f64MinMax;
  f64MinMax.minMax = true;
  f64MinMax.kind = ElementKind::F64;
  add(f64MinMax);
  return configs;
}

INSTANTIATE_TEST_SUITE_P(AllForms, SimulationExactness,
                         ::testing::ValuesIn(allConfigs()),
                         [](const auto &info) { return info.param.name; });

} // namespace
