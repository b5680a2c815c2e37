//===- RandomGraphs.h - seeded random QAT graphs ----------------*- C++ -*-===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// A generator of QAT graphs for the differential tests: chains of
// fake-quantized matmul or 2-D convolution layers (NHWC/HWCF or depthwise;
// strides, dilations, zero padding; bias, ReLU/ReLU6/clamp or none) with odd
// shapes, per-channel and asymmetric grids, extreme zero points, tiny and
// huge scales, 2-8 bits, narrow ranges and every rounding mode. Each graph
// is emitted as MLIR and also evaluated by an independent C++ reference of
// the integer semantics (docs/Semantics.md §8).
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

/// A per-tensor activation grid (what the output fake-quant declares).
struct ActivationGrid {
  unsigned numBits = 8;
  bool isSigned = false;
  bool narrow = false;
  double scale = 0.1;
  int64_t zeroPoint = 0;
  RoundingMode rounding = RoundingMode::half_to_even;
  bool reciprocal = false;
  StorageRange range() const {
    return getStorageRange(numBits, isSigned, narrow);
  }
  QuantGrid<float> grid() const {
    return {static_cast<float>(scale), zeroPoint, range(), rounding,
            reciprocal};
  }
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
  unsigned weightBits = 8;
  bool weightNarrow = true;
  bool perChannel = true;
  std::vector<double> weightScales;
  std::vector<int64_t> weightZeroPoints;
  std::vector<float> bias; // n, or empty
  Activation activation = Activation::None;
  float clampLo = 0, clampHi = 0;
  ActivationGrid output;
};

struct Graph {
  /// Matmul graphs: an m x k input. Convolution graphs: batch x height x
  /// width x k (NHWC), with m = batch.
  int64_t m = 1, k = 1;
  bool isConv = false;
  int64_t height = 1, width = 1;
  ActivationGrid input;
  std::vector<Layer> layers;
  /// Half-width of the uniform input distribution.
  double inputRange = 1;
};

/// The shape of the graph input and of layer `l`'s result.
SmallVector<int64_t> getInputShape(const Graph &graph);
SmallVector<int64_t> getLayerShape(const Graph &graph, size_t l);

/// A random graph for case `index` of `seed`.
Graph generateGraph(uint64_t seed, uint64_t index);

/// The graph as a func.func @f in MLIR.
std::string emitMLIR(const Graph &graph);

/// Seeded inputs covering the input grid's range and beyond.
HostTensor generateInput(const Graph &graph, uint64_t seed);

/// The requantization modes of qat-to-int (docs/Semantics.md §8.4).
enum class Requant { Float, FixedPointDoubleRound, FixedPointSingleRound };

/// The integer reference: quantize the input, run every layer in exact
/// integer arithmetic with QuantMath's bias and requantization rules. One
/// f32 tensor (dequantized storage values) per layer, like the program's
/// results.
SmallVector<HostTensor> evaluateIntegerReference(const Graph &graph,
                                                 const HostTensor &input,
                                                 Requant requant);

/// True when qat-to-int leaves a layer of `graph` in float with `requant`:
/// a fixed-point addition whose common grid is too coarse for its output
/// (FixedPointAddition::keepsOneStep). The integer reference computes such
/// a layer as the fake-quant graph does, in f32.
bool hasFloatLayers(const Graph &graph, Requant requant);

/// True when qat-to-int must reject `graph` with a located error: a
/// contraction whose constants have no exact i32 form (a bias outside i32 on
/// the accumulator grid, an accumulator that may overflow, a fixed-point
/// multiplier too large), decided by computeContractionConstants as in the
/// pass.
bool isOutsideIntegerDomain(const Graph &graph, Requant requant);

/// Layer `layer` of the fake-quant graph with exact arithmetic: the float
/// matmul, bias and activation in double from `input` (the previous
/// quantized tensor, or the graph input), then the output fake-quant on the
/// value rounded to f32. Comparing each quantized tensor of the integer
/// program with this, given the program's own previous tensor, measures
/// every quantized tensor against the fake-quant graph without the errors
/// of earlier layers propagating.
HostTensor evaluateLayerExactly(const Graph &graph, size_t layer,
                                const HostTensor &input);

} // namespace mlir::qat::difftest

#endif // QAT_TEST_DIFFERENTIAL_RANDOMGRAPHS_H
