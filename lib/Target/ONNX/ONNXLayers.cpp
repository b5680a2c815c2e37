//===- ONNXLayers.cpp - element-wise ops, matmuls, convolutions, pools ----===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// The ONNX importer's compute ops: element-wise ops with numpy
// broadcasting (in NHWC where the inputs are held so) and fused
// activations, matmuls, convolutions in NHWC (depthwise; grouped as one
// convolution per group), poolings, and the exact integer forms
// MatMulInteger and ConvInteger.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

#include "qat/Dialect/QAT/IR/QATOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/Support/CheckedArithmetic.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::qat;
using namespace mlir::qat::onnx_import;

/// The most divisors an average pooling's constant may hold (one per
/// output position): the importer computes them, so they are bounded well
/// below kMaxElements.
static constexpr int64_t kMaxDivisorElements = int64_t(1) << 24;

//===----------------------------------------------------------------------===//
// Element-wise ops
//===----------------------------------------------------------------------===//

/// One linalg.generic over the broadcast (numpy rules) shape of the inputs,
/// in NHWC order when a 4-D input is held so.
FailureOr<Tensor> Importer::elementwise(ArrayRef<Tensor *> inputs, Body body) {
  int64_t rank = 0;
  for (Tensor *t : inputs)
    rank = std::max(rank, t->type.getRank());
  SmallVector<int64_t> shape(rank, 1);
  for (Tensor *t : inputs) {
    if (!t->isFloat())
      return nodeError("takes a non-float input; qat maps element-wise "
                       "ops on float (dequantized) tensors");
    int64_t offset = rank - t->type.getRank();
    for (int64_t d = 0; d < t->type.getRank(); ++d) {
      int64_t s = t->type.getDimSize(d);
      int64_t &o = shape[offset + d];
      if (o != s && o != 1 && s != 1)
        return nodeError("cannot broadcast its inputs together (size " +
                         Twine(o) + " vs " + Twine(s) + ")");
      if (o == 1)
        o = s;
    }
  }
  bool nhwc = rank == 4 && llvm::any_of(inputs, [&](Tensor *t) {
                return t->nhwc && t->value &&
                       t->type.getShape() == ArrayRef<int64_t>(shape);
              });
  auto physOf = [&](int64_t logical) {
    return nhwc ? kNCHWToNHWC[logical] : logical;
  };
  SmallVector<Value> operands;
  SmallVector<AffineMap> maps;
  // Splat constants (a divisor, a scale) become constants in the body,
  // where qat's pattern matchers look for them.
  SmallVector<std::optional<float>> splats;
  for (Tensor *t : inputs) {
    splats.push_back(std::nullopt);
    if (t->constant && !t->grid && t->type.getRank() == 0 && t->isFloat()) {
      splats.back() = t->constant.getSplatValue<float>();
      continue;
    }
    // A constant loses its broadcast dimensions (a bias of shape C x 1 x 1
    // becomes C, read along the channel dimension): the form of a
    // per-channel bias that qat fuses into a matmul or convolution.
    int64_t offset = rank - t->type.getRank();
    SmallVector<int64_t> kept, keptShape;
    for (int64_t d = 0; d < t->type.getRank(); ++d)
      if (!(t->type.getDimSize(d) == 1 && shape[offset + d] != 1)) {
        kept.push_back(offset + d);
        keptShape.push_back(t->type.getDimSize(d));
      }
    if (t->constant && !t->grid &&
        static_cast<int64_t>(kept.size()) < t->type.getRank()) {
      Tensor c = *t;
      c.type = RankedTensorType::get(keptShape, t->type.getElementType());
      c.constant = t->constant.reshape(c.type);
      FailureOr<Value> v = materialize(c);
      if (failed(v))
        return failure();
      operands.push_back(*v);
      SmallVector<AffineExpr> exprs;
      for (int64_t l : kept)
        exprs.push_back(b.getAffineDimExpr(physOf(l)));
      maps.push_back(AffineMap::get(rank, 0, exprs, ctx));
      continue;
    }
    bool held = nhwc && t->type.getShape() == ArrayRef<int64_t>(shape) &&
                (t->nhwc || !t->constant);
    FailureOr<Value> v = materialize(*t, held);
    if (failed(v))
      return failure();
    operands.push_back(*v);
    int64_t r = t->type.getRank();
    SmallVector<AffineExpr> exprs;
    for (int64_t p = 0; p < r; ++p) {
      int64_t logical = held ? kNHWCToNCHW[p] : p;
      if (t->type.getDimSize(logical) == 1 && shape[offset + logical] != 1)
        exprs.push_back(b.getAffineConstantExpr(0));
      else
        exprs.push_back(b.getAffineDimExpr(physOf(offset + logical)));
    }
    maps.push_back(AffineMap::get(rank, 0, exprs, ctx));
  }
  SmallVector<int64_t> physShape(shape);
  if (nhwc)
    for (int64_t p = 0; p < 4; ++p)
      physShape[p] = shape[kNHWCToNCHW[p]];
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank, ctx));
  Value init = emptyTensor(physShape, b.getF32Type());
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, operands, ValueRange{init}, maps,
      iters, [&](OpBuilder &nb, Location l, ValueRange args) {
        SmallVector<Value> values;
        unsigned next = 0;
        for (std::optional<float> splat : splats)
          values.push_back(splat ? Value(arith::ConstantOp::create(
                                       nb, l, nb.getF32FloatAttr(*splat)))
                                 : args[next++]);
        Value y = body(nb, l, values);
        linalg::YieldOp::create(nb, l, y);
      });
  Tensor r;
  r.type = RankedTensorType::get(shape, b.getF32Type());
  r.value = generic.getResult(0);
  r.nhwc = nhwc;
  return r;
}

Tensor Importer::scalarConstant(float value) {
  Tensor t;
  t.type = RankedTensorType::get({}, b.getF32Type());
  t.constant = DenseElementsAttr::get(t.type, ArrayRef<float>(value));
  return t;
}

