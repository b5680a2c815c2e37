//===- ONNXDataOps.cpp - Pad, Slice, Split, Gather, Shape, Cast -----------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// The import functions of the ONNX data-movement ops that real models put
// around their layers: constant Pad, Slice and Split (extract_slice of the
// value, in NHWC where it is held so; a linalg.generic for negative steps),
// Gather with constant indices, and Shape and Cast, which the importer folds
// (static shapes make a Shape a constant, and the Gather / Slice / Cast chains
// on it constants too). Every op on a constant is computed at import time, so
// that weights and shape arithmetic stay constants.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/Support/CheckedArithmetic.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

using namespace mlir;
using namespace mlir::qat;
using namespace mlir::qat::onnx_import;

/// The row-major strides of `shape`.
static SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
}

/// A constant of shape `outShape` whose element at each index is the element
/// of `c` at flat position `source(index)`.
static DenseElementsAttr
remapConstant(DenseElementsAttr c, ArrayRef<int64_t> outShape,
              function_ref<int64_t(ArrayRef<int64_t>)> source) {
  SmallVector<Attribute> in(c.getValues<Attribute>()), out;
  auto type = RankedTensorType::get(outShape, c.getElementType());
  int64_t count = type.getNumElements();
  out.reserve(count);
  SmallVector<int64_t> index(outShape.size(), 0);
  for (int64_t i = 0; i < count; ++i) {
    out.push_back(in[source(index)]);
    for (int64_t d = static_cast<int64_t>(outShape.size()) - 1; d >= 0; --d) {
      if (++index[d] < outShape[d])
        break;
      index[d] = 0;
    }
  }
  return DenseElementsAttr::get(type, out);
}

/// Whether a slice along the logical dimensions of `t` changes the channels
/// of its per-axis grid (then the constant is not folded: its grid would
/// have to be sliced too).
static bool slicesGridAxis(const Tensor &t, ArrayRef<int64_t> sizes) {
  return t.grid && t.grid->axis &&
         sizes[*t.grid->axis] != t.type.getDimSize(*t.grid->axis);
}

/// A slice with negative steps, which tensor.extract_slice cannot express:
/// a linalg.generic reading element offset + step * i along each dimension.
FailureOr<Tensor> Importer::reverseSlice(Value v, const Tensor &x,
                                         ArrayRef<int64_t> offsets,
                                         ArrayRef<int64_t> sizes,
                                         ArrayRef<int64_t> steps, bool nhwc) {
  int64_t rank = x.type.getRank();
  SmallVector<AffineExpr> exprs;
  SmallVector<int64_t> physSizes;
  for (int64_t p = 0; p < rank; ++p) {
    int64_t d = nhwc ? kNHWCToNCHW[p] : p;
    exprs.push_back(offsets[d] + steps[d] * b.getAffineDimExpr(p));
    physSizes.push_back(sizes[d]);
  }
  Type elementType = x.type.getElementType();
  Value init = emptyTensor(physSizes, elementType);
  SmallVector<AffineMap> maps = {AffineMap::get(rank, 0, exprs, ctx),
                                 AffineMap::getMultiDimIdentityMap(rank, ctx)};
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  Tensor r;
  r.isUnsigned = x.isUnsigned;
  r.type = RankedTensorType::get(sizes, elementType);
  r.nhwc = nhwc;
  r.value =
      linalg::GenericOp::create(b, loc, TypeRange{init.getType()},
                                ValueRange{v}, ValueRange{init}, maps, iters,
                                [](OpBuilder &nb, Location l, ValueRange args) {
                                  linalg::YieldOp::create(nb, l, args[0]);
                                })
          .getResult(0);
  return r;
}

FailureOr<Tensor> Importer::sliceTensor(Tensor &x, ArrayRef<int64_t> offsets,
                                        ArrayRef<int64_t> sizes,
                                        ArrayRef<int64_t> steps) {
  Tensor r;
  r.isUnsigned = x.isUnsigned;
  r.type = RankedTensorType::get(sizes, x.type.getElementType());
  int64_t rank = x.type.getRank();
  if (x.constant && !slicesGridAxis(x, sizes)) {
    SmallVector<int64_t> strides = stridesOf(x.type.getShape());
    r.grid = x.grid;
    r.constant = remapConstant(x.constant, sizes, [&](ArrayRef<int64_t> i) {
      int64_t flat = 0;
      for (int64_t d = 0; d < rank; ++d)
        flat += (offsets[d] + i[d] * steps[d]) * strides[d];
      return flat;
    });
    return r;
  }
  if (!x.quantizedFrom.empty())
    return nodeError("slices a quantized tensor; qat slices float tensors "
                     "and constants");
  // In NHWC when the input is held so: the slice reads the physical
  // dimensions.
  bool nhwc = x.nhwc && x.value && rank == 4;
  FailureOr<Value> v = materialize(x, nhwc);
  if (failed(v))
    return failure();
  if (llvm::any_of(steps, [](int64_t step) { return step < 0; }))
    return reverseSlice(*v, x, offsets, sizes, steps, nhwc);
  SmallVector<OpFoldResult> o, s, t;
  SmallVector<int64_t> physSizes;
  for (int64_t p = 0; p < rank; ++p) {
    int64_t d = nhwc ? kNHWCToNCHW[p] : p;
    o.push_back(b.getIndexAttr(offsets[d]));
    s.push_back(b.getIndexAttr(sizes[d]));
    t.push_back(b.getIndexAttr(steps[d]));
    physSizes.push_back(sizes[d]);
  }
  r.nhwc = nhwc;
  r.value = tensor::ExtractSliceOp::create(
      b, loc, RankedTensorType::get(physSizes, x.type.getElementType()), *v, o,
      s, t);
  return r;
}

