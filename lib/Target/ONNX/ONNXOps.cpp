//===- ONNXOps.cpp - one import function per ONNX op, and their table -----===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// For each ONNX op type qat imports, the function that reads a node's
// inputs and attributes and builds its result from the emitters of
// ONNXLayers.cpp and ONNXValues.cpp, and, at the end of the file, the table
// from op type (and opset range) to that function. The table is the one
// list of supported ops: the importer dispatches through it, the
// "unsupported op" error lists its names and `qat-translate
// --list-onnx-ops` prints it as the op table of docs/ONNX.md.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

#include "qat/Target/ONNX/ImportONNX.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/CheckedArithmetic.h"
#include "llvm/Support/raw_ostream.h"

#include <limits>
#include <type_traits>

using namespace mlir;
using namespace mlir::qat;
using namespace mlir::qat::onnx_import;

//===----------------------------------------------------------------------===//
// Values and quantization
//===----------------------------------------------------------------------===//

FailureOr<Tensor> Importer::importConstant(const onnx::NodeProto &node) {
  const onnx::AttributeProto *value = attr(node, "value");
  if (!value || !value->has_t())
    return nodeError("supported only with a 'value' tensor attribute");
  return readInitializer(value->t());
}

FailureOr<Tensor> Importer::importIdentity(const onnx::NodeProto &node) {
  FailureOr<Tensor *> x = lookup(node, 0);
  if (failed(x))
    return failure();
  return **x;
}

/// The `axis` attribute of QuantizeLinear and DequantizeLinear, if set.
static FailureOr<std::optional<int64_t>>
axisAttr(FailureOr<const onnx::AttributeProto *> axis) {
  if (failed(axis))
    return failure();
  if (*axis)
    return std::optional<int64_t>((*axis)->i());
  return std::optional<int64_t>();
}

FailureOr<Tensor> Importer::importQuantizeLinear(const onnx::NodeProto &node) {
  FailureOr<Tensor *> x = lookup(node, 0);
  if (failed(x))
    return failure();
  FailureOr<int64_t> saturate = intAttr(node, "saturate", 1);
  FailureOr<int64_t> blockSize = intAttr(node, "block_size", 0);
  // Without a zero point the storage type is output_dtype's (opset 21),
  // uint8 by default.
  FailureOr<int64_t> dtype =
      intAttr(node, "output_dtype", onnx::TensorProto::UINT8);
  FailureOr<std::optional<int64_t>> axis =
      axisAttr(typedAttr(node, "axis", onnx::AttributeProto::INT));
  if (failed(saturate) || failed(blockSize) || failed(dtype) || failed(axis))
    return failure();
  if (*saturate != 1)
    return nodeError("has saturate = " + Twine(*saturate));
  if (*blockSize != 0)
    return nodeError("quantizes in blocks (block_size); supported: per "
                     "tensor and per axis");
  if (!hasInput(node, 2) && *dtype != onnx::TensorProto::UINT8 &&
      *dtype != onnx::TensorProto::INT8)
    return nodeError("quantizes to " + dataTypeName(*dtype) +
                     "; supported: UINT8, INT8");
  FailureOr<Grid> grid =
      readGrid(node, 1, 2, (*x)->type.getRank(), *axis,
               /*storageSigned=*/*dtype == onnx::TensorProto::INT8);
  if (failed(grid))
    return failure();
  return quantizeLinear(**x, *grid, node.input(0));
}

FailureOr<Tensor>
Importer::importDequantizeLinear(const onnx::NodeProto &node) {
  FailureOr<int64_t> blockSize = intAttr(node, "block_size", 0);
  FailureOr<std::optional<int64_t>> axis =
      axisAttr(typedAttr(node, "axis", onnx::AttributeProto::INT));
  if (failed(blockSize) || failed(axis))
    return failure();
  if (*blockSize != 0)
    return nodeError("dequantizes in blocks (block_size); supported: per "
                     "tensor and per axis");
  return dequantizeNode(node, 0, 1, 2, *axis);
}

/// QLinearMatMul and QLinearConv dequantize their operands, run the float
/// op and quantize its result on inputs 6 and 7: what the ONNX definition
/// states, in the form qat turns into integers.
FailureOr<Tensor> Importer::quantizeQLinearResult(const onnx::NodeProto &node,
                                                  Tensor &y) {
  FailureOr<Grid> grid =
      readGrid(node, 6, 7, y.type.getRank(), std::nullopt, false);
  if (failed(grid))
    return failure();
  // The float result under a name no ONNX value has.
  std::string name = node.output(0) + "#float";
  while (values.count(name))
    name += "#";
  values[name] = y;
  return quantizeLinear(values[name], *grid, name);
}

/// An error unless the scale and zero point inputs of the QLinear op's
/// operand `what` (inputs `scale` and `scale + 1`) hold one value each: the
/// grids of QLinearConv's x and y are per tensor by the ONNX definition,
/// and qat imports QLinearMatMul's per-row grids of a and y as neither.
LogicalResult Importer::checkPerTensor(const onnx::NodeProto &node, int scale,
                                       StringRef what) {
  for (int i : {scale, scale + 1}) {
    if (!hasInput(node, i))
      continue;
    FailureOr<DenseElementsAttr> c =
        constantOf(node, i, i == scale ? "the scale" : "the zero point");
    if (failed(c))
      return failure();
    if (c->getNumElements() != 1)
      return nodeError(what + "'s " + (i == scale ? "scale" : "zero point") +
                       " has " + Twine(c->getNumElements()) +
                       " values; supported: one (a per-tensor grid)");
  }
  return success();
}

