//===- RandomGraphs.cpp - seeded random QAT graphs ------------------------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#include "RandomGraphs.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mlir::qat;
using namespace mlir::qat::difftest;

namespace {
using Rng = std::mt19937_64;

int64_t uniformInt(Rng &rng, int64_t lo, int64_t hi) {
  return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
}
double uniformReal(Rng &rng, double lo, double hi) {
  return std::uniform_real_distribution<double>(lo, hi)(rng);
}
bool chance(Rng &rng, double p) { return uniformReal(rng, 0, 1) < p; }

RoundingMode randomRounding(Rng &rng) {
  switch (uniformInt(rng, 0, 5)) {
  case 0:
    return RoundingMode::half_away_from_zero;
  case 1:
    return RoundingMode::half_up;
  default:
    return RoundingMode::half_to_even;
  }
}

/// A zero point that is often extreme: the range ends, the middle, random.
int64_t randomZeroPoint(Rng &rng, StorageRange r, bool symmetric) {
  if (symmetric)
    return std::clamp<int64_t>(0, r.min, r.max);
  switch (uniformInt(rng, 0, 4)) {
  case 0:
    return r.min;
  case 1:
    return r.max;
  case 2:
    return (r.min + r.max + 1) / 2;
  default:
    return uniformInt(rng, r.min, r.max);
  }
}

ActivationGrid randomActivationGrid(Rng &rng, double typicalMagnitude) {
  ActivationGrid g;
  g.numBits = chance(rng, 0.6) ? 8 : uniformInt(rng, 2, 8);
  g.isSigned = chance(rng, 0.4);
  g.narrow = chance(rng, 0.2);
  StorageRange r = g.range();
  g.zeroPoint = randomZeroPoint(rng, r, g.isSigned && chance(rng, 0.5));
  // Tiny and huge grids occur too; usually the grid spans the values.
  double levels = static_cast<double>(r.max - r.min);
  double span = typicalMagnitude * uniformReal(rng, 0.5, 3.0);
  g.scale = span / levels;
  if (chance(rng, 0.05))
    g.scale *= 1e-3;
  if (chance(rng, 0.05))
    g.scale *= 1e3;
  g.rounding = randomRounding(rng);
  g.reciprocal = chance(rng, 0.15);
  return g;
}
} // namespace

Graph mlir::qat::difftest::generateGraph(uint64_t seed, uint64_t index) {
  Rng rng(seed * 1000003 + index);
  Graph g;
  g.m = chance(rng, 0.2) ? 1 : uniformInt(rng, 1, 6);
  g.k = chance(rng, 0.15) ? 1 : uniformInt(rng, 1, 40);
  g.inputRange = std::pow(10.0, uniformReal(rng, -2, 2));
  g.input = randomActivationGrid(rng, g.inputRange);
  int64_t numLayers = uniformInt(rng, 1, 3);
  int64_t k = g.k;
  double magnitude = g.inputRange;
  for (int64_t l = 0; l < numLayers; ++l) {
    Layer layer;
    layer.k = k;
    layer.n = chance(rng, 0.15) ? 1 : uniformInt(rng, 1, 24);
    layer.weightBits = chance(rng, 0.6) ? 8 : uniformInt(rng, 2, 8);
    layer.weightNarrow = chance(rng, 0.6);
    layer.perChannel = chance(rng, 0.7);
    bool asymmetric = chance(rng, 0.25);
    StorageRange wr = getStorageRange(layer.weightBits, /*isSigned=*/true,
                                      layer.weightNarrow);
    double wMagnitude = uniformReal(rng, 0.05, 1.0);
    for (int64_t i = 0; i < layer.k * layer.n; ++i)
      layer.weights.push_back(static_cast<float>(
          std::normal_distribution<double>(0, wMagnitude / 2)(rng)));
    int64_t channels = layer.perChannel ? layer.n : 1;
    for (int64_t c = 0; c < channels; ++c) {
      double maxAbs = 1e-6;
      for (int64_t i = 0; i < layer.k; ++i)
        for (int64_t j = 0; j < layer.n; ++j)
          if (!layer.perChannel || j == c)
            maxAbs = std::max(maxAbs,
                              std::abs(double(layer.weights[i * layer.n + j])));
      layer.weightScales.push_back(maxAbs / wr.max *
                                   uniformReal(rng, 0.8, 1.2));
      layer.weightZeroPoints.push_back(randomZeroPoint(rng, wr, !asymmetric));
    }
    double outMagnitude = magnitude * wMagnitude * std::sqrt(double(layer.k));
    if (chance(rng, 0.7))
      for (int64_t j = 0; j < layer.n; ++j)
        layer.bias.push_back(
            static_cast<float>(uniformReal(rng, -1, 1) * outMagnitude * 0.3));
    switch (uniformInt(rng, 0, 3)) {
    case 0:
      layer.activation = Activation::None;
      break;
    case 1:
      layer.activation = Activation::Relu;
      break;
    case 2:
      layer.activation = Activation::Relu6;
      break;
    default:
      layer.activation = Activation::Clamp;
      layer.clampLo =
          static_cast<float>(-outMagnitude * uniformReal(rng, 0, 1));
      layer.clampHi = static_cast<float>(outMagnitude * uniformReal(rng, 0, 1));
      break;
    }
    layer.output = randomActivationGrid(rng, outMagnitude);
    g.layers.push_back(layer);
    k = layer.n;
    magnitude = outMagnitude;
  }
  return g;
}