/// max(x, lo) then min(.., hi) (either may be infinite). Appended to the
/// element-wise op that produced x when nothing else reads x, so that the
/// epilogue qat fuses into a matmul or convolution is one op.
FailureOr<Tensor> Importer::activation(Tensor &x, StringRef name, float lo,
                                       float hi) {
  auto clampBody = [&](OpBuilder &nb, Location l, Value v) {
    if (std::isfinite(lo)) {
      Value c = arith::ConstantOp::create(nb, l, nb.getF32FloatAttr(lo));
      v = arith::MaximumFOp::create(nb, l, v, c);
    }
    if (std::isfinite(hi)) {
      Value c = arith::ConstantOp::create(nb, l, nb.getF32FloatAttr(hi));
      v = arith::MinimumFOp::create(nb, l, v, c);
    }
    return v;
  };
  // The producer rebuilt with the clamp after its body; its uses move to the
  // new op before it is erased (a concat may still read it).
  auto fuse = [&](linalg::GenericOp producer) -> Value {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(producer);
    auto fused = linalg::GenericOp::create(
        b, loc, producer.getResultTypes(), producer.getInputs(),
        producer.getOutputs(), producer.getIndexingMapsArray(),
        producer.getIteratorTypesArray(),
        [&](OpBuilder &nb, Location l, ValueRange args) {
          IRMapping map;
          map.map(producer.getBody()->getArguments(), args);
          for (Operation &op : producer.getBody()->without_terminator())
            nb.clone(op, map);
          Value y =
              map.lookup(producer.getBody()->getTerminator()->getOperand(0));
          linalg::YieldOp::create(nb, l, clampBody(nb, l, y));
        });
    producer->replaceAllUsesWith(fused);
    producer->erase();
    return fused.getResult(0);
  };
  auto fusible = [](Value v) {
    auto generic = v.getDefiningOp<linalg::GenericOp>();
    return generic && generic->getNumResults() == 1 ? generic : nullptr;
  };
  // A 1-D convolution's result arrives reshaped back from its 2-D form:
  // the clamp is element-wise, so it fuses into the generic before the
  // reshapes and transposes (each read only on the way).
  auto producerBeforeMoves = [&](Value v) -> linalg::GenericOp {
    while (isa_and_nonnull<tensor::CollapseShapeOp, tensor::ExpandShapeOp,
                           linalg::TransposeOp>(v.getDefiningOp())) {
      v = v.getDefiningOp()->getOperand(0);
      if (!v.hasOneUse())
        return nullptr;
    }
    return fusible(v);
  };
  if (x.value && x.value.use_empty() && readers.lookup(name) == 1) {
    if (linalg::GenericOp producer = producerBeforeMoves(x.value)) {
      bool direct = producer.getResult(0) == x.value;
      Tensor r = x;
      Value fused = fuse(producer);
      if (direct)
        r.value = fused;
      return r;
    }
    // The groups of a grouped convolution: clamp each.
    auto concat = x.value.getDefiningOp<tensor::ConcatOp>();
    if (concat && llvm::all_of(concat.getInputs(), [&](Value v) {
          return fusible(v) && v.hasOneUse();
        })) {
      SmallVector<linalg::GenericOp> producers;
      for (Value v : concat.getInputs())
        producers.push_back(fusible(v));
      for (linalg::GenericOp producer : producers)
        fuse(producer);
      return x;
    }
  }
  Tensor *in = &x;
  return elementwise({in}, [&](OpBuilder &nb, Location l, ValueRange args) {
    return clampBody(nb, l, args[0]);
  });
}

//===----------------------------------------------------------------------===//
// Matmul and convolution
//===----------------------------------------------------------------------===//

/// The reassociation that joins the first `count` dimensions of a rank
/// `rank` shape into one and keeps the others.
static SmallVector<ReassociationIndices> joinLeading(int64_t count,
                                                     int64_t rank) {
  SmallVector<ReassociationIndices> re(1);
  for (int64_t d = 0; d < rank; ++d) {
    if (d >= count)
      re.emplace_back();
    re.back().push_back(d);
  }
  return re;
}

/// `v` (of shape `shape`) with its first `count` dimensions joined.
static Value collapseLeading(OpBuilder &b, Location loc, Value v,
                             ArrayRef<int64_t> shape, int64_t count) {
  if (count <= 1)
    return v;
  // A product of a checked shape's sizes.
  int64_t joined = 1;
  for (int64_t d : shape.take_front(count))
    joined *= d;
  SmallVector<int64_t> collapsed{joined};
  llvm::append_range(collapsed, shape.drop_front(count));
  return tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get(collapsed, b.getF32Type()), v,
      joinLeading(count, static_cast<int64_t>(shape.size())));
}

/// a (..., M x K) times w (K x N, or ..., K x N with a's leading
/// dimensions): with a 2-D w, a matmul on a's collapsed rows; otherwise a
/// batch matmul on the collapsed batch dimensions (attention with heads:
/// B x H x S x D), expanded back.
FailureOr<Tensor> Importer::matmul(Tensor &a, Tensor &w) {
  int64_t ra = a.type.getRank(), rw = w.type.getRank();
  if (!a.isFloat() || !w.isFloat())
    return nodeError("multiplies non-float tensors");
  if (ra < 2 || rw < 2 || (rw > 2 && rw != ra))
    return nodeError("multiplies ranks " + Twine(ra) + " and " + Twine(rw) +
                     "; supported: N-D x 2-D, and N-D x N-D with the same "
                     "batch dimensions");
  int64_t k = a.type.getDimSize(ra - 1);
  if (w.type.getDimSize(rw - 2) != k)
    return nodeError("inner sizes differ (" + Twine(k) + " vs " +
                     Twine(w.type.getDimSize(rw - 2)) + ")");
  ArrayRef<int64_t> batchDims = a.type.getShape().drop_back(2);
  if (rw > 2 && w.type.getShape().drop_back(2) != batchDims)
    return nodeError("batch sizes differ (broadcast batch dimensions are "
                     "not supported)");
  int64_t n = w.type.getDimSize(rw - 1);
  FailureOr<Value> av = materialize(a), wv = materialize(w);
  if (failed(av) || failed(wv))
    return failure();
  SmallVector<int64_t> shape(a.type.getShape());
  shape.back() = n;
  Tensor r;
  r.type = RankedTensorType::get(shape, b.getF32Type());
  Attribute zero = b.getF32FloatAttr(0);
  // The batch dimensions (rw > 2) or all rows (rw == 2) joined.
  int64_t joined = rw > 2 ? ra - 2 : ra - 1;
  Value lhs = collapseLeading(b, loc, *av, a.type.getShape(), joined);
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  SmallVector<int64_t> outShape(lhsType.getShape());
  outShape.back() = n;
  Value init = zeroFilled(outShape, b.getF32Type(), zero);
  Value y;
  if (rw > 2) {
    Value rhs = collapseLeading(b, loc, *wv, w.type.getShape(), joined);
    y = linalg::BatchMatmulOp::create(b, loc, TypeRange{init.getType()},
                                      ValueRange{lhs, rhs}, ValueRange{init})
            .getResult(0);
  } else {
    y = linalg::MatmulOp::create(b, loc, TypeRange{init.getType()},
                                 ValueRange{lhs, *wv}, ValueRange{init})
            .getResult(0);
  }
  if (joined > 1)
    y = tensor::ExpandShapeOp::create(b, loc, r.type, y,
                                      joinLeading(joined, ra));
  r.value = y;
  return r;
}

