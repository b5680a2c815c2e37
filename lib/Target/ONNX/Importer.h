//===- Importer.h - the ONNX importer's state -------------------*- C++ -*-===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// The importer of lib/Target/ONNX, shared by its six files:
// ImportONNX.cpp (the graph and the node dispatch), ONNXOps.cpp (one import
// function per ONNX op and the table that maps op types to them),
// ONNXValues.cpp (attributes, initializers, layouts and grids of values),
// ONNXLayers.cpp (element-wise ops, matmuls, convolutions, poolings),
// ONNXMathOps.cpp (float functions, normalizations, reductions) and
// ONNXDataOps.cpp (Pad, Slice, Split, Gather, Shape, Cast).
//
//===----------------------------------------------------------------------===//

#ifndef QAT_LIB_TARGET_ONNX_IMPORTER_H
#define QAT_LIB_TARGET_ONNX_IMPORTER_H

#include "ONNXTensors.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringMap.h"

#include <onnx/onnx_pb.h>

#include <array>
#include <string>
#include <string_view>

namespace mlir::qat::onnx_import {

class Importer;

/// The default-domain opsets qat imports.
inline constexpr int64_t kMinOpset = 10, kMaxOpset = 21;

/// The largest tensor the importer builds (elements): far above any model
/// qat compiles, small enough that every size, offset and byte count of
/// such a tensor fits in 64 bits and in the index arithmetic of the
/// compiled code.
inline constexpr int64_t kMaxElements = int64_t(1) << 31;

/// The number of elements of `shape` if every size is non-negative and the
/// product of its sizes, zero sizes counted as one, is at most kMaxElements
/// (so that every partial product fits too); std::nullopt otherwise. The
/// one check of the importer's shape arithmetic: sizes that pass it can be
/// multiplied and added without overflow.
std::optional<int64_t> checkedNumElements(ArrayRef<int64_t> shape);

/// One row of the op table: how the importer maps ONNX op type `name` in
/// opsets [minOpset, maxOpset] (an op whose meaning changed across opsets
/// has one row per meaning). `import` reads the node and returns the value
/// of its output #0; `note` says what it becomes (a cell of the docs/ONNX.md
/// table, Markdown).
struct OpImporter {
  std::string_view name;
  int64_t minOpset, maxOpset;
  FailureOr<Tensor> (Importer::*import)(const onnx::NodeProto &node);
  std::string_view note;
};

class Importer {
public:
  Importer(MLIRContext *ctx, StringRef fileName, const onnx::ModelProto &model)
      : ctx(ctx), b(ctx), fileName(fileName), model(model) {}

  OwningOpRef<ModuleOp> run();

  /// The op table (ONNXOps.cpp), sorted by name; for each name, the opset
  /// ranges of its rows cover kMinOpset to kMaxOpset without overlapping.
  static ArrayRef<OpImporter> getOpImporters();
  /// The row for `opType` in `opset`, or null if the importer has none.
  static const OpImporter *findOpImporter(StringRef opType, int64_t opset);
  /// The op types of the table, comma-separated (for error messages).
  static std::string getSupportedOpList();

private:
  // Diagnostics ----------------------------------------------------------
  Location nodeLoc(const onnx::NodeProto &node);
  InFlightDiagnostic error(const Twine &msg) { return emitError(loc) << msg; }
  InFlightDiagnostic nodeError(const Twine &msg) {
    return emitError(loc) << "node '" << nodeName << "' (" << opType
                          << "): " << msg;
  }

  // Values ---------------------------------------------------------------
  FailureOr<Tensor *> lookup(const onnx::NodeProto &node, int index);
  /// lookup of an optional input: null when the node does not give it.
  FailureOr<Tensor *> lookupOptional(const onnx::NodeProto &node, int index);
  /// Every input of `node` (variadic ops); an error when it has none.
  FailureOr<SmallVector<Tensor *>> lookupAll(const onnx::NodeProto &node);
  bool hasInput(const onnx::NodeProto &node, int index) {
    return index < node.input_size() && !node.input(index).empty();
  }
  LogicalResult define(const onnx::NodeProto &node, int index, Tensor t);
  FailureOr<Tensor> readInitializer(const onnx::TensorProto &proto);
  FailureOr<RankedTensorType> readValueType(const onnx::ValueInfoProto &info,
                                            bool &isUnsigned);
  /// The type `info` declares if it is complete (a supported element type
  /// and static sizes), without diagnostics: a graph output's is optional.
  std::optional<RankedTensorType>
  declaredType(const onnx::ValueInfoProto &info);
  FailureOr<DenseElementsAttr> constantOf(const onnx::NodeProto &node,
                                          int index, StringRef what);
  /// constantOf, or the FLOAT values of a dequantized initializer (a
  /// parameter the quantizer quantized too), as DequantizeLinear computes
  /// them.
  FailureOr<DenseElementsAttr> floatConstantOf(const onnx::NodeProto &node,
                                               int index, StringRef what);
  FailureOr<SmallVector<int64_t>> intsOf(const onnx::NodeProto &node, int index,
                                         StringRef what);