//===----------------------------------------------------------------------===//
// Slice and Split
//===----------------------------------------------------------------------===//

FailureOr<Tensor> Importer::importSlice(const onnx::NodeProto &node) {
  FailureOr<Tensor *> x = lookup(node, 0);
  FailureOr<SmallVector<int64_t>> starts = intsOf(node, 1, "the starts");
  FailureOr<SmallVector<int64_t>> ends = intsOf(node, 2, "the ends");
  if (failed(x) || failed(starts) || failed(ends))
    return failure();
  int64_t rank = (*x)->type.getRank();
  size_t n = starts->size();
  SmallVector<int64_t> axes, steps(n, 1);
  for (size_t i = 0; i < n; ++i)
    axes.push_back(i);
  if (hasInput(node, 3)) {
    FailureOr<SmallVector<int64_t>> a = intsOf(node, 3, "the axes");
    if (failed(a))
      return failure();
    axes = *a;
  }
  if (hasInput(node, 4)) {
    FailureOr<SmallVector<int64_t>> s = intsOf(node, 4, "the steps");
    if (failed(s))
      return failure();
    steps = *s;
  }
  if (ends->size() != n || axes.size() != n || steps.size() != n)
    return nodeError("has starts, ends, axes and steps of different lengths");
  ArrayRef<int64_t> shape = (*x)->type.getShape();
  SmallVector<int64_t> offsets(rank, 0), sizes(shape), strides(rank, 1);
  SmallVector<bool> seen(rank, false);
  for (size_t i = 0; i < n; ++i) {
    FailureOr<int64_t> axis = normalizeAxis(axes[i], rank, "axis");
    if (failed(axis))
      return failure();
    if (seen[*axis])
      return nodeError("lists an axis twice");
    seen[*axis] = true;
    int64_t step = steps[i];
    if (step == 0)
      return nodeError("has step 0");
    // ONNX's rules: a negative index counts from the end, then both are
    // clamped to [0, dim] (steps > 0) or [-1, dim - 1] (steps < 0). No
    // overflow: sizes are at most 2^31.
    int64_t dim = shape[*axis];
    int64_t lo = step > 0 ? 0 : -1, hi = step > 0 ? dim : dim - 1;
    auto clampIndex = [&](int64_t v) {
      if (v < 0)
        v = std::max<int64_t>(v, -dim - 1) + dim;
      return std::clamp(v, lo, hi);
    };
    int64_t start = std::max<int64_t>(clampIndex((*starts)[i]), 0);
    int64_t end = clampIndex((*ends)[i]);
    int64_t size =
        dim == 0   ? 0
        : step > 0 ? (end > start ? llvm::divideCeil(end - start, step) : 0)
                   : (start > end ? llvm::divideCeil(start - end, -step) : 0);
    offsets[*axis] = size ? start : 0;
    sizes[*axis] = size;
    strides[*axis] = size ? step : 1;
  }
  return sliceTensor(**x, offsets, sizes, strides);
}