/// acc + bias, the bias (one value per channel) broadcast along
/// `channelDim` of acc.
FailureOr<Tensor> Importer::addBias(Tensor &acc, Tensor &bias,
                                    int64_t channelDim) {
  int64_t channels = acc.type.getDimSize(channelDim);
  int64_t count = bias.type.getNumElements();
  // Conv and Gemm, the callers, check the bias's size first.
  assert((count == channels || count == 1) && "a bias per channel or one");
  if (count != channels) {
    FailureOr<Tensor> scalar = reshapeTensor(bias, {});
    if (failed(scalar))
      return failure();
    return elementwise({&acc, &*scalar}, binaryBody<arith::AddFOp>);
  }
  // One value per channel read along the channel dimension: the form of a
  // bias qat fuses into the matmul or convolution.
  FailureOr<Tensor> flat = reshapeTensor(bias, {count});
  if (failed(flat))
    return failure();
  FailureOr<Value> accValue = materialize(acc, acc.nhwc);
  FailureOr<Value> biasValue = materialize(*flat);
  if (failed(accValue) || failed(biasValue))
    return failure();
  int64_t rank = acc.type.getRank();
  bool nhwc = acc.nhwc && rank == 4;
  int64_t channelPos = nhwc ? kNCHWToNHWC[channelDim] : channelDim;
  SmallVector<AffineMap> maps = {
      AffineMap::getMultiDimIdentityMap(rank, ctx),
      AffineMap::get(rank, 0, b.getAffineDimExpr(channelPos)),
      AffineMap::getMultiDimIdentityMap(rank, ctx)};
  auto type = cast<RankedTensorType>(accValue->getType());
  Value init = emptyTensor(type.getShape(), b.getF32Type());
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  Tensor r = acc;
  r.nhwc = nhwc;
  r.value =
      linalg::GenericOp::create(
          b, loc, TypeRange{type}, ValueRange{*accValue, *biasValue},
          ValueRange{init}, maps, iters,
          [](OpBuilder &nb, Location l, ValueRange args) {
            linalg::YieldOp::create(
                nb, l, Value(arith::AddFOp::create(nb, l, args[0], args[1])));
          })
          .getResult(0);
  return r;
}

LogicalResult
Importer::readWindow(const onnx::NodeProto &node, ArrayRef<int64_t> inputShape,
                     ArrayRef<int64_t> kernel, SmallVector<int64_t> &strides,
                     SmallVector<int64_t> &dilations,
                     SmallVector<int64_t> &pads, SmallVector<int64_t> &outputHW,
                     bool ceilMode) {
  FailureOr<SmallVector<int64_t>> stridesAttr =
      intsAttr(node, "strides", {1, 1});
  FailureOr<SmallVector<int64_t>> dilationsAttr =
      intsAttr(node, "dilations", {1, 1});
  FailureOr<SmallVector<int64_t>> padsAttr =
      intsAttr(node, "pads", {0, 0, 0, 0});
  FailureOr<std::string> autoPad = stringAttr(node, "auto_pad", "NOTSET");
  if (failed(stridesAttr) || failed(dilationsAttr) || failed(padsAttr) ||
      failed(autoPad))
    return failure();
  strides = *stridesAttr;
  dilations = *dilationsAttr;
  pads = *padsAttr;
  if (strides.size() != 2 || dilations.size() != 2 || pads.size() != 4)
    return nodeError("has strides, dilations or pads of the wrong length "
                     "(2-D windows only)");
  for (int64_t s : llvm::concat<int64_t>(strides, dilations))
    if (s < 1)
      return nodeError("has a stride or dilation below 1");
  for (int64_t p : pads)
    if (p < 0)
      return nodeError("has a negative pad");
  for (int64_t k : kernel)
    if (k < 1)
      return nodeError("has an empty kernel (" + Twine(kernel[0]) + " x " +
                       Twine(kernel[1]) + ")");
  ArrayRef<int64_t> inputHW = inputShape.drop_front(2);
  outputHW.assign(2, 0);
  for (int d = 0; d < 2; ++d) {
    // The sizes are checked tensor sizes, the attributes anything: every
    // sum and product involving an attribute is checked.
    std::optional<int64_t> extent =
        llvm::checkedMulAdd(dilations[d], kernel[d] - 1, int64_t(1));
    if (!extent)
      return nodeError("has a window larger than its padded input");
    if (*autoPad == "SAME_UPPER" || *autoPad == "SAME_LOWER") {
      int64_t out = llvm::divideCeil(inputHW[d], strides[d]);
      std::optional<int64_t> covered =
          llvm::checkedAdd(std::max<int64_t>(out - 1, 0) * strides[d], *extent);
      if (!covered)
        return nodeError("has a window larger than its padded input");
      int64_t total = std::max<int64_t>(*covered - inputHW[d], 0);
      int64_t small = total / 2, large = total - small;
      pads[d] = *autoPad == "SAME_UPPER" ? small : large;
      pads[d + 2] = *autoPad == "SAME_UPPER" ? large : small;
    } else if (*autoPad == "VALID") {
      pads[d] = pads[d + 2] = 0;
    } else if (*autoPad != "NOTSET") {
      return nodeError("has auto_pad '" + *autoPad + "'");
    }
    std::optional<int64_t> padded = llvm::checkedAdd(inputHW[d], pads[d]);
    if (padded)
      padded = llvm::checkedAdd(*padded, pads[d + 2]);
    // The padded input is a tensor qat builds: its size is checked as any
    // tensor's, which bounds the window's arithmetic below.
    SmallVector<int64_t> paddedShape(inputShape);
    paddedShape[2 + d] = padded.value_or(std::numeric_limits<int64_t>::max());
    if (failed(checkedType(paddedShape, b.getF32Type(),
                           "node '" + nodeName + "' (" + opType +
                               "): the padded input")))
      return failure();
    int64_t span = *padded - *extent;
    if (span < 0)
      return nodeError("has a window larger than its padded input");
    outputHW[d] =
        (ceilMode ? (span + strides[d] - 1) / strides[d] : span / strides[d]) +
        1;
    if (ceilMode) {
      // The last window must start inside the input or the leading pad;
      // extra rows read past the end are padding.
      if ((outputHW[d] - 1) * strides[d] >= inputHW[d] + pads[d])
        --outputHW[d];
      int64_t needed = (outputHW[d] - 1) * strides[d] + *extent;
      pads[d + 2] = std::max(pads[d + 2], needed - inputHW[d] - pads[d]);
    }
  }
  return success();
}

