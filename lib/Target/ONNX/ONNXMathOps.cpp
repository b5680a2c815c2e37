//===- ONNXMathOps.cpp - element-wise functions, normalizations, reductions
//===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// The import functions of the ONNX ops that compute in float between a
// dequantize and a quantize: unary functions (Sigmoid, Tanh, Erf, ...),
// binary ops with numpy broadcasting (Sub, Div, Pow, Max, Min),
// BatchNormalization in inference form, Softmax and the reductions
// ReduceMean and ReduceMax. Each unary function is one single-input
// linalg.generic whose body is the float function, so that a later pass can
// replace it by a lookup table over the input's 8-bit grid; the formulas
// follow ONNX Runtime's CPU kernels where their order of float operations
// is observable.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::qat;
using namespace mlir::qat::onnx_import;

static Value f32Constant(OpBuilder &b, Location loc, float v) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
}

//===----------------------------------------------------------------------===//
// Unary functions
//===----------------------------------------------------------------------===//

Value onnx_import::sigmoidBody(OpBuilder &b, Location loc, Value x) {
  // 1 / (1 + exp(-x)): ORT's MlasComputeLogistic approximates the same
  // function (within a few ulps).
  Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
  Value one = f32Constant(b, loc, 1.0f);
  return arith::DivFOp::create(b, loc, one,
                               arith::AddFOp::create(b, loc, one, e));
}

Value onnx_import::softplusBody(OpBuilder &b, Location loc, Value x) {
  // ORT's form, which neither overflows nor loses small values:
  // x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)).
  Value zero = f32Constant(b, loc, 0.0f);
  Value positive =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, zero);
  Value e = math::ExpOp::create(
      b, loc,
      arith::SelectOp::create(b, loc, positive,
                              arith::NegFOp::create(b, loc, x), x));
  Value l = math::Log1pOp::create(b, loc, e);
  return arith::SelectOp::create(b, loc, positive,
                                 arith::AddFOp::create(b, loc, x, l), l);
}

/// max(0, min(1, alpha * x + beta)), in ORT's order of operations.
static Value hardSigmoid(OpBuilder &b, Location loc, Value x, float alpha,
                         float beta) {
  Value y = arith::AddFOp::create(
      b, loc, arith::MulFOp::create(b, loc, f32Constant(b, loc, alpha), x),
      f32Constant(b, loc, beta));
  y = arith::MinimumFOp::create(b, loc, y, f32Constant(b, loc, 1.0f));
  return arith::MaximumFOp::create(b, loc, y, f32Constant(b, loc, 0.0f));
}

Value onnx_import::hardSwishBody(OpBuilder &b, Location loc, Value x) {
  // ONNX defines HardSwish as x * HardSigmoid(x) with alpha 1/6, beta 0.5.
  return arith::MulFOp::create(b, loc, x,
                               hardSigmoid(b, loc, x, 1.0f / 6.0f, 0.5f));
}

template <Value (*fn)(OpBuilder &, Location, Value)>
FailureOr<Tensor> Importer::importUnary(const onnx::NodeProto &node) {
  FailureOr<Tensor *> x = lookup(node, 0);
  if (failed(x))
    return failure();
  return elementwise({*x}, [](OpBuilder &nb, Location l, ValueRange args) {
    return fn(nb, l, args[0]);
  });
}

FailureOr<Tensor> Importer::importHardSigmoid(const onnx::NodeProto &node) {
  FailureOr<Tensor *> x = lookup(node, 0);
  FailureOr<float> alpha = floatAttr(node, "alpha", 0.2f);
  FailureOr<float> beta = floatAttr(node, "beta", 0.5f);
  if (failed(x) || failed(alpha) || failed(beta))
    return failure();
  return elementwise({*x}, [&](OpBuilder &nb, Location l, ValueRange args) {
    return hardSigmoid(nb, l, args[0], *alpha, *beta);
  });
}

FailureOr<Tensor> Importer::importLeakyRelu(const onnx::NodeProto &node) {
  FailureOr<Tensor *> x = lookup(node, 0);
  FailureOr<float> alpha = floatAttr(node, "alpha", 0.01f);
  if (failed(x) || failed(alpha))
    return failure();
  // x >= 0 ? x : alpha * x.
  return elementwise({*x}, [&](OpBuilder &nb, Location l, ValueRange args) {
    Value v = args[0];
    Value nonNegative = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OGE,
                                              v, f32Constant(nb, l, 0.0f));
    Value scaled = arith::MulFOp::create(nb, l, f32Constant(nb, l, *alpha), v);
    return Value(arith::SelectOp::create(nb, l, nonNegative, v, scaled));
  });
}