FailureOr<Tensor> Importer::splitNode(const onnx::NodeProto &node,
                                      std::optional<SmallVector<int64_t>> split,
                                      bool numOutputs) {
  FailureOr<Tensor *> x = lookup(node, 0);
  FailureOr<int64_t> axisAttr = intAttr(node, "axis", 0);
  if (failed(x) || failed(axisAttr))
    return failure();
  int64_t rank = (*x)->type.getRank();
  FailureOr<int64_t> axis = normalizeAxis(*axisAttr, rank, "axis");
  if (failed(axis))
    return failure();
  int64_t dim = (*x)->type.getDimSize(*axis);
  int64_t outputs = node.output_size();
  SmallVector<int64_t> parts;
  if (split) {
    parts = *split;
    int64_t total = 0;
    for (int64_t p : parts) {
      if (p < 0)
        return nodeError("has a negative split size");
      // At most dim + 1 after each step: no overflow.
      total += std::min(p, dim + 1);
    }
    if (static_cast<int64_t>(parts.size()) != outputs || total != dim)
      return nodeError("splits " + Twine(dim) + " into " + Twine(parts.size()) +
                       " parts that do not add up "
                       "to it for " +
                       Twine(outputs) + " outputs");
  } else {
    // Equal parts; with num_outputs (opset 18) the last may be smaller.
    if (numOutputs) {
      FailureOr<int64_t> n = intAttr(node, "num_outputs", outputs);
      if (failed(n))
        return failure();
      if (*n != outputs)
        return nodeError("has num_outputs " + Twine(*n) + " for " +
                         Twine(outputs) + " outputs");
    }
    int64_t each = numOutputs ? llvm::divideCeil(dim, outputs)
                              : (dim % outputs ? -1 : dim / outputs);
    if (each < 0)
      return nodeError("cannot split " + Twine(dim) + " into " +
                       Twine(outputs) + " equal parts");
    for (int64_t i = 0, left = dim; i < outputs; ++i, left -= each)
      parts.push_back(std::max<int64_t>(std::min(each, left), 0));
  }
  SmallVector<int64_t> offsets(rank, 0), steps(rank, 1);
  SmallVector<int64_t> sizes((*x)->type.getShape());
  Tensor first;
  for (int64_t i = 0; i < outputs; ++i) {
    sizes[*axis] = parts[i];
    FailureOr<Tensor> part = sliceTensor(**x, offsets, sizes, steps);
    if (failed(part))
      return failure();
    offsets[*axis] += parts[i];
    // Output #0 is defined by importNode, the others here.
    if (i == 0)
      first = *part;
    else if (!node.output(i).empty() &&
             failed(define(node, i, std::move(*part))))
      return failure();
  }
  return first;
}

template <Importer::SplitFrom from>
FailureOr<Tensor> Importer::importSplit(const onnx::NodeProto &node) {
  std::optional<SmallVector<int64_t>> split;
  if (from == SplitFrom::Attribute) {
    FailureOr<const onnx::AttributeProto *> a =
        typedAttr(node, "split", onnx::AttributeProto::INTS);
    if (failed(a))
      return failure();
    if (*a)
      split.emplace((*a)->ints().begin(), (*a)->ints().end());
  } else if (hasInput(node, 1)) {
    FailureOr<SmallVector<int64_t>> s = intsOf(node, 1, "the split");
    if (failed(s))
      return failure();
    split = *s;
  }
  return splitNode(node, split, from == SplitFrom::InputOrNumOutputs);
}

//===----------------------------------------------------------------------===//
// Pad
//===----------------------------------------------------------------------===//

FailureOr<Tensor> Importer::padTensor(Tensor &x, ArrayRef<int64_t> pads,
                                      float value) {
  if (!x.isFloat())
    return nodeError("pads a non-float tensor; qat pads float "
                     "(dequantized) tensors");
  int64_t rank = x.type.getRank();
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < rank; ++d) {
    if (pads[d] < 0 || pads[rank + d] < 0)
      return nodeError("has a negative pad; supported: pads of 0 or more");
    std::optional<int64_t> size =
        llvm::checkedAdd(x.type.getDimSize(d), pads[d]);
    if (size)
      size = llvm::checkedAdd(*size, pads[rank + d]);
    shape.push_back(size.value_or(std::numeric_limits<int64_t>::max()));
  }
  FailureOr<RankedTensorType> type =
      checkedType(shape, b.getF32Type(),
                  "node '" + nodeName + "' (" + opType + "): the result");
  if (failed(type))
    return failure();
  bool nhwc = x.nhwc && x.value && rank == 4;
  FailureOr<Value> v = materialize(x, nhwc);
  if (failed(v))
    return failure();
  SmallVector<OpFoldResult> low, high;
  SmallVector<int64_t> physShape;
  for (int64_t p = 0; p < rank; ++p) {
    int64_t d = nhwc ? kNHWCToNCHW[p] : p;
    low.push_back(b.getIndexAttr(pads[d]));
    high.push_back(b.getIndexAttr(pads[rank + d]));
    physShape.push_back(shape[d]);
  }
  Value c = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(value));
  Tensor r;
  r.type = *type;
  r.nhwc = nhwc;
  r.value = tensor::PadOp::create(
      b, loc, RankedTensorType::get(physShape, b.getF32Type()), *v, low, high,
      c);
  return r;
}

/// The input index that pad position `i` of a dimension of size `n` copies
/// (i < 0 before the input, i >= n after it), or std::nullopt when the mode
/// cannot reach that far (reflect needs pads below n).
static std::optional<int64_t> getPadSource(StringRef mode, int64_t i,
                                           int64_t n) {
  if (mode == "edge")
    return std::clamp<int64_t>(i, 0, n - 1);
  if (mode == "wrap")
    return ((i % n) + n) % n;
  // reflect: the input mirrored about its first and last element.
  int64_t j = i < 0 ? -i : 2 * (n - 1) - i;
  if (j < 0 || j >= n)
    return std::nullopt;
  return j;
}