/// Pads dimensions hDim and hDim + 1 (H and W) of `v` by `pads` (top,
/// left, bottom, right) with `value`.
static Value padSpatial(OpBuilder &b, Location loc, Value v,
                        ArrayRef<int64_t> pads, int64_t hDim, TypedAttr value) {
  if (llvm::all_of(pads, [](int64_t p) { return p == 0; }))
    return v;
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> shape(type.getShape());
  SmallVector<OpFoldResult> low(shape.size(), b.getIndexAttr(0));
  SmallVector<OpFoldResult> high(shape.size(), b.getIndexAttr(0));
  for (int64_t d = 0; d < 2; ++d) {
    shape[hDim + d] += pads[d] + pads[d + 2];
    low[hDim + d] = b.getIndexAttr(pads[d]);
    high[hDim + d] = b.getIndexAttr(pads[d + 2]);
  }
  Value c = arith::ConstantOp::create(b, loc, value);
  return tensor::PadOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), v, low, high,
      c);
}

SmallVector<NamedAttribute> Importer::windowAttrs(ArrayRef<int64_t> strides,
                                                  ArrayRef<int64_t> dilations) {
  return {b.getNamedAttr("strides", b.getI64TensorAttr(strides)),
          b.getNamedAttr("dilations", b.getI64TensorAttr(dilations))};
}

/// Elements [offset, offset + size) of dimension 0 of a constant, with
/// its grid's channels when the grid is per axis 0.
static Tensor sliceConstant(const Tensor &t, int64_t offset, int64_t size) {
  Tensor r = t;
  SmallVector<int64_t> shape(t.type.getShape());
  int64_t inner = 1;
  for (int64_t d : ArrayRef<int64_t>(shape).drop_front())
    inner *= d;
  shape[0] = size;
  r.type = RankedTensorType::get(shape, t.type.getElementType());
  SmallVector<Attribute> all(t.constant.getValues<Attribute>());
  r.constant = DenseElementsAttr::get(
      r.type.clone(t.constant.getElementType()),
      ArrayRef<Attribute>(all).slice(offset * inner, size * inner));
  if (r.grid && r.grid->axis == 0) {
    r.grid->scales.assign(t.grid->scales.begin() + offset,
                          t.grid->scales.begin() + offset + size);
    r.grid->zeroPoints.assign(t.grid->zeroPoints.begin() + offset,
                              t.grid->zeroPoints.begin() + offset + size);
  }
  return r;
}

/// `node`'s window attributes with a unit height in front: kernel_shape,
/// strides and dilations [k] become [1, k], pads [b, e] become [0, b, 0, e].
/// Attributes of another length stay as they are (readWindow rejects
/// them).
static onnx::NodeProto liftWindowTo2D(const onnx::NodeProto &node) {
  onnx::NodeProto lifted = node;
  for (onnx::AttributeProto &a : *lifted.mutable_attribute()) {
    SmallVector<int64_t> v(a.ints().begin(), a.ints().end());
    StringRef name = a.name();
    if (v.size() == 1 &&
        (name == "kernel_shape" || name == "strides" || name == "dilations"))
      v.insert(v.begin(), 1);
    else if (v.size() == 2 && name == "pads")
      v = {0, v[0], 0, v[1]};
    else
      continue;
    a.clear_ints();
    for (int64_t x : v)
      a.add_ints(x);
  }
  return lifted;
}

FailureOr<Tensor>
Importer::windowOp1D(const onnx::NodeProto &node, ArrayRef<Tensor *> operands,
                     function_ref<FailureOr<Tensor>(const onnx::NodeProto &,
                                                    MutableArrayRef<Tensor>)>
                         op2D) {
  SmallVector<Tensor> lifted;
  for (Tensor *t : operands) {
    SmallVector<int64_t> shape(t->type.getShape());
    shape.insert(shape.begin() + 2, 1);
    FailureOr<Tensor> r = reshapeTensor(*t, shape);
    if (failed(r))
      return failure();
    lifted.push_back(std::move(*r));
  }
  FailureOr<Tensor> y = op2D(liftWindowTo2D(node), lifted);
  if (failed(y))
    return failure();
  SmallVector<int64_t> shape(y->type.getShape());
  shape.erase(shape.begin() + 2);
  return reshapeTensor(*y, shape);
}

