//===- RandomGraphs.cpp - seeded random QAT graphs ------------------------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#include "RandomGraphs.h"

#include "qat/Dialect/QAT/Utils/ContractionConstants.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"
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

/// A random activation (none, ReLU, ReLU6 or a clamp around the output's
/// magnitude).
static void randomActivation(Rng &rng, Layer &layer, double outMagnitude) {
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
    layer.clampLo = static_cast<float>(-outMagnitude * uniformReal(rng, 0, 1));
    layer.clampHi = static_cast<float>(outMagnitude * uniformReal(rng, 0, 1));
    break;
  }
}

/// A random convolution window over an h x w x c input; padding never
/// exceeds what keeps at least one output position.
static ConvWindow randomWindow(Rng &rng, int64_t h, int64_t w, int64_t c) {
  ConvWindow cw;
  cw.inH = h;
  cw.inW = w;
  cw.channels = c;
  cw.kh = uniformInt(rng, 1, 3);
  cw.kw = uniformInt(rng, 1, 3);
  cw.stride = chance(rng, 0.3) ? 2 : 1;
  cw.dilation = chance(rng, 0.2) ? 2 : 1;
  cw.padTop = uniformInt(rng, 0, cw.kh - 1);
  cw.padBottom = uniformInt(rng, 0, cw.kh - 1);
  cw.padLeft = uniformInt(rng, 0, cw.kw - 1);
  cw.padRight = uniformInt(rng, 0, cw.kw - 1);
  auto extent = [&](int64_t k) { return (k - 1) * cw.dilation + 1; };
  if (extent(cw.kh) > h + cw.padTop + cw.padBottom) {
    cw.kh = 1;
    cw.padTop = cw.padBottom = 0;
  }
  if (extent(cw.kw) > w + cw.padLeft + cw.padRight) {
    cw.kw = 1;
    cw.padLeft = cw.padRight = 0;
  }
  cw.outH = (h + cw.padTop + cw.padBottom - extent(cw.kh)) / cw.stride + 1;
  cw.outW = (w + cw.padLeft + cw.padRight - extent(cw.kw)) / cw.stride + 1;
  return cw;
}

Graph mlir::qat::difftest::generateGraph(uint64_t seed, uint64_t index) {
  Rng rng(seed * 1000003 + index);
  Graph g;
  g.isConv = chance(rng, 0.35);
  if (g.isConv) {
    g.m = uniformInt(rng, 1, 2);
    g.height = uniformInt(rng, 1, 9);
    g.width = uniformInt(rng, 1, 9);
    g.k = uniformInt(rng, 1, 8);
  } else {
    g.m = chance(rng, 0.2) ? 1 : uniformInt(rng, 1, 6);
    g.k = chance(rng, 0.15) ? 1 : uniformInt(rng, 1, 40);
  }
  g.inputRange = std::pow(10.0, uniformReal(rng, -2, 2));
  g.input = randomActivationGrid(rng, g.inputRange);
  int64_t numLayers = uniformInt(rng, 1, 3);
  int64_t k = g.k, h = g.height, w = g.width;
  double magnitude = g.inputRange;
  for (int64_t l = 0; l < numLayers; ++l) {
    Layer layer;
    layer.k = k;
    layer.n = chance(rng, 0.15) ? 1 : uniformInt(rng, 1, g.isConv ? 12 : 24);
    if (g.isConv) {
      layer.conv = randomWindow(rng, h, w, k);
      layer.depthwise = chance(rng, 0.3);
      if (layer.depthwise)
        layer.n = k;
      layer.k = layer.conv->kh * layer.conv->kw * (layer.depthwise ? 1 : k);
      h = layer.conv->outH;
      w = layer.conv->outW;
    }
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
    randomActivation(rng, layer, outMagnitude);
    layer.output = randomActivationGrid(rng, outMagnitude);
    g.layers.push_back(layer);
    k = layer.n;
    magnitude = outMagnitude;
  }
  // Element-wise and pooling layers at the end of some graphs.
  int64_t numTails = chance(rng, 0.5) ? uniformInt(rng, 1, 2) : 0;
  for (int64_t t = 0; t < numTails; ++t) {
    Layer layer;
    layer.n = k;
    SmallVector<int64_t> shape = getLayerShape(g, g.layers.size() - 1);
    double outMagnitude = magnitude;
    if (g.isConv && h * w > 1 && chance(rng, 0.4)) {
      layer.kind = LayerKind::GlobalAveragePool;
      h = w = 1;
    } else {
      layer.kind = chance(rng, 0.5) ? LayerKind::Add : LayerKind::Mul;
      int64_t count = 1;
      for (int64_t d : shape)
        count *= d;
      double operandMagnitude =
          layer.kind == LayerKind::Add ? magnitude : uniformReal(rng, 0.1, 3);
      for (int64_t i = 0; i < count; ++i)
        layer.operand.push_back(static_cast<float>(
            uniformReal(rng, -operandMagnitude, operandMagnitude)));
      layer.operandGrid = randomActivationGrid(rng, operandMagnitude);
      outMagnitude = layer.kind == LayerKind::Add
                         ? 2 * magnitude
                         : magnitude * operandMagnitude;
    }
    randomActivation(rng, layer, outMagnitude);
    layer.output = randomActivationGrid(rng, outMagnitude);
    g.layers.push_back(layer);
    magnitude = outMagnitude;
  }
  return g;
}