  /// The MLIR value of `t` in NHWC order (`nhwc`, 4-D only) or ONNX order.
  FailureOr<Value> materialize(Tensor &t, bool nhwc = false);
  Value transposeValue(Value v, ArrayRef<int64_t> perm);
  Value emptyTensor(ArrayRef<int64_t> shape, Type elementType);
  Value zeroFilled(ArrayRef<int64_t> shape, Type elementType, Attribute zero);

  // Import-time transformations of constants (so that weights stay
  // constants qat can quantize and pack) or emitted ops otherwise.
  FailureOr<Tensor> transposeTensor(Tensor &t, ArrayRef<int64_t> perm);
  FailureOr<Tensor> reshapeTensor(Tensor &t, ArrayRef<int64_t> shape);

  // Quantization -----------------------------------------------------------
  /// The positive finite FLOAT scales of input `index`.
  FailureOr<SmallVector<float>> readScales(const onnx::NodeProto &node,
                                           int index);
  FailureOr<Grid> readGrid(const onnx::NodeProto &node, int scaleIndex,
                           int zeroPointIndex, int64_t rank,
                           std::optional<int64_t> axis, bool storageSigned);
  quant::QuantizedType gridType(const Grid &grid, bool nhwc);
  /// An error unless a per-axis grid has one scale per element of its axis.
  LogicalResult checkGridFits(RankedTensorType type, const Grid &grid);
  FailureOr<Tensor> quantizeLinear(Tensor &x, const Grid &grid, StringRef name);
  FailureOr<Tensor> dequantizeLinear(Tensor &q, const Grid &grid);
  FailureOr<Tensor> dequantizeNode(const onnx::NodeProto &node, int x,
                                   int scale, int zeroPoint,
                                   std::optional<int64_t> axis);
  FailureOr<Value> fakeQuant(Value x, const Grid &grid, bool nhwc);

  // Op importers (ONNXOps.cpp), one per row of the op table -------------
  FailureOr<Tensor> importAveragePool(const onnx::NodeProto &node);
  template <typename OpTy>
  FailureOr<Tensor> importBinary(const onnx::NodeProto &node);
  FailureOr<Tensor> importClipWithAttributes(const onnx::NodeProto &node);
  FailureOr<Tensor> importClipWithInputs(const onnx::NodeProto &node);
  FailureOr<Tensor> clipCodes(const onnx::NodeProto &node, const Tensor &q);
  FailureOr<Tensor> importConcat(const onnx::NodeProto &node);
  FailureOr<Tensor> importConstant(const onnx::NodeProto &node);
  FailureOr<Tensor> importConv(const onnx::NodeProto &node);
  FailureOr<Tensor> importConvTranspose(const onnx::NodeProto &node);
  FailureOr<Tensor> importConvInteger(const onnx::NodeProto &node);
  FailureOr<Tensor> importDequantizeLinear(const onnx::NodeProto &node);
  FailureOr<Tensor> importFlatten(const onnx::NodeProto &node);
  FailureOr<Tensor> importGemm(const onnx::NodeProto &node);
  FailureOr<Tensor> importGlobalAveragePool(const onnx::NodeProto &node);
  FailureOr<Tensor> importIdentity(const onnx::NodeProto &node);
  FailureOr<Tensor> importMatMul(const onnx::NodeProto &node);
  FailureOr<Tensor> importMatMulInteger(const onnx::NodeProto &node);
  FailureOr<Tensor> importMaxPool(const onnx::NodeProto &node);
  FailureOr<Tensor> importQLinearConv(const onnx::NodeProto &node);
  FailureOr<Tensor> importQLinearMatMul(const onnx::NodeProto &node);
  FailureOr<Tensor> importQuantizeLinear(const onnx::NodeProto &node);
  FailureOr<Tensor> importRelu(const onnx::NodeProto &node);
  FailureOr<Tensor> importReshape(const onnx::NodeProto &node);
  FailureOr<Tensor> importResize(const onnx::NodeProto &node);
  /// Where Squeeze and Unsqueeze read their axes from.
  enum class AxesFrom { Attribute, Input };
  template <AxesFrom axesFrom>
  FailureOr<Tensor> importSqueeze(const onnx::NodeProto &node);
  FailureOr<Tensor> importTranspose(const onnx::NodeProto &node);
  template <AxesFrom axesFrom>
  FailureOr<Tensor> importUnsqueeze(const onnx::NodeProto &node);

