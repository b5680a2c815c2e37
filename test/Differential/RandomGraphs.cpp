//===- RandomGraphs.cpp - seeded random QAT graphs ------------------------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#include "RandomGraphs.h"

#include "qat/Dialect/QAT/Utils/ContractionConstants.h"

#include "llvm/Support/Endian.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/xxhash.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mlir::qat;
using namespace mlir::qat::difftest;

RandomSource::RandomSource(ArrayRef<uint8_t> bytes)
    : bytes(bytes), engine(llvm::xxh3_64bits(bytes)) {}

RandomSource::result_type RandomSource::operator()() {
  if (bytes.empty())
    return engine();
  // Little-endian, a short last word padded with zeros.
  uint8_t word[8] = {};
  size_t n = std::min<size_t>(8, bytes.size());
  std::copy_n(bytes.begin(), n, word);
  bytes = bytes.drop_front(n);
  return llvm::support::endian::read64le(word);
}

namespace {
using Rng = RandomSource;

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

/// Bits 2-16: usually 8, sometimes wider than 8 (`wide`).
unsigned randomBits(Rng &rng, double wide) {
  if (chance(rng, wide))
    return uniformInt(rng, 9, 16);
  return chance(rng, 0.6) ? 8 : uniformInt(rng, 2, 8);
}

/// Where the parameters of a grid come from.
ParamSource randomSource(Rng &rng, const GeneratorOptions &options) {
  return chance(rng, options.computedParams) ? ParamSource::Computed
                                             : ParamSource::Attribute;
}

/// A learned parameter's zero points are sometimes floats: each the
/// integer zero point moved by a fraction (ties too), which the forward pass
/// rounds half to even and clamps (QuantMath's roundZeroPoint).
void randomFloatZeroPoints(Rng &rng, ActivationGrid &g) {
  if (g.source == ParamSource::Attribute || !g.floatZeroPoints.empty() ||
      !chance(rng, 0.5))
    return;
  const float offsets[] = {0.0f, 0.5f, -0.5f, 0.25f, -0.375f, 1.5f};
  for (int64_t &z : g.zeroPoints) {
    float f = static_cast<float>(z) + offsets[uniformInt(rng, 0, 5)];
    g.floatZeroPoints.push_back(f);
    z = *roundZeroPoint(f, g.range());
  }
}

/// A random axis of `shape` for a per-channel grid: a dimension of non-zero
/// size (the first is dynamic with `dynamicFirst`, and rarely chosen).
std::optional<int64_t> randomAxis(Rng &rng, ArrayRef<int64_t> shape,
                                  bool dynamicFirst) {
  // (Rarely the dynamic dimension, which the verifier must reject.)
  bool allowDynamic = dynamicFirst && chance(rng, 0.2);
  SmallVector<int64_t> axes;
  for (auto [d, size] : llvm::enumerate(shape))
    if (size > 0 && !(d == 0 && dynamicFirst && !allowDynamic))
      axes.push_back(d);
  if (axes.empty())
    return std::nullopt;
  return axes[uniformInt(rng, 0, axes.size() - 1)];
}

ActivationGrid randomActivationGrid(Rng &rng, const GeneratorOptions &options,
                                    double typicalMagnitude,
                                    ArrayRef<int64_t> shape,
                                    bool dynamicFirst) {
  ActivationGrid g;
  g.numBits = randomBits(rng, options.wideBits);
  g.isSigned = chance(rng, 0.4);
  g.narrow = chance(rng, 0.2);
  StorageRange r = g.range();
  bool symmetric = g.isSigned && chance(rng, 0.5);
  // Tiny and huge grids occur too; usually the grid spans the values.
  double levels = static_cast<double>(r.max - r.min);
  double scale = typicalMagnitude * uniformReal(rng, 0.5, 3.0) / levels;
  if (chance(rng, 0.05))
    scale *= 1e-3;
  if (chance(rng, 0.05))
    scale *= 1e3;
  g.scales = {scale};
  g.zeroPoints = {randomZeroPoint(rng, r, symmetric)};
  if (chance(rng, options.perChannelActivation))
    g.axis = randomAxis(rng, shape, dynamicFirst);
  if (g.axis) {
    g.scales.clear();
    g.zeroPoints.clear();
    for (int64_t c = 0; c < shape[*g.axis]; ++c) {
      g.scales.push_back(scale * uniformReal(rng, 0.5, 2.0));
      g.zeroPoints.push_back(randomZeroPoint(rng, r, symmetric));
    }
  }
  g.rounding = randomRounding(rng);
  g.reciprocal = chance(rng, 0.15);
  g.source = randomSource(rng, options);
  randomFloatZeroPoints(rng, g);
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

/// The shape of layer `L`'s weight tensor: K x N, KH x KW x C x F or
/// KH x KW x C (depthwise); the output channels are the last dimension.
static SmallVector<int64_t> getWeightShape(const Layer &L) {
  if (L.conv && L.depthwise)
    return {L.conv->kh, L.conv->kw, L.n};
  if (L.conv)
    return {L.conv->kh, L.conv->kw, L.conv->channels, L.n};
  return {L.k, L.n};
}

/// The weight grid of `layer` (weights drawn): signed or unsigned, any zero
/// point, per tensor or per channel of the output or another axis, each
/// channel's scale spanning its weights.
static void randomWeightGrid(Rng &rng, const GeneratorOptions &options,
                             Layer &layer, double wMagnitude) {
  ActivationGrid &g = layer.weightGrid;
  g.numBits = randomBits(rng, options.wideBits);
  g.isSigned = !chance(rng, options.unsignedWeights);
  g.narrow = chance(rng, 0.6);
  g.rounding = RoundingMode::half_to_even;
  SmallVector<int64_t> shape = getWeightShape(layer);
  if (chance(rng, options.weightOtherAxis) && shape.size() > 1)
    g.axis = randomAxis(rng, ArrayRef(shape).drop_back(), false);
  else if (chance(rng, 0.7) && shape.back() > 0)
    g.axis = shape.size() - 1;
  bool asymmetric = !g.isSigned || chance(rng, 0.25);
  StorageRange r = g.range();
  int64_t channels = g.axis ? shape[*g.axis] : 1;
  std::vector<double> maxAbs(channels, wMagnitude * 1e-6);
  // (The channel of element i, computed like ActivationGrid::gridAt.)
  int64_t stride = 1;
  if (g.axis)
    for (size_t d = *g.axis + 1; d < shape.size(); ++d)
      stride *= shape[d];
  for (int64_t i = 0, e = layer.weights.size(); i < e; ++i) {
    int64_t c = g.axis ? (i / stride) % channels : 0;
    maxAbs[c] = std::max(maxAbs[c], std::abs(double(layer.weights[i])));
  }
  g.scales.clear();
  g.zeroPoints.clear();
  for (int64_t c = 0; c < channels; ++c) {
    double levels = asymmetric ? double(r.max - r.min) / 2 : double(r.max);
    g.scales.push_back(maxAbs[c] / levels * uniformReal(rng, 0.8, 1.2));
    g.zeroPoints.push_back(
        !g.isSigned && chance(rng, 0.5)
            ? (r.min + r.max + 1) / 2
            : randomZeroPoint(rng, r, g.isSigned && !asymmetric));
  }
  g.source = randomSource(rng, options);
  randomFloatZeroPoints(rng, g);
}

ArrayRef<std::pair<StringRef, double GeneratorOptions::*>>
mlir::qat::difftest::getGeneratorKnobs() {
  static const std::pair<StringRef, double GeneratorOptions::*> knobs[] = {
      {"wide-bits", &GeneratorOptions::wideBits},
      {"unsigned-weights", &GeneratorOptions::unsignedWeights},
      {"weight-other-axis", &GeneratorOptions::weightOtherAxis},
      {"per-channel-activation", &GeneratorOptions::perChannelActivation},
      {"dynamic-batch", &GeneratorOptions::dynamicBatch},
      {"empty-tensor", &GeneratorOptions::emptyTensor},
      {"computed-params", &GeneratorOptions::computedParams},
      {"argument-params", &GeneratorOptions::argumentParams},
      {"unused-fake-quant", &GeneratorOptions::unusedFakeQuant},
      {"extreme-scales", &GeneratorOptions::extremeScales},
      {"deep-chain", &GeneratorOptions::deepChain},
      {"very-deep-chain", &GeneratorOptions::veryDeepChain},
  };
  return knobs;
}

/// Graph sizes: sometimes a 0 in M, K or one layer's N.
enum class EmptyDim { None, M, K, N };

Graph mlir::qat::difftest::generateGraph(uint64_t seed, uint64_t index,
                                         const GeneratorOptions &options) {
  Rng rng(seed * 1000003 + index);
  return generateGraph(rng, options);
}

Graph mlir::qat::difftest::generateGraph(RandomSource &rng,
                                         const GeneratorOptions &options) {
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
  EmptyDim empty = EmptyDim::None;
  if (chance(rng, options.emptyTensor))
    empty = static_cast<EmptyDim>(uniformInt(rng, 1, 3));
  if (empty == EmptyDim::M)
    g.m = 0;
  if (empty == EmptyDim::K)
    g.k = 0;
  g.dynamicBatch = options.dynamic && chance(rng, options.dynamicBatch);
  if (g.dynamicBatch) {
    g.runSizes = {g.m, 1, uniformInt(rng, 2, 7)};
    if (chance(rng, 0.3))
      g.runSizes.push_back(0);
  }
  bool extreme = chance(rng, options.extremeScales);
  g.extremeScales = extreme;
  g.inputRange = extreme ? std::pow(10.0, uniformReal(rng, -30, 30))
                         : std::pow(10.0, uniformReal(rng, -2, 2));
  g.input = randomActivationGrid(rng, options, g.inputRange, getInputShape(g),
                                 g.dynamicBatch);
  int64_t numLayers = uniformInt(rng, 1, 3);
  if (chance(rng, options.veryDeepChain))
    numLayers = uniformInt(rng, 17, 64);
  else if (chance(rng, options.deepChain))
    numLayers = uniformInt(rng, 4, 16);
  int64_t emptyLayer =
      empty == EmptyDim::N ? uniformInt(rng, 0, numLayers - 1) : -1;
  int64_t k = g.k, h = g.height, w = g.width;
  double magnitude = g.inputRange;
  for (int64_t l = 0; l < numLayers; ++l) {
    Layer layer;
    layer.k = k;
    layer.n = chance(rng, 0.15) ? 1 : uniformInt(rng, 1, g.isConv ? 12 : 24);
    if (l == emptyLayer)
      layer.n = 0;
    if (g.isConv) {
      layer.conv = randomWindow(rng, h, w, k);
      layer.depthwise = chance(rng, 0.3);
      if (layer.depthwise)
        layer.n = k;
      layer.k = layer.conv->kh * layer.conv->kw * (layer.depthwise ? 1 : k);
      h = layer.conv->outH;
      w = layer.conv->outW;
    }
    double rootK = std::sqrt(double(std::max<int64_t>(layer.k, 1)));
    // Deep chains keep their magnitude; extreme graphs move it anywhere in
    // 1e-30..1e30 (weights within 1e-25..1e25).
    double wMagnitude = numLayers > 3 ? uniformReal(rng, 0.5, 2.0) / rootK
                                      : uniformReal(rng, 0.05, 1.0);
    if (extreme) {
      double target = std::pow(10.0, uniformReal(rng, -30, 30));
      wMagnitude = std::clamp(target / (magnitude * rootK), 1e-25, 1e25);
    }
    for (int64_t i = 0; i < layer.k * layer.n; ++i)
      layer.weights.push_back(static_cast<float>(
          std::normal_distribution<double>(0, wMagnitude / 2)(rng)));
    randomWeightGrid(rng, options, layer, wMagnitude);
    double outMagnitude = magnitude * wMagnitude * rootK;
    if (chance(rng, 0.7))
      for (int64_t j = 0; j < layer.n; ++j)
        layer.bias.push_back(
            static_cast<float>(uniformReal(rng, -1, 1) * outMagnitude * 0.3));
    randomActivation(rng, layer, outMagnitude);
    g.layers.push_back(layer);
    g.layers.back().output = randomActivationGrid(
        rng, options, outMagnitude, getLayerShape(g, l), g.dynamicBatch);
    k = layer.n;
    magnitude = outMagnitude;
  }
  // Element-wise and pooling layers at the end of some graphs (element-wise
  // ones only with static shapes: their operand is a constant of the
  // result's shape).
  int64_t numTails = chance(rng, 0.5) ? uniformInt(rng, 1, 2) : 0;
  for (int64_t t = 0; t < numTails; ++t) {
    Layer layer;
    layer.n = k;
    SmallVector<int64_t> shape = getLayerShape(g, g.layers.size() - 1);
    double outMagnitude = magnitude;
    if (g.isConv && h * w > 1 && chance(rng, g.dynamicBatch ? 1.0 : 0.4)) {
      layer.kind = LayerKind::GlobalAveragePool;
      h = w = 1;
    } else if (g.dynamicBatch) {
      break;
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
      layer.operandGrid =
          randomActivationGrid(rng, options, operandMagnitude, shape, false);
      outMagnitude = layer.kind == LayerKind::Add
                         ? 2 * magnitude
                         : magnitude * operandMagnitude;
    }
    randomActivation(rng, layer, outMagnitude);
    g.layers.push_back(layer);
    g.layers.back().output = randomActivationGrid(
        rng, options, outMagnitude, getLayerShape(g, g.layers.size() - 1),
        g.dynamicBatch);
    magnitude = outMagnitude;
  }
  if (chance(rng, options.unusedFakeQuant))
    g.unusedAfter.push_back(uniformInt(rng, 0, g.layers.size()));
  // One grid's parameters as function arguments (which every pipeline
  // rejects: one per graph is enough to test that).
  if (chance(rng, options.argumentParams)) {
    SmallVector<ActivationGrid *> grids{&g.input};
    for (Layer &L : g.layers) {
      grids.push_back(L.kind == LayerKind::Contraction ? &L.weightGrid
                                                       : &L.output);
      grids.push_back(&L.output);
    }
    ActivationGrid *grid = grids[uniformInt(rng, 0, grids.size() - 1)];
    grid->source = ParamSource::Argument;
    randomFloatZeroPoints(rng, *grid);
  }
  return g;
}

QuantGrid<float>
mlir::qat::difftest::ActivationGrid::gridAt(ArrayRef<int64_t> shape,
                                            int64_t index) const {
  if (!axis)
    return grid(0);
  int64_t stride = 1;
  for (size_t d = *axis + 1; d < shape.size(); ++d)
    stride *= shape[d];
  return grid((index / stride) % shape[*axis]);
}

/// `shape` as a tensor type, the first dimension `?` when `dynamicFirst`.
static std::string tensorType(ArrayRef<int64_t> shape, bool dynamicFirst,
                              StringRef element = "f32") {
  std::string s = "tensor<";
  for (auto [d, size] : llvm::enumerate(shape))
    s += (d == 0 && dynamicFirst ? "?" : std::to_string(size)) + "x";
  return s + element.str() + ">";
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

/// The grid of layer `l`'s input: the previous layer's output grid, or the
/// graph input's.
static const ActivationGrid &getInputGrid(const Graph &g, size_t l) {
  return l == 0 ? g.input : g.layers[l - 1].output;
}

/// The shape of layer `l`'s input.
static SmallVector<int64_t> getLayerInputShape(const Graph &g, size_t l) {
  return l == 0 ? getInputShape(g) : getLayerShape(g, l - 1);
}

/// Every grid of `g` with the shape of its tensor, in the order of the
/// function arguments of learned parameters: the input's, then per layer
/// the weight's, the operand's and the output's.
static void forEachGrid(
    const Graph &g,
    llvm::function_ref<void(const ActivationGrid &, ArrayRef<int64_t>)> fn) {
  fn(g.input, getInputShape(g));
  for (size_t l = 0; l < g.layers.size(); ++l) {
    const Layer &L = g.layers[l];
    if (L.kind == LayerKind::Contraction)
      fn(L.weightGrid, getWeightShape(L));
    if (L.kind == LayerKind::Add || L.kind == LayerKind::Mul)
      fn(L.operandGrid, getLayerShape(g, l));
    fn(L.output, getLayerShape(g, l));
  }
}

/// A dense literal of `values` (row-major) nested to `shape` (empty for an
/// empty tensor).
static std::string denseLiteral(ArrayRef<float> values,
                                ArrayRef<int64_t> shape) {
  if (values.empty() && !shape.empty())
    return "";
  if (shape.empty())
    return llvm::formatv("{0:e9}", values[0]).str();
  int64_t stride = values.size() / shape[0];
  std::string s = "[";
  for (int64_t i = 0; i < shape[0]; ++i)
    s += (i ? ", " : "") +
         denseLiteral(values.slice(i * stride, stride), shape.drop_front());
  return s + "]";
}

template <typename T>
static std::string list(const std::vector<T> &values, const char *fmt) {
  std::string s;
  for (size_t i = 0; i < values.size(); ++i)
    s += (i ? ", " : "") + llvm::formatv(fmt, values[i]).str();
  return s;
}

/// The attributes of a fake-quant on grid `g`; the scales and zero points
/// only when they are attributes.
static std::string gridAttrs(const ActivationGrid &g) {
  std::string s = llvm::formatv("num_bits = {0} : i64", g.numBits).str();
  if (g.source == ParamSource::Attribute)
    s += llvm::formatv(", scales = array<f64: {0}>, zero_points = "
                       "array<i64: {1}>",
                       list(g.scales, "{0:e17}"), list(g.zeroPoints, "{0}"))
             .str();
  if (g.axis)
    s += llvm::formatv(", axis = {0} : i64", *g.axis).str();
  if (!g.isSigned)
    s += ", is_signed = false";
  if (g.narrow)
    s += ", narrow_range";
  if (g.reciprocal)
    s += ", reciprocal_scale";
  if (g.rounding != RoundingMode::half_to_even)
    s += ", rounding = #qat.rounding<" +
         stringifyRoundingMode(g.rounding).str() + ">";
  return s;
}

/// The type of a learned parameter of `g`: one value, or one per channel.
static std::string paramType(const ActivationGrid &g, StringRef element) {
  if (!g.axis)
    return ("tensor<" + element + ">").str();
  return llvm::formatv("tensor<{0}x{1}>", g.scales.size(), element).str();
}

static std::string zeroPointElement(const ActivationGrid &g) {
  return g.floatZeroPoints.empty() ? "i32" : "f32";
}

namespace {
/// Emits a graph's function: names values, hands out the arguments of
/// learned parameters in forEachGrid's order.
struct Emitter {
  raw_ostream &os;
  const Graph &g;
  unsigned nextArg = 0, nextTemp = 0;

  std::string type(ArrayRef<int64_t> shape) const {
    return tensorType(shape, g.dynamicBatch);
  }
  /// `tensor.empty` of `shape` (sized by the input's first dimension when
  /// that is dynamic).
  void emitEmpty(const std::string &name, ArrayRef<int64_t> shape) {
    os << "  " << name << " = tensor.empty(" << (g.dynamicBatch ? "%bd" : "")
       << ") : " << type(shape) << "\n";
  }
  /// The `scale(...) zero_point(...)` operands of a fake-quant on `grid`,
  /// emitting the constants of computed parameters.
  std::string emitParams(const ActivationGrid &grid);
  /// `result = fake_quant(value)` on `grid`.
  void emitFakeQuant(const std::string &result, const std::string &value,
                     const ActivationGrid &grid, ArrayRef<int64_t> shape,
                     bool staticShape = false);
  void emitTailLayer(size_t l, const std::string &in);
  void emitContraction(size_t l, const std::string &in);
  void emitUnused(size_t after);
};
} // namespace

/// A literal of `values` for a parameter of `grid`'s type.
template <typename T>
static std::string paramLiteral(const ActivationGrid &grid,
                                const std::vector<T> &values, const char *fmt) {
  return grid.axis ? "[" + list(values, fmt) + "]" : list(values, fmt);
}

std::string Emitter::emitParams(const ActivationGrid &grid) {
  std::string zpType = paramType(grid, zeroPointElement(grid));
  std::string scaleType = paramType(grid, "f32");
  if (grid.source == ParamSource::Argument) {
    unsigned a = nextArg;
    nextArg += 2;
    return llvm::formatv("scale(%arg{0} : {1}) zero_point(%arg{2} : {3})", a,
                         scaleType, a + 1, zpType);
  }
  if (grid.source == ParamSource::Attribute)
    return "";
  // A scale computed from a constant (its negation, through an exact
  // absf) and a constant zero point, which qat-fold-learned-params folds.
  unsigned t = nextTemp++;
  std::vector<float> negated;
  for (double s : grid.scales)
    negated.push_back(-static_cast<float>(s));
  os << llvm::formatv("  %ns{0} = arith.constant dense<{1}> : {2}\n", t,
                      paramLiteral(grid, negated, "{0:e9}"), scaleType);
  os << llvm::formatv("  %s{0} = math.absf %ns{0} : {1}\n", t, scaleType);
  if (grid.floatZeroPoints.empty())
    os << llvm::formatv("  %zp{0} = arith.constant dense<{1}> : {2}\n", t,
                        paramLiteral(grid, grid.zeroPoints, "{0}"), zpType);
  else
    os << llvm::formatv("  %zp{0} = arith.constant dense<{1}> : {2}\n", t,
                        paramLiteral(grid, grid.floatZeroPoints, "{0:e9}"),
                        zpType);
  return llvm::formatv("scale(%s{0} : {1}) zero_point(%zp{0} : {2})", t,
                       scaleType, zpType);
}

void Emitter::emitFakeQuant(const std::string &result, const std::string &value,
                            const ActivationGrid &grid, ArrayRef<int64_t> shape,
                            bool staticShape) {
  std::string params = emitParams(grid);
  os << "  " << result << " = qat.fake_quant " << value << " " << params << " {"
     << gridAttrs(grid)
     << "} : " << (staticShape ? tensorType(shape, false) : type(shape))
     << "\n";
}

/// The identity map and "parallel" iterators of a rank.
static std::pair<std::string, std::string> elementwiseMaps(unsigned rank) {
  std::string dims = rank == 2 ? "d0, d1" : "d0, d1, d2, d3";
  std::string iterators = "\"parallel\"";
  for (unsigned d = 1; d < rank; ++d)
    iterators += ", \"parallel\"";
  return {"affine_map<(" + dims + ") -> (" + dims + ")>", iterators};
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

/// The location of layer `l`'s operations, which remarks name.
static std::string layerLoc(size_t l) {
  return llvm::formatv(" loc(\"layer{0}\")", l).str();
}

/// Emits an Add, Mul or GlobalAveragePool layer `l` on `in`, and its output
/// fake-quant.
void Emitter::emitTailLayer(size_t l, const std::string &in) {
  const Layer &L = g.layers[l];
  SmallVector<int64_t> inShape = getLayerShape(g, l - 1);
  SmallVector<int64_t> yShape = getLayerShape(g, l);
  std::string inType = type(inShape), yType = type(yShape);
  auto [idMap, iterators] = elementwiseMaps(yShape.size());
  emitEmpty(llvm::formatv("%e{0}", l), yShape);
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
        "{2}, tensor<{3}x{4}xf32>) outs(%z{0} : {5}) -> {5}{6}\n",
        l, in, inType, h, w, yType, layerLoc(l));
    os << llvm::formatv("  %inv{0} = arith.constant {1:e9} : f32\n", l,
                        1.0f / static_cast<float>(h * w));
    ins = "%sum" + std::to_string(l);
    insTypes = yType;
    body = llvm::formatv("    %s = arith.mulf %a, %inv{0} : f32\n", l).str();
  } else {
    os << llvm::formatv("  %c{0} = arith.constant dense<{1}> : {2}\n", l,
                        denseLiteral(L.operand, yShape), yType);
    emitFakeQuant("%cq" + std::to_string(l), "%c" + std::to_string(l),
                  L.operandGrid, yShape);
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
  os << "    linalg.yield " << v << " : f32\n  } -> " << yType << layerLoc(l)
     << "\n";
  emitFakeQuant("%h" + std::to_string(l + 1), "%y" + std::to_string(l),
                L.output, yShape);
}

/// Emits the matmul or convolution layer `l` on `in`, with its bias and
/// activation, and its output fake-quant.
void Emitter::emitContraction(size_t l, const std::string &in) {
  const Layer &L = g.layers[l];
  SmallVector<int64_t> inShape = getLayerInputShape(g, l);
  SmallVector<int64_t> yShape = getLayerShape(g, l);
  SmallVector<int64_t> wShape = getWeightShape(L);
  std::string wType = tensorType(wShape, false), yType = type(yShape);
  unsigned rank = yShape.size();
  os << llvm::formatv("  %w{0} = arith.constant dense<{1}> : {2}\n", l,
                      denseLiteral(L.weights, wShape), wType);
  emitFakeQuant("%wq" + std::to_string(l), "%w" + std::to_string(l),
                L.weightGrid, wShape, /*staticShape=*/true);
  emitEmpty(llvm::formatv("%e{0}", l), yShape);
  os << llvm::formatv(
      "  %z{0} = linalg.fill ins(%zero : f32) outs(%e{0} : {1}) -> {1}\n", l,
      yType);
  if (L.conv) {
    const ConvWindow &c = *L.conv;
    std::string operand = in, operandType = type(inShape);
    if (c.padTop || c.padBottom || c.padLeft || c.padRight) {
      SmallVector<int64_t> padded{g.m, c.inH + c.padTop + c.padBottom,
                                  c.inW + c.padLeft + c.padRight, c.channels};
      os << llvm::formatv(
          "  %p{0} = tensor.pad {1} low[0, {2}, {3}, 0] high[0, {4}, {5}, 0] "
          "{{\n  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):\n"
          "    tensor.yield %zero : f32\n  } : {6} to {7}\n",
          l, in, c.padTop, c.padLeft, c.padBottom, c.padRight, operandType,
          type(padded));
      operand = "%p" + std::to_string(l);
      operandType = type(padded);
    }
    os << llvm::formatv(
        "  %mm{0} = linalg.{7} {{dilations = dense<{1}> : "
        "tensor<2xi64>, strides = dense<{2}> : tensor<2xi64>} ins({3}, "
        "%wq{0} : {4}, {5}) outs(%z{0} : {6}) -> {6}{8}\n",
        l, c.dilation, c.stride, operand, operandType, wType, yType,
        L.depthwise ? "depthwise_conv_2d_nhwc_hwc" : "conv_2d_nhwc_hwcf",
        layerLoc(l));
  } else {
    os << llvm::formatv("  %mm{0} = linalg.matmul ins({1}, %wq{0} : {2}, {3}) "
                        "outs(%z{0} : {4}) -> {4}{5}\n",
                        l, in, type(inShape), wType, yType, layerLoc(l));
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
          "  %b{0} = arith.constant dense<{1}> : tensor<{2}xf32>\n", l,
          denseLiteral(L.bias, {L.n}), L.n);
    std::string maps = idMap;
    if (!L.bias.empty())
      maps += ", affine_map<(" + dims + ") -> (" + channel + ")>";
    maps += ", " + idMap;
    std::string iterators = elementwiseMaps(rank).second;
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
    os << "    linalg.yield " << v << " : f32\n  } -> " << yType << layerLoc(l)
       << "\n";
    y = "%y" + std::to_string(l);
  }
  emitFakeQuant("%h" + std::to_string(l + 1), y, L.output, yShape);
}

/// A fake-quant of %h<after> whose result has no use: static, with a
/// learned scale, or the min/max form.
void Emitter::emitUnused(size_t after) {
  SmallVector<int64_t> shape =
      after == 0 ? getInputShape(g) : getLayerShape(g, after - 1);
  std::string t = type(shape);
  switch (after % 3) {
  case 0:
    os << llvm::formatv("  %unused{0} = qat.fake_quant %h{0} {{num_bits = 4 "
                        ": i64, scales = array<f64: 0.5>} : {1}\n",
                        after, t);
    break;
  case 1:
    os << llvm::formatv("  %us{0} = arith.constant dense<0.25> : tensor<f32>\n"
                        "  %unused{0} = qat.fake_quant %h{0} scale(%us{0} : "
                        "tensor<f32>) {{num_bits = 8 : i64} : {1}\n",
                        after, t);
    break;
  default:
    os << llvm::formatv("  %unused{0} = qat.fake_quant_min_max %h{0} {{mins = "
                        "array<f64: -1.0>, maxs = array<f64: 2.0>} : {1}\n",
                        after, t);
    break;
  }
}

std::string mlir::qat::difftest::emitMLIR(const Graph &g) {
  std::string s;
  llvm::raw_string_ostream os(s);
  Emitter e{os, g};
  std::string resultTypes;
  for (size_t l = 0; l < g.layers.size(); ++l)
    resultTypes += (l ? ", " : "") + e.type(getLayerShape(g, l));
  std::string inType = e.type(getInputShape(g));
  std::string args = "%x: " + inType;
  unsigned numArgs = 0;
  forEachGrid(g, [&](const ActivationGrid &grid, ArrayRef<int64_t>) {
    if (grid.source != ParamSource::Argument)
      return;
    args += llvm::formatv(", %arg{0}: {1}, %arg{2}: {3}", numArgs,
                          paramType(grid, "f32"), numArgs + 1,
                          paramType(grid, zeroPointElement(grid)))
                .str();
    numArgs += 2;
  });
  os << "func.func @f(" << args << ") -> (" << resultTypes << ") {\n";
  os << "  %zero = arith.constant 0.0 : f32\n";
  os << "  %six = arith.constant 6.0 : f32\n";
  if (g.dynamicBatch) {
    os << "  %c0 = arith.constant 0 : index\n";
    os << "  %bd = tensor.dim %x, %c0 : " << inType << "\n";
  }
  e.emitFakeQuant("%h0", "%x", g.input, getInputShape(g));
  for (size_t l = 0; l <= g.layers.size(); ++l) {
    if (llvm::is_contained(g.unusedAfter, l))
      e.emitUnused(l);
    if (l == g.layers.size())
      break;
    std::string in = "%h" + std::to_string(l);
    if (g.layers[l].kind == LayerKind::Contraction)
      e.emitContraction(l, in);
    else
      e.emitTailLayer(l, in);
  }
  os << "  return ";
  for (size_t l = 0; l < g.layers.size(); ++l)
    os << (l ? ", " : "") << "%h" << l + 1;
  os << " : " << resultTypes << "\n}\n";
  return s;
}

std::vector<std::string> mlir::qat::difftest::getFeatures(const Graph &g) {
  std::vector<std::string> features;
  auto add = [&](bool used, const char *name) {
    if (used)
      features.push_back(name);
  };
  bool wide = false, computed = false, argument = false, otherAxis = false;
  bool perChannelActivation = false, unsignedWeights = false, empty = false;
  forEachGrid(g, [&](const ActivationGrid &grid, ArrayRef<int64_t> shape) {
    wide |= grid.numBits > 8;
    computed |= grid.source == ParamSource::Computed;
    argument |= grid.source == ParamSource::Argument;
    for (int64_t d : shape)
      empty |= d == 0;
  });
  for (size_t l = 0; l < g.layers.size(); ++l) {
    const Layer &L = g.layers[l];
    if (L.kind == LayerKind::Contraction) {
      const ActivationGrid &w = L.weightGrid;
      otherAxis |= w.axis && *w.axis + 1 != int64_t(getWeightShape(L).size());
      unsignedWeights |= !w.isSigned;
    }
    perChannelActivation |= !L.output.isPerTensor();
  }
  perChannelActivation |= !g.input.isPerTensor();
  add(wide, "wide-bits");
  add(unsignedWeights, "unsigned-weights");
  add(otherAxis, "weight-other-axis");
  add(perChannelActivation, "per-channel-activation");
  add(g.dynamicBatch, "dynamic-batch");
  add(hasDynamicAxis(g), "per-channel-dynamic-axis");
  add(empty || g.k == 0 || g.m == 0, "empty-tensor");
  add(computed, "computed-params");
  add(argument, "argument-params");
  add(!g.unusedAfter.empty(), "unused-fake-quant");
  add(g.extremeScales, "extreme-scales");
  add(g.layers.size() > 16, "chain-17-64");
  add(g.layers.size() > 3 && g.layers.size() <= 16, "chain-4-16");
  if (features.empty())
    features.push_back("baseline");
  return features;
}

SmallVector<HostTensor> mlir::qat::difftest::generateInputs(const Graph &g,
                                                            uint64_t seed) {
  Rng rng(seed);
  HostTensor t(ElementKind::F32, getInputShape(g));
  double step = g.input.scales[0];
  for (int64_t i = 0, e = t.getNumElements(); i < e; ++i) {
    double v = uniformReal(rng, -g.inputRange, g.inputRange);
    // Some inputs sit exactly on rounding ties of the input grid.
    if (chance(rng, 0.1))
      v = (std::round(v / step) + 0.5) * step;
    t.setFromDouble(i, v);
  }
  SmallVector<HostTensor> inputs{t};
  forEachGrid(g, [&](const ActivationGrid &grid, ArrayRef<int64_t>) {
    if (grid.source != ParamSource::Argument)
      return;
    SmallVector<int64_t> shape;
    if (grid.axis)
      shape.push_back(grid.scales.size());
    HostTensor scale(ElementKind::F32, shape);
    bool isFloat = !grid.floatZeroPoints.empty();
    HostTensor zp(isFloat ? ElementKind::F32 : ElementKind::I32, shape);
    for (size_t c = 0; c < grid.scales.size(); ++c) {
      scale.setFromDouble(c, static_cast<float>(grid.scales[c]));
      zp.setFromDouble(c, isFloat ? grid.floatZeroPoints[c]
                                  : double(grid.zeroPoints[c]));
    }
    inputs.push_back(scale);
    inputs.push_back(zp);
  });
  return inputs;
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

/// The grid of weight element (i, j): row i of the K x N matrix, output
/// channel j (row-major index i * N + j in every weight layout).
static QuantGrid<float> getWeightGrid(const Layer &L, int64_t i, int64_t j) {
  return L.weightGrid.gridAt(getWeightShape(L), i * L.n + j);
}

/// The storage values of `t` on `grid` (t holds (q - z) * s in f32), per
/// element for per-channel grids.
static std::vector<int64_t> toStorage(const HostTensor &t,
                                      const ActivationGrid &grid) {
  std::vector<int64_t> q(t.getNumElements());
  for (int64_t i = 0; i < t.getNumElements(); ++i)
    q[i] = quantize<float>(static_cast<float>(t.getAsDouble(i)),
                           grid.gridAt(t.shape, i));
  return q;
}

static HostTensor fromStorage(const std::vector<int64_t> &q,
                              ArrayRef<int64_t> shape,
                              const ActivationGrid &grid) {
  HostTensor y(ElementKind::F32, shape);
  for (size_t i = 0; i < q.size(); ++i) {
    QuantGrid<float> g = grid.gridAt(shape, i);
    y.setFromDouble(i, dequantize<float>(q[i], g.scale, g.zeroPoint));
  }
  return y;
}

/// The values of `t` dequantized from its storage on `grid`, in double.
static std::vector<double> toDequantized(const HostTensor &t,
                                         const ActivationGrid &grid) {
  std::vector<int64_t> q = toStorage(t, grid);
  std::vector<double> v(q.size());
  for (size_t i = 0; i < q.size(); ++i) {
    QuantGrid<float> g = grid.gridAt(t.shape, i);
    v[i] = dequantize<float>(q[i], g.scale, g.zeroPoint);
  }
  return v;
}

/// The layer's input as a rows x K matrix: the activation itself for a
/// matmul; for a convolution its windows (im2col, columns in KH x KW x C
/// order), padding read as `padding` (the float 0.0).
template <typename T>
static std::vector<T> getPatches(const Graph &g, const Layer &L,
                                 const std::vector<T> &q, T padding) {
  if (!L.conv)
    return q;
  const ConvWindow &c = *L.conv;
  std::vector<T> patches;
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
                         : padding);
          }
  if (!L.depthwise)
    return patches;
  // Depthwise: channel j of a row sees only its own channel of the window,
  // as a (rows * C) x (KH * KW) matrix.
  int64_t window = c.kh * c.kw;
  int64_t rows =
      window * c.channels ? patches.size() / (window * c.channels) : 0;
  std::vector<T> perChannel(patches.size());
  for (int64_t m = 0; m < rows; ++m)
    for (int64_t i = 0; i < window; ++i)
      for (int64_t ch = 0; ch < c.channels; ++ch)
        perChannel[(m * c.channels + ch) * window + i] =
            patches[(m * window + i) * c.channels + ch];
  return perChannel;
}

/// The number of output rows of a contraction layer (the product of the
/// output's dimensions but the channels).
static int64_t getNumRows(const Graph &g, size_t l) {
  SmallVector<int64_t> shape = getLayerShape(g, l);
  int64_t rows = 1;
  for (int64_t d : ArrayRef(shape).drop_back())
    rows *= d;
  return rows;
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

/// True when `g`'s quantize/dequantize pair has an integer form: a per-tensor
/// grid whose parameters are static once folded.
static bool isStaticPerTensor(const ActivationGrid &g) {
  return g.isPerTensor() && g.source != ParamSource::Argument;
}

static bool hasIntegerConstants(const Graph &g, size_t l, Requant requant);

/// Whether layer `l` is x + c or x * c with c's codes all equal and x of at
/// most 8 bits: a function of x alone, which qat computes as a table of the
/// fake-quant graph in f32 (Semantics.md §8.11), not as §8.6 does.
static bool isTableLayer(const Graph &g, size_t l) {
  const Layer &L = g.layers[l];
  const ActivationGrid &in = getInputGrid(g, l);
  if ((L.kind != LayerKind::Add && L.kind != LayerKind::Mul) ||
      !isStaticPerTensor(L.operandGrid) || in.numBits > 8 || L.operand.empty())
    return false;
  QuantGrid<float> bg = L.operandGrid.grid();
  int64_t first = quantize<float>(L.operand.front(), bg);
  return llvm::all_of(L.operand,
                      [&](float v) { return quantize<float>(v, bg) == first; });
}

bool mlir::qat::difftest::isIntegerLayer(const Graph &g, size_t l,
                                         Requant requant) {
  const Layer &L = g.layers[l];
  const ActivationGrid &in = getInputGrid(g, l);
  if (!isStaticPerTensor(in) || !isStaticPerTensor(L.output))
    return false;
  // A tensor with no elements has nothing to compute: the layer stays float
  // (with a remark), as any empty result is right.
  auto hasNoElements = [](ArrayRef<int64_t> shape) {
    return llvm::is_contained(shape, int64_t{0});
  };
  if (hasNoElements(getLayerInputShape(g, l)) ||
      hasNoElements(getLayerShape(g, l)) ||
      (L.kind == LayerKind::Contraction && hasNoElements(getWeightShape(L))))
    return false;
  if (isTableLayer(g, l))
    return true;
  switch (L.kind) {
  case LayerKind::Contraction: {
    // The weight's channels must be the output channels.
    const ActivationGrid &w = L.weightGrid;
    return w.source != ParamSource::Argument &&
           (!w.axis || *w.axis == int64_t(getWeightShape(L).size()) - 1) &&
           hasIntegerConstants(g, l, requant);
  }
  case LayerKind::GlobalAveragePool:
    return hasIntegerConstants(g, l, requant);
  case LayerKind::Add: {
    if (!isStaticPerTensor(L.operandGrid))
      return false;
    // ONNX Runtime's f32 multipliers sa / so and sb / so must be finite.
    QuantGrid<float> og = L.output.grid();
    auto finite = [&](const QuantGrid<float> &x) {
      return std::isfinite(
          getRequantMultiplier(x.scale, og.scale, og.reciprocalScale));
    };
    return finite(in.grid()) && finite(L.operandGrid.grid()) &&
           !additionStaysInFloat(in.grid(), L.operandGrid.grid(), og, requant);
  }
  case LayerKind::Mul: {
    if (!isStaticPerTensor(L.operandGrid))
      return false;
    QuantGrid<float> a = in.grid(), b = L.operandGrid.grid();
    if (a.getMaxCenteredMagnitude() * b.getMaxCenteredMagnitude() >
        std::numeric_limits<int32_t>::max())
      return false;
    return getRequantMultiplier(IntermediateScale::ofProduct(a.scale, b.scale),
                                L.output.grid().scale,
                                L.output.grid().reciprocalScale,
                                requant != Requant::Float)
        .has_value();
  }
  }
  llvm_unreachable("unknown layer kind");
}

bool mlir::qat::difftest::hasArgumentParams(const Graph &g) {
  bool found = false;
  forEachGrid(g, [&](const ActivationGrid &grid, ArrayRef<int64_t>) {
    found |= grid.source == ParamSource::Argument;
  });
  return found;
}

bool mlir::qat::difftest::hasDynamicAxis(const Graph &g) {
  // Only activations have the dynamic batch as their axis 0; a weight's
  // axis 0 is static.
  if (!g.dynamicBatch)
    return false;
  auto onBatch = [](const ActivationGrid &grid) { return grid.axis == 0; };
  return onBatch(g.input) || llvm::any_of(g.layers, [&](const Layer &L) {
           return onBatch(L.output) ||
                  (L.kind != LayerKind::Contraction && onBatch(L.operandGrid));
         });
}

bool mlir::qat::difftest::hasFloatLayers(const Graph &g, Requant requant) {
  for (size_t l = 0; l < g.layers.size(); ++l)
    if (!isIntegerLayer(g, l, requant))
      return true;
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
  if (isTableLayer(g, l)) {
    // The fake-quant graph in f32, as the table's entries are computed.
    for (int64_t qi : q) {
      float a = dequantize<float>(qi, ig.scale, ig.zeroPoint);
      float b = dequantize<float>(quantize<float>(L.operand[0], bg), bg.scale,
                                  bg.zeroPoint);
      float v = L.kind == LayerKind::Add ? a + b : a * b;
      out.push_back(
          quantize<float>(static_cast<float>(applyActivation(L, v)), og));
    }
    return out;
  }
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

/// Whether the integer constants of layer `l` (an integer form of its kind)
/// exist: the i32 proofs, the bias placement and the multipliers. Without
/// them the layer stays in float (Semantics.md §8.1).
static bool hasIntegerConstants(const Graph &g, size_t l, Requant requant) {
  const Layer &L = g.layers[l];
  QuantGrid<float> inGrid = getInputGrid(g, l).grid();
  QuantGrid<float> og = L.output.grid();
  if (L.kind == LayerKind::GlobalAveragePool) {
    SmallVector<int64_t> in = getLayerShape(g, l - 1);
    int64_t window = in[1] * in[2];
    float inv = 1.0f / static_cast<float>(window);
    return window * inGrid.getMaxCenteredMagnitude() <=
               std::numeric_limits<int32_t>::max() &&
           getRequantMultiplier(IntermediateScale::ofProduct(inGrid.scale, inv),
                                og.scale, og.reciprocalScale,
                                requant != Requant::Float);
  }
  if (L.kind != LayerKind::Contraction)
    return true;
  SmallVector<QuantGrid<float>> weightGrids;
  SmallVector<int64_t> weights(L.k * L.n);
  for (int64_t j = 0; j < L.n; ++j) {
    weightGrids.push_back(getWeightGrid(L, 0, j));
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
  return succeeded(computeContractionConstants(ops, error));
}

HostTensor mlir::qat::difftest::evaluateIntegerLayer(const Graph &g, size_t l,
                                                     const HostTensor &x,
                                                     Requant requant) {
  const Layer &L = g.layers[l];
  QuantGrid<float> inGrid = getInputGrid(g, l).grid();
  std::vector<int64_t> q = toStorage(x, getInputGrid(g, l));
  if (L.kind != LayerKind::Contraction)
    return fromStorage(evaluateTailInteger(g, l, q, inGrid, requant),
                       getLayerShape(g, l), L.output);
  std::vector<int64_t> a = getPatches(g, L, q, inGrid.zeroPoint);
  int64_t k = L.k, rows = getNumRows(g, l);
  QuantGrid<float> og = L.output.grid();
  auto [lo, hi] = getBounds(L);
  std::vector<int64_t> out(rows * L.n);
  for (int64_t j = 0; j < L.n; ++j) {
    QuantGrid<float> wg = getWeightGrid(L, 0, j);
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
      out[m * L.n + j] =
          requant == Requant::Float
              ? requantize(acc, mult.multiplier, og.rounding, og.zeroPoint, lo,
                           hi)
              : requantizeFixedPoint(static_cast<int32_t>(acc), mult.fixed,
                                     requant == Requant::FixedPointDoubleRound,
                                     og.zeroPoint, lo, hi);
    }
  }
  return fromStorage(out, getLayerShape(g, l), L.output);
}

namespace {
/// One element of a layer in exact arithmetic: the value before the
/// activation, and the sum of the magnitudes of its terms (which bounds the
/// error of evaluating it in f32) and their number.
struct ExactValue {
  double value = 0;
  double magnitude = 0;
  int64_t terms = 0;
};
} // namespace

/// Every output element of layer `l` with exact arithmetic from `input`
/// (row-major in the layer's shape): the float matmul or convolution and
/// bias, the addition or multiplication, or the average, in double from the
/// dequantized f32 values, which are exact in double.
static std::vector<ExactValue> evaluateExactValues(const Graph &g, size_t l,
                                                   const HostTensor &input) {
  const Layer &L = g.layers[l];
  std::vector<double> x = toDequantized(input, getInputGrid(g, l));
  SmallVector<int64_t> shape = getLayerShape(g, l);
  std::vector<ExactValue> y;
  if (L.kind == LayerKind::GlobalAveragePool) {
    SmallVector<int64_t> in = getLayerShape(g, l - 1);
    double inv = 1.0f / static_cast<float>(in[1] * in[2]);
    for (const std::vector<int64_t> &window : getPoolWindows(g, l)) {
      ExactValue v;
      for (int64_t i : window) {
        v.value += x[i] * inv;
        v.magnitude += std::abs(x[i] * inv);
      }
      v.terms = window.size() + 1;
      y.push_back(v);
    }
    return y;
  }
  if (L.kind != LayerKind::Contraction) {
    for (size_t i = 0; i < x.size(); ++i) {
      QuantGrid<float> bg = L.operandGrid.gridAt(shape, i);
      double b = dequantize<float>(quantize<float>(L.operand[i], bg), bg.scale,
                                   bg.zeroPoint);
      double v = L.kind == LayerKind::Add ? x[i] + b : x[i] * b;
      y.push_back({v,
                   L.kind == LayerKind::Add ? std::abs(x[i]) + std::abs(b)
                                            : std::abs(v),
                   2});
    }
    return y;
  }
  std::vector<double> a = getPatches(g, L, x, 0.0);
  int64_t rows = getNumRows(g, l);
  y.resize(rows * L.n);
  for (int64_t j = 0; j < L.n; ++j) {
    std::vector<double> w(L.k);
    for (int64_t i = 0; i < L.k; ++i) {
      QuantGrid<float> wg = getWeightGrid(L, i, j);
      w[i] = dequantize<float>(quantize<float>(L.weights[i * L.n + j], wg),
                               wg.scale, wg.zeroPoint);
    }
    for (int64_t m = 0; m < rows; ++m) {
      // Products of two f32 values are exact in double; the short sums
      // are exact to ~1e-15 relative.
      ExactValue v;
      for (int64_t i = 0; i < L.k; ++i) {
        double p = a[patchIndex(L, m, j, i)] * w[i];
        v.value += p;
        v.magnitude += std::abs(p);
      }
      if (!L.bias.empty()) {
        v.value += L.bias[j];
        v.magnitude += std::abs(double(L.bias[j]));
      }
      v.terms = L.k + 2;
      y[m * L.n + j] = v;
    }
  }
  return y;
}

/// The output fake-quant of layer `l` on the exact value `y` of element
/// `index`: the activation, the value rounded to f32 as in the f32 graph,
/// then the grid of that element.
static int64_t quantizeOutput(const Graph &g, size_t l, int64_t index,
                              double y) {
  const Layer &L = g.layers[l];
  return quantize<float>(static_cast<float>(applyActivation(L, y)),
                         L.output.gridAt(getLayerShape(g, l), index));
}

HostTensor mlir::qat::difftest::evaluateLayerExactly(const Graph &g,
                                                     size_t layer,
                                                     const HostTensor &input) {
  std::vector<ExactValue> y = evaluateExactValues(g, layer, input);
  std::vector<int64_t> out(y.size());
  for (size_t i = 0; i < y.size(); ++i)
    out[i] = quantizeOutput(g, layer, i, y[i].value);
  return fromStorage(out, getLayerShape(g, layer), g.layers[layer].output);
}

std::vector<std::pair<int64_t, int64_t>>
mlir::qat::difftest::getFloatLayerRange(const Graph &g, size_t l,
                                        const HostTensor &input) {
  std::vector<ExactValue> y = evaluateExactValues(g, l, input);
  SmallVector<int64_t> shape = getLayerShape(g, l);
  std::vector<std::pair<int64_t, int64_t>> range(y.size());
  const double u = std::ldexp(1.0, -24);
  for (size_t i = 0; i < y.size(); ++i) {
    StorageRange r = g.layers[l].output.gridAt(shape, i).range;
    // gamma_n = n u / (1 - n u) bounds the error of n f32 operations on
    // terms of total magnitude `magnitude` (Higham, Accuracy and Stability
    // of Numerical Algorithms, 3.1); beyond f32's range anything goes.
    double n = static_cast<double>(y[i].terms);
    double error = n * u / (1 - n * u) * y[i].magnitude;
    if (y[i].magnitude > 1e37 || n * u >= 0.5) {
      range[i] = {r.min, r.max};
      continue;
    }
    range[i] = {quantizeOutput(g, l, i, y[i].value - error),
                quantizeOutput(g, l, i, y[i].value + error)};
  }
  return range;
}
