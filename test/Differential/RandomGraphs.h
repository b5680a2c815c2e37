//===- RandomGraphs.h - seeded random QAT graphs ----------------*- C++ -*-===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// A generator of QAT graphs for the differential tests: chains of
// fake-quantized matmul or 2-D convolution layers (NHWC/HWCF or depthwise;
// strides, dilations, zero padding; bias, ReLU/ReLU6/clamp or none) with odd
// and empty shapes, a dynamic batch, per-channel grids on any axis,
// asymmetric signed and unsigned grids, extreme zero points, scales from
// 1e-30 to 1e30, 2-16 bits on both operands, narrow ranges, every rounding
// mode, learned parameters (folded SSA values or function arguments),
// unused fake-quants and chains of up to 64 layers (GeneratorOptions). Each
// graph is emitted as MLIR and also evaluated by an independent C++
// reference of the integer semantics (docs/Semantics.md §8), which also
// says which layers the integer path must leave in float.
//
//===----------------------------------------------------------------------===//

#ifndef QAT_TEST_DIFFERENTIAL_RANDOMGRAPHS_H
#define QAT_TEST_DIFFERENTIAL_RANDOMGRAPHS_H

#include "qat/Dialect/QAT/Utils/QuantMath.h"
#include "qat/Execution/HostTensor.h"

#include <optional>
#include <random>
#include <string>
#include <vector>

namespace mlir::qat::difftest {

/// Where a fake-quant's parameters come from: attributes, SSA values that
/// qat-fold-learned-params folds (computed from constants), or function
/// arguments (learned parameters known only at run time, which keep the
/// fake-quant and its neighbours in float).
enum class ParamSource { Attribute, Computed, Argument };

/// The grid of a fake-quant: per tensor, or per channel along `axis`.
struct ActivationGrid {
  unsigned numBits = 8;
  bool isSigned = false;
  bool narrow = false;
  /// One value, or one per index of dimension `axis`.
  std::vector<double> scales{0.1};
  std::vector<int64_t> zeroPoints{0};
  std::optional<int64_t> axis;
  RoundingMode rounding = RoundingMode::half_to_even;
  bool reciprocal = false;
  ParamSource source = ParamSource::Attribute;
  /// Learned float zero points (rounded half to even and clamped into the
  /// storage range to give `zeroPoints`); empty for integer zero points.
  std::vector<float> floatZeroPoints;