//===----------------------------------------------------------------------===//
// Binary and variadic ops
//===----------------------------------------------------------------------===//

FailureOr<Tensor> Importer::importPow(const onnx::NodeProto &node) {
  FailureOr<Tensor *> x = lookup(node, 0), y = lookup(node, 1);
  if (failed(x) || failed(y))
    return failure();
  // ONNX allows an integer exponent; a constant one is converted now (the
  // exponents of real models are small integers, exact in f32).
  Tensor exponent = **y;
  if (!exponent.isFloat() && exponent.constant && !exponent.grid) {
    SmallVector<float> v;
    for (const APInt &e : exponent.constant.getValues<APInt>())
      v.push_back(exponent.isUnsigned ? static_cast<float>(e.getZExtValue())
                                      : static_cast<float>(e.getSExtValue()));
    exponent.type = exponent.type.clone(b.getF32Type());
    exponent.constant = DenseElementsAttr::get(exponent.type, ArrayRef(v));
    exponent.isUnsigned = false;
  }
  return elementwise({*x, &exponent}, binaryBody<math::PowFOp>);
}

template <typename OpTy>
FailureOr<Tensor> Importer::importVariadic(const onnx::NodeProto &node) {
  FailureOr<SmallVector<Tensor *>> inputs = lookupAll(node);
  if (failed(inputs))
    return failure();
  SmallVector<Tensor *> &ins = *inputs;
  if (ins.size() == 1)
    return *ins[0];
  // One generic over all inputs, folding them pairwise in its body.
  return elementwise(ins, [](OpBuilder &nb, Location l, ValueRange args) {
    Value acc = args[0];
    for (Value v : args.drop_front())
      acc = OpTy::create(nb, l, acc, v);
    return acc;
  });
}

//===----------------------------------------------------------------------===//
// BatchNormalization
//===----------------------------------------------------------------------===//

FailureOr<Tensor>
Importer::importBatchNormalization(const onnx::NodeProto &node) {
  FailureOr<Tensor *> x = lookup(node, 0);
  FailureOr<float> epsilon = floatAttr(node, "epsilon", 1e-5f);
  FailureOr<int64_t> training = intAttr(node, "training_mode", 0);
  FailureOr<int64_t> spatial = intAttr(node, "spatial", 1);
  if (failed(x) || failed(epsilon) || failed(training) || failed(spatial))
    return failure();
  if (*training != 0)
    return nodeError("has training_mode = 1; qat imports inference only");
  if (*spatial != 1)
    return nodeError("has spatial = 0; supported: spatial = 1");
  for (int i = 1; i < node.output_size(); ++i)
    if (!node.output(i).empty())
      return nodeError("has a training output (#" + Twine(i) +
                       "); qat imports inference only");
  int64_t rank = (*x)->type.getRank();
  if (rank < 2 || !(*x)->isFloat())
    return nodeError("normalizes a tensor that is not a float tensor of "
                     "rank 2 or more");
  int64_t channels = (*x)->type.getDimSize(1);
  // scale, B, input_mean, input_var: one FLOAT constant per channel.
  SmallVector<float> params[4];
  static constexpr StringLiteral names[] = {"the scale", "the bias", "the mean",
                                            "the variance"};
  for (int i = 0; i < 4; ++i) {
    FailureOr<DenseElementsAttr> c = floatConstantOf(node, i + 1, names[i]);
    if (failed(c))
      return failure();
    if (!c->getElementType().isF32() || c->getNumElements() != channels)
      return nodeError(names[i] + " must hold " + Twine(channels) +
                       " FLOAT values, one per channel");
    params[i].assign(c->getValues<float>().begin(),
                     c->getValues<float>().end());
  }
  // The per-channel affine map as ONNX Runtime computes it in f32:
  //   inv_std = 1 / sqrt(var + epsilon), s = inv_std * scale,
  //   t = bias - mean * s, y = x * s + t.
  // Each product is a statement of its own, so that no compiler contracts
  // it into a fused multiply-add ORT does not do.
  SmallVector<float> s(channels), t(channels);
  for (int64_t c = 0; c < channels; ++c) {
    float invStd = 1.0f / std::sqrt(params[3][c] + *epsilon);
    s[c] = invStd * params[0][c];
    float meanTimesScale = params[2][c] * s[c];
    t[c] = params[1][c] - meanTimesScale;
  }
  // Constants of shape C x 1 x ... x 1, read along the channels.
  SmallVector<int64_t> shape(rank - 1, 1);
  shape[0] = channels;
  Tensor scale, shift;
  scale.type = shift.type = RankedTensorType::get(shape, b.getF32Type());
  scale.constant = DenseElementsAttr::get(scale.type, ArrayRef(s));
  shift.constant = DenseElementsAttr::get(shift.type, ArrayRef(t));
  return elementwise({*x, &scale, &shift},
                     [](OpBuilder &nb, Location l, ValueRange args) {
                       Value y = arith::MulFOp::create(nb, l, args[0], args[1]);
                       return Value(arith::AddFOp::create(nb, l, y, args[2]));
                     });
}