FailureOr<Tensor> Importer::padByCopies(Tensor &x, ArrayRef<int64_t> pads,
                                        StringRef mode) {
  if (!x.isFloat())
    return nodeError("pads a non-float tensor; qat pads float "
                     "(dequantized) tensors");
  int64_t rank = x.type.getRank();
  bool nhwc = x.nhwc && x.value && rank == 4;
  FailureOr<Value> v = materialize(x, nhwc);
  if (failed(v))
    return failure();
  Value current = *v;
  SmallVector<int64_t> shape(x.type.getShape());
  for (int64_t p = 0; p < rank; ++p) {
    int64_t d = nhwc ? kNHWCToNCHW[p] : p;
    int64_t lo = pads[d], hi = pads[rank + d], n = shape[d];
    if (lo < 0 || hi < 0)
      return nodeError("has a negative pad; supported: pads of 0 or more");
    if (lo == 0 && hi == 0)
      continue;
    if (n == 0)
      return nodeError("pads an empty dimension in mode '" + mode + "'");
    // One slice per padded element: bound their number (a reflect pad is
    // below the dimension's size; speech front ends pad a few hundred).
    static constexpr int64_t kMaxCopies = 4096;
    if (lo > kMaxCopies || hi > kMaxCopies)
      return nodeError("pads " + Twine(std::max(lo, hi)) + " in mode '" + mode +
                       "'; supported: at most " + Twine(kMaxCopies) +
                       " per side");
    auto physType = cast<RankedTensorType>(current.getType());
    SmallVector<int64_t> pieceShape(physType.getShape());
    pieceShape[p] = 1;
    SmallVector<Value> pieces;
    auto copy = [&](int64_t i) -> LogicalResult {
      std::optional<int64_t> source = getPadSource(mode, i, n);
      if (!source)
        return nodeError("pads " + Twine(std::max(lo, hi)) +
                         " in mode 'reflect' a dimension of size " + Twine(n));
      SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sizes,
          strides(rank, b.getIndexAttr(1));
      for (int64_t s : pieceShape)
        sizes.push_back(b.getIndexAttr(s));
      offsets[p] = b.getIndexAttr(*source);
      pieces.push_back(
          tensor::ExtractSliceOp::create(b, loc, physType.clone(pieceShape),
                                         current, offsets, sizes, strides));
      return success();
    };
    for (int64_t i = -lo; i < 0; ++i)
      if (failed(copy(i)))
        return failure();
    pieces.push_back(current);
    for (int64_t i = n; i < n + hi; ++i)
      if (failed(copy(i)))
        return failure();
    std::optional<int64_t> size = llvm::checkedAdd(n, lo);
    if (size)
      size = llvm::checkedAdd(*size, hi);
    shape[d] = size.value_or(std::numeric_limits<int64_t>::max());
    if (failed(checkedType(shape, b.getF32Type(),
                           "node '" + nodeName + "' (" + opType +
                               "): the result")))
      return failure();
    current = tensor::ConcatOp::create(b, loc, p, pieces);
  }
  Tensor r;
  r.type = RankedTensorType::get(shape, b.getF32Type());
  r.nhwc = nhwc;
  r.value = current;
  return r;
}

FailureOr<SmallVector<int64_t>>
Importer::resizeFactors(const onnx::NodeProto &node, const Tensor &x) {
  int64_t rank = x.type.getRank();
  // Opset 10: scales is input 1; from opset 11: roi, scales, sizes.
  int scalesIndex = node.input_size() == 2 ? 1 : 2;
  SmallVector<int64_t> factors;
  if (hasInput(node, 3)) {
    FailureOr<SmallVector<int64_t>> sizes = intsOf(node, 3, "the sizes");
    if (failed(sizes))
      return failure();
    if (static_cast<int64_t>(sizes->size()) != rank)
      return nodeError("has " + Twine(sizes->size()) + " sizes for rank " +
                       Twine(rank));
    for (auto [out, in] : llvm::zip_equal(*sizes, x.type.getShape())) {
      if (in < 1 || out < in || out % in)
        return nodeError("resizes a dimension of " + Twine(in) + " to " +
                         Twine(out) + "; supported: integer factors");
      factors.push_back(out / in);
    }
    return factors;
  }
  FailureOr<DenseElementsAttr> scales =
      constantOf(node, scalesIndex, "the scales");
  if (failed(scales))
    return failure();
  if (!scales->getElementType().isF32() || scales->getNumElements() != rank)
    return nodeError("needs " + Twine(rank) + " FLOAT scales");
  for (float f : scales->getValues<float>()) {
    if (!(f >= 1.0f) || f > float(1 << 20) || f != std::floor(f))
      return nodeError("has scale " + llvm::formatv("{0}", f).str() +
                       "; supported: integer factors of 1 or more");
    factors.push_back(static_cast<int64_t>(f));
  }
  return factors;
}

