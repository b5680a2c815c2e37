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
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <limits>

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
static std::optional<int64_t> axisAttr(const onnx::AttributeProto *axis) {
  if (axis)
    return axis->i();
  return std::nullopt;
}

FailureOr<Tensor> Importer::importQuantizeLinear(const onnx::NodeProto &node) {
  FailureOr<Tensor *> x = lookup(node, 0);
  if (failed(x))
    return failure();
  if (intAttr(node, "saturate", 1) != 1)
    return nodeError("has saturate = 0");
  if (intAttr(node, "block_size", 0) != 0)
    return nodeError("quantizes in blocks (block_size); supported: per "
                     "tensor and per axis");
  // Without a zero point the storage type is output_dtype's (opset 21),
  // uint8 by default.
  int64_t dtype = intAttr(node, "output_dtype", onnx::TensorProto::UINT8);
  if (!hasInput(node, 2) && dtype != onnx::TensorProto::UINT8 &&
      dtype != onnx::TensorProto::INT8)
    return nodeError("quantizes to " + dataTypeName(dtype) +
                     "; supported: UINT8, INT8");
  FailureOr<Grid> grid =
      readGrid(node, 1, 2, (*x)->type.getRank(), axisAttr(attr(node, "axis")),
               /*storageSigned=*/dtype == onnx::TensorProto::INT8);
  if (failed(grid))
    return failure();
  return quantizeLinear(**x, *grid, node.input(0));
}

FailureOr<Tensor>
Importer::importDequantizeLinear(const onnx::NodeProto &node) {
  if (intAttr(node, "block_size", 0) != 0)
    return nodeError("dequantizes in blocks (block_size); supported: per "
                     "tensor and per axis");
  return dequantizeNode(node, 0, 1, 2, axisAttr(attr(node, "axis")));
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
  std::string name = node.output(0) + "#float";
  values[name] = y;
  return quantizeLinear(values[name], *grid, name);
}

FailureOr<Tensor> Importer::importQLinearMatMul(const onnx::NodeProto &node) {
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
  if (!(*bq)->constant)
    return nodeError("the bias must be a constant");
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
      ArrayRef<float>(dequantizeInt32(flat, scales, zeroPoints, axis)));
  return bias;
}

FailureOr<Tensor> Importer::importQLinearConv(const onnx::NodeProto &node) {
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
  return activation(**x, node.input(0), floatAttr(node, "min", -kInfinity),
                    floatAttr(node, "max", kInfinity));
}