//===----------------------------------------------------------------------===//
// Reductions and Softmax
//===----------------------------------------------------------------------===//

/// The map from the iteration space of rank `rank` to a value that lacks
/// the dimensions `dims` (sorted).
static AffineMap droppedDimsMap(int64_t rank, ArrayRef<int64_t> dims,
                                MLIRContext *ctx) {
  SmallVector<AffineExpr> exprs;
  for (int64_t d = 0; d < rank; ++d)
    if (!llvm::is_contained(dims, d))
      exprs.push_back(getAffineDimExpr(d, ctx));
  return AffineMap::get(rank, 0, exprs, ctx);
}

Value Importer::reduceDims(Value v, ArrayRef<int64_t> dims, float init,
                           Body combine) {
  auto type = cast<RankedTensorType>(v.getType());
  int64_t rank = type.getRank();
  SmallVector<int64_t> shape;
  SmallVector<utils::IteratorType> iters;
  for (int64_t d = 0; d < rank; ++d) {
    bool reduced = llvm::is_contained(dims, d);
    if (!reduced)
      shape.push_back(type.getDimSize(d));
    iters.push_back(reduced ? utils::IteratorType::reduction
                            : utils::IteratorType::parallel);
  }
  Value acc = zeroFilled(shape, b.getF32Type(), b.getF32FloatAttr(init));
  SmallVector<AffineMap> maps = {AffineMap::getMultiDimIdentityMap(rank, ctx),
                                 droppedDimsMap(rank, dims, ctx)};
  return linalg::GenericOp::create(
             b, loc, TypeRange{acc.getType()}, ValueRange{v}, ValueRange{acc},
             maps, iters,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               linalg::YieldOp::create(nb, l,
                                       combine(nb, l, {args[1], args[0]}));
             })
      .getResult(0);
}

Value Importer::mapWithReduced(Value v, Value reduced, ArrayRef<int64_t> dims,
                               Body body) {
  auto type = cast<RankedTensorType>(v.getType());
  int64_t rank = type.getRank();
  SmallVector<AffineMap> maps = {AffineMap::getMultiDimIdentityMap(rank, ctx),
                                 droppedDimsMap(rank, dims, ctx),
                                 AffineMap::getMultiDimIdentityMap(rank, ctx)};
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  Value init = emptyTensor(type.getShape(), b.getF32Type());
  return linalg::GenericOp::create(
             b, loc, TypeRange{type}, ValueRange{v, reduced}, ValueRange{init},
             maps, iters,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               linalg::YieldOp::create(nb, l, body(nb, l, {args[0], args[1]}));
             })
      .getResult(0);
}

/// The physical dimensions of the logical (ONNX) dimensions `axes` of a
/// value held in NHWC order (`nhwc`) or in ONNX order, sorted.
static SmallVector<int64_t> physicalDims(ArrayRef<int64_t> axes, bool nhwc) {
  SmallVector<int64_t> dims;
  for (int64_t a : axes)
    dims.push_back(nhwc ? kNCHWToNHWC[a] : a);
  llvm::sort(dims);
  return dims;
}