/// Nearest-neighbour Resize by integer factors s: output i reads input
/// floor(i / s) in every coordinate mode and rounding qat accepts, a copy
/// through the map d -> d floordiv s (which qat moves onto the integer
/// storage).
FailureOr<Tensor> Importer::importResize(const onnx::NodeProto &node) {
  FailureOr<Tensor *> x = lookup(node, 0);
  FailureOr<std::string> mode = stringAttr(node, "mode", "nearest");
  FailureOr<std::string> coordinates =
      stringAttr(node, "coordinate_transformation_mode", "half_pixel");
  FailureOr<std::string> rounding =
      stringAttr(node, "nearest_mode", "round_prefer_floor");
  if (failed(x) || failed(mode) || failed(coordinates) || failed(rounding))
    return failure();
  if (*mode != "nearest")
    return nodeError("has mode '" + *mode + "'; supported: nearest");
  // With an integer factor these pick input floor(i / s): half-pixel
  // centres never fall on a rounding tie.
  bool halfPixel =
      *coordinates == "half_pixel" || *coordinates == "pytorch_half_pixel";
  bool picksFloor = (*coordinates == "asymmetric" && *rounding == "floor") ||
                    (halfPixel && (*rounding == "round_prefer_floor" ||
                                   *rounding == "round_prefer_ceil"));
  if (!picksFloor)
    return nodeError("has coordinate_transformation_mode '" + *coordinates +
                     "' with nearest_mode '" + *rounding +
                     "'; supported: asymmetric with floor, half_pixel or "
                     "pytorch_half_pixel with round_prefer_floor or "
                     "round_prefer_ceil");
  if (!(*x)->isFloat())
    return nodeError("resizes a non-float tensor");
  FailureOr<SmallVector<int64_t>> factors = resizeFactors(node, **x);
  if (failed(factors))
    return failure();
  int64_t rank = (*x)->type.getRank();
  SmallVector<int64_t> shape;
  for (auto [size, f] : llvm::zip_equal((*x)->type.getShape(), *factors))
    shape.push_back(size * f);
  FailureOr<RankedTensorType> type =
      checkedType(shape, b.getF32Type(),
                  "node '" + nodeName + "' (" + opType + "): the result");
  if (failed(type))
    return failure();
  bool nhwc = (*x)->nhwc && (*x)->value && rank == 4;
  FailureOr<Value> v = materialize(**x, nhwc);
  if (failed(v))
    return failure();
  SmallVector<AffineExpr> exprs;
  SmallVector<int64_t> physShape;
  for (int64_t p = 0; p < rank; ++p) {
    int64_t d = nhwc ? kNHWCToNCHW[p] : p;
    exprs.push_back(b.getAffineDimExpr(p).floorDiv((*factors)[d]));
    physShape.push_back(shape[d]);
  }
  Value init = emptyTensor(physShape, b.getF32Type());
  SmallVector<AffineMap> maps = {AffineMap::get(rank, 0, exprs, ctx),
                                 AffineMap::getMultiDimIdentityMap(rank, ctx)};
  Tensor r;
  r.type = *type;
  r.nhwc = nhwc;
  r.value =
      linalg::GenericOp::create(
          b, loc, TypeRange{init.getType()}, ValueRange{*v}, ValueRange{init},
          maps,
          SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
          [](OpBuilder &nb, Location l, ValueRange args) {
            linalg::YieldOp::create(nb, l, args[0]);
          })
          .getResult(0);
  return r;
}