  StorageRange range() const {
    return getStorageRange(numBits, isSigned, narrow);
  }
  bool isPerTensor() const { return !axis; }
  /// The grid of channel `c` (0 when per tensor).
  QuantGrid<float> grid(int64_t c = 0) const {
    return {static_cast<float>(scales[c]), zeroPoints[c], range(), rounding,
            reciprocal};
  }
  /// The grid of element `index` (row-major) of a tensor of `shape`.
  QuantGrid<float> gridAt(ArrayRef<int64_t> shape, int64_t index) const;
};

enum class Activation { None, Relu, Relu6, Clamp };

/// A contraction (matmul or convolution, with bias and activation), an
/// element-wise addition or multiplication with a fake-quantized constant of
/// the previous result's shape, or global average pooling (convolution
/// graphs), each followed by an activation and the output fake-quant.
enum class LayerKind { Contraction, Add, Mul, GlobalAveragePool };

/// The window of a convolution layer (HWCF weights, NHWC activations).
struct ConvWindow {
  int64_t kh = 1, kw = 1;
  int64_t stride = 1, dilation = 1;
  int64_t padTop = 0, padBottom = 0, padLeft = 0, padRight = 0;
  /// Input and output spatial sizes.
  int64_t inH = 1, inW = 1, outH = 1, outW = 1;
  int64_t channels = 1;
};

struct Layer {
  LayerKind kind = LayerKind::Contraction;
  /// Add and Mul: the constant second operand and its grid.
  std::vector<float> operand;
  ActivationGrid operandGrid;
  /// Reduction size (kh * kw * channels for a convolution) and outputs.
  int64_t k = 1, n = 1;
  /// K x n, row-major; for a convolution KH x KW x C x F in that order.
  std::vector<float> weights;
  std::optional<ConvWindow> conv;
  /// A depthwise convolution (KH x KW x C weights, n = C, k = KH * KW).
  bool depthwise = false;
  /// The weight's grid (rounding half to even), per channel along any axis
  /// of the weight tensor; only the output channel axis has an integer
  /// lowering.
  ActivationGrid weightGrid;
  std::vector<float> bias; // n, or empty
  Activation activation = Activation::None;
  float clampLo = 0, clampHi = 0;
  ActivationGrid output;
};

struct Graph {
  /// Matmul graphs: an m x k input. Convolution graphs: batch x height x
  /// width x k (NHWC), with m = batch.
  int64_t m = 1, k = 1;
  /// The first dimension of every tensor is `?`; the test runs the graph
  /// with `m` and the other sizes of `runSizes`.
  bool dynamicBatch = false;
  std::vector<int64_t> runSizes;
  /// Fake-quants whose result has no use, after layer i - 1 (0: the input).
  std::vector<size_t> unusedAfter;
  /// Magnitudes anywhere in 1e-30..1e30.
  bool extremeScales = false;
  bool isConv = false;
  int64_t height = 1, width = 1;
  ActivationGrid input;
  std::vector<Layer> layers;
  /// Half-width of the uniform input distribution.
  double inputRange = 1;
};

/// The features the generator draws from, each with its probability (per
/// graph, per grid or per layer as noted); all reproducible by seed.
struct GeneratorOptions {
  /// Activation and weight bit widths above 8 (up to 16), per grid.
  double wideBits = 0.15;
  /// Unsigned weights (with any zero point), per layer.
  double unsignedWeights = 0.2;
  /// Per-channel weights on an axis other than the output channel, per layer.
  double weightOtherAxis = 0.08;
  /// Per-channel activation grids (any static axis), per grid.
  double perChannelActivation = 0.06;
  /// A dynamic first dimension, per graph (only with `dynamic`).
  bool dynamic = false;
  double dynamicBatch = 0.25;
  /// A dimension of size 0 (M, K or N), per graph.
  double emptyTensor = 0.04;
  /// Parameters as SSA values computed from constants, per grid; one grid's
  /// as function arguments, per graph.
  double computedParams = 0.08;
  double argumentParams = 0.05;
  /// An unused fake-quant, per graph.
  double unusedFakeQuant = 0.1;
  /// Scales from 1e-30 to 1e30 (the whole graph's magnitude), per graph.
  double extremeScales = 0.08;
  /// A chain of 4 to 16 / 17 to 64 layers, per graph.
  double deepChain = 0.08;
  double veryDeepChain = 0.02;
};

/// The probabilities of GeneratorOptions by the feature names of
/// getFeatures (deep-chain and very-deep-chain for the two chain lengths).
ArrayRef<std::pair<StringRef, double GeneratorOptions::*>> getGeneratorKnobs();

/// The shape of the graph input and of layer `l`'s result.
SmallVector<int64_t> getInputShape(const Graph &graph);
SmallVector<int64_t> getLayerShape(const Graph &graph, size_t l);

/// The generator's random bits (a UniformRandomBitGenerator with the range
/// of std::mt19937_64, so that the distributions draw the same values from
/// either source): std::mt19937_64 from a seed, or, for the fuzzer
/// (fuzz/qat-fuzz-compile.cpp), the bytes of an input, 8 per draw, and
/// then std::mt19937_64 seeded from a hash of them. Each of the input's
/// 8-byte words decides one draw, so a mutation of a word changes one
/// decision of the generator rather than the whole graph.
class RandomSource {
public:
  using result_type = uint64_t;
  explicit RandomSource(uint64_t seed) : engine(seed) {}
  explicit RandomSource(ArrayRef<uint8_t> bytes);
  static constexpr result_type min() { return std::mt19937_64::min(); }
  static constexpr result_type max() { return std::mt19937_64::max(); }
  result_type operator()();

private:
  /// The input bytes not drawn yet.
  ArrayRef<uint8_t> bytes;
  std::mt19937_64 engine;
};

/// A random graph for case `index` of `seed`.
Graph generateGraph(uint64_t seed, uint64_t index,
                    const GeneratorOptions &options = {});
/// A random graph drawn from `rng`.
Graph generateGraph(RandomSource &rng, const GeneratorOptions &options = {});

/// The graph as a func.func @f in MLIR; the ops of layer l are located at
/// loc("layer<l>").
std::string emitMLIR(const Graph &graph);

/// The names of the features of GeneratorOptions that `graph` uses
/// ("wide-bits", "unsigned-weights", ...), for per-feature figures.
std::vector<std::string> getFeatures(const Graph &graph);

/// The function's arguments: seeded inputs covering the input grid's range
/// and beyond (with the batch size `graph.m`), then the learned parameters
/// passed as arguments.
SmallVector<HostTensor> generateInputs(const Graph &graph, uint64_t seed);

/// The requantization modes of qat-to-int (docs/Semantics.md §8.4).
enum class Requant { Float, FixedPointDoubleRound, FixedPointSingleRound };

/// True when qat-to-int lowers layer `l` to integers with `requant`: its
/// grids are per tensor and static (after folding), the weight's channels
/// are the output channels, and (element-wise layers) the integer form keeps
/// within a step (Semantics.md §8.6). Other layers run in float.
bool isIntegerLayer(const Graph &graph, size_t l, Requant requant);

/// True when some parameter of `graph` is a function argument: every
/// pipeline rejects the graph with a located error (parameters must fold to
/// constants: qat-fold-learned-params=require-static).
bool hasArgumentParams(const Graph &graph);

/// True when a per-channel grid of `graph` is along its dynamic dimension,
/// which the verifier must reject (issue 14).
bool hasDynamicAxis(const Graph &graph);

/// True when some layer of `graph` runs in float with `requant`.
bool hasFloatLayers(const Graph &graph, Requant requant);

/// The integer reference of an integer layer `l` (Semantics.md §8), in
/// exact integer arithmetic with QuantMath's bias and requantization rules,
/// from `input` (the program's own previous tensor, or the graph input): an
/// f32 tensor of dequantized storage values, like the program's result.
HostTensor evaluateIntegerLayer(const Graph &graph, size_t l,
                                const HostTensor &input, Requant requant);

/// For a layer that runs in float: the storage values the f32 fake-quant
/// graph can produce from `input`, whatever the order of its sums, as the
/// range [lo, hi] per element: the output fake-quant of the exact value
/// moved by the f32 evaluation's error bound (gamma_{K+2} times the sum of
/// the magnitudes). Unbounded where that sum overflows f32.
std::vector<std::pair<int64_t, int64_t>>
getFloatLayerRange(const Graph &graph, size_t l, const HostTensor &input);

/// True when qat-to-int must reject `graph` with a located error: an
/// integer contraction whose constants have no exact i32 form (a bias
/// outside i32 on the accumulator grid, an accumulator that may overflow, a
/// fixed-point multiplier too large), decided by computeContractionConstants
/// as in the pass, or an integer average pooling whose window sum may
/// overflow or whose fixed-point multiplier is too large.

/// Layer `layer` of the fake-quant graph with exact arithmetic: the float
/// matmul, bias and activation in double from `input` (the previous
/// quantized tensor, or the graph input), then the output fake-quant on the
/// value rounded to f32 (per element, for per-channel grids). Comparing each
/// quantized tensor of the integer program with this, given the program's own
/// previous tensor, measures every quantized tensor against the fake-quant
/// graph without the errors of earlier layers propagating.
HostTensor evaluateLayerExactly(const Graph &graph, size_t layer,
                                const HostTensor &input);

} // namespace mlir::qat::difftest

#endif // QAT_TEST_DIFFERENTIAL_RANDOMGRAPHS_H