FailureOr<Tensor> Importer::softmax(Tensor &x, ArrayRef<int64_t> axes) {
  if (!x.isFloat())
    return nodeError("takes a non-float input");
  bool nhwc = x.nhwc && x.value && x.type.getRank() == 4;
  FailureOr<Value> v = materialize(x, nhwc);
  if (failed(v))
    return failure();
  SmallVector<int64_t> dims = physicalDims(axes, nhwc);
  // As ORT: the maximum, exp(x - max) and its sum, then the exponentials
  // times the reciprocal of the sum.
  Value max = reduceDims(*v, dims, -std::numeric_limits<float>::infinity(),
                         binaryBody<arith::MaximumFOp>);
  Value e = mapWithReduced(
      *v, max, dims, [](OpBuilder &nb, Location l, ValueRange args) {
        Value d = arith::SubFOp::create(nb, l, args[0], args[1]);
        return Value(math::ExpOp::create(nb, l, d));
      });
  Value sum = reduceDims(e, dims, 0.0f, binaryBody<arith::AddFOp>);
  Tensor r = x;
  r.constant = {};
  r.grid.reset();
  r.nhwc = nhwc;
  r.value = mapWithReduced(
      e, sum, dims, [](OpBuilder &nb, Location l, ValueRange args) {
        Value reciprocal =
            arith::DivFOp::create(nb, l, f32Constant(nb, l, 1.0f), args[1]);
        return Value(arith::MulFOp::create(nb, l, args[0], reciprocal));
      });
  return r;
}

template <Importer::SoftmaxAxis mode>
FailureOr<Tensor> Importer::importSoftmax(const onnx::NodeProto &node) {
  FailureOr<Tensor *> x = lookup(node, 0);
  if (failed(x))
    return failure();
  int64_t rank = (*x)->type.getRank();
  // Before opset 13 the input is coerced to 2-D at `axis` (default 1) and
  // each row normalized: the dimensions from `axis` on together.
  bool coerced = mode == SoftmaxAxis::Coerced2D;
  FailureOr<int64_t> axisAttr = intAttr(node, "axis", coerced ? 1 : -1);
  if (failed(axisAttr))
    return failure();
  FailureOr<int64_t> axis = normalizeAxis(*axisAttr, rank, "axis");
  if (failed(axis))
    return failure();
  SmallVector<int64_t> axes = {*axis};
  if (coerced)
    for (int64_t d = *axis + 1; d < rank; ++d)
      axes.push_back(d);
  return softmax(**x, axes);
}

/// The axes of a reduction: from the `axes` attribute (before opset 18) or
/// input 1 (opset 18 on), normalized and sorted; none listed means all
/// (unless noop_with_empty_axes, then the identity: an empty list).
FailureOr<SmallVector<int64_t>>
Importer::reductionAxes(const onnx::NodeProto &node, int64_t rank,
                        AxesFrom axesFrom, bool &identity) {
  identity = false;
  SmallVector<int64_t> axes;
  if (axesFrom == AxesFrom::Input) {
    FailureOr<int64_t> noop = intAttr(node, "noop_with_empty_axes", 0);
    if (failed(noop))
      return failure();
    if (hasInput(node, 1)) {
      FailureOr<SmallVector<int64_t>> a = intsOf(node, 1, "the axes");
      if (failed(a))
        return failure();
      axes = *a;
    }
    if (axes.empty() && *noop) {
      identity = true;
      return axes;
    }
  } else {
    FailureOr<SmallVector<int64_t>> a = intsAttr(node, "axes", {});
    if (failed(a))
      return failure();
    axes = *a;
  }
  if (axes.empty())
    for (int64_t d = 0; d < rank; ++d)
      axes.push_back(d);
  for (int64_t &a : axes) {
    FailureOr<int64_t> normalized = normalizeAxis(a, rank, "axis");
    if (failed(normalized))
      return failure();
    a = *normalized;
  }
  llvm::sort(axes);
  if (std::adjacent_find(axes.begin(), axes.end()) != axes.end())
    return nodeError("lists an axis twice");
  return axes;
}

/// The reassociation that expands a value lacking the dimensions `dims`
/// (sorted) to rank `rank`, those dimensions of size 1: each joins the group
/// of the kept dimension before it (leading ones the first kept one).
static SmallVector<ReassociationIndices> expandGroups(int64_t rank,
                                                      ArrayRef<int64_t> dims) {
  SmallVector<ReassociationIndices> groups;
  ReassociationIndices leading;
  for (int64_t d = 0; d < rank; ++d) {
    if (llvm::is_contained(dims, d)) {
      if (groups.empty())
        leading.push_back(d);
      else
        groups.back().push_back(d);
      continue;
    }
    groups.push_back(leading);
    leading.clear();
    groups.back().push_back(d);
  }
  return groups;
}