static std::string shape(int64_t a, int64_t b) {
  return llvm::formatv("tensor<{0}x{1}xf32>", a, b).str();
}

static std::string gridAttrs(const ActivationGrid &g) {
  std::string s = llvm::formatv("num_bits = {0} : i64, scales = array<f64: "
                                "{1:e17}>, zero_points = array<i64: {2}>",
                                g.numBits, g.scale, g.zeroPoint)
                      .str();
  if (!g.isSigned)
    s += ", is_signed = false";
  if (g.narrow)
    s += ", narrow_range";
  if (g.reciprocal)
    s += ", reciprocal_scale";
  s += ", rounding = #qat.rounding<" + stringifyRoundingMode(g.rounding).str() +
       ">";
  return s;
}

template <typename T>
static std::string list(const std::vector<T> &values, const char *fmt) {
  std::string s;
  for (size_t i = 0; i < values.size(); ++i)
    s += (i ? ", " : "") + llvm::formatv(fmt, values[i]).str();
  return s;
}

std::string mlir::qat::difftest::emitMLIR(const Graph &g) {
  std::string s;
  llvm::raw_string_ostream os(s);
  std::string resultTypes;
  for (size_t l = 0; l < g.layers.size(); ++l)
    resultTypes += (l ? ", " : "") + shape(g.m, g.layers[l].n);
  os << "func.func @f(%x: " << shape(g.m, g.k) << ") -> (" << resultTypes
     << ") {\n";
  os << "  %zero = arith.constant 0.0 : f32\n";
  os << "  %six = arith.constant 6.0 : f32\n";
  os << "  %h0 = qat.fake_quant %x {" << gridAttrs(g.input)
     << "} : " << shape(g.m, g.k) << "\n";
  for (size_t l = 0; l < g.layers.size(); ++l) {
    const Layer &L = g.layers[l];
    std::string in = "%h" + std::to_string(l);
    std::string out = "%h" + std::to_string(l + 1);
    std::string wType = shape(L.k, L.n), yType = shape(g.m, L.n);
    std::string rows;
    for (int64_t i = 0; i < L.k; ++i) {
      std::vector<float> row(L.weights.begin() + i * L.n,
                             L.weights.begin() + (i + 1) * L.n);
      rows += (i ? ", [" : "[") + list(row, "{0:e9}") + "]";
    }
    os << llvm::formatv("  %w{0} = arith.constant dense<[{1}]> : {2}\n", l,
                        rows, wType);
    os << llvm::formatv(
        "  %wq{0} = qat.fake_quant %w{0} {{num_bits = {1} : i64{2}{3}, scales "
        "= array<f64: {4}>, zero_points = array<i64: {5}>} : {6}\n",
        l, L.weightBits, L.weightNarrow ? ", narrow_range" : "",
        L.perChannel ? ", axis = 1 : i64" : "", list(L.weightScales, "{0:e17}"),
        list(L.weightZeroPoints, "{0}"), wType);
    os << llvm::formatv("  %e{0} = tensor.empty() : {1}\n", l, yType);
    os << llvm::formatv(
        "  %z{0} = linalg.fill ins(%zero : f32) outs(%e{0} : {1}) -> {1}\n", l,
        yType);
    os << llvm::formatv("  %mm{0} = linalg.matmul ins({1}, %wq{0} : {2}, {3}) "
                        "outs(%z{0} : {4}) -> {4}\n",
                        l, in, shape(g.m, L.k), wType, yType);
    bool hasEpilogue = !L.bias.empty() || L.activation != Activation::None;
    std::string y = "%mm" + std::to_string(l);
    if (hasEpilogue) {
      std::string ins = y + (L.bias.empty() ? "" : ", %b" + std::to_string(l));
      std::string insTypes =
          yType +
          (L.bias.empty() ? "" : llvm::formatv(", tensor<{0}xf32>", L.n).str());
      if (!L.bias.empty())
        os << llvm::formatv(
            "  %b{0} = arith.constant dense<[{1}]> : tensor<{2}xf32>\n", l,
            list(L.bias, "{0:e9}"), L.n);
      std::string maps = "affine_map<(d0, d1) -> (d0, d1)>";
      if (!L.bias.empty())
        maps += ", affine_map<(d0, d1) -> (d1)>";
      maps += ", affine_map<(d0, d1) -> (d0, d1)>";
      os << llvm::formatv(
          "  %y{0} = linalg.generic {{indexing_maps = [{1}], iterator_types = "
          "[\"parallel\", \"parallel\"]} ins({2} : {3}) outs(%e{0} : {4}) {{\n",
          l, maps, ins, insTypes, yType);
      os << (L.bias.empty() ? "  ^bb0(%a: f32, %o: f32):\n"
                            : "  ^bb0(%a: f32, %b: f32, %o: f32):\n");
      std::string v = "%a";
      if (!L.bias.empty()) {
        os << "    %s = arith.addf %a, %b : f32\n";
        v = "%s";
      }
      switch (L.activation) {
      case Activation::None:
        break;
      case Activation::Relu:
        os << "    %r = arith.maximumf " << v << ", %zero : f32\n";
        v = "%r";
        break;
      case Activation::Relu6:
        os << "    %r0 = arith.maximumf " << v << ", %zero : f32\n";
        os << "    %r = arith.minimumf %r0, %six : f32\n";
        v = "%r";
        break;
      case Activation::Clamp:
        os << llvm::formatv("    %lo = arith.constant {0:e9} : f32\n",
                            L.clampLo);
        os << llvm::formatv("    %hi = arith.constant {0:e9} : f32\n",
                            L.clampHi);
        os << "    %r0 = arith.maximumf " << v << ", %lo : f32\n";
        os << "    %r = arith.minimumf %r0, %hi : f32\n";
        v = "%r";
        break;
      }
      os << "    linalg.yield " << v << " : f32\n  } -> " << yType << "\n";
      y = "%y" + std::to_string(l);
    }
    os << "  " << out << " = qat.fake_quant " << y << " {"
       << gridAttrs(L.output) << "} : " << yType << "\n";
  }
  os << "  return ";
  for (size_t l = 0; l < g.layers.size(); ++l)
    os << (l ? ", " : "") << "%h" << l + 1;
  os << " : " << resultTypes << "\n}\n";
  return s;
}