template <Importer::PadFrom from>
FailureOr<Tensor> Importer::importPad(const onnx::NodeProto &node) {
  FailureOr<Tensor *> x = lookup(node, 0);
  FailureOr<std::string> mode = stringAttr(node, "mode", "constant");
  if (failed(x) || failed(mode))
    return failure();
  if (!llvm::is_contained({"constant", "reflect", "edge", "wrap"}, *mode))
    return nodeError("has mode '" + *mode +
                     "'; supported: constant, reflect, edge, wrap");
  int64_t rank = (*x)->type.getRank();
  SmallVector<int64_t> pads;
  float value = 0.0f;
  if (from == PadFrom::Attributes) {
    FailureOr<SmallVector<int64_t>> p = intsAttr(node, "pads", {});
    FailureOr<float> v = floatAttr(node, "value", 0.0f);
    if (failed(p) || failed(v))
      return failure();
    pads = *p;
    value = *v;
  } else {
    FailureOr<SmallVector<int64_t>> p = intsOf(node, 1, "the pads");
    if (failed(p))
      return failure();
    pads = *p;
    if (hasInput(node, 2)) {
      FailureOr<DenseElementsAttr> c = constantOf(node, 2, "the value");
      if (failed(c))
        return failure();
      if (!c->getElementType().isF32() || c->getNumElements() != 1)
        return nodeError("the value must be a FLOAT scalar");
      value = *c->getValues<float>().begin();
    }
    // Opset 18: the pads of the listed axes only.
    if (hasInput(node, 3)) {
      FailureOr<SmallVector<int64_t>> axes = intsOf(node, 3, "the axes");
      if (failed(axes))
        return failure();
      size_t n = axes->size();
      if (pads.size() != 2 * n)
        return nodeError("has " + Twine(pads.size()) + " pads for " + Twine(n) +
                         " axes");
      SmallVector<int64_t> all(2 * rank, 0);
      SmallVector<bool> seen(rank, false);
      for (size_t i = 0; i < n; ++i) {
        FailureOr<int64_t> a = normalizeAxis((*axes)[i], rank, "axis");
        if (failed(a))
          return failure();
        if (seen[*a])
          return nodeError("lists an axis twice");
        seen[*a] = true;
        all[*a] = pads[i];
        all[rank + *a] = pads[n + i];
      }
      pads = all;
    }
  }
  if (static_cast<int64_t>(pads.size()) != 2 * rank)
    return nodeError("has " + Twine(pads.size()) + " pads for rank " +
                     Twine(rank) + "; needs " + Twine(2 * rank));
  if (*mode != "constant")
    return padByCopies(**x, pads, *mode);
  return padTensor(**x, pads, value);
}

//===----------------------------------------------------------------------===//
// Gather, Shape, Cast
//===----------------------------------------------------------------------===//

FailureOr<Tensor> Importer::importGather(const onnx::NodeProto &node) {
  FailureOr<Tensor *> x = lookup(node, 0);
  FailureOr<DenseElementsAttr> indices = constantOf(node, 1, "the indices");
  FailureOr<int64_t> axisAttr = intAttr(node, "axis", 0);
  if (failed(x) || failed(indices) || failed(axisAttr))
    return failure();
  if (!isa<IntegerType>(indices->getElementType()))
    return nodeError("the indices must hold integers");
  int64_t rank = (*x)->type.getRank();
  FailureOr<int64_t> axis = normalizeAxis(*axisAttr, rank, "axis");
  if (failed(axis))
    return failure();
  ArrayRef<int64_t> shape = (*x)->type.getShape();
  int64_t dim = shape[*axis];
  SmallVector<int64_t> picks;
  for (const APInt &v : indices->getValues<APInt>()) {
    int64_t i = v.getSExtValue();
    if (i < -dim || i >= dim)
      return nodeError("index " + Twine(i) +
                       " is out of range for a "
                       "dimension of size " +
                       Twine(dim));
    picks.push_back(i < 0 ? i + dim : i);
  }
  // The result: the input's dimensions with `axis` replaced by the
  // indices' (at most kMaxElements, checked by define()).
  ArrayRef<int64_t> indexShape = indices->getType().getShape();
  SmallVector<int64_t> outShape(shape.take_front(*axis));
  llvm::append_range(outShape, indexShape);
  llvm::append_range(outShape, shape.drop_front(*axis + 1));
  FailureOr<RankedTensorType> outType =
      checkedType(outShape, (*x)->type.getElementType(),
                  "node '" + nodeName + "' (" + opType + "): the result");
  if (failed(outType))
    return failure();
  int64_t indexRank = indexShape.size();
  Tensor &in = **x;
  bool gridAxis = in.grid && in.grid->axis && *in.grid->axis == *axis;
  if (in.constant && !gridAxis) {
    SmallVector<int64_t> strides = stridesOf(shape);
    SmallVector<int64_t> indexStrides = stridesOf(indexShape);
    Tensor r = in;
    r.type = *outType;
    if (r.grid && r.grid->axis && *r.grid->axis > *axis)
      *r.grid->axis += indexRank - 1;
    r.constant = remapConstant(in.constant, outShape, [&](ArrayRef<int64_t> i) {
      int64_t pick = 0;
      for (int64_t k = 0; k < indexRank; ++k)
        pick += i[*axis + k] * indexStrides[k];
      int64_t flat = picks[pick] * strides[*axis];
      for (int64_t d = 0; d < *axis; ++d)
        flat += i[d] * strides[d];
      for (int64_t d = *axis + 1; d < rank; ++d)
        flat += i[d + indexRank - 1] * strides[d];
      return flat;
    });
    return r;
  }
  // A value: one slice of size 1 per index along the axis, concatenated,
  // then reshaped to the result's shape.
  if (!in.isFloat())
    return nodeError("gathers from a non-float tensor; qat gathers from "
                     "float tensors and constants");
  SmallVector<int64_t> offsets(rank, 0), sizes(shape), steps(rank, 1);
  sizes[*axis] = 1;
  SmallVector<Value> slices;
  bool nhwc = false;
  for (int64_t pick : picks) {
    offsets[*axis] = pick;
    FailureOr<Tensor> s = sliceTensor(in, offsets, sizes, steps);
    if (failed(s))
      return failure();
    nhwc = s->nhwc;
    slices.push_back(s->value);
  }
  Tensor gathered;
  gathered.type = RankedTensorType::get(
      [&] {
        SmallVector<int64_t> s(shape);
        s[*axis] = picks.size();
        return s;
      }(),
      b.getF32Type());
  gathered.nhwc = nhwc;
  if (slices.empty()) {
    gathered.value =
        emptyTensor(nhwc ? SmallVector<int64_t>{gathered.type.getDimSize(0),
                                                gathered.type.getDimSize(2),
                                                gathered.type.getDimSize(3),
                                                gathered.type.getDimSize(1)}
                         : SmallVector<int64_t>(gathered.type.getShape()),
                    b.getF32Type());
  } else {
    gathered.value =
        slices.size() == 1
            ? slices[0]
            : tensor::ConcatOp::create(
                  b, loc, nhwc ? kNCHWToNHWC[*axis] : *axis, slices)
                  .getResult();
  }
  return reshapeTensor(gathered, outShape);
}