FailureOr<Tensor> Importer::importClipWithInputs(const onnx::NodeProto &node) {
  FailureOr<Tensor *> x = lookup(node, 0);
  if (failed(x))
    return failure();
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
    if (!intAttr(node, attrName, 0))
      continue;
    FailureOr<Tensor> t = transposeTensor(*operand, {1, 0});
    if (failed(t))
      return failure();
    *operand = *t;
  }
  FailureOr<Tensor> y = matmul(lhs, rhs);
  if (failed(y))
    return failure();
  float alpha = floatAttr(node, "alpha", 1.0f);
  float beta = floatAttr(node, "beta", 1.0f);
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
    if (!bias.constant || bias.grid)
      return nodeError("has beta != 1 with a non-constant C");
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
  FailureOr<Tensor *> x = lookup(node, 0), w = lookup(node, 1);
  if (failed(x) || failed(w))
    return failure();
  Tensor *bias = nullptr;
  if (hasInput(node, 2)) {
    FailureOr<Tensor *> t = lookup(node, 2);
    if (failed(t))
      return failure();
    bias = *t;
  }
  return conv(node, **x, **w, bias);
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
  SmallVector<int64_t> perm;
  for (int64_t d = rank - 1; d >= 0; --d)
    perm.push_back(d);
  if (auto p = intsAttr(node, "perm"))
    perm = *p;
  SmallVector<int64_t> sorted(perm);
  llvm::sort(sorted);
  for (int64_t d = 0; d < rank; ++d)
    if (static_cast<int64_t>(sorted.size()) != rank || sorted[d] != d)
      return nodeError("has an invalid perm");
  return transposeTensor(**x, perm);
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
  bool allowZero = intAttr(node, "allowzero", 0) != 0;
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
      known *= d;
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
  int64_t axis = intAttr(node, "axis", 1);
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis > rank)
    return nodeError("has axis out of range");
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= (*x)->type.getDimSize(d);
  SmallVector<int64_t> shape = {outer, (*x)->type.getNumElements() /
                                           std::max<int64_t>(outer, 1)};
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
  } else if (auto a = intsAttr(node, "axes")) {
    axes = *a;
  }
  int64_t outRank = squeeze ? rank : rank + axes.size();
  for (int64_t &a : axes) {
    if (a < 0)
      a += squeeze ? rank : outRank;
    if (a < 0 || a >= (squeeze ? rank : outRank))
      return nodeError("has an axis out of range");
  }
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
  SmallVector<Tensor *> ins;
  for (int i = 0; i < node.input_size(); ++i) {
    FailureOr<Tensor *> t = lookup(node, i);
    if (failed(t))
      return failure();
    ins.push_back(*t);
  }
  if (ins.empty())
    return nodeError("has no inputs");
  int64_t rank = ins[0]->type.getRank();
  int64_t axis = intAttr(node, "axis", 0);
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis >= rank)
    return nodeError("has axis out of range");
  SmallVector<int64_t> shape(ins[0]->type.getShape());
  shape[axis] = 0;
  for (Tensor *t : ins) {
    if (t->type.getRank() != rank || !t->isFloat())
      return nodeError("concatenates tensors of different ranks or types");
    for (int64_t d = 0; d < rank; ++d)
      if (d != axis && t->type.getDimSize(d) != ins[0]->type.getDimSize(d))
        return nodeError("concatenates tensors of different sizes");
    shape[axis] += t->type.getDimSize(axis);
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
      {"Add", kMinOpset, kMaxOpset, &Importer::importBinary<arith::AddFOp>,
       "`arith.addf` in a `linalg.generic` with numpy broadcasting (in NHWC "
       "where an input is held so)"},
      {"AveragePool", kMinOpset, kMaxOpset, &Importer::importAveragePool,
       "`linalg.pooling_nhwc_sum` after a zero pad, divided by the window's "
       "element count (a constant, or per position when `count_include_pad "
       "= 0` excludes the pads); `ceil_mode`"},
      {"Clip", kMinOpset, 10, &Importer::importClipWithAttributes,
       "bounds from the `min` and `max` attributes: `arith.maximumf` / "
       "`minimumf`, fused as Relu is"},
      {"Clip", 11, kMaxOpset, &Importer::importClipWithInputs,
       "bounds from the `min` and `max` inputs (FLOAT scalar constants): "
       "`arith.maximumf` / `minimumf`, fused as Relu is"},
      {"Concat", kMinOpset, kMaxOpset, &Importer::importConcat,
       "`tensor.concat` (along C in NHWC when the 4-D inputs are held so)"},
      {"Constant", kMinOpset, kMaxOpset, &Importer::importConstant,
       "a constant (the `value` tensor attribute)"},
      {"Conv", kMinOpset, kMaxOpset, &Importer::importConv,
       "NHWC: `linalg.conv_2d_nhwc_hwcf` with the weight permuted to HWCF at "
       "import time; depthwise (group = C = F) "
       "`linalg.depthwise_conv_2d_nhwc_hwc`; other groups one NHWC "
       "convolution per group on a channel slice, concatenated; strides, "
       "pads, dilations, `auto_pad`"},
      {"ConvInteger", kMinOpset, kMaxOpset, &Importer::importConvInteger,
       "exact `i32` arithmetic: the operands widened minus their zero points "
       "(one per input), `linalg.conv_2d_nchw_fchw` on `i32`; group = 1"},
      {"DequantizeLinear", kMinOpset, kMaxOpset,
       &Importer::importDequantizeLinear,
       "of a QuantizeLinear on the same grid: `qat.fake_quant`; of an "
       "int8/uint8 initializer: the integer constant under `qat.dequantize` "
       "with its grid (weights keep their exact storage values); of an int32 "
       "initializer (a bias): a float constant, `f32(q − zp) ⊗ scale` as "
       "ONNX computes it (docs/Semantics.md §8.2); otherwise "
       "`qat.dequantize`"},
      {"Flatten", kMinOpset, kMaxOpset, &Importer::importFlatten,
       "to 2-D, as Reshape"},
      {"Gemm", kMinOpset, kMaxOpset, &Importer::importGemm,
       "`linalg.matmul`; transA and transB transpose (a constant at import "
       "time); a per-column C is a bias; alpha ≠ 1 a multiplication; beta "
       "scales a constant C"},
      {"GlobalAveragePool", kMinOpset, kMaxOpset,
       &Importer::importGlobalAveragePool,
       "`linalg.pooling_nhwc_sum` over H × W, divided by H·W"},
      {"Identity", kMinOpset, kMaxOpset, &Importer::importIdentity,
       "the input itself"},
      {"MatMul", kMinOpset, kMaxOpset, &Importer::importMatMul,
       "2-D × 2-D and 3-D × 2-D (on the collapsed rows): `linalg.matmul`; "
       "3-D × 3-D: `linalg.batch_matmul`"},
      {"MatMulInteger", kMinOpset, kMaxOpset, &Importer::importMatMulInteger,
       "exact `i32` arithmetic: the operands (2-D) widened minus their zero "
       "points (one per input), `linalg.matmul` on `i32`"},
      {"MaxPool", kMinOpset, kMaxOpset, &Importer::importMaxPool,
       "`linalg.pooling_nhwc_max` after a −∞ pad; strides, pads, dilations, "
       "`ceil_mode` (no Indices output, `storage_order` 0)"},
      {"Mul", kMinOpset, kMaxOpset, &Importer::importBinary<arith::MulFOp>,
       "`arith.mulf`, as Add"},
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
      {"Relu", kMinOpset, kMaxOpset, &Importer::importRelu,
       "`arith.maximumf`, appended to the element-wise op that produced the "
       "input when nothing else reads it (so that bias + activation is one "
       "epilogue)"},
      {"Reshape", kMinOpset, kMaxOpset, &Importer::importReshape,
       "0 and −1 sizes, `allowzero`: `tensor.collapse_shape` + "
       "`tensor.expand_shape`; constants are reshaped at import time"},
      {"Squeeze", kMinOpset, 12, &Importer::importSqueeze<AxesFrom::Attribute>,
       "axes from the `axes` attribute; as Reshape"},
      {"Squeeze", 13, kMaxOpset, &Importer::importSqueeze<AxesFrom::Input>,
       "axes from input 1 (a constant); as Reshape"},
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