HostTensor mlir::qat::difftest::generateInput(const Graph &g, uint64_t seed) {
  Rng rng(seed);
  HostTensor t(ElementKind::F32, {g.m, g.k});
  for (int64_t i = 0, e = t.getNumElements(); i < e; ++i) {
    double v = uniformReal(rng, -g.inputRange, g.inputRange);
    // Some inputs sit exactly on rounding ties of the input grid.
    if (chance(rng, 0.1))
      v = (std::round(v / g.input.scale) + 0.5) * g.input.scale;
    t.setFromDouble(i, v);
  }
  return t;
}

/// The saturation bounds of a layer: the output storage range narrowed by
/// the activation's float bounds, quantized (Semantics.md §8).
static std::pair<int64_t, int64_t> getBounds(const Layer &L) {
  QuantGrid<float> og = L.output.grid();
  float actLo = -INFINITY, actHi = INFINITY;
  if (L.activation == Activation::Relu || L.activation == Activation::Relu6)
    actLo = 0;
  if (L.activation == Activation::Relu6)
    actHi = 6;
  if (L.activation == Activation::Clamp) {
    actLo = L.clampLo;
    actHi = L.clampHi;
  }
  int64_t lo = og.range.min, hi = og.range.max;
  if (std::isfinite(actLo))
    lo = std::max(lo, quantize<float>(actLo, og));
  if (std::isfinite(actHi))
    hi = std::min(hi, quantize<float>(actHi, og));
  return {lo, std::max(hi, lo)};
}

static QuantGrid<float> getWeightGrid(const Layer &L, int64_t column) {
  int64_t c = L.perChannel ? column : 0;
  return QuantGrid<float>{static_cast<float>(L.weightScales[c]),
                          L.weightZeroPoints[c],
                          getStorageRange(L.weightBits, true, L.weightNarrow),
                          RoundingMode::half_to_even, false};
}

/// The storage values of `t` on `grid` (t holds (q - z) * s in f32).
static std::vector<int64_t> toStorage(const HostTensor &t,
                                      const QuantGrid<float> &grid) {
  std::vector<int64_t> q(t.getNumElements());
  for (int64_t i = 0; i < t.getNumElements(); ++i)
    q[i] = quantize<float>(static_cast<float>(t.getAsDouble(i)), grid);
  return q;
}