/// ONNX Conv (NCHW, weights F x C/G x KH x KW, optional bias) as NHWC
/// convolutions (HWCF weights) or a depthwise convolution (HWC weights),
/// the layouts qat's kernels take. A grouped convolution is one NHWC
/// convolution per group on a channel slice, concatenated: qat moves the
/// slices onto the integer storage and distributes the output's quantize
/// over the concatenation, so every group becomes integer code.
FailureOr<Tensor> Importer::conv(const onnx::NodeProto &node, Tensor &x,
                                 Tensor &w, Tensor *bias) {
  if (x.type.getRank() == 3 && w.type.getRank() == 3)
    return windowOp1D(
        node, {&x, &w},
        [&](const onnx::NodeProto &node2D, MutableArrayRef<Tensor> xw) {
          return conv(node2D, xw[0], xw[1], bias);
        });
  if (x.type.getRank() != 4 || w.type.getRank() != 4)
    return nodeError("is not a 2-D convolution (input rank " +
                     Twine(x.type.getRank()) + ", weight rank " +
                     Twine(w.type.getRank()) + ")");
  if (!x.isFloat() || !w.isFloat())
    return nodeError("convolves non-float tensors");
  int64_t n = x.type.getDimSize(0), c = x.type.getDimSize(1);
  int64_t f = w.type.getDimSize(0), cg = w.type.getDimSize(1);
  int64_t kh = w.type.getDimSize(2), kw = w.type.getDimSize(3);
  FailureOr<int64_t> groupAttr = intAttr(node, "group", 1);
  FailureOr<SmallVector<int64_t>> kernelShape =
      intsAttr(node, "kernel_shape", {kh, kw});
  if (failed(groupAttr) || failed(kernelShape))
    return failure();
  int64_t groups = *groupAttr;
  // Division before multiplication: `groups` is any attribute value.
  if (groups < 1 || groups > c || c % groups || f % groups || cg != c / groups)
    return nodeError("has " + Twine(groups) + " groups for " + Twine(c) +
                     " input channels and a weight of " + Twine(cg) +
                     " channels per group");
  if (f < 1)
    return nodeError("has a weight with no output channels");
  if (*kernelShape != SmallVector<int64_t>{kh, kw})
    return nodeError("kernel_shape differs from the weight's shape");
  if (bias && bias->type.getNumElements() != f)
    return nodeError("the bias has " + Twine(bias->type.getNumElements()) +
                     " values for " + Twine(f) + " output channels");
  bool depthwise = groups != 1 && groups == c && f == c && cg == 1;
  if (groups != 1 && !depthwise && (!w.constant || (bias && !bias->constant)))
    return nodeError("is a grouped convolution with a non-constant weight or "
                     "bias; qat needs them constant");
  SmallVector<int64_t> strides, dilations, pads, out;
  if (failed(readWindow(node, x.type.getShape(), {kh, kw}, strides, dilations,
                        pads, out, false)))
    return failure();
  FailureOr<Value> xv = materialize(x, /*nhwc=*/true);
  if (failed(xv))
    return failure();
  SmallVector<NamedAttribute> attrs = windowAttrs(strides, dilations);

  // One convolution of `input` (NHWC, unpadded) with `weight` (ONNX
  // layout), plus `groupBias`.
  auto convolve = [&](Value input, Tensor &weight, Tensor *groupBias,
                      bool isDepthwise) -> FailureOr<Tensor> {
    int64_t outChannels = weight.type.getDimSize(0);
    Value padded =
        padSpatial(b, loc, input, pads, /*hDim=*/1, b.getF32FloatAttr(0));
    FailureOr<Tensor> packed =
        isDepthwise ? reshapeTensor(weight, {outChannels, kh, kw})
                    : transposeTensor(weight, {2, 3, 1, 0});
    if (succeeded(packed) && isDepthwise)
      packed = transposeTensor(*packed, {1, 2, 0});
    if (failed(packed))
      return failure();
    FailureOr<Value> wv = materialize(*packed);
    if (failed(wv))
      return failure();
    Value init = zeroFilled({n, out[0], out[1], outChannels}, b.getF32Type(),
                            b.getF32FloatAttr(0));
    Operation *op;
    if (isDepthwise)
      op = linalg::DepthwiseConv2DNhwcHwcOp::create(
          b, loc, TypeRange{init.getType()}, ValueRange{padded, *wv},
          ValueRange{init}, attrs);
    else
      op = linalg::Conv2DNhwcHwcfOp::create(b, loc, TypeRange{init.getType()},
                                            ValueRange{padded, *wv},
                                            ValueRange{init}, attrs);
    Tensor r;
    r.type =
        RankedTensorType::get({n, outChannels, out[0], out[1]}, b.getF32Type());
    r.value = op->getResult(0);
    r.nhwc = true;
    return groupBias ? addBias(r, *groupBias, 1) : FailureOr<Tensor>(r);
  };
  if (groups == 1 || depthwise)
    return convolve(*xv, w, bias, depthwise);

  int64_t fg = f / groups;
  int64_t h = x.type.getDimSize(2), wd = x.type.getDimSize(3);
  SmallVector<Value> parts;
  for (int64_t g = 0; g < groups; ++g) {
    SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0), b.getIndexAttr(0),
                                         b.getIndexAttr(0),
                                         b.getIndexAttr(g * cg)};
    SmallVector<OpFoldResult> sizes = {b.getIndexAttr(n), b.getIndexAttr(h),
                                       b.getIndexAttr(wd), b.getIndexAttr(cg)};
    SmallVector<OpFoldResult> ones(4, b.getIndexAttr(1));
    Value slice = tensor::ExtractSliceOp::create(
        b, loc, RankedTensorType::get({n, h, wd, cg}, b.getF32Type()), *xv,
        offsets, sizes, ones);
    Tensor weight = sliceConstant(w, g * fg, fg);
    std::optional<Tensor> groupBias;
    if (bias) {
      FailureOr<Tensor> flat = reshapeTensor(*bias, {f});
      if (failed(flat))
        return failure();
      groupBias = sliceConstant(*flat, g * fg, fg);
    }
    FailureOr<Tensor> part =
        convolve(slice, weight, groupBias ? &*groupBias : nullptr, false);
    if (failed(part))
      return failure();
    parts.push_back(part->value);
  }
  Tensor r;
  r.type = RankedTensorType::get({n, f, out[0], out[1]}, b.getF32Type());
  r.value = tensor::ConcatOp::create(b, loc, /*dim=*/3, parts);
  r.nhwc = true;
  return r;
}

FailureOr<Tensor> Importer::insertZeros(Tensor &x, ArrayRef<int64_t> strides) {
  FailureOr<Value> v = materialize(x, /*nhwc=*/true);
  if (failed(v))
    return failure();
  int64_t n = x.type.getDimSize(0), c = x.type.getDimSize(1);
  int64_t h = x.type.getDimSize(2), w = x.type.getDimSize(3);
  int64_t sh = strides[0], sw = strides[1];
  if (h == 0 || w == 0)
    return nodeError("has an empty input");
  // N x H x W x C -> N x H x 1 x W x 1 x C, padded with zeros after each
  // element to N x H x sh x W x sw x C, joined to N x H*sh x W*sw x C and
  // cut after the last element: reshapes, a zero pad and a slice, which qat
  // moves onto the integer storage.
  Type f32 = b.getF32Type();
  SmallVector<ReassociationIndices> re = {{0}, {1, 2}, {3, 4}, {5}};
  Value expanded = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get({n, h, 1, w, 1, c}, f32), *v, re);
  SmallVector<OpFoldResult> low(6, b.getIndexAttr(0)),
      high(6, b.getIndexAttr(0));
  high[2] = b.getIndexAttr(sh - 1);
  high[4] = b.getIndexAttr(sw - 1);
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0));
  Value padded = tensor::PadOp::create(
      b, loc, RankedTensorType::get({n, h, sh, w, sw, c}, f32), expanded, low,
      high, zero);
  Value joined = tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get({n, h * sh, w * sw, c}, f32), padded, re);
  int64_t oh = (h - 1) * sh + 1, ow = (w - 1) * sw + 1;
  SmallVector<OpFoldResult> offsets(4, b.getIndexAttr(0)), sizes,
      ones(4, b.getIndexAttr(1));
  for (int64_t s : {n, oh, ow, c})
    sizes.push_back(b.getIndexAttr(s));
  Tensor r;
  r.type = RankedTensorType::get({n, c, oh, ow}, f32);
  r.nhwc = true;
  r.value = tensor::ExtractSliceOp::create(
      b, loc, RankedTensorType::get({n, oh, ow, c}, f32), joined, offsets,
      sizes, ones);
  return r;
}