FailureOr<Tensor> Importer::importQLinearMatMul(const onnx::NodeProto &node) {
  if (failed(checkPerTensor(node, 1, "a")) ||
      failed(checkPerTensor(node, 6, "y")))
    return failure();
  FailureOr<Tensor> a = dequantizeNode(node, 0, 1, 2, std::nullopt);
  if (failed(a))
    return failure();
  FailureOr<Tensor *> wq = lookup(node, 3);
  if (failed(wq))
    return failure();
  // Per-column weight scales: the axis of the output's columns.
  FailureOr<Tensor> w =
      dequantizeNode(node, 3, 4, 5, (*wq)->type.getRank() - 1);
  if (failed(w))
    return failure();
  FailureOr<Tensor> y = matmul(*a, *w);
  if (failed(y))
    return failure();
  return quantizeQLinearResult(node, *y);
}

/// The int32 bias (input 8) in float: its scale is x_scale * w_scale (per
/// output channel when the weight's is), its zero point 0.
FailureOr<Tensor>
Importer::dequantizeQLinearConvBias(const onnx::NodeProto &node) {
  FailureOr<SmallVector<float>> xs = readScales(node, 1);
  FailureOr<SmallVector<float>> ws = readScales(node, 4);
  FailureOr<Tensor *> bq = lookup(node, 8);
  if (failed(xs) || failed(ws) || failed(bq))
    return failure();
  if (!(*bq)->constant || (*bq)->grid)
    return nodeError("the bias must be a constant");
  if (!(*bq)->type.getElementType().isInteger(32))
    return nodeError("the bias must be INT32");
  SmallVector<float> scales;
  for (float s : *ws)
    scales.push_back((*xs)[0] * s);
  // The bias is read as one value per output channel, whatever its shape;
  // the weight's scales are one or one per output channel.
  int64_t count = (*bq)->type.getNumElements();
  if (scales.size() > 1 && count != static_cast<int64_t>(scales.size()))
    return nodeError("the bias has " + Twine(count) + " values for " +
                     Twine(scales.size()) + " output channels");
  Tensor bias;
  bias.type = RankedTensorType::get({count}, b.getF32Type());
  DenseElementsAttr flat = (*bq)->constant.reshape(
      bias.type.clone((*bq)->constant.getElementType()));
  SmallVector<int64_t> zeroPoints(scales.size(), 0);
  std::optional<int64_t> axis;
  if (scales.size() > 1)
    axis = 0;
  bias.constant = DenseElementsAttr::get(
      bias.type,
      ArrayRef<float>(dequantizeConstant(flat, scales, zeroPoints, axis)));
  return bias;
}

FailureOr<Tensor> Importer::importQLinearConv(const onnx::NodeProto &node) {
  // The bias's scale is x_scale * w_scale: x's grid must be one.
  if (failed(checkPerTensor(node, 1, "x")) ||
      failed(checkPerTensor(node, 6, "y")))
    return failure();
  FailureOr<Tensor> a = dequantizeNode(node, 0, 1, 2, std::nullopt);
  if (failed(a))
    return failure();
  // Per-output-channel weight scales.
  FailureOr<Tensor> w = dequantizeNode(node, 3, 4, 5, /*axis=*/0);
  if (failed(w))
    return failure();
  std::optional<Tensor> bias;
  if (hasInput(node, 8)) {
    FailureOr<Tensor> t = dequantizeQLinearConvBias(node);
    if (failed(t))
      return failure();
    bias = std::move(*t);
  }
  FailureOr<Tensor> y = conv(node, *a, *w, bias ? &*bias : nullptr);
  if (failed(y))
    return failure();
  return quantizeQLinearResult(node, *y);
}

//===----------------------------------------------------------------------===//
// Activations and element-wise ops
//===----------------------------------------------------------------------===//

static constexpr float kInfinity = std::numeric_limits<float>::infinity();

FailureOr<Tensor> Importer::importRelu(const onnx::NodeProto &node) {
  FailureOr<Tensor *> x = lookup(node, 0);
  if (failed(x))
    return failure();
  return activation(**x, node.input(0), 0, kInfinity);
}

FailureOr<Tensor>
Importer::importClipWithAttributes(const onnx::NodeProto &node) {
  FailureOr<Tensor *> x = lookup(node, 0);
  if (failed(x))
    return failure();
  FailureOr<float> lo = floatAttr(node, "min", -kInfinity);
  FailureOr<float> hi = floatAttr(node, "max", kInfinity);
  if (failed(lo) || failed(hi))
    return failure();
  return activation(**x, node.input(0), *lo, *hi);
}

/// Clip of the codes a QuantizeLinear produced, with integer bounds of the
/// codes' type: the same grid over fewer codes (PyTorch exports its
/// reduce-range fake-quant, u8 codes in [0, 127], so).
FailureOr<Tensor> Importer::clipCodes(const onnx::NodeProto &node,
                                      const Tensor &q) {
  Tensor r = q;
  Grid &grid = *r.grid;
  int64_t bounds[2] = {grid.getMinCode(), grid.getMaxCode()};
  for (int i : {1, 2}) {
    if (!hasInput(node, i))
      continue;
    FailureOr<DenseElementsAttr> c =
        constantOf(node, i, i == 1 ? "min" : "max");
    if (failed(c))
      return failure();
    FailureOr<Tensor *> bound = lookup(node, i);
    if (!c->getElementType().isInteger(8) || c->getNumElements() != 1 ||
        (*bound)->isUnsigned != q.isUnsigned)
      return nodeError("clips quantized codes: min and max must be scalars "
                       "of the codes' type (" +
                       Twine(q.isUnsigned ? "UINT8" : "INT8") + ")");
    APInt v = *c->getValues<APInt>().begin();
    bounds[i - 1] = q.isUnsigned ? v.getZExtValue() : v.getSExtValue();
  }
  int64_t lo = std::max(bounds[0], grid.getMinCode());
  int64_t hi = std::min(bounds[1], grid.getMaxCode());
  if (lo > hi)
    return nodeError("clips the quantized codes to an empty range [" +
                     Twine(bounds[0]) + ", " + Twine(bounds[1]) + "]");
  grid.codes = std::make_pair(lo, hi);
  return r;
}

