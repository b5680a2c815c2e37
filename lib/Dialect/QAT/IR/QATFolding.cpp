//===- QATFolding.cpp - folders and canonicalizations of qat ops ----------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// Folders: a fake-quant of a constant becomes the constant of its
// fake-quantized values; a fake-quant of an identical fake-quant is the inner
// one. Canonicalizations: parameters given as constant operands become
// attributes. All arithmetic goes through QuantMath.
//
//===----------------------------------------------------------------------===//

#include "qat/Dialect/QAT/IR/QATOps.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::qat;

//===----------------------------------------------------------------------===//
// Element-wise evaluation of constants
//===----------------------------------------------------------------------===//

/// Calls `fn(x, channel)` for every element of the float constant `input`
/// in precision F and returns the results as a constant of the same type.
/// f16/bf16 elements are exact in F = float; results round to the element
/// type to nearest, ties to even.
template <typename F, typename Fn>
static DenseElementsAttr mapFloatElements(DenseElementsAttr input,
                                          std::optional<uint64_t> axis, Fn fn) {
  auto type = cast<RankedTensorType>(input.getType());
  auto floatType = cast<FloatType>(type.getElementType());
  std::optional<int64_t> channelAxis;
  if (axis)
    channelAxis = static_cast<int64_t>(*axis);
  ChannelIndexer indexer(type.getShape(), channelAxis);

  // Native elements need no APFloat round trip.
  if ((std::is_same_v<F, float> && floatType.isF32()) ||
      (std::is_same_v<F, double> && floatType.isF64())) {
    SmallVector<F> out;
    out.reserve(type.getNumElements());
    int64_t i = 0;
    for (F x : input.getValues<F>())
      out.push_back(fn(x, indexer.channelOf(i++)));
    return DenseElementsAttr::get(type, ArrayRef<F>(out));
  }

  const llvm::fltSemantics &computeSem =
      std::is_same_v<F, float> ? APFloat::IEEEsingle() : APFloat::IEEEdouble();
  SmallVector<APFloat> out;
  out.reserve(type.getNumElements());
  int64_t i = 0;
  bool lossy;
  for (APFloat v : input.getValues<APFloat>()) {
    v.convert(computeSem, APFloat::rmNearestTiesToEven, &lossy);
    F x;
    if constexpr (std::is_same_v<F, float>)
      x = v.convertToFloat();
    else
      x = v.convertToDouble();
    APFloat y(fn(x, indexer.channelOf(i++)));
    y.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven,
              &lossy);
    out.push_back(y);
  }
  return DenseElementsAttr::get(type, out);
}

/// Repeating a fake-quant with the same grid changes nothing in f32/f64:
/// (q - zp) * s rounded once, divided by s, stays within |q - zp| * 2^-23
/// < 2^-6 of an integer for 16-bit grids, so every rounding mode returns
/// q - zp. In f16/bf16 the output rounding is too coarse for that.
static bool isIdempotentElementType(Type elementType) {
  return elementType.isF32() || elementType.isF64();
}

//===----------------------------------------------------------------------===//
// FakeQuantOp
//===----------------------------------------------------------------------===//

/// Zero points as attribute values; all zeros when none is given.
static SmallVector<int64_t> getStaticZeroPoints(FakeQuantOp op, size_t count) {
  if (std::optional<ArrayRef<int64_t>> zps = op.getZeroPoints())
    return SmallVector<int64_t>(zps->begin(), zps->end());
  return SmallVector<int64_t>(count, 0);
}

/// True when `a` and `b` put values on the same integer grid (rounding and
/// reciprocal_scale may differ: the inner op's outputs are on the grid).
static bool haveSameGrid(FakeQuantOp a, FakeQuantOp b) {
  if (a.getScale() != b.getScale() || a.getZeroPoint() != b.getZeroPoint() ||
      a.getScalesAttr() != b.getScalesAttr() || a.getAxis() != b.getAxis() ||
      a.getStorageRange() != b.getStorageRange())
    return false;
  if (a.getZeroPoint())
    return true;
  size_t count = a.getScales() ? a.getScales()->size() : 0;
  return getStaticZeroPoints(a, count) == getStaticZeroPoints(b, count);
}