static HostTensor fromStorage(const std::vector<int64_t> &q, int64_t m,
                              int64_t n, const QuantGrid<float> &grid) {
  HostTensor y(ElementKind::F32, {m, n});
  for (int64_t i = 0; i < m * n; ++i)
    y.setFromDouble(i, dequantize<float>(q[i], grid.scale, grid.zeroPoint));
  return y;
}

SmallVector<HostTensor> mlir::qat::difftest::evaluateIntegerReference(
    const Graph &g, const HostTensor &x, Requant requant) {
  QuantGrid<float> inGrid = g.input.grid();
  std::vector<int64_t> q(g.m * g.k);
  for (int64_t i = 0; i < g.m * g.k; ++i)
    q[i] = quantize<float>(static_cast<float>(x.getAsDouble(i)), inGrid);
  int64_t k = g.k;
  SmallVector<HostTensor> outputs;
  for (const Layer &L : g.layers) {
    QuantGrid<float> og = L.output.grid();
    auto [lo, hi] = getBounds(L);
    std::vector<int64_t> out(g.m * L.n);
    for (int64_t j = 0; j < L.n; ++j) {
      QuantGrid<float> wg = getWeightGrid(L, j);
      std::vector<int64_t> w(k);
      int64_t absSum = 0;
      for (int64_t i = 0; i < k; ++i) {
        w[i] = quantize<float>(L.weights[i * L.n + j], wg);
        absSum += std::abs(w[i] - wg.zeroPoint);
      }
      int64_t maxCentered = std::max(inGrid.zeroPoint - inGrid.range.min,
                                     inGrid.range.max - inGrid.zeroPoint);
      float accScale = getAccumulatorScale(inGrid.scale, wg.scale);
      BiasPlacement bias;
      if (!L.bias.empty())
        bias = *placeBias(L.bias[j], accScale, og.scale, maxCentered * absSum);
      float mult = getRequantMultiplier(
          std::ldexp(accScale, -static_cast<int>(bias.shift)), og.scale,
          og.reciprocalScale);
      FixedPointMultiplier fixed = *getFixedPointMultiplier(getRealMultiplier(
          inGrid.scale, wg.scale, L.output.scale, bias.shift));
      for (int64_t m = 0; m < g.m; ++m) {
        int64_t acc = 0;
        for (int64_t i = 0; i < k; ++i)
          acc += (q[m * k + i] - inGrid.zeroPoint) * (w[i] - wg.zeroPoint);
        acc = acc * (int64_t(1) << bias.shift) + bias.storageValue;
        out[m * L.n + j] =
            requant == Requant::Float
                ? requantize(acc, mult, og.rounding, og.zeroPoint, lo, hi)
                : requantizeFixedPoint(static_cast<int32_t>(acc), fixed,
                                       requant ==
                                           Requant::FixedPointDoubleRound,
                                       og.zeroPoint, lo, hi);
      }
    }
    q = std::move(out);
    k = L.n;
    inGrid = og;
    outputs.push_back(fromStorage(q, g.m, k, og));
  }
  return outputs;
}

HostTensor mlir::qat::difftest::evaluateLayerExactly(const Graph &g,
                                                     size_t layer,
                                                     const HostTensor &input) {
  const Layer &L = g.layers[layer];
  QuantGrid<float> inGrid =
      layer == 0 ? g.input.grid() : g.layers[layer - 1].output.grid();
  int64_t k = L.k;
  std::vector<int64_t> q = toStorage(input, inGrid);
  QuantGrid<float> og = L.output.grid();
  std::vector<int64_t> out(g.m * L.n);
  for (int64_t j = 0; j < L.n; ++j) {
    QuantGrid<float> wg = getWeightGrid(L, j);
    for (int64_t m = 0; m < g.m; ++m) {
      // Products of two f32 values are exact in double; the short sums
      // are exact to ~1e-15 relative.
      double y = 0;
      for (int64_t i = 0; i < k; ++i) {
        double a =
            dequantize<float>(q[m * k + i], inGrid.scale, inGrid.zeroPoint);
        double w =
            dequantize<float>(quantize<float>(L.weights[i * L.n + j], wg),
                              wg.scale, wg.zeroPoint);
        y += a * w;
      }
      if (!L.bias.empty())
        y += L.bias[j];
      if (L.activation == Activation::Relu || L.activation == Activation::Relu6)
        y = std::max(y, 0.0);
      if (L.activation == Activation::Relu6)
        y = std::min(y, 6.0);
      if (L.activation == Activation::Clamp)
        y = std::min(std::max(y, double(L.clampLo)), double(L.clampHi));
      // The fake-quant op sees the value rounded to f32, as in the f32 graph.
      out[m * L.n + j] = quantize<float>(static_cast<float>(y), og);
    }
  }
  return fromStorage(out, g.m, L.n, og);
}