FailureOr<Tensor> Importer::importClipWithInputs(const onnx::NodeProto &node) {
  FailureOr<Tensor *> x = lookup(node, 0);
  if (failed(x))
    return failure();
  if (!(*x)->quantizedFrom.empty())
    return clipCodes(node, **x);
  float bounds[2] = {-kInfinity, kInfinity};
  for (int i : {1, 2}) {
    if (!hasInput(node, i))
      continue;
    FailureOr<DenseElementsAttr> c =
        constantOf(node, i, i == 1 ? "min" : "max");
    if (failed(c))
      return failure();
    if (!c->getElementType().isF32() || c->getNumElements() != 1)
      return nodeError("min and max must be FLOAT scalars");
    bounds[i - 1] = *c->getValues<float>().begin();
  }
  return activation(**x, node.input(0), bounds[0], bounds[1]);
}

/// Add and Mul: `OpTy` on two inputs with numpy broadcasting.
template <typename OpTy>
FailureOr<Tensor> Importer::importBinary(const onnx::NodeProto &node) {
  FailureOr<Tensor *> x = lookup(node, 0), y = lookup(node, 1);
  if (failed(x) || failed(y))
    return failure();
  // Integer constants are shape arithmetic (Shape -> Gather -> Mul ->
  // Reshape): computed now.
  auto isIntegerConstant = [](Tensor *t) {
    return t->constant && !t->grid && !t->isFloat();
  };
  if (isIntegerConstant(*x) && isIntegerConstant(*y)) {
    constexpr IntegerBinary kind =
        std::is_same_v<OpTy, arith::AddFOp>   ? IntegerBinary::Add
        : std::is_same_v<OpTy, arith::SubFOp> ? IntegerBinary::Sub
        : std::is_same_v<OpTy, arith::MulFOp> ? IntegerBinary::Mul
                                              : IntegerBinary::Div;
    return foldIntegerBinary(**x, **y, kind);
  }
  return elementwise({*x, *y}, binaryBody<OpTy>);
}

//===----------------------------------------------------------------------===//
// Matmuls, convolutions and poolings
//===----------------------------------------------------------------------===//

FailureOr<Tensor> Importer::importMatMul(const onnx::NodeProto &node) {
  FailureOr<Tensor *> a = lookup(node, 0), w = lookup(node, 1);
  if (failed(a) || failed(w))
    return failure();
  return matmul(**a, **w);
}

FailureOr<Tensor> Importer::importGemm(const onnx::NodeProto &node) {
  FailureOr<Tensor *> a = lookup(node, 0), w = lookup(node, 1);
  if (failed(a) || failed(w))
    return failure();
  if ((*a)->type.getRank() != 2 || (*w)->type.getRank() != 2)
    return nodeError("has inputs that are not 2-D");
  Tensor lhs = **a, rhs = **w;
  for (auto [attrName, operand] :
       {std::pair<StringRef, Tensor *>{"transA", &lhs}, {"transB", &rhs}}) {
    FailureOr<int64_t> transposed = intAttr(node, attrName, 0);
    if (failed(transposed))
      return failure();
    if (!*transposed)
      continue;
    FailureOr<Tensor> t = transposeTensor(*operand, {1, 0});
    if (failed(t))
      return failure();
    *operand = *t;
  }
  FailureOr<Tensor> y = matmul(lhs, rhs);
  if (failed(y))
    return failure();
  FailureOr<float> alphaAttr = floatAttr(node, "alpha", 1.0f);
  FailureOr<float> betaAttr = floatAttr(node, "beta", 1.0f);
  if (failed(alphaAttr) || failed(betaAttr))
    return failure();
  float alpha = *alphaAttr, beta = *betaAttr;
  if (alpha != 1.0f) {
    Tensor scale = scalarConstant(alpha);
    y = elementwise({&*y, &scale}, binaryBody<arith::MulFOp>);
    if (failed(y))
      return failure();
  }
  if (!hasInput(node, 2) || beta == 0.0f)
    return y;
  FailureOr<Tensor *> c = lookup(node, 2);
  if (failed(c))
    return failure();
  Tensor bias = **c;
  if (beta != 1.0f) {
    if (!bias.constant || bias.grid || !bias.isFloat())
      return nodeError("has beta != 1 with a C that is not a FLOAT "
                       "constant");
    SmallVector<float> v(bias.constant.getValues<float>());
    for (float &e : v)
      e *= beta;
    bias.constant = DenseElementsAttr::get(bias.type, ArrayRef<float>(v));
  }
  // A per-column C (N or 1 x N) is a bias; otherwise C broadcasts like
  // numpy.
  ArrayRef<int64_t> cShape = bias.type.getShape();
  int64_t n = y->type.getDimSize(1);
  if (bias.constant &&
      ((cShape.size() == 1 && cShape[0] == n) ||
       (cShape.size() == 2 && cShape[0] == 1 && cShape[1] == n)))
    return addBias(*y, bias, 1);
  return elementwise({&*y, &bias}, binaryBody<arith::AddFOp>);
}