FailureOr<Tensor> Importer::importShape(const onnx::NodeProto &node) {
  FailureOr<Tensor *> x = lookup(node, 0);
  if (failed(x))
    return failure();
  ArrayRef<int64_t> shape = (*x)->type.getShape();
  int64_t rank = shape.size();
  // Opset 15's start and end: clamped like Slice's.
  FailureOr<int64_t> startAttr = intAttr(node, "start", 0);
  FailureOr<int64_t> endAttr = intAttr(node, "end", rank);
  if (failed(startAttr) || failed(endAttr))
    return failure();
  auto clampIndex = [&](int64_t v) {
    if (v < 0)
      v = std::max(v, -rank) + rank;
    return std::min(v, rank);
  };
  int64_t start = clampIndex(*startAttr), end = clampIndex(*endAttr);
  SmallVector<int64_t> dims;
  for (int64_t d = start; d < end; ++d)
    dims.push_back(shape[d]);
  // The shape is static: a constant.
  Tensor r;
  r.type = RankedTensorType::get({static_cast<int64_t>(dims.size())},
                                 b.getI64Type());
  r.constant = DenseElementsAttr::get(r.type, ArrayRef<int64_t>(dims));
  return r;
}

FailureOr<Tensor> Importer::importCast(const onnx::NodeProto &node) {
  FailureOr<Tensor *> x = lookup(node, 0);
  FailureOr<int64_t> to = intAttr(node, "to", 0);
  if (failed(x) || failed(to))
    return failure();
  Tensor &in = **x;
  if (*to == onnx::TensorProto::FLOAT && in.isFloat())
    return in;
  if (!in.constant || in.grid)
    return nodeError("casts a tensor that is not a constant to " +
                     dataTypeName(*to) +
                     "; supported: constants, and FLOAT to FLOAT");
  Tensor r;
  r.type = in.type;
  if (*to == onnx::TensorProto::FLOAT) {
    SmallVector<float> v;
    for (const APInt &e : in.constant.getValues<APInt>())
      v.push_back(in.isUnsigned ? static_cast<float>(e.getZExtValue())
                                : static_cast<float>(e.getSExtValue()));
    r.type = in.type.clone(b.getF32Type());
    r.constant = DenseElementsAttr::get(r.type, ArrayRef(v));
    return r;
  }
  if (*to != onnx::TensorProto::INT64 && *to != onnx::TensorProto::INT32)
    return nodeError("casts to " + dataTypeName(*to) +
                     "; supported: FLOAT, INT32, INT64");
  unsigned width = *to == onnx::TensorProto::INT64 ? 64 : 32;
  SmallVector<APInt> v;
  if (in.isFloat()) {
    // As ONNX Runtime (a C++ conversion): toward zero; a value the type
    // cannot hold has no defined result, so it is an error.
    for (float f : in.constant.getValues<float>()) {
      double t = std::trunc(static_cast<double>(f));
      if (!(t >= -std::ldexp(1.0, width - 1) && t < std::ldexp(1.0, width - 1)))
        return nodeError("casts " + llvm::formatv("{0:e}", f) +
                         ", out of the range of " + dataTypeName(*to));
      v.push_back(APInt(width, static_cast<int64_t>(t), /*isSigned=*/true));
    }
  } else {
    for (const APInt &e : in.constant.getValues<APInt>()) {
      APInt w = in.isUnsigned ? e.zextOrTrunc(width) : e.sextOrTrunc(width);
      // Narrowing INT64 to INT32 wraps in ORT; qat refuses a value that
      // would change.
      if ((in.isUnsigned ? w.getZExtValue() != e.getZExtValue()
                         : w.getSExtValue() != e.getSExtValue()))
        return nodeError("casts " + Twine(e.getSExtValue()) +
                         ", out of the range of " + dataTypeName(*to));
      v.push_back(w);
    }
  }
  r.type = in.type.clone(b.getIntegerType(width));
  r.constant = DenseElementsAttr::get(r.type, v);
  return r;
}