/// `w` (a constant) with its two last dimensions reversed.
static Tensor flipSpatial(const Tensor &w) {
  Tensor r = w;
  int64_t kh = w.type.getDimSize(2), kw = w.type.getDimSize(3);
  SmallVector<Attribute> in(w.constant.getValues<Attribute>()), out;
  out.reserve(in.size());
  for (int64_t plane = 0, e = in.size() / (kh * kw); plane < e; ++plane)
    for (int64_t i = 0; i < kh; ++i)
      for (int64_t j = 0; j < kw; ++j)
        out.push_back(in[plane * kh * kw + (kh - 1 - i) * kw + (kw - 1 - j)]);
  r.constant = DenseElementsAttr::get(w.constant.getType(), out);
  return r;
}

/// ONNX ConvTranspose (group 1, constant weight C x F x KH x KW, dilation
/// 1) as the convolution it equals: the input with stride - 1 zeros between
/// elements, padded by KH - 1 - pad (plus output_padding at the end), by
/// the weight read as F x C with its window reversed.
FailureOr<Tensor> Importer::importConvTranspose(const onnx::NodeProto &node) {
  FailureOr<Tensor *> x = lookup(node, 0), w = lookup(node, 1),
                      bias = lookupOptional(node, 2);
  if (failed(x) || failed(w) || failed(bias))
    return failure();
  if ((*x)->type.getRank() != 4 || (*w)->type.getRank() != 4 ||
      !(*x)->isFloat() || !(*w)->isFloat())
    return nodeError("is not a 2-D transposed convolution of float tensors");
  if (!(*w)->constant)
    return nodeError("has a weight that is not a constant");
  int64_t kh = (*w)->type.getDimSize(2), kw = (*w)->type.getDimSize(3);
  FailureOr<int64_t> group = intAttr(node, "group", 1);
  FailureOr<SmallVector<int64_t>> strides = intsAttr(node, "strides", {1, 1});
  FailureOr<SmallVector<int64_t>> dilations =
      intsAttr(node, "dilations", {1, 1});
  FailureOr<SmallVector<int64_t>> pads = intsAttr(node, "pads", {0, 0, 0, 0});
  FailureOr<SmallVector<int64_t>> extra =
      intsAttr(node, "output_padding", {0, 0});
  FailureOr<std::string> autoPad = stringAttr(node, "auto_pad", "NOTSET");
  if (failed(group) || failed(strides) || failed(dilations) || failed(pads) ||
      failed(extra) || failed(autoPad))
    return failure();
  if (*group != 1 || *dilations != SmallVector<int64_t>{1, 1} ||
      *autoPad != "NOTSET" || attr(node, "output_shape"))
    return nodeError("has groups, dilations, auto_pad or output_shape; "
                     "supported: group 1, dilation 1, explicit pads");
  if (strides->size() != 2 || pads->size() != 4 || extra->size() != 2)
    return nodeError("has strides, pads or output_padding of the wrong "
                     "length (2-D only)");
  int64_t k[2] = {kh, kw};
  for (int d = 0; d < 2; ++d) {
    // Limits that keep every size below small: the sizes of real layers.
    if ((*strides)[d] < 1 || (*strides)[d] > 64 || (*extra)[d] < 0 ||
        (*extra)[d] >= (*strides)[d])
      return nodeError("has a stride outside [1, 64] or an output_padding "
                       "not below its stride");
    for (int64_t p : {(*pads)[d], (*pads)[d + 2]})
      if (p < 0 || p > k[d] - 1)
        return nodeError("has a pad outside [0, kernel - 1]");
  }
  FailureOr<Tensor> z = insertZeros(**x, *strides);
  if (failed(z))
    return failure();
  FailureOr<Tensor> wt = transposeTensor(**w, {1, 0, 2, 3});
  if (failed(wt))
    return failure();
  Tensor flipped = flipSpatial(*wt);
  // The equivalent convolution's attributes.
  onnx::NodeProto equivalent = node;
  equivalent.clear_attribute();
  auto setInts = [&](StringRef name, ArrayRef<int64_t> values) {
    onnx::AttributeProto *a = equivalent.add_attribute();
    a->set_name(name.str());
    a->set_type(onnx::AttributeProto::INTS);
    for (int64_t v : values)
      a->add_ints(v);
  };
  setInts("pads", {kh - 1 - (*pads)[0], kw - 1 - (*pads)[1],
                   kh - 1 - (*pads)[2] + (*extra)[0],
                   kw - 1 - (*pads)[3] + (*extra)[1]});
  setInts("kernel_shape", {kh, kw});
  return conv(equivalent, *z, flipped, *bias);
}

LogicalResult Importer::checkPoolInput(Tensor &x) {
  if (x.type.getRank() != 4 || !x.isFloat())
    return nodeError("pools a tensor that is not a 4-D float tensor");
  return success();
}

FailureOr<Tensor> Importer::pool(const onnx::NodeProto &node, Tensor &x,
                                 bool isMax) {
  if (x.type.getRank() == 3)
    return windowOp1D(
        node, {&x},
        [&](const onnx::NodeProto &node2D, MutableArrayRef<Tensor> xs) {
          return pool(node2D, xs[0], isMax);
        });
  if (failed(checkPoolInput(x)))
    return failure();
  FailureOr<SmallVector<int64_t>> kernel = intsAttr(node, "kernel_shape", {});
  FailureOr<int64_t> storageOrder = intAttr(node, "storage_order", 0);
  FailureOr<int64_t> ceilModeAttr = intAttr(node, "ceil_mode", 0);
  FailureOr<int64_t> countPad = intAttr(node, "count_include_pad", 0);
  if (failed(kernel) || failed(storageOrder) || failed(ceilModeAttr) ||
      failed(countPad))
    return failure();
  if (kernel->size() != 2)
    return nodeError("needs a 2-D kernel_shape");
  if (node.output_size() > 1 && !node.output(1).empty())
    return nodeError("has an Indices output, which qat does not compute");
  if (*storageOrder != 0)
    return nodeError("has storage_order " + Twine(*storageOrder));
  bool ceilMode = *ceilModeAttr != 0;
  PoolWindow window;
  window.kernel = *kernel;
  window.countPad = *countPad != 0;
  if (failed(readWindow(node, x.type.getShape(), window.kernel, window.strides,
                        window.dilations, window.pads, window.out, ceilMode)))
    return failure();
  SmallVector<int64_t> unusedOut;
  if (failed(readWindow(node, x.type.getShape(), window.kernel, window.strides,
                        window.dilations, window.declaredPads, unusedOut,
                        false)))
    return failure();
  return poolWindows(x, window, isMax);
}