  // Float functions, normalizations and reductions (ONNXMathOps.cpp).
  /// A unary element-wise function: one single-input linalg.generic whose
  /// body is `fn` (the form a lookup table over an 8-bit grid replaces).
  template <Value (*fn)(OpBuilder &, Location, Value)>
  FailureOr<Tensor> importUnary(const onnx::NodeProto &node);
  FailureOr<Tensor> importHardSigmoid(const onnx::NodeProto &node);
  FailureOr<Tensor> importLeakyRelu(const onnx::NodeProto &node);
  FailureOr<Tensor> importPow(const onnx::NodeProto &node);
  /// Max and Min: `OpTy` folded over any number of inputs (broadcast).
  template <typename OpTy>
  FailureOr<Tensor> importVariadic(const onnx::NodeProto &node);
  FailureOr<Tensor> importBatchNormalization(const onnx::NodeProto &node);
  /// Softmax's axis: one dimension (opset 13 on), or the input coerced to
  /// 2-D at the axis, each row normalized (before opset 13).
  enum class SoftmaxAxis { Coerced2D, One };
  template <SoftmaxAxis mode>
  FailureOr<Tensor> importSoftmax(const onnx::NodeProto &node);
  enum class Reduction { Mean, Max };
  template <Reduction kind, AxesFrom axesFrom>
  FailureOr<Tensor> importReduce(const onnx::NodeProto &node);

  // Data movement and shape arithmetic (ONNXDataOps.cpp).
  enum class IntegerBinary { Add, Sub, Mul, Div };
  /// `x op y` of two integer constants of one type, numpy broadcasting,
  /// computed now (Div toward zero, as ONNX Runtime); an error where a
  /// result overflows the type or a divisor is 0.
  FailureOr<Tensor> foldIntegerBinary(Tensor &x, Tensor &y, IntegerBinary op);
  FailureOr<Tensor> importCast(const onnx::NodeProto &node);
  FailureOr<Tensor> importGather(const onnx::NodeProto &node);
  /// Where Pad reads its pads and value from.
  enum class PadFrom { Attributes, Inputs };
  template <PadFrom from>
  FailureOr<Tensor> importPad(const onnx::NodeProto &node);
  FailureOr<Tensor> importShape(const onnx::NodeProto &node);
  FailureOr<Tensor> importSlice(const onnx::NodeProto &node);
  /// Where Split reads its sizes from: the `split` attribute (before opset
  /// 13), input 1 (13 on), or input 1 or the `num_outputs` attribute (18 on).
  enum class SplitFrom { Attribute, Input, InputOrNumOutputs };
  template <SplitFrom from>
  FailureOr<Tensor> importSplit(const onnx::NodeProto &node);

  // Helpers of the op importers.
  FailureOr<Tensor> squeezeOrUnsqueeze(const onnx::NodeProto &node,
                                       bool squeeze, AxesFrom axesFrom);
  FailureOr<Tensor> dequantizeQLinearConvBias(const onnx::NodeProto &node);
  FailureOr<Tensor> quantizeQLinearResult(const onnx::NodeProto &node,
                                          Tensor &y);
  LogicalResult checkPerTensor(const onnx::NodeProto &node, int scale,
                               StringRef what);