FailureOr<Tensor> Importer::importConv(const onnx::NodeProto &node) {
  FailureOr<Tensor *> x = lookup(node, 0), w = lookup(node, 1),
                      bias = lookupOptional(node, 2);
  if (failed(x) || failed(w) || failed(bias))
    return failure();
  return conv(node, **x, **w, *bias);
}

FailureOr<Tensor> Importer::importMaxPool(const onnx::NodeProto &node) {
  FailureOr<Tensor *> x = lookup(node, 0);
  if (failed(x))
    return failure();
  return pool(node, **x, /*isMax=*/true);
}

FailureOr<Tensor> Importer::importAveragePool(const onnx::NodeProto &node) {
  FailureOr<Tensor *> x = lookup(node, 0);
  if (failed(x))
    return failure();
  return pool(node, **x, /*isMax=*/false);
}

FailureOr<Tensor>
Importer::importGlobalAveragePool(const onnx::NodeProto &node) {
  FailureOr<Tensor *> x = lookup(node, 0);
  if (failed(x))
    return failure();
  if ((*x)->type.getRank() == 3)
    return windowOp1D(node, {*x},
                      [&](const onnx::NodeProto &, MutableArrayRef<Tensor> xs) {
                        return globalAveragePool(xs[0]);
                      });
  return globalAveragePool(**x);
}

//===----------------------------------------------------------------------===//
// Shapes
//===----------------------------------------------------------------------===//

FailureOr<Tensor> Importer::importTranspose(const onnx::NodeProto &node) {
  FailureOr<Tensor *> x = lookup(node, 0);
  if (failed(x))
    return failure();
  int64_t rank = (*x)->type.getRank();
  SmallVector<int64_t> reversed;
  for (int64_t d = rank - 1; d >= 0; --d)
    reversed.push_back(d);
  FailureOr<SmallVector<int64_t>> perm = intsAttr(node, "perm", reversed);
  if (failed(perm))
    return failure();
  // A permutation of [0, rank): as many entries as the rank (also for rank
  // 0, which takes only the empty perm), each once.
  SmallVector<int64_t> sorted(*perm);
  llvm::sort(sorted);
  bool valid = static_cast<int64_t>(sorted.size()) == rank;
  for (int64_t d = 0; valid && d < rank; ++d)
    valid = sorted[d] == d;
  if (!valid)
    return nodeError("has an invalid perm for rank " + Twine(rank));
  return transposeTensor(**x, *perm);
}

FailureOr<Tensor> Importer::importReshape(const onnx::NodeProto &node) {
  FailureOr<Tensor *> x = lookup(node, 0);
  if (failed(x))
    return failure();
  ArrayRef<int64_t> in = (*x)->type.getShape();
  int64_t rank = in.size();
  FailureOr<SmallVector<int64_t>> target = intsOf(node, 1, "the shape");
  if (failed(target))
    return failure();
  FailureOr<int64_t> allowZeroAttr = intAttr(node, "allowzero", 0);
  if (failed(allowZeroAttr))
    return failure();
  bool allowZero = *allowZeroAttr != 0;
  SmallVector<int64_t> shape;
  int64_t known = 1, inferred = -1;
  for (auto [i, d] : llvm::enumerate(*target)) {
    if (d == 0 && !allowZero) {
      if (static_cast<int64_t>(i) >= rank)
        return nodeError("copies a dimension the input lacks");
      d = in[i];
    }
    if (d == -1) {
      if (inferred >= 0)
        return nodeError("has two -1 sizes");
      inferred = i;
    } else if (d < 0) {
      return nodeError("has a negative size");
    } else {
      std::optional<int64_t> product = llvm::checkedMul(known, d);
      if (!product)
        return nodeError("has a target shape whose size overflows");
      known = *product;
    }
    shape.push_back(d);
  }
  if (inferred >= 0) {
    if (known == 0 || (*x)->type.getNumElements() % known)
      return nodeError("cannot infer its -1 size");
    shape[inferred] = (*x)->type.getNumElements() / known;
  }
  return reshapeTensor(**x, shape);
}

FailureOr<Tensor> Importer::importFlatten(const onnx::NodeProto &node) {
  FailureOr<Tensor *> x = lookup(node, 0);
  if (failed(x))
    return failure();
  int64_t rank = (*x)->type.getRank();
  FailureOr<int64_t> axisAttr = intAttr(node, "axis", 1);
  if (failed(axisAttr))
    return failure();
  FailureOr<int64_t> axis =
      normalizeAxis(*axisAttr, rank, "axis", /*endInclusive=*/true);
  if (failed(axis))
    return failure();
  // Both products are partial products of a checked shape: no overflow.
  ArrayRef<int64_t> in = (*x)->type.getShape();
  auto product = [](ArrayRef<int64_t> sizes) {
    int64_t p = 1;
    for (int64_t d : sizes)
      p *= d;
    return p;
  };
  SmallVector<int64_t> shape = {product(in.take_front(*axis)),
                                product(in.drop_front(*axis))};
  return reshapeTensor(**x, shape);
}