FailureOr<Tensor> Importer::globalAveragePool(Tensor &x) {
  if (failed(checkPoolInput(x)))
    return failure();
  // One window over the whole of H x W.
  PoolWindow window;
  window.kernel = {x.type.getDimSize(2), x.type.getDimSize(3)};
  window.strides = window.dilations = window.out = {1, 1};
  window.pads = window.declaredPads = {0, 0, 0, 0};
  return poolWindows(x, window, /*isMax=*/false);
}

FailureOr<Tensor> Importer::poolWindows(Tensor &x, const PoolWindow &window,
                                        bool isMax) {
  FailureOr<Value> xv = materialize(x, /*nhwc=*/true);
  if (failed(xv))
    return failure();
  ArrayRef<int64_t> kernel = window.kernel, strides = window.strides,
                    dilations = window.dilations, pads = window.pads,
                    declared = window.declaredPads, out = window.out;
  float padValue = isMax ? -std::numeric_limits<float>::infinity() : 0.0f;
  Value input =
      padSpatial(b, loc, *xv, pads, /*hDim=*/1, b.getF32FloatAttr(padValue));
  int64_t n = x.type.getDimSize(0), c = x.type.getDimSize(1);
  int64_t h = x.type.getDimSize(2), w = x.type.getDimSize(3);
  Value windowShape = emptyTensor(kernel, b.getF32Type());
  Value init = zeroFilled({n, out[0], out[1], c}, b.getF32Type(),
                          b.getF32FloatAttr(padValue));
  SmallVector<NamedAttribute> attrs = windowAttrs(strides, dilations);
  Operation *op;
  if (isMax)
    op = linalg::PoolingNhwcMaxOp::create(b, loc, TypeRange{init.getType()},
                                          ValueRange{input, windowShape},
                                          ValueRange{init}, attrs);
  else
    op = linalg::PoolingNhwcSumOp::create(b, loc, TypeRange{init.getType()},
                                          ValueRange{input, windowShape},
                                          ValueRange{init}, attrs);
  Tensor r;
  r.type = RankedTensorType::get({n, c, out[0], out[1]}, b.getF32Type());
  r.value = op->getResult(0);
  r.nhwc = true;
  if (isMax)
    return r;

  // The divisor per output position: the window's elements inside the
  // input, plus its pads when count_include_pad (never ceil_mode's
  // overhang past the declared pads).
  // A tap counts if it lies inside the input, or inside the declared pads
  // when count_include_pad: a rectangle in both cases, so the count is the
  // product of the taps counted along H and along W, each found in O(1)
  // (windows and kernels can be as large as the padded input).
  int64_t lo[2] = {0, 0}, hi[2] = {h, w};
  if (window.countPad)
    for (int d = 0; d < 2; ++d) {
      lo[d] = -declared[d];
      hi[d] += declared[d + 2];
    }
  SmallVector<int64_t> along[2];
  for (int d = 0; d < 2; ++d)
    for (int64_t o = 0; o < out[d]; ++o) {
      // Taps start + k * dilation for k in [0, kernel) inside [lo, hi).
      int64_t start = o * strides[d] - pads[d];
      int64_t first = std::max<int64_t>(
          0, llvm::divideCeilSigned(lo[d] - start, dilations[d]));
      int64_t last = std::min<int64_t>(
          kernel[d] - 1,
          llvm::divideFloorSigned(hi[d] - 1 - start, dilations[d]));
      along[d].push_back(std::max<int64_t>(last - first + 1, 0));
    }
  bool uniform = llvm::all_equal(along[0]) && llvm::all_equal(along[1]);
  if (!uniform && out[0] * out[1] > kMaxDivisorElements)
    return nodeError("averages over windows of " + Twine(out[0] * out[1]) +
                     " different sizes; qat builds at most " +
                     Twine(kMaxDivisorElements) + " divisors");
  SmallVector<float> counts;
  for (int64_t oy = 0; oy < (uniform ? 1 : out[0]); ++oy)
    for (int64_t ox = 0; ox < (uniform ? 1 : out[1]); ++ox)
      counts.push_back(static_cast<float>(along[0][oy] * along[1][ox]));
  Tensor divisor = scalarConstant(counts.front());
  if (!uniform) {
    divisor.type = RankedTensorType::get({out[0], out[1]}, b.getF32Type());
    divisor.constant =
        DenseElementsAttr::get(divisor.type, ArrayRef<float>(counts));
  }
  return elementwise({&r, &divisor}, binaryBody<arith::DivFOp>);
}

/// (x - zero point) widened to i32, element-wise.
static Value widenMinusZeroPoint(OpBuilder &b, Location loc, Value v,
                                 bool isUnsigned, int64_t zeroPoint) {
  auto type = cast<RankedTensorType>(v.getType());
  auto i32 = b.getI32Type();
  Value init = tensor::EmptyOp::create(b, loc, type.getShape(), i32);
  int64_t rank = type.getRank();
  SmallVector<AffineMap> maps(
      2, AffineMap::getMultiDimIdentityMap(rank, b.getContext()));
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{init.getType()}, ValueRange{v}, ValueRange{init},
             maps, iters,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               Value x =
                   isUnsigned
                       ? Value(arith::ExtUIOp::create(nb, l, i32, args[0]))
                       : Value(arith::ExtSIOp::create(nb, l, i32, args[0]));
               Value zp = arith::ConstantOp::create(
                   nb, l, nb.getI32IntegerAttr(zeroPoint));
               linalg::YieldOp::create(
                   nb, l, Value(arith::SubIOp::create(nb, l, x, zp)));
             })
      .getResult(0);
}

LogicalResult Importer::checkIntegerOperands(ArrayRef<Tensor *> ins) {
  for (auto [i, in] : llvm::enumerate(ins)) {
    auto type = dyn_cast<IntegerType>(in->type.getElementType());
    if (!type || type.getWidth() != 8 || in->grid)
      return nodeError("input #" + Twine(i) + " is not UINT8 or INT8");
  }
  return success();
}