  // Op mapping -------------------------------------------------------------
  LogicalResult importNode(const onnx::NodeProto &node);
  using Body = function_ref<Value(OpBuilder &, Location, ValueRange)>;
  /// `v` reduced over its (physical) dimensions `dims` by `combine(acc, x)`
  /// from `init`: a linalg.generic whose result lacks those dimensions.
  Value reduceDims(Value v, ArrayRef<int64_t> dims, float init, Body combine);
  /// `body(x, r)` per element of `v`, r the element of `reduced` (`v`
  /// reduced over `dims`) that x was reduced into.
  Value mapWithReduced(Value v, Value reduced, ArrayRef<int64_t> dims,
                       Body body);
  /// Elements offsets + i * steps (per logical dimension, steps != 0) of
  /// `x`, `sizes` of them: computed now for a constant, else a
  /// tensor.extract_slice (in NHWC when x is held so).
  FailureOr<Tensor> sliceTensor(Tensor &x, ArrayRef<int64_t> offsets,
                                ArrayRef<int64_t> sizes,
                                ArrayRef<int64_t> steps);
  FailureOr<Tensor> reverseSlice(Value v, const Tensor &x,
                                 ArrayRef<int64_t> offsets,
                                 ArrayRef<int64_t> sizes,
                                 ArrayRef<int64_t> steps, bool nhwc);
  /// `x` padded by `pads` (ONNX order: all begins, then all ends) with
  /// `value`: a tensor.pad (in NHWC when x is held so).
  FailureOr<Tensor> padTensor(Tensor &x, ArrayRef<int64_t> pads, float value);
  /// Pad modes that repeat the input's own elements (reflect, edge, wrap):
  /// per padded dimension, single-element slices of the input concatenated
  /// around it, data movement that qat moves onto the integer storage.
  /// The integer factor of each dimension of a Resize of `x` (from its
  /// scales or sizes input), or an error.
  FailureOr<SmallVector<int64_t>> resizeFactors(const onnx::NodeProto &node,
                                                const Tensor &x);
  FailureOr<Tensor> padByCopies(Tensor &x, ArrayRef<int64_t> pads,
                                StringRef mode);
  /// Split into the node's outputs: by `split`, or in equal parts (the last
  /// smaller with `numOutputs`). Defines outputs 1 on, returns output 0.
  FailureOr<Tensor> splitNode(const onnx::NodeProto &node,
                              std::optional<SmallVector<int64_t>> split,
                              bool numOutputs);
  /// Softmax of `x` over its logical dimensions `axes`, in x's layout.
  FailureOr<Tensor> softmax(Tensor &x, ArrayRef<int64_t> axes);
  FailureOr<SmallVector<int64_t>> reductionAxes(const onnx::NodeProto &node,
                                                int64_t rank, AxesFrom axesFrom,
                                                bool &identity);
  /// A 0-D FLOAT constant (a scale or divisor for `elementwise`).
  Tensor scalarConstant(float value);
  FailureOr<Tensor> elementwise(ArrayRef<Tensor *> inputs, Body body);
  FailureOr<Tensor> activation(Tensor &x, StringRef name, float lo, float hi);
  FailureOr<Tensor> matmul(Tensor &a, Tensor &w);
  FailureOr<Tensor> addBias(Tensor &acc, Tensor &bias, int64_t channelDim);
  FailureOr<Tensor> conv(const onnx::NodeProto &node, Tensor &x, Tensor &w,
                         Tensor *bias);
  /// `x` (NCHW, 4-D float) with `stride - 1` zeros between neighbours along
  /// H and W: the input of the convolution that computes a transposed one.
  FailureOr<Tensor> insertZeros(Tensor &x, ArrayRef<int64_t> strides);
  FailureOr<Tensor> pool(const onnx::NodeProto &node, Tensor &x, bool isMax);
  FailureOr<Tensor> globalAveragePool(Tensor &x);
  /// A 1-D window op (Conv, pooling) on N x C x L as its 2-D form on
  /// N x C x 1 x L: `op2D` applied to the node with 2-D window attributes
  /// and to `operands` with a unit height, its result without it.
  FailureOr<Tensor>
  windowOp1D(const onnx::NodeProto &node, ArrayRef<Tensor *> operands,
             function_ref<FailureOr<Tensor>(const onnx::NodeProto &,
                                            MutableArrayRef<Tensor>)>
                 op2D);
  /// An error unless `x` is a 4-D float tensor, what poolings take.
  LogicalResult checkPoolInput(Tensor &x);
  /// Where the windows of a pooling lie on H and W.
  struct PoolWindow {
    SmallVector<int64_t> kernel, strides, dilations;
    /// The pads (top, left, bottom, right) applied, and those the node
    /// declares: ceil_mode pads past them, and never counts that padding.
    SmallVector<int64_t> pads, declaredPads;
    SmallVector<int64_t> out;
    bool countPad = false;
  };
  /// Max or average pooling of the 4-D float `x` (held in NHWC).
  FailureOr<Tensor> poolWindows(Tensor &x, const PoolWindow &window,
                                bool isMax);
  FailureOr<std::array<int64_t, 2>>
  integerZeroPoints(const onnx::NodeProto &node, StringRef perWhat);
  /// The `strides` and `dilations` attributes of a linalg convolution or
  /// pooling.
  SmallVector<NamedAttribute> windowAttrs(ArrayRef<int64_t> strides,
                                          ArrayRef<int64_t> dilations);
  /// An error unless `ins` are 8-bit integer tensors (MatMulInteger and
  /// ConvInteger).
  LogicalResult checkIntegerOperands(ArrayRef<Tensor *> ins);
  /// The window of a convolution or pooling of an NCHW input of shape
  /// `inputShape`: its attributes, the pads applied and the output's H and W,
  /// or an error if they do not fit the input or make it too large.
  LogicalResult
  readWindow(const onnx::NodeProto &node, ArrayRef<int64_t> inputShape,
             ArrayRef<int64_t> kernel, SmallVector<int64_t> &strides,
             SmallVector<int64_t> &dilations, SmallVector<int64_t> &pads,
             SmallVector<int64_t> &outputHW, bool ceilMode);