static std::string tensorType(ArrayRef<int64_t> shape) {
  std::string s = "tensor<";
  for (int64_t d : shape)
    s += std::to_string(d) + "x";
  return s + "f32>";
}

SmallVector<int64_t> mlir::qat::difftest::getInputShape(const Graph &g) {
  if (g.isConv)
    return {g.m, g.height, g.width, g.k};
  return {g.m, g.k};
}

SmallVector<int64_t> mlir::qat::difftest::getLayerShape(const Graph &g,
                                                        size_t l) {
  const Layer &L = g.layers[l];
  switch (L.kind) {
  case LayerKind::Add:
  case LayerKind::Mul:
    return getLayerShape(g, l - 1);
  case LayerKind::GlobalAveragePool:
    return {g.m, 1, 1, L.n};
  case LayerKind::Contraction:
    break;
  }
  if (L.conv)
    return {g.m, L.conv->outH, L.conv->outW, L.n};
  return {g.m, L.n};
}

/// A dense literal of `values` (row-major) nested to `shape`.
static std::string denseLiteral(ArrayRef<float> values,
                                ArrayRef<int64_t> shape) {
  if (shape.empty())
    return llvm::formatv("{0:e9}", values[0]).str();
  int64_t stride = values.size() / shape[0];
  std::string s = "[";
  for (int64_t i = 0; i < shape[0]; ++i)
    s += (i ? ", " : "") +
         denseLiteral(values.slice(i * stride, stride), shape.drop_front());
  return s + "]";
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

/// Emits `L`'s activation on the value `v` inside a linalg.generic body;
/// the activated value.
static std::string emitActivation(llvm::raw_ostream &os, const Layer &L,
                                  std::string v) {
  switch (L.activation) {
  case Activation::None:
    return v;
  case Activation::Relu:
    os << "    %r = arith.maximumf " << v << ", %zero : f32\n";
    return "%r";
  case Activation::Relu6:
    os << "    %r0 = arith.maximumf " << v << ", %zero : f32\n";
    os << "    %r = arith.minimumf %r0, %six : f32\n";
    return "%r";
  case Activation::Clamp:
    os << llvm::formatv("    %lo = arith.constant {0:e9} : f32\n", L.clampLo);
    os << llvm::formatv("    %hi = arith.constant {0:e9} : f32\n", L.clampHi);
    os << "    %r0 = arith.maximumf " << v << ", %lo : f32\n";
    os << "    %r = arith.minimumf %r0, %hi : f32\n";
    return "%r";
  }
  llvm_unreachable("unknown activation");
}

/// The identity map and "parallel" iterators of a rank.
static std::pair<std::string, std::string> elementwiseMaps(unsigned rank) {
  std::string dims = rank == 2 ? "d0, d1" : "d0, d1, d2, d3";
  std::string iterators = "\"parallel\"";
  for (unsigned d = 1; d < rank; ++d)
    iterators += ", \"parallel\"";
  return {"affine_map<(" + dims + ") -> (" + dims + ")>", iterators};
}

/// Emits an Add, Mul or GlobalAveragePool layer `l` on `in`, up to the
/// value the output fake-quant takes; returns that value.
static std::string emitTailLayer(llvm::raw_ostream &os, const Graph &g,
                                 size_t l, const std::string &in) {
  const Layer &L = g.layers[l];
  SmallVector<int64_t> inShape = getLayerShape(g, l - 1);
  SmallVector<int64_t> yShape = getLayerShape(g, l);
  std::string inType = tensorType(inShape), yType = tensorType(yShape);
  auto [idMap, iterators] = elementwiseMaps(yShape.size());
  os << llvm::formatv("  %e{0} = tensor.empty() : {1}\n", l, yType);
  std::string ins = in, insTypes = inType, body;
  if (L.kind == LayerKind::GlobalAveragePool) {
    int64_t h = inShape[1], w = inShape[2];
    os << llvm::formatv("  %win{0} = tensor.empty() : tensor<{1}x{2}xf32>\n", l,
                        h, w);
    os << llvm::formatv(
        "  %z{0} = linalg.fill ins(%zero : f32) outs(%e{0} : {1}) -> {1}\n", l,
        yType);
    os << llvm::formatv(
        "  %sum{0} = linalg.pooling_nhwc_sum {{dilations = dense<1> : "
        "tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins({1}, %win{0} : "
        "{2}, tensor<{3}x{4}xf32>) outs(%z{0} : {5}) -> {5}\n",
        l, in, inType, h, w, yType);
    os << llvm::formatv("  %inv{0} = arith.constant {1:e9} : f32\n", l,
                        1.0f / static_cast<float>(h * w));
    ins = "%sum" + std::to_string(l);
    insTypes = yType;
    body = llvm::formatv("    %s = arith.mulf %a, %inv{0} : f32\n", l).str();
  } else {
    os << llvm::formatv("  %c{0} = arith.constant dense<{1}> : {2}\n", l,
                        denseLiteral(L.operand, yShape), yType);
    os << llvm::formatv("  %cq{0} = qat.fake_quant %c{0} {{{1}} : {2}\n", l,
                        gridAttrs(L.operandGrid), yType);
    ins += ", %cq" + std::to_string(l);
    insTypes += ", " + yType;
    body = L.kind == LayerKind::Add ? "    %s = arith.addf %a, %b : f32\n"
                                    : "    %s = arith.mulf %a, %b : f32\n";
  }
  bool binary = L.kind != LayerKind::GlobalAveragePool;
  os << llvm::formatv(
      "  %y{0} = linalg.generic {{indexing_maps = [{1}{2}, {1}], "
      "iterator_types = [{3}]} ins({4} : {5}) outs(%e{0} : {6}) {{\n",
      l, idMap, binary ? ", " + idMap : "", iterators, ins, insTypes, yType);
  os << (binary ? "  ^bb0(%a: f32, %b: f32, %o: f32):\n"
                : "  ^bb0(%a: f32, %o: f32):\n");
  os << body;
  std::string v = emitActivation(os, L, "%s");
  os << "    linalg.yield " << v << " : f32\n  } -> " << yType << "\n";
  return "%y" + std::to_string(l);
}

std::string mlir::qat::difftest::emitMLIR(const Graph &g) {
  std::string s;
  llvm::raw_string_ostream os(s);
  std::string resultTypes;
  for (size_t l = 0; l < g.layers.size(); ++l)
    resultTypes += (l ? ", " : "") + tensorType(getLayerShape(g, l));
  std::string inType = tensorType(getInputShape(g));
  os << "func.func @f(%x: " << inType << ") -> (" << resultTypes << ") {\n";
  os << "  %zero = arith.constant 0.0 : f32\n";
  os << "  %six = arith.constant 6.0 : f32\n";
  os << "  %h0 = qat.fake_quant %x {" << gridAttrs(g.input) << "} : " << inType
     << "\n";
  for (size_t l = 0; l < g.layers.size(); ++l) {
    const Layer &L = g.layers[l];
    std::string in = "%h" + std::to_string(l);
    std::string out = "%h" + std::to_string(l + 1);
    if (L.kind != LayerKind::Contraction) {
      std::string y = emitTailLayer(os, g, l, in);
      os << "  " << out << " = qat.fake_quant " << y << " {"
         << gridAttrs(L.output) << "} : " << tensorType(getLayerShape(g, l))
         << "\n";
      continue;
    }
    SmallVector<int64_t> inShape =
        l == 0 ? getInputShape(g) : getLayerShape(g, l - 1);
    SmallVector<int64_t> yShape = getLayerShape(g, l);
    SmallVector<int64_t> wShape{L.k, L.n};
    if (L.conv && L.depthwise)
      wShape = {L.conv->kh, L.conv->kw, L.n};
    else if (L.conv)
      wShape = {L.conv->kh, L.conv->kw, L.conv->channels, L.n};
    std::string wType = tensorType(wShape), yType = tensorType(yShape);
    unsigned rank = yShape.size();
    os << llvm::formatv("  %w{0} = arith.constant dense<{1}> : {2}\n", l,
                        denseLiteral(L.weights, wShape), wType);
    os << llvm::formatv(
        "  %wq{0} = qat.fake_quant %w{0} {{num_bits = {1} : i64{2}{3}, scales "
        "= array<f64: {4}>, zero_points = array<i64: {5}>} : {6}\n",
        l, L.weightBits, L.weightNarrow ? ", narrow_range" : "",
        L.perChannel
            ? llvm::formatv(", axis = {0} : i64", wShape.size() - 1).str()
            : "",
        list(L.weightScales, "{0:e17}"), list(L.weightZeroPoints, "{0}"),
        wType);
    os << llvm::formatv("  %e{0} = tensor.empty() : {1}\n", l, yType);
    os << llvm::formatv(
        "  %z{0} = linalg.fill ins(%zero : f32) outs(%e{0} : {1}) -> {1}\n", l,
        yType);
    if (L.conv) {
      const ConvWindow &c = *L.conv;
      std::string operand = in, operandType = tensorType(inShape);
      if (c.padTop || c.padBottom || c.padLeft || c.padRight) {
        SmallVector<int64_t> padded{g.m, c.inH + c.padTop + c.padBottom,
                                    c.inW + c.padLeft + c.padRight, c.channels};
        os << llvm::formatv(
            "  %p{0} = tensor.pad {1} low[0, {2}, {3}, 0] high[0, {4}, {5}, 0] "
            "{{\n  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):\n"
            "    tensor.yield %zero : f32\n  } : {6} to {7}\n",
            l, in, c.padTop, c.padLeft, c.padBottom, c.padRight, operandType,
            tensorType(padded));
        operand = "%p" + std::to_string(l);
        operandType = tensorType(padded);
      }
      os << llvm::formatv(
          "  %mm{0} = linalg.{7} {{dilations = dense<{1}> : "
          "tensor<2xi64>, strides = dense<{2}> : tensor<2xi64>} ins({3}, "
          "%wq{0} : {4}, {5}) outs(%z{0} : {6}) -> {6}\n",
          l, c.dilation, c.stride, operand, operandType, wType, yType,
          L.depthwise ? "depthwise_conv_2d_nhwc_hwc" : "conv_2d_nhwc_hwcf");
    } else {
      os << llvm::formatv(
          "  %mm{0} = linalg.matmul ins({1}, %wq{0} : {2}, {3}) "
          "outs(%z{0} : {4}) -> {4}\n",
          l, in, tensorType(inShape), wType, yType);
    }
    bool hasEpilogue = !L.bias.empty() || L.activation != Activation::None;
    std::string y = "%mm" + std::to_string(l);
    if (hasEpilogue) {
      std::string dims = rank == 2 ? "d0, d1" : "d0, d1, d2, d3";
      std::string channel = rank == 2 ? "d1" : "d3";
      std::string idMap = "affine_map<(" + dims + ") -> (" + dims + ")>";
      std::string ins = y + (L.bias.empty() ? "" : ", %b" + std::to_string(l));
      std::string insTypes =
          yType +
          (L.bias.empty() ? "" : llvm::formatv(", tensor<{0}xf32>", L.n).str());
      if (!L.bias.empty())
        os << llvm::formatv(
            "  %b{0} = arith.constant dense<[{1}]> : tensor<{2}xf32>\n", l,
            list(L.bias, "{0:e9}"), L.n);
      std::string maps = idMap;
      if (!L.bias.empty())
        maps += ", affine_map<(" + dims + ") -> (" + channel + ")>";
      maps += ", " + idMap;
      std::string iterators = "\"parallel\"";
      for (unsigned d = 1; d < rank; ++d)
        iterators += ", \"parallel\"";
      os << llvm::formatv(
          "  %y{0} = linalg.generic {{indexing_maps = [{1}], iterator_types = "
          "[{5}]} ins({2} : {3}) outs(%e{0} : {4}) {{\n",
          l, maps, ins, insTypes, yType, iterators);
      os << (L.bias.empty() ? "  ^bb0(%a: f32, %o: f32):\n"
                            : "  ^bb0(%a: f32, %b: f32, %o: f32):\n");
      std::string v = "%a";
      if (!L.bias.empty()) {
        os << "    %s = arith.addf %a, %b : f32\n";
        v = "%s";
      }
      v = emitActivation(os, L, v);
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
  HostTensor t(ElementKind::F32, getInputShape(g));
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
  return getSaturationBounds(og, actLo, actHi);
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

static HostTensor fromStorage(const std::vector<int64_t> &q,
                              ArrayRef<int64_t> shape,
                              const QuantGrid<float> &grid) {
  HostTensor y(ElementKind::F32, shape);
  for (size_t i = 0; i < q.size(); ++i)
    y.setFromDouble(i, dequantize<float>(q[i], grid.scale, grid.zeroPoint));
  return y;
}

/// The layer's input as a rows x K matrix of storage values: the activation
/// itself for a matmul; for a convolution its windows (im2col, columns in
/// KH x KW x C order), padding read as `zeroPoint` (the float 0.0).
static std::vector<int64_t> getPatches(const Graph &g, const Layer &L,
                                       const std::vector<int64_t> &q,
                                       int64_t zeroPoint) {
  if (!L.conv)
    return q;
  const ConvWindow &c = *L.conv;
  std::vector<int64_t> patches;
  patches.reserve(g.m * c.outH * c.outW * L.k);
  for (int64_t b = 0; b < g.m; ++b)
    for (int64_t oy = 0; oy < c.outH; ++oy)
      for (int64_t ox = 0; ox < c.outW; ++ox)
        for (int64_t ky = 0; ky < c.kh; ++ky)
          for (int64_t kx = 0; kx < c.kw; ++kx) {
            int64_t y = oy * c.stride + ky * c.dilation - c.padTop;
            int64_t x = ox * c.stride + kx * c.dilation - c.padLeft;
            bool inside = y >= 0 && y < c.inH && x >= 0 && x < c.inW;
            for (int64_t ch = 0; ch < c.channels; ++ch)
              patches.push_back(
                  inside ? q[((b * c.inH + y) * c.inW + x) * c.channels + ch]
                         : zeroPoint);
          }
  if (!L.depthwise)
    return patches;
  // Depthwise: channel j of a row sees only its own channel of the window,
  // as a (rows * C) x (KH * KW) matrix.
  int64_t window = c.kh * c.kw, rows = patches.size() / (window * c.channels);
  std::vector<int64_t> perChannel(patches.size());
  for (int64_t m = 0; m < rows; ++m)
    for (int64_t i = 0; i < window; ++i)
      for (int64_t ch = 0; ch < c.channels; ++ch)
        perChannel[(m * c.channels + ch) * window + i] =
            patches[(m * window + i) * c.channels + ch];
  return perChannel;
}

/// Where getPatches put input element i of output (m, j).
static int64_t patchIndex(const Layer &L, int64_t m, int64_t j, int64_t i) {
  return L.depthwise ? (m * L.n + j) * L.k + i : m * L.k + i;
}

/// `L`'s activation in double.
static double applyActivation(const Layer &L, double y) {
  if (L.activation == Activation::Relu || L.activation == Activation::Relu6)
    y = std::max(y, 0.0);
  if (L.activation == Activation::Relu6)
    y = std::min(y, 6.0);
  if (L.activation == Activation::Clamp)
    y = std::min(std::max(y, double(L.clampLo)), double(L.clampHi));
  return y;
}

/// For every output element of a GlobalAveragePool layer, the input
/// elements of its window (NHWC).
static std::vector<std::vector<int64_t>> getPoolWindows(const Graph &g,
                                                        size_t l) {
  SmallVector<int64_t> in = getLayerShape(g, l - 1);
  int64_t n = in[0], hw = in[1] * in[2], c = in[3];
  std::vector<std::vector<int64_t>> windows(n * c);
  for (int64_t b = 0; b < n; ++b)
    for (int64_t p = 0; p < hw; ++p)
      for (int64_t ch = 0; ch < c; ++ch)
        windows[b * c + ch].push_back((b * hw + p) * c + ch);
  return windows;
}

/// True when qat-to-int leaves the addition of grids `a` and `b` onto
/// `out` in float (Semantics.md §8.6).
static bool additionStaysInFloat(const QuantGrid<float> &a,
                                 const QuantGrid<float> &b,
                                 const QuantGrid<float> &out, Requant requant) {
  if (requant == Requant::Float)
    return false;
  std::optional<FixedPointAddition> add =
      getFixedPointAddition(a, b, out.scale);
  return !add || !add->keepsOneStep();
}

bool mlir::qat::difftest::hasFloatLayers(const Graph &g, Requant requant) {
  QuantGrid<float> in = g.input.grid();
  for (const Layer &L : g.layers) {
    if (L.kind == LayerKind::Add &&
        additionStaysInFloat(in, L.operandGrid.grid(), L.output.grid(),
                             requant))
      return true;
    in = L.output.grid();
  }
  return false;
}

/// Semantics.md §8.6 and §8.8 on the storage values `q` of the previous
/// result (grid `ig`).
static std::vector<int64_t> evaluateTailInteger(const Graph &g, size_t l,
                                                const std::vector<int64_t> &q,
                                                const QuantGrid<float> &ig,
                                                Requant requant) {
  const Layer &L = g.layers[l];
  QuantGrid<float> og = L.output.grid();
  auto [lo, hi] = getBounds(L);
  bool fixedPoint = requant != Requant::Float;
  bool doubleRound = requant == Requant::FixedPointDoubleRound;
  std::vector<int64_t> out;
  if (L.kind == LayerKind::GlobalAveragePool) {
    SmallVector<int64_t> in = getLayerShape(g, l - 1);
    float inv = 1.0f / static_cast<float>(in[1] * in[2]);
    RequantMultiplier m =
        *getRequantMultiplier(IntermediateScale::ofProduct(ig.scale, inv),
                              og.scale, og.reciprocalScale, fixedPoint);
    for (const std::vector<int64_t> &window : getPoolWindows(g, l)) {
      int64_t acc = 0;
      for (int64_t i : window)
        acc += q[i] - ig.zeroPoint;
      out.push_back(fixedPoint ? requantizeFixedPoint(static_cast<int32_t>(acc),
                                                      m.fixed, doubleRound,
                                                      og.zeroPoint, lo, hi)
                               : requantize(acc, m.multiplier, og.rounding,
                                            og.zeroPoint, lo, hi));
    }
    return out;
  }
  QuantGrid<float> bg = L.operandGrid.grid();
  if (L.kind == LayerKind::Mul) {
    RequantMultiplier m =
        *getRequantMultiplier(IntermediateScale::ofProduct(ig.scale, bg.scale),
                              og.scale, og.reciprocalScale, fixedPoint);
    for (size_t i = 0; i < q.size(); ++i) {
      int64_t product = (q[i] - ig.zeroPoint) *
                        (quantize<float>(L.operand[i], bg) - bg.zeroPoint);
      out.push_back(fixedPoint ? requantizeFixedPoint(
                                     static_cast<int32_t>(product), m.fixed,
                                     doubleRound, og.zeroPoint, lo, hi)
                               : requantize(product, m.multiplier, og.rounding,
                                            og.zeroPoint, lo, hi));
    }
    return out;
  }
  // Addition: float, or TFLite's fixed-point scheme.
  float ma = getRequantMultiplier(ig.scale, og.scale, og.reciprocalScale);
  float mb = getRequantMultiplier(bg.scale, og.scale, og.reciprocalScale);
  std::optional<FixedPointAddition> add =
      getFixedPointAddition(ig, bg, og.scale);
  // An addition fixed point cannot compute within a step stays in float:
  // the fake-quant graph itself, in f32.
  bool inFloat = additionStaysInFloat(ig, bg, og, requant);
  for (size_t i = 0; i < q.size(); ++i) {
    int64_t ca = q[i] - ig.zeroPoint;
    int64_t cb = quantize<float>(L.operand[i], bg) - bg.zeroPoint;
    if (inFloat) {
      float sum = dequantize<float>(ca, ig.scale, 0) +
                  dequantize<float>(cb, bg.scale, 0);
      out.push_back(
          quantize<float>(static_cast<float>(applyActivation(L, sum)), og));
      continue;
    }
    if (fixedPoint) {
      int64_t t = addOnCommonGrid(ca, cb, *add, doubleRound);
      out.push_back(requantizeFixedPoint(static_cast<int32_t>(t), add->output,
                                         doubleRound, og.zeroPoint, lo, hi));
      continue;
    }
    // Two products and a sum, each one f32 rounding (no contraction).
    float pa = static_cast<float>(ca) * ma;
    float pb = static_cast<float>(cb) * mb;
    float v = pa + pb;
    out.push_back(requantizeScaled(v, og.rounding, og.zeroPoint, lo, hi));
  }
  return out;
}

/// The fake-quant graph's tail layer with exact arithmetic from the storage
/// values `q` of the previous result (grid `ig`).
static HostTensor evaluateTailExactly(const Graph &g, size_t l,
                                      const std::vector<int64_t> &q,
                                      const QuantGrid<float> &ig) {
  const Layer &L = g.layers[l];
  QuantGrid<float> og = L.output.grid();
  auto dq = [](int64_t v, const QuantGrid<float> &grid) -> double {
    return dequantize<float>(v, grid.scale, grid.zeroPoint);
  };
  std::vector<double> y;
  if (L.kind == LayerKind::GlobalAveragePool) {
    SmallVector<int64_t> in = getLayerShape(g, l - 1);
    float inv = 1.0f / static_cast<float>(in[1] * in[2]);
    for (const std::vector<int64_t> &window : getPoolWindows(g, l)) {
      double sum = 0;
      for (int64_t i : window)
        sum += dq(q[i], ig);
      y.push_back(sum * double(inv));
    }
  } else {
    QuantGrid<float> bg = L.operandGrid.grid();
    for (size_t i = 0; i < q.size(); ++i) {
      double a = dq(q[i], ig);
      double b = dq(quantize<float>(L.operand[i], bg), bg);
      y.push_back(L.kind == LayerKind::Add ? a + b : a * b);
    }
  }
  std::vector<int64_t> out;
  for (double v : y)
    out.push_back(
        quantize<float>(static_cast<float>(applyActivation(L, v)), og));
  return fromStorage(out, getLayerShape(g, l), og);
}

bool mlir::qat::difftest::isOutsideIntegerDomain(const Graph &g,
                                                 Requant requant) {
  QuantGrid<float> inGrid = g.input.grid();
  for (const Layer &L : g.layers) {
    QuantGrid<float> og = L.output.grid();
    if (L.kind == LayerKind::Contraction) {
      SmallVector<QuantGrid<float>> weightGrids;
      SmallVector<int64_t> weights(L.k * L.n);
      for (int64_t j = 0; j < L.n; ++j) {
        weightGrids.push_back(getWeightGrid(L, j));
        for (int64_t i = 0; i < L.k; ++i)
          weights[i * L.n + j] =
              quantize<float>(L.weights[i * L.n + j], weightGrids.back());
      }
      ContractionOperands ops;
      ops.input = inGrid;
      ops.weights = weightGrids;
      ops.weightValues = weights;
      ops.k = L.k;
      ops.n = L.n;
      ops.bias = L.bias;
      ops.outputScale = og.scale;
      ops.reciprocalScale = og.reciprocalScale;
      ops.fixedPoint = requant != Requant::Float;
      ContractionConstantsError error;
      if (failed(computeContractionConstants(ops, error)))
        return true;
    }
    inGrid = og;
  }
  return false;
}

SmallVector<HostTensor> mlir::qat::difftest::evaluateIntegerReference(
    const Graph &g, const HostTensor &x, Requant requant) {
  QuantGrid<float> inGrid = g.input.grid();
  std::vector<int64_t> q = toStorage(x, inGrid);
  SmallVector<HostTensor> outputs;
  for (size_t l = 0; l < g.layers.size(); ++l) {
    const Layer &L = g.layers[l];
    if (L.kind != LayerKind::Contraction) {
      q = evaluateTailInteger(g, l, q, inGrid, requant);
      inGrid = L.output.grid();
      outputs.push_back(fromStorage(q, getLayerShape(g, l), inGrid));
      continue;
    }
    std::vector<int64_t> a = getPatches(g, L, q, inGrid.zeroPoint);
    int64_t k = L.k, rows = a.size() / (k * (L.depthwise ? L.n : 1));
    QuantGrid<float> og = L.output.grid();
    auto [lo, hi] = getBounds(L);
    std::vector<int64_t> out(rows * L.n);
    for (int64_t j = 0; j < L.n; ++j) {
      QuantGrid<float> wg = getWeightGrid(L, j);
      std::vector<int64_t> w(k);
      int64_t absSum = 0;
      for (int64_t i = 0; i < k; ++i) {
        w[i] = quantize<float>(L.weights[i * L.n + j], wg);
        absSum += std::abs(w[i] - wg.zeroPoint);
      }
      IntermediateScale accScale =
          IntermediateScale::ofProduct(inGrid.scale, wg.scale);
      BiasPlacement bias;
      if (!L.bias.empty())
        bias = *placeBias(L.bias[j], accScale.rounded, og.scale,
                          inGrid.getMaxCenteredMagnitude() * absSum);
      RequantMultiplier mult =
          *getRequantMultiplier(accScale.refined(bias.shift), og.scale,
                                og.reciprocalScale, requant != Requant::Float);
      for (int64_t m = 0; m < rows; ++m) {
        int64_t acc = 0;
        for (int64_t i = 0; i < k; ++i)
          acc += (a[patchIndex(L, m, j, i)] - inGrid.zeroPoint) *
                 (w[i] - wg.zeroPoint);
        acc = acc * (int64_t(1) << bias.shift) + bias.storageValue;
        out[m * L.n + j] = requant == Requant::Float
                               ? requantize(acc, mult.multiplier, og.rounding,
                                            og.zeroPoint, lo, hi)
                               : requantizeFixedPoint(
                                     static_cast<int32_t>(acc), mult.fixed,
                                     requant == Requant::FixedPointDoubleRound,
                                     og.zeroPoint, lo, hi);
      }
    }
    q = std::move(out);
    inGrid = og;
    outputs.push_back(fromStorage(q, getLayerShape(g, l), og));
  }
  return outputs;
}

HostTensor mlir::qat::difftest::evaluateLayerExactly(const Graph &g,
                                                     size_t layer,
                                                     const HostTensor &input) {
  const Layer &L = g.layers[layer];
  QuantGrid<float> inGrid =
      layer == 0 ? g.input.grid() : g.layers[layer - 1].output.grid();
  if (L.kind != LayerKind::Contraction)
    return evaluateTailExactly(g, layer, toStorage(input, inGrid), inGrid);
  std::vector<int64_t> a =
      getPatches(g, L, toStorage(input, inGrid), inGrid.zeroPoint);
  int64_t k = L.k, rows = a.size() / (k * (L.depthwise ? L.n : 1));
  QuantGrid<float> og = L.output.grid();
  std::vector<int64_t> out(rows * L.n);
  for (int64_t j = 0; j < L.n; ++j) {
    QuantGrid<float> wg = getWeightGrid(L, j);
    for (int64_t m = 0; m < rows; ++m) {
      // Products of two f32 values are exact in double; the short sums
      // are exact to ~1e-15 relative. Padding dequantizes to exactly 0.
      double y = 0;
      for (int64_t i = 0; i < k; ++i) {
        double av = dequantize<float>(a[patchIndex(L, m, j, i)], inGrid.scale,
                                      inGrid.zeroPoint);
        double w =
            dequantize<float>(quantize<float>(L.weights[i * L.n + j], wg),
                              wg.scale, wg.zeroPoint);
        y += av * w;
      }
      if (!L.bias.empty())
        y += L.bias[j];
      y = applyActivation(L, y);
      // The fake-quant op sees the value rounded to f32, as in the f32 graph.
      out[m * L.n + j] = quantize<float>(static_cast<float>(y), og);
    }
  }
  return fromStorage(out, getLayerShape(g, layer), og);
}