FailureOr<Tensor> Importer::foldIntegerBinary(Tensor &x, Tensor &y,
                                              IntegerBinary op) {
  if (x.type.getElementType() != y.type.getElementType() ||
      x.isUnsigned != y.isUnsigned)
    return nodeError("combines integer constants of different types");
  int64_t rank = std::max(x.type.getRank(), y.type.getRank());
  SmallVector<int64_t> shape(rank, 1);
  for (Tensor *t : {&x, &y}) {
    int64_t offset = rank - t->type.getRank();
    for (int64_t d = 0; d < t->type.getRank(); ++d) {
      int64_t s = t->type.getDimSize(d), &o = shape[offset + d];
      if (o != s && o != 1 && s != 1)
        return nodeError("cannot broadcast its inputs together (size " +
                         Twine(o) + " vs " + Twine(s) + ")");
      if (o == 1)
        o = s;
    }
  }
  FailureOr<RankedTensorType> type =
      checkedType(shape, x.type.getElementType(),
                  "node '" + nodeName + "' (" + opType + "): the result");
  if (failed(type))
    return failure();
  unsigned width = x.type.getElementTypeBitWidth();
  auto valuesOf = [&](Tensor &t) {
    SmallVector<int64_t> v;
    for (const APInt &e : t.constant.getValues<APInt>())
      v.push_back(t.isUnsigned ? static_cast<int64_t>(e.getZExtValue())
                               : e.getSExtValue());
    return v;
  };
  SmallVector<int64_t> xs = valuesOf(x), ys = valuesOf(y);
  // The flat position in `t` of an index of the result (broadcast
  // dimensions read position 0).
  auto position = [&](Tensor &t, ArrayRef<int64_t> index) {
    int64_t offset = rank - t.type.getRank(), flat = 0;
    for (int64_t d = 0; d < t.type.getRank(); ++d)
      flat = flat * t.type.getDimSize(d) +
             (t.type.getDimSize(d) == 1 ? 0 : index[offset + d]);
    return flat;
  };
  SmallVector<APInt> out;
  SmallVector<int64_t> index(rank, 0);
  for (int64_t i = 0, e = type->getNumElements(); i < e; ++i) {
    int64_t a = xs[position(x, index)], c = ys[position(y, index)];
    std::optional<int64_t> r;
    switch (op) {
    case IntegerBinary::Add:
      r = llvm::checkedAdd(a, c);
      break;
    case IntegerBinary::Sub:
      r = llvm::checkedSub(a, c);
      break;
    case IntegerBinary::Mul:
      r = llvm::checkedMul(a, c);
      break;
    case IntegerBinary::Div:
      if (c == 0)
        return nodeError("divides by an integer 0");
      if (!(a == std::numeric_limits<int64_t>::min() && c == -1))
        r = a / c;
      break;
    }
    bool fits = r && (x.isUnsigned ? *r >= 0 && llvm::isUIntN(width, *r)
                                   : llvm::isIntN(width, *r));
    if (!fits)
      return nodeError("computes an integer out of the range of its type");
    out.push_back(APInt(width, static_cast<uint64_t>(*r), /*isSigned=*/true,
                        /*implicitTrunc=*/true));
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++index[d] < shape[d])
        break;
      index[d] = 0;
    }
  }
  Tensor r;
  r.type = *type;
  r.isUnsigned = x.isUnsigned;
  r.constant = DenseElementsAttr::get(*type, out);
  return r;
}

template FailureOr<Tensor>
Importer::importPad<Importer::PadFrom::Attributes>(const onnx::NodeProto &);
template FailureOr<Tensor>
Importer::importPad<Importer::PadFrom::Inputs>(const onnx::NodeProto &);
template FailureOr<Tensor>
Importer::importSplit<Importer::SplitFrom::Attribute>(const onnx::NodeProto &);
template FailureOr<Tensor>
Importer::importSplit<Importer::SplitFrom::Input>(const onnx::NodeProto &);
template FailureOr<Tensor>
Importer::importSplit<Importer::SplitFrom::InputOrNumOutputs>(
    const onnx::NodeProto &);