OpFoldResult FakeQuantOp::fold(FoldAdaptor adaptor) {
  Type elementType = getInput().getType().getElementType();
  if (auto inner = getInput().getDefiningOp<FakeQuantOp>())
    if (isIdempotentElementType(elementType) && haveSameGrid(*this, inner))
      return getInput();

  auto input = dyn_cast_if_present<DenseElementsAttr>(adaptor.getInput());
  if (!input || !hasStaticParameters())
    return {};
  if (computesInDouble(elementType)) {
    SmallVector<QuantGrid<double>> grids = getStaticGrids<double>();
    return mapFloatElements<double>(input, getAxis(), [&](double x, int64_t c) {
      return fakeQuantize<double>(x, grids[c]);
    });
  }
  SmallVector<QuantGrid<float>> grids = getStaticGrids<float>();
  return mapFloatElements<float>(input, getAxis(), [&](float x, int64_t c) {
    return fakeQuantize<float>(x, grids[c]);
  });
}

std::optional<SmallVector<double>> mlir::qat::getConstantFloatValues(Value v) {
  DenseFPElementsAttr attr;
  if (!v || !matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  SmallVector<double> values;
  bool lossy;
  for (APFloat f : attr.getValues<APFloat>()) {
    f.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lossy);
    values.push_back(f.convertToDouble());
  }
  return values;
}

/// Reads a constant zero point tensor: signless integers as signed values;
/// float ones rounded half to even and clamped to `range` (the forward pass
/// of PyTorch's learnable fake quant).
static std::optional<SmallVector<int64_t>>
getConstantZeroPoints(Value v, StorageRange range) {
  DenseIntElementsAttr intAttr;
  if (v && matchPattern(v, m_Constant(&intAttr))) {
    SmallVector<int64_t> values;
    for (const APInt &i : intAttr.getValues<APInt>()) {
      if (i.getSignificantBits() > 64 || !range.contains(i.getSExtValue()))
        return std::nullopt;
      values.push_back(i.getSExtValue());
    }
    return values;
  }
  std::optional<SmallVector<double>> floats = getConstantFloatValues(v);
  if (!floats)
    return std::nullopt;
  SmallVector<int64_t> values;
  for (double f : *floats) {
    std::optional<int64_t> zp = roundZeroPoint(f, range);
    if (!zp)
      return std::nullopt;
    values.push_back(*zp);
  }
  return values;
}

namespace {
/// Moves constant `scale`/`zero_point` operands into the `scales` and
/// `zero_points` attributes when every value is valid. Invalid values are
/// left alone for `qat-fold-learned-params` to report.
struct StaticizeFakeQuantParams : OpRewritePattern<FakeQuantOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(FakeQuantOp op,
                                PatternRewriter &rewriter) const override {
    Type elementType = op.getInput().getType().getElementType();
    std::optional<SmallVector<double>> scales =
        getConstantFloatValues(op.getScale());
    if (scales && !llvm::all_of(*scales, [&](double s) {
          return isValidScaleFor(elementType, s);
        }))
      scales.reset();
    std::optional<SmallVector<int64_t>> zeroPoints =
        getConstantZeroPoints(op.getZeroPoint(), op.getStorageRange());
    if (!scales && !zeroPoints)
      return rewriter.notifyMatchFailure(op, "no valid constant parameter");

    rewriter.modifyOpInPlace(op, [&] {
      if (scales) {
        op.getScaleMutable().clear();
        op.setScales(*scales);
      }
      if (zeroPoints) {
        op.getZeroPointMutable().clear();
        op.setZeroPoints(*zeroPoints);
      }
    });
    return success();
  }
};
} // namespace

void FakeQuantOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                              MLIRContext *context) {
  results.add<StaticizeFakeQuantParams>(context);
}

//===----------------------------------------------------------------------===//
// FakeQuantMinMaxOp
//===----------------------------------------------------------------------===//

static bool haveSameGrid(FakeQuantMinMaxOp a, FakeQuantMinMaxOp b) {
  return a.getMin() == b.getMin() && a.getMax() == b.getMax() &&
         a.getMinsAttr() == b.getMinsAttr() &&
         a.getMaxsAttr() == b.getMaxsAttr() && a.getAxis() == b.getAxis() &&
         a.getStorageRange() == b.getStorageRange();
}

/// Nudges every channel in precision F; std::nullopt if any is invalid.
template <typename F>
static std::optional<SmallVector<NudgedRange<F>>>
nudgeAll(ArrayRef<double> mins, ArrayRef<double> maxs, unsigned numBits,
         bool narrowRange) {
  SmallVector<NudgedRange<F>> ranges;
  for (auto [lo, hi] : llvm::zip_equal(mins, maxs)) {
    auto r = nudgeMinMax<F>(static_cast<F>(lo), static_cast<F>(hi), numBits,
                            narrowRange);
    if (!r)
      return std::nullopt;
    ranges.push_back(*r);
  }
  return ranges;
}

template <typename F>
static OpFoldResult foldMinMaxConstant(FakeQuantMinMaxOp op,
                                       DenseElementsAttr input) {
  auto ranges = nudgeAll<F>(*op.getMins(), *op.getMaxs(), op.getNumBits(),
                            op.getNarrowRange());
  if (!ranges)
    return {};
  return mapFloatElements<F>(input, op.getAxis(), [&](F x, int64_t c) {
    return fakeQuantizeMinMax<F>(x, (*ranges)[c]);
  });
}

OpFoldResult FakeQuantMinMaxOp::fold(FoldAdaptor adaptor) {
  Type elementType = getInput().getType().getElementType();
  if (auto inner = getInput().getDefiningOp<FakeQuantMinMaxOp>())
    if (isIdempotentElementType(elementType) && haveSameGrid(*this, inner))
      return getInput();

  auto input = dyn_cast_if_present<DenseElementsAttr>(adaptor.getInput());
  if (!input || !hasStaticParameters())
    return {};
  if (computesInDouble(elementType))
    return foldMinMaxConstant<double>(*this, input);
  return foldMinMaxConstant<float>(*this, input);
}

namespace {
/// Moves constant `min`/`max` operands into the `mins`/`maxs` attributes
/// when every channel's range is valid.
struct StaticizeMinMaxParams : OpRewritePattern<FakeQuantMinMaxOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(FakeQuantMinMaxOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<SmallVector<double>> mins =
        getConstantFloatValues(op.getMin());
    std::optional<SmallVector<double>> maxs =
        getConstantFloatValues(op.getMax());
    if (!mins || !maxs || mins->size() != maxs->size())
      return rewriter.notifyMatchFailure(op, "range is not constant");
    bool valid = computesInDouble(op.getInput().getType().getElementType())
                     ? nudgeAll<double>(*mins, *maxs, op.getNumBits(),
                                        op.getNarrowRange())
                           .has_value()
                     : nudgeAll<float>(*mins, *maxs, op.getNumBits(),
                                       op.getNarrowRange())
                           .has_value();
    if (!valid)
      return rewriter.notifyMatchFailure(op, "invalid constant range");
    rewriter.modifyOpInPlace(op, [&] {
      op.getMinMutable().clear();
      op.getMaxMutable().clear();
      op.setMins(*mins);
      op.setMaxs(*maxs);
    });
    return success();
  }
};
} // namespace

void FakeQuantMinMaxOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                                    MLIRContext *context) {
  results.add<StaticizeMinMaxParams>(context);
}