template <Importer::Reduction kind, Importer::AxesFrom axesFrom>
FailureOr<Tensor> Importer::importReduce(const onnx::NodeProto &node) {
  FailureOr<Tensor *> x = lookup(node, 0);
  FailureOr<int64_t> keepDims = intAttr(node, "keepdims", 1);
  if (failed(x) || failed(keepDims))
    return failure();
  if (!(*x)->isFloat())
    return nodeError("takes a non-float input");
  int64_t rank = (*x)->type.getRank();
  bool identity;
  FailureOr<SmallVector<int64_t>> axes =
      reductionAxes(node, rank, axesFrom, identity);
  if (failed(axes))
    return failure();
  if (identity)
    return **x;
  bool nhwc = (*x)->nhwc && (*x)->value && rank == 4;
  FailureOr<Value> v = materialize(**x, nhwc);
  if (failed(v))
    return failure();
  SmallVector<int64_t> dims = physicalDims(*axes, nhwc);
  Value reduced =
      kind == Reduction::Max
          ? reduceDims(*v, dims, -std::numeric_limits<float>::infinity(),
                       binaryBody<arith::MaximumFOp>)
          : reduceDims(*v, dims, 0.0f, binaryBody<arith::AddFOp>);
  // The result with the reduced dimensions kept (size 1), in the layout of
  // the input.
  SmallVector<int64_t> kept(cast<RankedTensorType>(v->getType()).getShape());
  int64_t count = 1;
  for (int64_t d : dims) {
    count *= kept[d];
    kept[d] = 1;
  }
  Tensor r;
  SmallVector<int64_t> logical((*x)->type.getShape());
  for (int64_t a : *axes)
    logical[a] = 1;
  r.type = RankedTensorType::get(logical, b.getF32Type());
  r.nhwc = nhwc;
  r.value = reduced;
  if (!dims.empty())
    r.value = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get(kept, b.getF32Type()), reduced,
        expandGroups(rank, dims));
  if (kind == Reduction::Mean) {
    // The sum divided by the element count, as ORT.
    Tensor divisor = scalarConstant(static_cast<float>(count));
    FailureOr<Tensor> mean =
        elementwise({&r, &divisor}, binaryBody<arith::DivFOp>);
    if (failed(mean))
      return failure();
    r = *mean;
  }
  if (*keepDims)
    return r;
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < rank; ++d)
    if (!llvm::is_contained(*axes, d))
      shape.push_back((*x)->type.getDimSize(d));
  return reshapeTensor(r, shape);
}

// The instances the op table (ONNXOps.cpp) names.
#define QAT_UNARY(fn)                                                          \
  template FailureOr<Tensor> Importer::importUnary<fn>(                        \
      const onnx::NodeProto &node);
QAT_UNARY(unaryBody<math::AbsFOp>)
QAT_UNARY(unaryBody<math::ErfOp>)
QAT_UNARY(unaryBody<math::ExpOp>)
QAT_UNARY(hardSwishBody)
QAT_UNARY(unaryBody<math::LogOp>)
QAT_UNARY(unaryBody<arith::NegFOp>)
QAT_UNARY(sigmoidBody)
QAT_UNARY(softplusBody)
QAT_UNARY(unaryBody<math::SqrtOp>)
QAT_UNARY(unaryBody<math::TanhOp>)
#undef QAT_UNARY
template FailureOr<Tensor>
Importer::importVariadic<arith::MaximumFOp>(const onnx::NodeProto &node);
template FailureOr<Tensor>
Importer::importVariadic<arith::MinimumFOp>(const onnx::NodeProto &node);
template FailureOr<Tensor> Importer::importSoftmax<Importer::SoftmaxAxis::One>(
    const onnx::NodeProto &node);
template FailureOr<Tensor>
Importer::importSoftmax<Importer::SoftmaxAxis::Coerced2D>(
    const onnx::NodeProto &node);
template FailureOr<Tensor>
Importer::importReduce<Importer::Reduction::Max, Importer::AxesFrom::Attribute>(
    const onnx::NodeProto &node);
template FailureOr<Tensor>
Importer::importReduce<Importer::Reduction::Max, Importer::AxesFrom::Input>(
    const onnx::NodeProto &node);
template FailureOr<Tensor>
Importer::importReduce<Importer::Reduction::Mean,
                       Importer::AxesFrom::Attribute>(
    const onnx::NodeProto &node);
template FailureOr<Tensor>
Importer::importReduce<Importer::Reduction::Mean, Importer::AxesFrom::Input>(
    const onnx::NodeProto &node);