/// Squeeze and Unsqueeze, their axes read from input 1 (opset 13 on; as
/// before the table, the attribute is still read when that input is absent)
/// or from the `axes` attribute (before opset 13).
FailureOr<Tensor> Importer::squeezeOrUnsqueeze(const onnx::NodeProto &node,
                                               bool squeeze,
                                               AxesFrom axesFrom) {
  FailureOr<Tensor *> x = lookup(node, 0);
  if (failed(x))
    return failure();
  ArrayRef<int64_t> in = (*x)->type.getShape();
  int64_t rank = in.size();
  SmallVector<int64_t> axes;
  if (axesFrom == AxesFrom::Input && hasInput(node, 1)) {
    FailureOr<SmallVector<int64_t>> a = intsOf(node, 1, "the axes");
    if (failed(a))
      return failure();
    axes = *a;
  } else {
    FailureOr<SmallVector<int64_t>> a = intsAttr(node, "axes", {});
    if (failed(a))
      return failure();
    axes = *a;
  }
  int64_t outRank = squeeze ? rank : rank + axes.size();
  for (int64_t &a : axes) {
    FailureOr<int64_t> normalized =
        normalizeAxis(a, squeeze ? rank : outRank, "axis");
    if (failed(normalized))
      return failure();
    a = *normalized;
  }
  // A repeated axis would make Unsqueeze read past the input's sizes.
  SmallVector<int64_t> sorted(axes);
  llvm::sort(sorted);
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
    return nodeError("lists an axis twice");
  SmallVector<int64_t> shape;
  if (squeeze) {
    for (int64_t d = 0; d < rank; ++d) {
      bool listed = llvm::is_contained(axes, d);
      if (listed && in[d] != 1)
        return nodeError("squeezes a dimension of size " + Twine(in[d]));
      if (!(listed || (axes.empty() && in[d] == 1)))
        shape.push_back(in[d]);
    }
  } else {
    for (int64_t d = 0, i = 0; d < outRank; ++d)
      shape.push_back(llvm::is_contained(axes, d) ? 1 : in[i++]);
  }
  return reshapeTensor(**x, shape);
}

template <Importer::AxesFrom axesFrom>
FailureOr<Tensor> Importer::importSqueeze(const onnx::NodeProto &node) {
  return squeezeOrUnsqueeze(node, /*squeeze=*/true, axesFrom);
}

template <Importer::AxesFrom axesFrom>
FailureOr<Tensor> Importer::importUnsqueeze(const onnx::NodeProto &node) {
  return squeezeOrUnsqueeze(node, /*squeeze=*/false, axesFrom);
}

FailureOr<Tensor> Importer::importConcat(const onnx::NodeProto &node) {
  FailureOr<SmallVector<Tensor *>> inputs = lookupAll(node);
  if (failed(inputs))
    return failure();
  SmallVector<Tensor *> &ins = *inputs;
  int64_t rank = ins[0]->type.getRank();
  FailureOr<int64_t> axisAttr = intAttr(node, "axis", 0);
  if (failed(axisAttr))
    return failure();
  FailureOr<int64_t> normalized = normalizeAxis(*axisAttr, rank, "axis");
  if (failed(normalized))
    return failure();
  int64_t axis = *normalized;
  SmallVector<int64_t> shape(ins[0]->type.getShape());
  shape[axis] = 0;
  // Constants of one element type (shape arithmetic: Shape -> Gather ->
  // Concat -> Reshape) are concatenated now, integers included.
  bool constants = llvm::all_of(ins, [&](Tensor *t) {
    return t->constant && !t->grid &&
           t->type == ins[0]->type.clone(t->type.getShape()) &&
           t->isUnsigned == ins[0]->isUnsigned;
  });
  for (Tensor *t : ins) {
    if (t->type.getRank() != rank || (!constants && !t->isFloat()))
      return nodeError("concatenates tensors of different ranks or types");
    for (int64_t d = 0; d < rank; ++d)
      if (d != axis && t->type.getDimSize(d) != ins[0]->type.getDimSize(d))
        return nodeError("concatenates tensors of different sizes");
    // At most 2^31 inputs of at most kMaxElements: no overflow; define()
    // checks the result's size.
    shape[axis] += t->type.getDimSize(axis);
  }
  if (constants) {
    // Row-major: for each index before the axis, each input's block.
    int64_t outer = 1;
    for (int64_t d = 0; d < axis; ++d)
      outer *= shape[d];
    SmallVector<SmallVector<Attribute>> all;
    for (Tensor *t : ins)
      all.emplace_back(t->constant.getValues<Attribute>());
    SmallVector<Attribute> out;
    for (int64_t o = 0; o < outer; ++o)
      for (SmallVector<Attribute> &v : all) {
        int64_t block = outer ? static_cast<int64_t>(v.size()) / outer : 0;
        llvm::append_range(out, ArrayRef(v).slice(o * block, block));
      }
    Tensor r = *ins[0];
    r.type = RankedTensorType::get(shape, ins[0]->type.getElementType());
    r.constant = DenseElementsAttr::get(
        r.type.clone(ins[0]->constant.getElementType()), out);
    return r;
  }
  // In NHWC when the inputs are held so (channel concatenation of CNNs).
  bool nhwc = rank == 4 && llvm::all_of(ins, [](Tensor *t) {
                return t->nhwc || t->constant;
              });
  SmallVector<Value> vs;
  for (Tensor *t : ins) {
    FailureOr<Value> v = materialize(*t, nhwc);
    if (failed(v))
      return failure();
    vs.push_back(*v);
  }
  Tensor r;
  r.type = RankedTensorType::get(shape, b.getF32Type());
  r.nhwc = nhwc;
  r.value =
      tensor::ConcatOp::create(b, loc, nhwc ? kNCHWToNHWC[axis] : axis, vs);
  return r;
}

//===----------------------------------------------------------------------===//
// The op table
//===----------------------------------------------------------------------===//

/// Whether `table` is sorted by name and each name's opset ranges, in
/// order, cover kMinOpset to kMaxOpset without a gap or an overlap: then
/// every op the table names imports in every opset the importer accepts.
template <size_t N>
static constexpr bool isWellFormed(const OpImporter (&table)[N]) {
  for (size_t i = 0; i < N; ++i) {
    const OpImporter &op = table[i];
    bool first = i == 0 || table[i - 1].name != op.name;
    bool last = i + 1 == N || table[i + 1].name != op.name;
    if (i > 0 && table[i - 1].name > op.name)
      return false;
    if (!first && table[i - 1].maxOpset + 1 != op.minOpset)
      return false;
    if ((first && op.minOpset != kMinOpset) ||
        (last && op.maxOpset != kMaxOpset) || op.minOpset > op.maxOpset)
      return false;
  }
  return true;
}