/// MatMulInteger and ConvInteger: exact i32 arithmetic, no grids involved.
/// Their zero points (inputs 2 and 3, one per operand; 0 when absent);
/// `perWhat` names the finer zero points they do not support.
FailureOr<std::array<int64_t, 2>>
Importer::integerZeroPoints(const onnx::NodeProto &node, StringRef perWhat) {
  std::array<int64_t, 2> zps = {0, 0};
  for (int i = 0; i < 2; ++i) {
    if (!hasInput(node, 2 + i))
      continue;
    FailureOr<Tensor *> in = lookup(node, i);
    FailureOr<DenseElementsAttr> zp = constantOf(node, 2 + i, "the zero point");
    if (failed(in) || failed(zp))
      return failure();
    // The input's type, as ONNX requires: (x - zero point) is then exact in
    // i32 whatever the values.
    Tensor &zt = values[node.input(2 + i)];
    if (zt.type.getElementType() != (*in)->type.getElementType() ||
        zt.isUnsigned != (*in)->isUnsigned)
      return nodeError("the zero point of input #" + Twine(i) + " is " +
                       typeString(zt.type.getElementType()) +
                       (zt.isUnsigned ? " (unsigned)" : "") +
                       ", not the input's type");
    if (zp->getNumElements() == 0)
      return nodeError("has an empty zero point");
    if (!zp->isSplat() && zp->getNumElements() != 1)
      return nodeError("has a " + perWhat +
                       " zero point; supported: one zero point per input");
    APInt v = *zp->getValues<APInt>().begin();
    zps[i] = zt.isUnsigned ? v.getZExtValue() : v.getSExtValue();
  }
  return zps;
}

FailureOr<Tensor> Importer::importMatMulInteger(const onnx::NodeProto &node) {
  FailureOr<Tensor *> a = lookup(node, 0), w = lookup(node, 1);
  if (failed(a) || failed(w))
    return failure();
  Tensor *ins[2] = {*a, *w};
  if (failed(checkIntegerOperands(ins)))
    return failure();
  FailureOr<std::array<int64_t, 2>> zps =
      integerZeroPoints(node, "per-row or per-column");
  if (failed(zps))
    return failure();
  Value widened[2];
  for (int i = 0; i < 2; ++i) {
    FailureOr<Value> v = materialize(*ins[i]);
    if (failed(v))
      return failure();
    widened[i] = widenMinusZeroPoint(b, loc, *v, ins[i]->isUnsigned, (*zps)[i]);
  }
  int64_t ra = (*a)->type.getRank(), rw = (*w)->type.getRank();
  if (ra != 2 || rw != 2)
    return nodeError("multiplies ranks " + Twine(ra) + " and " + Twine(rw) +
                     "; supported: 2-D x 2-D");
  int64_t m = (*a)->type.getDimSize(0), k = (*a)->type.getDimSize(1);
  int64_t n = (*w)->type.getDimSize(1);
  if ((*w)->type.getDimSize(0) != k)
    return nodeError("inner sizes differ");
  Value init = zeroFilled({m, n}, b.getI32Type(), b.getI32IntegerAttr(0));
  Tensor r;
  r.type = RankedTensorType::get({m, n}, b.getI32Type());
  r.value = linalg::MatmulOp::create(b, loc, TypeRange{init.getType()},
                                     ValueRange{widened[0], widened[1]},
                                     ValueRange{init})
                .getResult(0);
  return r;
}

FailureOr<Tensor> Importer::importConvInteger(const onnx::NodeProto &node) {
  FailureOr<Tensor *> x = lookup(node, 0), w = lookup(node, 1);
  if (failed(x) || failed(w))
    return failure();
  if ((*x)->type.getRank() != 4 || (*w)->type.getRank() != 4)
    return nodeError("is not a 2-D convolution");
  Tensor *ins[2] = {*x, *w};
  if (failed(checkIntegerOperands(ins)))
    return failure();
  FailureOr<int64_t> groups = intAttr(node, "group", 1);
  if (failed(groups))
    return failure();
  if (*groups != 1)
    return nodeError("has " + Twine(*groups) + " groups; supported: group = 1");
  if ((*w)->type.getDimSize(1) != (*x)->type.getDimSize(1))
    return nodeError("has a weight of " + Twine((*w)->type.getDimSize(1)) +
                     " input channels for an input of " +
                     Twine((*x)->type.getDimSize(1)));
  FailureOr<std::array<int64_t, 2>> zps =
      integerZeroPoints(node, "per-channel");
  if (failed(zps))
    return failure();
  int64_t f = (*w)->type.getDimSize(0);
  int64_t kh = (*w)->type.getDimSize(2), kw = (*w)->type.getDimSize(3);
  SmallVector<int64_t> strides, dilations, pads, out;
  FailureOr<SmallVector<int64_t>> kernelShape =
      intsAttr(node, "kernel_shape", {kh, kw});
  if (failed(kernelShape))
    return failure();
  if (*kernelShape != SmallVector<int64_t>{kh, kw})
    return nodeError("kernel_shape differs from the weight's shape");
  if (failed(readWindow(node, (*x)->type.getShape(), {kh, kw}, strides,
                        dilations, pads, out, false)))
    return failure();
  FailureOr<Value> xv = materialize(**x), wv = materialize(**w);
  if (failed(xv) || failed(wv))
    return failure();
  Value xi = widenMinusZeroPoint(b, loc, *xv, (*x)->isUnsigned, (*zps)[0]);
  Value wi = widenMinusZeroPoint(b, loc, *wv, (*w)->isUnsigned, (*zps)[1]);
  // Padding holds the zero point, i.e. 0 after the subtraction.
  xi = padSpatial(b, loc, xi, pads, /*hDim=*/2, b.getI32IntegerAttr(0));
  int64_t n = (*x)->type.getDimSize(0);
  Value init = zeroFilled({n, f, out[0], out[1]}, b.getI32Type(),
                          b.getI32IntegerAttr(0));
  SmallVector<NamedAttribute> attrs = windowAttrs(strides, dilations);
  Tensor r;
  r.type = RankedTensorType::get({n, f, out[0], out[1]}, b.getI32Type());
  r.value = linalg::Conv2DNchwFchwOp::create(b, loc, TypeRange{init.getType()},
                                             ValueRange{xi, wi},
                                             ValueRange{init}, attrs)
                .getResult(0);
  return r;
}