  // Attributes -----------------------------------------------------------
  // Each reader returns the attribute's value, `dflt` when the node does not
  // set it, or an error when the node sets it with another type (opsets past
  // libonnx's checker reach the importer unchecked).
  const onnx::AttributeProto *attr(const onnx::NodeProto &node, StringRef name);
  /// The attribute `name` if set, an error if set with a type other than
  /// `type`, null if not set.
  FailureOr<const onnx::AttributeProto *>
  typedAttr(const onnx::NodeProto &node, StringRef name,
            onnx::AttributeProto::AttributeType type);
  FailureOr<int64_t> intAttr(const onnx::NodeProto &node, StringRef name,
                             int64_t dflt);
  FailureOr<float> floatAttr(const onnx::NodeProto &node, StringRef name,
                             float dflt);
  FailureOr<std::string> stringAttr(const onnx::NodeProto &node, StringRef name,
                                    StringRef dflt);
  FailureOr<SmallVector<int64_t>>
  intsAttr(const onnx::NodeProto &node, StringRef name, ArrayRef<int64_t> dflt);
  /// `axis` made non-negative for a tensor of rank `rank` (ONNX counts a
  /// negative axis from the end), or an error naming `what` and the axis as
  /// given. `endInclusive` accepts `rank` too (Flatten).
  FailureOr<int64_t> normalizeAxis(int64_t axis, int64_t rank, StringRef what,
                                   bool endInclusive = false);

  // Shapes -----------------------------------------------------------------
  /// The tensor type of `shape`, or an error naming `what` if a size is
  /// negative or the tensor is larger than kMaxElements (checkedNumElements).
  FailureOr<RankedTensorType> checkedType(ArrayRef<int64_t> shape,
                                          Type elementType, const Twine &what);

  MLIRContext *ctx;
  OpBuilder b;
  std::string fileName;
  const onnx::ModelProto &model;
  int64_t opset = 0;
  Location loc = UnknownLoc::get(ctx);
  std::string nodeName, opType;
  llvm::StringMap<Tensor> values;
  /// How many nodes (and graph outputs) read each value: an activation is
  /// fused into the element-wise op that produced its input only when
  /// nothing else reads that input.
  llvm::StringMap<unsigned> readers;
};

/// The body of a binary element-wise op: `OpTy(args[0], args[1])`.
template <typename OpTy>
Value binaryBody(OpBuilder &b, Location loc, ValueRange args) {
  return OpTy::create(b, loc, args[0], args[1]);
}

/// The body of a unary element-wise function that is one op: `OpTy(x)`.
template <typename OpTy> Value unaryBody(OpBuilder &b, Location loc, Value x) {
  return OpTy::create(b, loc, x);
}

/// The bodies of the unary element-wise functions of several ops
/// (ONNXMathOps.cpp).
Value sigmoidBody(OpBuilder &b, Location loc, Value x);
Value softplusBody(OpBuilder &b, Location loc, Value x);
Value hardSwishBody(OpBuilder &b, Location loc, Value x);

/// ONNX's DequantizeLinear of an integer constant `q` (an int32 bias, or
/// 8-bit storage read as signed or unsigned): f32(q - zero point) * scale
/// per element, with the scale and zero point of its channel along `axis`
/// (the only ones without an axis).
SmallVector<float> dequantizeConstant(DenseElementsAttr q,
                                      ArrayRef<float> scales,
                                      ArrayRef<int64_t> zeroPoints,
                                      std::optional<int64_t> axis,
                                      bool isSigned = true);

/// `type` printed, for messages.
std::string typeString(Type type);
/// The name of an ONNX data type ("FLOAT", "UINT8", ...), or "data type N"
/// for a number ONNX does not define.
std::string dataTypeName(int64_t dataType);

} // namespace mlir::qat::onnx_import

#endif // QAT_LIB_TARGET_ONNX_IMPORTER_H