ArrayRef<OpImporter> Importer::getOpImporters() {
  // The notes are the cells of docs/ONNX.md's op table (Markdown, one line,
  // no '|').
  static constexpr OpImporter table[] = {
      {"Abs", kMinOpset, kMaxOpset,
       &Importer::importUnary<unaryBody<math::AbsFOp>>,
       "`math.absf` in a single-input `linalg.generic` (as every unary "
       "function: the form a lookup table over an 8-bit grid replaces)"},
      {"Add", kMinOpset, kMaxOpset, &Importer::importBinary<arith::AddFOp>,
       "`arith.addf` in a `linalg.generic` with numpy broadcasting (in NHWC "
       "where an input is held so); on integer constants (shape arithmetic) "
       "computed at import time, as Sub, Mul and Div (toward zero)"},
      {"AveragePool", kMinOpset, kMaxOpset, &Importer::importAveragePool,
       "`linalg.pooling_nhwc_sum` after a zero pad, divided by the window's "
       "element count (a constant, or per position when `count_include_pad "
       "= 0` excludes the pads); `ceil_mode`; 1-D as Conv"},
      {"BatchNormalization", kMinOpset, kMaxOpset,
       &Importer::importBatchNormalization,
       "inference (constant scale, bias, mean, variance): `x · s + t` per "
       "channel with `s = scale / sqrt(var + ε)` and `t = bias − mean · s` "
       "computed in f32 at import time as ONNX Runtime computes them"},
      {"Cast", kMinOpset, kMaxOpset, &Importer::importCast,
       "folded: a constant to FLOAT, INT32 or INT64 at import time (FLOAT to "
       "integer toward zero, values out of range an error); FLOAT to FLOAT "
       "the input itself"},
      {"Clip", kMinOpset, 10, &Importer::importClipWithAttributes,
       "bounds from the `min` and `max` attributes: `arith.maximumf` / "
       "`minimumf`, fused as Relu is"},
      {"Clip", 11, kMaxOpset, &Importer::importClipWithInputs,
       "bounds from the `min` and `max` inputs (FLOAT scalar constants): "
       "`arith.maximumf` / `minimumf`, fused as Relu is; of a "
       "QuantizeLinear's codes (UINT8/INT8 bounds): the grid's codes narrowed "
       "(PyTorch's reduce-range u8 [0, 127] is a 7-bit fake-quant)"},
      {"Concat", kMinOpset, kMaxOpset, &Importer::importConcat,
       "`tensor.concat` (along C in NHWC when the 4-D inputs are held so); "
       "constants (integer ones too) concatenated at import time"},
      {"Constant", kMinOpset, kMaxOpset, &Importer::importConstant,
       "a constant (the `value` tensor attribute)"},
      {"Conv", kMinOpset, kMaxOpset, &Importer::importConv,
       "NHWC: `linalg.conv_2d_nhwc_hwcf` with the weight permuted to HWCF at "
       "import time; depthwise (group = C = F) "
       "`linalg.depthwise_conv_2d_nhwc_hwc`; other groups one NHWC "
       "convolution per group on a channel slice, concatenated; strides, "
       "pads, dilations, `auto_pad`; 1-D (N x C x L) as the 2-D convolution "
       "of N x C x 1 x L"},
      {"ConvInteger", kMinOpset, kMaxOpset, &Importer::importConvInteger,
       "exact `i32` arithmetic: the operands widened minus their zero points "
       "(one per input), `linalg.conv_2d_nchw_fchw` on `i32`; group = 1"},
      {"ConvTranspose", kMinOpset, kMaxOpset, &Importer::importConvTranspose,
       "group 1, dilation 1, constant weight: the equal convolution of the "
       "input with stride − 1 zeros between elements (reshapes, a zero pad "
       "and a slice), padded by kernel − 1 − pad (+ `output_padding`), by "
       "the weight with its channels swapped and its window reversed"},
      {"DequantizeLinear", kMinOpset, kMaxOpset,
       &Importer::importDequantizeLinear,
       "of a QuantizeLinear on the same grid: `qat.fake_quant`; of an "
       "int8/uint8 initializer, or of a QuantizeLinear of a float initializer "
       "(a weight's fake-quant as PyTorch exports it: its codes computed at "
       "import): the integer constant under `qat.dequantize` with its grid "
       "(weights keep their exact storage values); of an int32 "
       "initializer (a bias): a float constant, `f32(q − zp) ⊗ scale` as "
       "ONNX computes it (docs/Semantics.md §8.2); otherwise "
       "`qat.dequantize`"},
      {"Div", kMinOpset, kMaxOpset, &Importer::importBinary<arith::DivFOp>,
       "`arith.divf`, as Add"},
      {"Erf", kMinOpset, kMaxOpset,
       &Importer::importUnary<unaryBody<math::ErfOp>>, "`math.erf`, as Abs"},
      {"Exp", kMinOpset, kMaxOpset,
       &Importer::importUnary<unaryBody<math::ExpOp>>, "`math.exp`, as Abs"},
      {"Flatten", kMinOpset, kMaxOpset, &Importer::importFlatten,
       "to 2-D, as Reshape"},
      {"Gather", kMinOpset, kMaxOpset, &Importer::importGather,
       "constant indices (negative ones from the end): a constant gathers at "
       "import time; a float value is one `tensor.extract_slice` per index, "
       "concatenated and reshaped"},
      {"Gemm", kMinOpset, kMaxOpset, &Importer::importGemm,
       "`linalg.matmul`; transA and transB transpose (a constant at import "
       "time); a per-column C is a bias; alpha ≠ 1 a multiplication; beta "
       "scales a constant C"},
      {"GlobalAveragePool", kMinOpset, kMaxOpset,
       &Importer::importGlobalAveragePool,
       "`linalg.pooling_nhwc_sum` over H × W, divided by H·W; 1-D as Conv"},
      {"HardSigmoid", kMinOpset, kMaxOpset, &Importer::importHardSigmoid,
       "`max(0, min(1, alpha · x + beta))`, as Abs"},
      {"HardSwish", kMinOpset, kMaxOpset, &Importer::importUnary<hardSwishBody>,
       "`x · HardSigmoid(x)` with alpha 1/6, beta 0.5 (the ONNX definition), "
       "as Abs"},
      {"Identity", kMinOpset, kMaxOpset, &Importer::importIdentity,
       "the input itself"},
      {"LeakyRelu", kMinOpset, kMaxOpset, &Importer::importLeakyRelu,
       "`x ≥ 0 ? x : alpha · x`, as Abs"},
      {"Log", kMinOpset, kMaxOpset,
       &Importer::importUnary<unaryBody<math::LogOp>>, "`math.log`, as Abs"},
      {"MatMul", kMinOpset, kMaxOpset, &Importer::importMatMul,
       "N-D × 2-D (on the collapsed rows): `linalg.matmul`; N-D × N-D with "
       "the same batch dimensions (attention with heads): "
       "`linalg.batch_matmul` on the collapsed batch dimensions"},
      {"MatMulInteger", kMinOpset, kMaxOpset, &Importer::importMatMulInteger,
       "exact `i32` arithmetic: the operands (2-D) widened minus their zero "
       "points (one per input), `linalg.matmul` on `i32`"},
      {"Max", kMinOpset, kMaxOpset,
       &Importer::importVariadic<arith::MaximumFOp>,
       "`arith.maximumf` folded over the inputs in one `linalg.generic` with "
       "numpy broadcasting"},
      {"MaxPool", kMinOpset, kMaxOpset, &Importer::importMaxPool,
       "`linalg.pooling_nhwc_max` after a −∞ pad; strides, pads, dilations, "
       "`ceil_mode` (no Indices output, `storage_order` 0); 1-D as Conv"},
      {"Min", kMinOpset, kMaxOpset,
       &Importer::importVariadic<arith::MinimumFOp>,
       "`arith.minimumf`, as Max"},
      {"Mul", kMinOpset, kMaxOpset, &Importer::importBinary<arith::MulFOp>,
       "`arith.mulf`, as Add"},
      {"Neg", kMinOpset, kMaxOpset,
       &Importer::importUnary<unaryBody<arith::NegFOp>>,
       "`arith.negf`, as Abs"},
      {"Pad", kMinOpset, 10, &Importer::importPad<PadFrom::Attributes>,
       "`constant` mode, `pads` and `value` attributes (pads ≥ 0): "
       "`tensor.pad` (in NHWC where the input is held so); `reflect` and "
       "`edge` (and `wrap`): single-element slices of the input "
       "concatenated around it, per padded dimension"},
      {"Pad", 11, kMaxOpset, &Importer::importPad<PadFrom::Inputs>,
       "pads, value and (opset 18) axes from inputs 1–3 (constants), as "
       "before"},
      {"Pow", kMinOpset, kMaxOpset, &Importer::importPow,
       "`math.powf`, as Add; an integer constant exponent is converted to "
       "FLOAT"},
      {"QLinearConv", kMinOpset, kMaxOpset, &Importer::importQLinearConv,
       "dequantize both operands, the float convolution (+ the int32 bias on "
       "scale x_scale·w_scale), quantize: the ONNX definition, in the form "
       "qat turns into integers"},
      {"QLinearMatMul", kMinOpset, kMaxOpset, &Importer::importQLinearMatMul,
       "as QLinearConv, with the float matmul (per-column weight scales) and "
       "no bias"},
      {"QuantizeLinear", kMinOpset, kMaxOpset, &Importer::importQuantizeLinear,
       "with a DequantizeLinear on the same grid: `qat.fake_quant` (per "
       "tensor or per axis; u8 or s8 by the zero point's type or "
       "`output_dtype`; round half to even, saturating: ONNX's rules are the "
       "op's defaults); a result that stays integer (a graph output, the "
       "input of an integer op): `qat.quantize`"},
      {"ReduceMax", kMinOpset, 17,
       &Importer::importReduce<Reduction::Max, AxesFrom::Attribute>,
       "axes from the `axes` attribute (none: all), `keepdims`: a "
       "`linalg.generic` reduction with `arith.maximumf` (in NHWC where the "
       "input is held so)"},
      {"ReduceMax", 18, kMaxOpset,
       &Importer::importReduce<Reduction::Max, AxesFrom::Input>,
       "axes from input 1 (a constant; none: all, or the identity with "
       "`noop_with_empty_axes`), as before"},
      {"ReduceMean", kMinOpset, 17,
       &Importer::importReduce<Reduction::Mean, AxesFrom::Attribute>,
       "as ReduceMax, the sum divided by the element count"},
      {"ReduceMean", 18, kMaxOpset,
       &Importer::importReduce<Reduction::Mean, AxesFrom::Input>,
       "as ReduceMax, the sum divided by the element count"},
      {"Relu", kMinOpset, kMaxOpset, &Importer::importRelu,
       "`arith.maximumf`, appended to the element-wise op that produced the "
       "input when nothing else reads it (so that bias + activation is one "
       "epilogue)"},
      {"Reshape", kMinOpset, kMaxOpset, &Importer::importReshape,
       "0 and −1 sizes, `allowzero`: `tensor.collapse_shape` + "
       "`tensor.expand_shape`; constants are reshaped at import time"},
      {"Resize", kMinOpset, kMaxOpset, &Importer::importResize,
       "`nearest` by integer factors (constant scales or sizes): a copy "
       "through the map d → d floordiv s (asymmetric coordinates with "
       "`floor`, half-pixel ones with `round_prefer_floor`/`_ceil`, which "
       "pick the same input)"},
      {"Shape", kMinOpset, kMaxOpset, &Importer::importShape,
       "folded: the static shape as an INT64 constant (`start` and `end` "
       "of opset 15 clamped as Slice's)"},
      {"Sigmoid", kMinOpset, kMaxOpset, &Importer::importUnary<sigmoidBody>,
       "`1 / (1 + exp(−x))`, as Abs"},
      {"Slice", kMinOpset, kMaxOpset, &Importer::importSlice,
       "constant starts, ends, axes and steps (negative indices from the "
       "end, clamped): `tensor.extract_slice` (in NHWC where the input is "
       "held so), a `linalg.generic` for negative steps; constants sliced at "
       "import time"},
      {"Softmax", kMinOpset, 12,
       &Importer::importSoftmax<SoftmaxAxis::Coerced2D>,
       "over the dimensions from `axis` (default 1) on, the input coerced to "
       "2-D: the maximum, `exp(x − max)`, their sum, the exponentials times "
       "the sum's reciprocal (ONNX Runtime's order), as `linalg.generic` "
       "reductions and maps (in NHWC where the input is held so)"},
      {"Softmax", 13, kMaxOpset, &Importer::importSoftmax<SoftmaxAxis::One>,
       "over dimension `axis` (default −1), as before"},
      {"Softplus", kMinOpset, kMaxOpset, &Importer::importUnary<softplusBody>,
       "`x > 0 ? x + log1p(exp(−x)) : log1p(exp(x))` (ONNX Runtime's form), as "
       "Abs"},
      {"Split", kMinOpset, 12, &Importer::importSplit<SplitFrom::Attribute>,
       "sizes from the `split` attribute, or equal parts: one "
       "`tensor.extract_slice` per output, as Slice"},
      {"Split", 13, 17, &Importer::importSplit<SplitFrom::Input>,
       "sizes from input 1 (a constant), or equal parts, as before"},
      {"Split", 18, kMaxOpset,
       &Importer::importSplit<SplitFrom::InputOrNumOutputs>,
       "sizes from input 1, or `num_outputs` parts (the last one smaller), as "
       "before"},
      {"Sqrt", kMinOpset, kMaxOpset,
       &Importer::importUnary<unaryBody<math::SqrtOp>>, "`math.sqrt`, as Abs"},
      {"Squeeze", kMinOpset, 12, &Importer::importSqueeze<AxesFrom::Attribute>,
       "axes from the `axes` attribute; as Reshape"},
      {"Squeeze", 13, kMaxOpset, &Importer::importSqueeze<AxesFrom::Input>,
       "axes from input 1 (a constant); as Reshape"},
      {"Sub", kMinOpset, kMaxOpset, &Importer::importBinary<arith::SubFOp>,
       "`arith.subf`, as Add"},
      {"Tanh", kMinOpset, kMaxOpset,
       &Importer::importUnary<unaryBody<math::TanhOp>>, "`math.tanh`, as Abs"},
      {"Transpose", kMinOpset, kMaxOpset, &Importer::importTranspose,
       "`linalg.transpose`; constants are transposed at import time"},
      {"Unsqueeze", kMinOpset, 12,
       &Importer::importUnsqueeze<AxesFrom::Attribute>,
       "axes from the `axes` attribute; as Reshape"},
      {"Unsqueeze", 13, kMaxOpset, &Importer::importUnsqueeze<AxesFrom::Input>,
       "axes from input 1 (a constant); as Reshape"},
  };
  static_assert(isWellFormed(table),
                "the op table must be sorted by name, and each name's opset "
                "ranges must cover kMinOpset to kMaxOpset exactly");
  return table;
}

const OpImporter *Importer::findOpImporter(StringRef opType, int64_t opset) {
  ArrayRef<OpImporter> table = getOpImporters();
  const OpImporter *it =
      llvm::partition_point(table, [&](const OpImporter &op) {
        return StringRef(op.name) < opType ||
               (StringRef(op.name) == opType && op.maxOpset < opset);
      });
  if (it == table.end() || StringRef(it->name) != opType ||
      it->minOpset > opset)
    return nullptr;
  return it;
}

std::string Importer::getSupportedOpList() {
  std::string list;
  llvm::raw_string_ostream os(list);
  StringRef previous;
  for (const OpImporter &op : getOpImporters()) {
    if (StringRef(op.name) == previous)
      continue;
    os << (previous.empty() ? "" : ", ") << op.name;
    previous = op.name;
  }
  return list;
}

void mlir::qat::printONNXOpTable(llvm::raw_ostream &os) {
  os << "| ONNX op | opsets | QAT graph |\n"
     << "|---|---|---|\n";
  for (const OpImporter &op : Importer::getOpImporters()) {
    os << "| " << op.name << " | " << op.minOpset;
    if (op.maxOpset != op.minOpset)
      os << "–" << op.maxOpset;
    os << " | " << op.note << " |\n";
  }
}
