//===- FormIntegerRegions.cpp - dequantize -> op -> quantize to integers --===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// Rewrites quantize(epilogue(op(dequantize(a), dequantize(w)))), where op
// is a matmul or a 2-D convolution (its input possibly zero-padded), into
// integer linalg: an i32 accumulation, zero-point corrections precomputed
// from the constant weights, and one element-wise requantization that also
// applies the bias and the activation (docs/Semantics.md §8).
//
//===----------------------------------------------------------------------===//

#include "qat/Dialect/QAT/IR/QATOps.h"
#include "qat/Dialect/QAT/Transforms/Passes.h"
#include "qat/Dialect/QAT/Utils/QuantCodegen.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/SetVector.h"

#include <limits>

namespace mlir::qat {
#define GEN_PASS_DEF_QATFORMINTEGERREGIONSPASS
#include "qat/Dialect/QAT/Transforms/Passes.h.inc"
} // namespace mlir::qat

using namespace mlir;
using namespace mlir::qat;

namespace {

/// The element-wise tail of a region: act(acc + bias) or act(acc).
struct Epilogue {
  linalg::GenericOp op;
  /// Per output channel, or empty.
  SmallVector<float> bias;
  /// Clamp bounds of the activation, in float.
  float lo = -std::numeric_limits<float>::infinity();
  float hi = std::numeric_limits<float>::infinity();
};

/// What a matched contraction region needs to be rebuilt in integers. The
/// contraction is a matmul (weights K x N, or N x K transposed), a batch
/// matmul, or a 2-D convolution (NHWC/HWCF, NCHW/FCHW, grouped NGCHW/GFCHW,
/// depthwise NHWC/HWC). Whatever the layout, `weightValues` holds the weight
/// as a (K, channels) matrix in row-major order, the channels flattened in
/// the order of the result's channel dimensions.
struct ContractionRegion {
  QuantizeOp output;
  linalg::LinalgOp contraction;
  std::optional<Epilogue> epilogue;
  DequantizeOp input;
  /// A tensor.pad of the dequantized input with 0.0, or null.
  tensor::PadOp pad;
  DequantizeOp weight;
  /// Storage values, as K x N for a matmul whose weight is N x K.
  DenseIntElementsAttr weightValues;
  /// A matmul with a transposed (N x K) constant weight: the lowering uses
  /// `weightValues`, transposed at compile time.
  bool transposedWeight = false;
  /// A grouped convolution's weight, read as G x F x C x KH x KW through
  /// this expand_shape of a (G*F) x C x KH x KW dequantize (whose per-channel
  /// axis 0 is then the flattened output channel), or null.
  tensor::ExpandShapeOp weightExpand;
  /// The output channel dimensions of the result: (G, F) of a grouped
  /// convolution, 1 for NCHW, else the last.
  SmallVector<unsigned, 2> channelDims;
};

/// True for linalg.matmul's maps of A x B^T: (m, k), (n, k) -> (m, n).
bool isTransposedBMatmul(linalg::MatmulOp mm) {
  MLIRContext *ctx = mm.getContext();
  AffineExpr m, n, k;
  bindDims(ctx, m, n, k);
  auto map = [&](ArrayRef<AffineExpr> results) {
    return AffineMap::get(3, 0, results, ctx);
  };
  return mm.getIndexingMapsArray() ==
         SmallVector<AffineMap>{map({m, k}), map({n, k}), map({m, n})};
}

/// `values` (rows x cols) transposed.
DenseIntElementsAttr transpose2D(DenseIntElementsAttr values) {
  auto type = values.getType();
  int64_t rows = type.getDimSize(0), cols = type.getDimSize(1);
  SmallVector<APInt> in(values.getValues<APInt>()), out;
  out.reserve(in.size());
  for (int64_t c = 0; c < cols; ++c)
    for (int64_t r = 0; r < rows; ++r)
      out.push_back(in[r * cols + c]);
  return DenseIntElementsAttr::get(
      RankedTensorType::get({cols, rows}, type.getElementType()), out);
}

/// A float constant (scalar, or splat tensor) as a float.
std::optional<float> getConstantFloat(Value v) {
  FloatAttr attr;
  if (matchPattern(v, m_Constant(&attr)))
    return static_cast<float>(attr.getValueAsDouble());
  DenseFPElementsAttr dense;
  if (matchPattern(v, m_Constant(&dense)) && dense.isSplat())
    return dense.getSplatValue<APFloat>().convertToFloat();
  return std::nullopt;
}

/// Walks back from `v` through max/min with constants (an activation),
/// narrowing [lo, hi]; the value under them, or null when a max/min has no
/// constant side.
Value stripActivation(Value v, float &lo, float &hi) {
  while (Operation *def = v.getDefiningOp()) {
    if (!isa<arith::MaximumFOp, arith::MaxNumFOp, arith::MinimumFOp,
             arith::MinNumFOp>(def))
      break;
    Value x = def->getOperand(0);
    std::optional<float> c = getConstantFloat(def->getOperand(1));
    if (!c) {
      x = def->getOperand(1);
      c = getConstantFloat(def->getOperand(0));
    }
    if (!c)
      return nullptr;
    if (isa<arith::MaximumFOp, arith::MaxNumFOp>(def))
      lo = std::max(lo, *c);
    else
      hi = std::min(hi, *c);
    v = x;
  }
  return v;
}

/// The saturation bounds [lo, hi] of an output grid narrowed by an
/// activation's float bounds, which quantize monotonically (Semantics.md
/// §8.3).
std::pair<int64_t, int64_t> getSaturationBounds(const QuantGrid<float> &og,
                                                float actLo, float actHi) {
  int64_t lo = og.range.min, hi = og.range.max;
  if (actLo > -std::numeric_limits<float>::infinity())
    lo = std::max(lo, quantize<float>(actLo, og));
  if (actHi < std::numeric_limits<float>::infinity())
    hi = std::min(hi, quantize<float>(actHi, og));
  return {lo, std::max(hi, lo)};
}

/// Matches `act(acc + bias)`: walks back from the yielded value through
/// max/min with constants (the activation), then an addition of the bias.
std::optional<Epilogue> matchEpilogue(linalg::GenericOp generic,
                                      Value accumulator,
                                      ArrayRef<unsigned> channelDims) {
  unsigned rank = cast<RankedTensorType>(accumulator.getType()).getRank();
  if (generic.getNumDpsInits() != 1 || generic.getNumResults() != 1 ||
      generic.getNumReductionLoops() != 0 || generic.getNumLoops() != rank)
    return std::nullopt;
  Epilogue e;
  e.op = generic;
  Block &body = generic.getRegion().front();
  Value accArg, biasArg;
  for (OpOperand *in : generic.getDpsInputOperands()) {
    AffineMap map = generic.getMatchingIndexingMap(in);
    Value arg = body.getArgument(in->getOperandNumber());
    if (in->get() == accumulator && map.isIdentity() && !accArg) {
      accArg = arg;
      continue;
    }
    // A bias: a constant read through the output-channel dimensions.
    DenseFPElementsAttr values;
    if (biasArg || !map.isProjectedPermutation() ||
        map.getNumResults() != channelDims.size() ||
        !matchPattern(in->get(), m_Constant(&values)))
      return std::nullopt;
    for (auto [i, dim] : llvm::enumerate(channelDims))
      if (map.getDimPosition(i) != dim)
        return std::nullopt;
    biasArg = arg;
    for (APFloat v : values.getValues<APFloat>())
      e.bias.push_back(v.convertToFloat());
  }
  if (!accArg)
    return std::nullopt;

  Value v = stripActivation(body.getTerminator()->getOperand(0), e.lo, e.hi);
  if (!v)
    return std::nullopt;
  if (v == accArg && !biasArg)
    return e;
  auto add = v.getDefiningOp<arith::AddFOp>();
  if (!add || !biasArg)
    return std::nullopt;
  if (!((add.getLhs() == accArg && add.getRhs() == biasArg) ||
        (add.getLhs() == biasArg && add.getRhs() == accArg)))
    return std::nullopt;
  return e;
}

/// True for a linalg.fill of 0.0.
bool isZeroFill(Value v) {
  auto fill = v.getDefiningOp<linalg::FillOp>();
  std::optional<float> value =
      fill ? getConstantFloat(fill.getDpsInputs()[0]) : std::nullopt;
  return value && *value == 0.0f;
}

/// A matmul or 2-D convolution this pass lowers, or null.
linalg::LinalgOp getContraction(Value v) {
  Operation *def = v.getDefiningOp();
  if (isa_and_nonnull<linalg::MatmulOp, linalg::BatchMatmulOp,
                      linalg::Conv2DNhwcHwcfOp, linalg::Conv2DNchwFchwOp,
                      linalg::Conv2DNgchwGfchwOp,
                      linalg::DepthwiseConv2DNhwcHwcOp>(def))
    return cast<linalg::LinalgOp>(def);
  return nullptr;
}

/// The output-channel dimensions of a contraction's result.
SmallVector<unsigned, 2> getChannelDims(linalg::LinalgOp op) {
  if (isa<linalg::Conv2DNgchwGfchwOp>(op))
    return {1, 2};
  if (isa<linalg::Conv2DNchwFchwOp>(op))
    return {1};
  return {static_cast<unsigned>(
      cast<RankedTensorType>(op->getResult(0).getType()).getRank() - 1)};
}

/// Matches the region rooted at `output`; a reason when it does not match.
FailureOr<ContractionRegion> matchContractionRegion(QuantizeOp output,
                                                    std::string &reason) {
  ContractionRegion r;
  r.output = output;
  if (!isa<quant::UniformQuantizedType>(output.getGridType()))
    return reason = "per-channel output grid", failure();
  Value v = output.getInput();
  if (auto generic = v.getDefiningOp<linalg::GenericOp>()) {
    for (Value in : generic.getDpsInputs())
      if (linalg::LinalgOp op = getContraction(in))
        r.contraction = op;
    if (!r.contraction)
      return failure(); // Perhaps another kind of region.
    r.channelDims = getChannelDims(r.contraction);
    r.epilogue =
        matchEpilogue(generic, r.contraction->getResult(0), r.channelDims);
    if (!r.epilogue)
      return reason = "epilogue is not act(acc + bias)", failure();
    if (!generic->hasOneUse() || !r.contraction->hasOneUse())
      return reason = "intermediate results have other users", failure();
  } else {
    r.contraction = getContraction(v);
    if (!r.contraction)
      return failure(); // Not a region this pass knows; no reason to give.
    r.channelDims = getChannelDims(r.contraction);
    if (!r.contraction->hasOneUse())
      return reason = "the contraction result has other users", failure();
  }
  if (auto mm = dyn_cast<linalg::MatmulOp>(*r.contraction);
      mm && mm.hasUserDefinedMaps()) {
    if (!isTransposedBMatmul(mm))
      return reason = "transposed-A or broadcast matmul", failure();
    r.transposedWeight = true;
  }
  if (auto mm = dyn_cast<linalg::BatchMatmulOp>(*r.contraction);
      mm && mm.hasUserDefinedMaps())
    return reason = "transposed or broadcast batch matmul", failure();
  if (!isZeroFill(r.contraction.getDpsInits()[0]))
    return reason = "the accumulation does not start from zero", failure();
  Value input = r.contraction.getDpsInputs()[0];
  if ((r.pad = input.getDefiningOp<tensor::PadOp>())) {
    Value padding = r.pad.getConstantPaddingValue();
    std::optional<float> value =
        padding ? getConstantFloat(padding) : std::nullopt;
    if (!value || *value != 0.0f)
      return reason = "the input is padded with a value other than 0.0",
             failure();
    input = r.pad.getSource();
  }
  r.input = input.getDefiningOp<DequantizeOp>();
  Value weight = r.contraction.getDpsInputs()[1];
  bool grouped = isa<linalg::Conv2DNgchwGfchwOp>(*r.contraction);
  // A grouped weight is usually the (G*F) x C x KH x KW weight of the
  // framework, expanded: its per-channel axis 0 is then the output channel.
  if (auto expand = weight.getDefiningOp<tensor::ExpandShapeOp>();
      expand && grouped &&
      expand.getReassociationIndices() ==
          SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}, {4}}) {
    r.weightExpand = expand;
    weight = expand.getSrc();
  }
  r.weight = weight.getDefiningOp<DequantizeOp>();
  if (!r.input || !r.weight)
    return reason = "an operand is not dequantized", failure();
  if (!isa<quant::UniformQuantizedType>(r.input.getGridType()))
    return reason = "per-channel activation grid", failure();
  int64_t weightRank = cast<RankedTensorType>(r.weight.getType()).getRank();
  bool nchw = isa<linalg::Conv2DNchwFchwOp>(*r.contraction);
  // Weights with the output channels first (N x K, F x C x KH x KW,
  // (G*F) x C x KH x KW).
  bool channelsFirst = r.transposedWeight || nchw || r.weightExpand;
  std::optional<int64_t> axis = getGridAxis(r.weight.getGridType());
  // (A 5-D grouped weight has no single axis for its G x F channels.)
  if (axis && (grouped ? !r.weightExpand || *axis != 0
                       : *axis != (channelsFirst ? 0 : weightRank - 1)))
    return reason = "weight channels are not the output channels", failure();
  if (!matchPattern(r.weight.getInput(), m_Constant(&r.weightValues)))
    return reason = "the weight is not a constant", failure();
  if (!r.weightValues.getType().hasStaticShape())
    return reason = "dynamic weight shape", failure();
  // Channels-first weights (and grouped ones) are read as K x channels.
  if (channelsFirst || grouped) {
    auto resultType =
        cast<RankedTensorType>(r.contraction->getResultTypes()[0]);
    int64_t channels = 1;
    for (unsigned dim : r.channelDims)
      channels *= resultType.getDimSize(dim);
    r.weightValues = transpose2D(
        cast<DenseIntElementsAttr>(r.weightValues.reshape(RankedTensorType::get(
            {channels, r.weightValues.getNumElements() / channels},
            r.weightValues.getType().getElementType()))));
  }
  auto type = cast<RankedTensorType>(r.output.getInput().getType());
  if (!type.getElementType().isF32())
    return reason = "only f32 graphs are lowered to integers so far", failure();
  return r;
}

/// Storage values of a constant, zero-extended for unsigned grids.
SmallVector<int64_t> getStorageValues(DenseIntElementsAttr attr,
                                      bool isSigned) {
  SmallVector<int64_t> values;
  for (const APInt &v : attr.getValues<APInt>())
    values.push_back(isSigned ? v.getSExtValue()
                              : static_cast<int64_t>(v.getZExtValue()));
  return values;
}

/// An i32 constant of `shape` (default: a vector of `values`).
Value createI32Constant(OpBuilder &b, Location loc, ArrayRef<int64_t> values,
                        ArrayRef<int64_t> shape = {}) {
  SmallVector<int32_t> v(values.begin(), values.end());
  auto type = RankedTensorType::get(
      shape.empty() ? ArrayRef<int64_t>{static_cast<int64_t>(v.size())} : shape,
      b.getI32Type());
  return arith::ConstantOp::create(b, loc,
                                   DenseElementsAttr::get(type, ArrayRef(v)));
}

/// Zero-extends unsigned storage to a container in which linalg.matmul's
/// signed cast reads it right (i8 -> i16, i16 -> i32).
Value extendUnsigned(OpBuilder &b, Location loc, Value q) {
  auto type = cast<RankedTensorType>(q.getType());
  Type wide = b.getIntegerType(type.getElementTypeBitWidth() * 2);
  return buildChannelwiseGeneric(
      b, loc, q, wide, std::nullopt, b.getF32Type(), {},
      [&](OpBuilder &nb, Location l, Value x, ArrayRef<Value>) -> Value {
        return arith::ExtUIOp::create(nb, l, wide, x);
      });
}

/// tosa.apply_scale(acc) + zeroPoint clamped to [lo, hi], as `storageType`
/// (Semantics.md §8.4). Upstream's op carries TOSA's exact rounding rules;
/// tosa-to-arith lowers it with an i64 intermediate.
Value emitFixedPointRequantize(OpBuilder &b, Location loc, Value acc,
                               Value multiplier, Value shift, bool doubleRound,
                               int64_t zeroPoint, int64_t lo, int64_t hi,
                               Type storageType) {
  Type i32 = b.getI32Type();
  auto mode = doubleRound ? tosa::RoundingMode::DOUBLE_ROUND
                          : tosa::RoundingMode::SINGLE_ROUND;
  Value scaled = tosa::ApplyScaleOp::create(
      b, loc, i32, acc, multiplier, shift,
      tosa::RoundingModeAttr::get(b.getContext(), mode));
  auto constant = [&](int64_t v) -> Value {
    return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(v));
  };
  // Clamp before adding the zero point so that nothing can wrap.
  Value clamped = arith::MinSIOp::create(
      b, loc, arith::MaxSIOp::create(b, loc, scaled, constant(lo - zeroPoint)),
      constant(hi - zeroPoint));
  Value q = arith::AddIOp::create(b, loc, clamped, constant(zeroPoint));
  return arith::TruncIOp::create(b, loc, storageType, q);
}

/// round(v) clamped to [lo, hi] - zeroPoint, plus zeroPoint, as
/// `storageType`: float-mode requantization of a value already scaled to the
/// output grid (Semantics.md §8.4).
Value emitFloatRequantize(OpBuilder &b, Location loc, Value v,
                          RoundingMode rounding, int64_t zeroPoint, int64_t lo,
                          int64_t hi, Type storageType) {
  FloatType f32 = b.getF32Type();
  Value steps = emitRequantizeSteps(
      b, loc, v, emitFloatConstant(b, loc, f32, double(lo - zeroPoint)),
      emitFloatConstant(b, loc, f32, double(hi - zeroPoint)), rounding);
  Value q = zeroPoint == 0
                ? steps
                : arith::AddFOp::create(
                      b, loc, steps,
                      emitFloatConstant(b, loc, f32, double(zeroPoint)));
  Value i32 = arith::FPToSIOp::create(b, loc, b.getI32Type(), q);
  return arith::TruncIOp::create(b, loc, storageType, i32);
}

/// How accumulators are scaled to the output grid (Semantics.md §8.4).
struct RequantOptions {
  bool fixedPoint = false;
  bool doubleRound = false;
};

/// The integer convolution `conv` of `a` by `filter` into `accType`, and,
/// for asymmetric weights, the window sums of `a`: the same convolution by
/// an all-ones filter with one output channel (dimension `filterChannelDim`
/// of the filter), read back through the result's channel dimension
/// `resultChannelDim` at 0.
template <typename Conv>
std::tuple<Value, Value, AffineMap>
buildConvolution(RewriterBase &rewriter, Location loc, Conv conv, Value a,
                 Value filter, unsigned filterChannelDim,
                 unsigned resultChannelDim, bool windowSums,
                 RankedTensorType accType, ArrayRef<OpFoldResult> sizes,
                 function_ref<Value(ArrayRef<OpFoldResult>)> zeroTensor) {
  Value acc = Conv::create(rewriter, loc, TypeRange{accType},
                           ValueRange{a, filter}, ValueRange{zeroTensor(sizes)},
                           conv.getStridesAttr(), conv.getDilationsAttr())
                  .getResult(0);
  if (!windowSums)
    return {acc, Value(), AffineMap()};
  SmallVector<int64_t> onesShape(
      cast<RankedTensorType>(filter.getType()).getShape());
  onesShape[filterChannelDim] = 1;
  auto onesType = RankedTensorType::get(
      onesShape, cast<RankedTensorType>(a.getType()).getElementType());
  Value ones = arith::ConstantOp::create(
      rewriter, loc,
      DenseElementsAttr::get(
          onesType, rewriter.getIntegerAttr(onesType.getElementType(), 1)));
  SmallVector<OpFoldResult> sumSizes(sizes);
  sumSizes[resultChannelDim] = rewriter.getIndexAttr(1);
  SmallVector<int64_t> sumShape(accType.getShape());
  sumShape[resultChannelDim] = 1;
  Value sums =
      Conv::create(rewriter, loc, TypeRange{accType.clone(sumShape)},
                   ValueRange{a, ones}, ValueRange{zeroTensor(sumSizes)},
                   conv.getStridesAttr(), conv.getDilationsAttr())
          .getResult(0);
  SmallVector<AffineExpr> exprs;
  for (unsigned d = 0; d < accType.getRank(); ++d)
    exprs.push_back(d == resultChannelDim ? rewriter.getAffineConstantExpr(0)
                                          : rewriter.getAffineDimExpr(d));
  return {acc, sums,
          AffineMap::get(accType.getRank(), 0, exprs, rewriter.getContext())};
}

/// Rebuilds `r` in integers; fails with an error when an accumulator could
/// overflow i32.
LogicalResult lowerContractionRegion(RewriterBase &rewriter,
                                     ContractionRegion &r,
                                     const RequantOptions &requant) {
  Location loc = r.contraction.getLoc();
  auto inGrid = cast<quant::UniformQuantizedType>(r.input.getGridType());
  auto outGrid = cast<quant::UniformQuantizedType>(r.output.getGridType());
  quant::QuantizedType wGrid = r.weight.getGridType();
  SmallVector<QuantGrid<float>> wGrids =
      getChannelGrids<float>(wGrid, RoundingMode::half_to_even, false);

  // Weights as `batches` (K, n) matrices: every dimension but the last (the
  // output channel) is reduced, except the batch of a batch matmul.
  auto wType = r.weightValues.getType();
  bool batched = isa<linalg::BatchMatmulOp>(*r.contraction);
  int64_t batches = batched ? wType.getDimSize(0) : 1;
  int64_t n = wType.getDimSize(wType.getRank() - 1);
  int64_t k = wType.getNumElements() / n / batches;
  SmallVector<int64_t> w = getStorageValues(r.weightValues, wGrid.isSigned());
  int64_t za = inGrid.getZeroPoint();
  int64_t aLo = inGrid.getStorageTypeMin(), aHi = inGrid.getStorageTypeMax();
  int64_t maxCenteredA = std::max(std::abs(aLo - za), std::abs(aHi - za));

  // Per output column: weight sums, corrections, multipliers, and the
  // bound that proves the accumulator fits in i32.
  // correction[b * n + c]: per batch (of a batch matmul) and channel.
  SmallVector<int64_t> correction(batches * n), weightZeroPoints(n),
      biasSteps(n), accumulatorFactor(n);
  SmallVector<double> multipliers(n);
  SmallVector<int64_t> fixedMultipliers(n), fixedShifts(n);
  bool asymmetricWeights = false, refinedBias = false;
  for (int64_t c = 0; c < n; ++c) {
    const QuantGrid<float> &wg = wGrids[wGrids.size() == 1 ? 0 : c];
    int64_t zw = wg.zeroPoint;
    weightZeroPoints[c] = zw;
    asymmetricWeights |= zw != 0;
    SmallVector<int64_t> colSums(batches);
    int64_t absSum = 0;
    for (int64_t b = 0; b < batches; ++b) {
      int64_t batchAbsSum = 0;
      for (int64_t i = 0; i < k; ++i) {
        int64_t v = w[(b * k + i) * n + c];
        colSums[b] += v;
        batchAbsSum += std::abs(v - zw);
      }
      absSum = std::max(absSum, batchAbsSum);
    }
    float accScale = getAccumulatorScale(inGrid.getScale(), wg.scale);
    int64_t maxAccumulator = maxCenteredA * absSum;
    BiasPlacement bias;
    if (r.epilogue && !r.epilogue->bias.empty()) {
      std::optional<BiasPlacement> placed = placeBias(
          r.epilogue->bias[c], accScale, outGrid.getScale(), maxAccumulator);
      if (!placed)
        return r.epilogue->op.emitError()
               << "bias " << r.epilogue->bias[c] << " of output channel " << c
               << " does not fit in i32 on the accumulator grid (scale "
               << accScale << ")";
      bias = *placed;
    }
    int64_t bound =
        (maxAccumulator << bias.shift) + std::abs(bias.storageValue);
    if (bound > std::numeric_limits<int32_t>::max())
      return r.contraction.emitError()
             << "the i32 accumulator of output channel " << c
             << " may overflow: |acc + bias| can reach " << bound
             << " (activation range [" << aLo << ", " << aHi
             << "] with zero point " << za << ", K = " << k << ")";
    for (int64_t b = 0; b < batches; ++b)
      correction[b * n + c] = k * za * zw - za * colSums[b];
    biasSteps[c] = bias.storageValue;
    accumulatorFactor[c] = int64_t(1) << bias.shift;
    refinedBias |= bias.shift != 0;
    multipliers[c] = getRequantMultiplier(
        std::ldexp(accScale, -static_cast<int>(bias.shift)), outGrid.getScale(),
        r.output.getReciprocalScale());
    if (requant.fixedPoint) {
      std::optional<FixedPointMultiplier> fixed =
          getFixedPointMultiplier(getRealMultiplier(
              inGrid.getScale(), wg.scale, outGrid.getScale(), bias.shift));
      if (!fixed)
        return r.output.emitError()
               << "requant=fixed-point: the multiplier of output channel " << c
               << " is too large for a shift of at least 2";
      fixedMultipliers[c] = fixed->multiplier;
      fixedShifts[c] = fixed->shift;
    }
  }
  // Without a refined bias grid, the bias joins the constant correction.
  if (!refinedBias)
    for (int64_t b = 0; b < batches; ++b)
      for (int64_t c = 0; c < n; ++c)
        correction[b * n + c] += biasSteps[c];

  QuantGrid<float> og = getChannelGrids<float>(
      outGrid, r.output.getRounding(), r.output.getReciprocalScale())[0];
  // Plain ints: lambdas below capture them (not structured bindings).
  std::pair<int64_t, int64_t> bounds =
      r.epilogue ? getSaturationBounds(og, r.epilogue->lo, r.epilogue->hi)
                 : getSaturationBounds(og, -INFINITY, INFINITY);
  int64_t lo = bounds.first, hi = bounds.second;

  rewriter.setInsertionPoint(r.output);
  // Accumulate raw storage products in i32 (modular, so only the corrected
  // value needs to fit); extend unsigned operands for the signed cast.
  Value a = r.input.getInput();
  if (!inGrid.isSigned())
    a = extendUnsigned(rewriter, loc, a);
  Value wConst =
      r.transposedWeight
          ? Value(arith::ConstantOp::create(rewriter, loc, r.weightValues))
          : r.weight.getInput();
  if (!wGrid.isSigned())
    wConst = extendUnsigned(rewriter, loc, wConst);
  if (r.weightExpand)
    wConst = tensor::ExpandShapeOp::create(
        rewriter, loc,
        r.weightExpand.getResultType().clone(
            cast<RankedTensorType>(wConst.getType()).getElementType()),
        wConst, r.weightExpand.getReassociationIndices());
  // Zero padding of the float input is padding with the zero point.
  if (r.pad) {
    Type elementType = cast<RankedTensorType>(a.getType()).getElementType();
    Value padValue = arith::ConstantOp::create(
        rewriter, loc, rewriter.getIntegerAttr(elementType, za));
    a = tensor::PadOp::create(
        rewriter, loc,
        RankedTensorType::get(r.pad.getResultType().getShape(), elementType), a,
        r.pad.getMixedLowPad(), r.pad.getMixedHighPad(), padValue);
  }
  Value floatInit = r.contraction.getDpsInits()[0];
  auto accType =
      cast<RankedTensorType>(floatInit.getType()).clone(rewriter.getI32Type());
  unsigned rank = accType.getRank();
  SmallVector<OpFoldResult> sizes =
      tensor::getMixedSizes(rewriter, loc, floatInit);
  Value zero =
      arith::ConstantOp::create(rewriter, loc, rewriter.getI32IntegerAttr(0));
  auto zeroTensor = [&](ArrayRef<OpFoldResult> shape) {
    Value init =
        tensor::EmptyOp::create(rewriter, loc, shape, rewriter.getI32Type());
    return linalg::FillOp::create(rewriter, loc, zero, init).getResult(0);
  };
  Value acc, inputSum;
  AffineMap inputSumMap;
  MLIRContext *ctx = rewriter.getContext();
  if (auto conv = dyn_cast<linalg::DepthwiseConv2DNhwcHwcOp>(*r.contraction)) {
    acc = linalg::DepthwiseConv2DNhwcHwcOp::create(
              rewriter, loc, TypeRange{accType}, ValueRange{a, wConst},
              ValueRange{zeroTensor(sizes)}, conv.getStridesAttr(),
              conv.getDilationsAttr())
              .getResult(0);
    if (asymmetricWeights) {
      // Per-channel window sums of the input: sum pooling.
      Value window = tensor::EmptyOp::create(
          rewriter, loc, wType.getShape().drop_back(), rewriter.getI32Type());
      inputSum = linalg::PoolingNhwcSumOp::create(
                     rewriter, loc, TypeRange{accType}, ValueRange{a, window},
                     ValueRange{zeroTensor(sizes)}, conv.getStridesAttr(),
                     conv.getDilationsAttr())
                     .getResult(0);
      inputSumMap = AffineMap::getMultiDimIdentityMap(rank, ctx);
    }
  } else if (auto conv = dyn_cast<linalg::Conv2DNhwcHwcfOp>(*r.contraction)) {
    // Channels last in the filter (KH x KW x C x F) and the result.
    std::tie(acc, inputSum, inputSumMap) =
        buildConvolution(rewriter, loc, conv, a, wConst, 3, 3,
                         asymmetricWeights, accType, sizes, zeroTensor);
  } else if (auto conv = dyn_cast<linalg::Conv2DNgchwGfchwOp>(*r.contraction)) {
    // Per group: filter G x F x C x KH x KW, result N x G x F x OH x OW.
    std::tie(acc, inputSum, inputSumMap) =
        buildConvolution(rewriter, loc, conv, a, wConst, 1, 2,
                         asymmetricWeights, accType, sizes, zeroTensor);
  } else if (auto conv = dyn_cast<linalg::Conv2DNchwFchwOp>(*r.contraction)) {
    // Channels first: filter F x C x KH x KW, result N x F x OH x OW.
    std::tie(acc, inputSum, inputSumMap) =
        buildConvolution(rewriter, loc, conv, a, wConst, 0, 1,
                         asymmetricWeights, accType, sizes, zeroTensor);
  } else {
    // (Batch) matmul; asymmetric weights need the activation's row sums
    // (per batch), read through the result's dimensions but the channel.
    Value init = zeroTensor(sizes);
    acc =
        batched
            ? linalg::BatchMatmulOp::create(rewriter, loc, TypeRange{accType},
                                            ValueRange{a, wConst},
                                            ValueRange{init})
                  .getResult(0)
            : linalg::MatmulOp::create(rewriter, loc, TypeRange{accType},
                                       ValueRange{a, wConst}, ValueRange{init})
                  .getResult(0);
    if (asymmetricWeights) {
      AffineMap in = AffineMap::getMultiDimIdentityMap(rank, ctx);
      inputSumMap = in.dropResult(rank - 1);
      SmallVector<utils::IteratorType> iterators(rank - 1,
                                                 utils::IteratorType::parallel);
      iterators.push_back(utils::IteratorType::reduction);
      inputSum =
          linalg::GenericOp::create(
              rewriter, loc,
              TypeRange{RankedTensorType::get(accType.getShape().drop_back(),
                                              rewriter.getI32Type())},
              ValueRange{a},
              ValueRange{zeroTensor(ArrayRef(sizes).drop_back())},
              ArrayRef<AffineMap>{in, inputSumMap}, iterators,
              [&](OpBuilder &b, Location l, ValueRange args) {
                Value x = arith::ExtSIOp::create(b, l, b.getI32Type(), args[0]);
                linalg::YieldOp::create(
                    b, l, ValueRange{arith::AddIOp::create(b, l, x, args[1])});
              })
              .getResult(0);
    }
  }

  // The requantization epilogue.
  Type storageType = r.output.getOutput().getType().getElementType();
  AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
  // Per-channel tables are shaped like the result's channel dimensions.
  SmallVector<AffineExpr> channelExprs;
  SmallVector<int64_t> tableShape;
  for (unsigned dim : r.channelDims) {
    channelExprs.push_back(rewriter.getAffineDimExpr(dim));
    tableShape.push_back(accType.getDimSize(dim));
  }
  AffineMap col = AffineMap::get(rank, 0, channelExprs, ctx);
  auto table = [&](ArrayRef<int64_t> values) {
    return createI32Constant(rewriter, loc, values, tableShape);
  };
  // The corrections of a batch matmul are a (batch, channel) table.
  Value corrections = batched ? createI32Constant(rewriter, loc, correction)
                              : table(correction);
  AffineMap correctionMap = col;
  if (batched) {
    corrections = tensor::ExpandShapeOp::create(
        rewriter, loc,
        RankedTensorType::get({batches, n}, rewriter.getI32Type()), corrections,
        ArrayRef<ReassociationIndices>{{0, 1}});
    correctionMap = AffineMap::get(
        rank, 0,
        {rewriter.getAffineDimExpr(0), rewriter.getAffineDimExpr(rank - 1)},
        ctx);
  }
  SmallVector<Value> inputs{acc, corrections};
  SmallVector<AffineMap> maps{id, correctionMap};
  if (refinedBias) {
    inputs.push_back(table(accumulatorFactor));
    inputs.push_back(table(biasSteps));
    maps.append({col, col});
  }
  if (requant.fixedPoint) {
    inputs.push_back(table(fixedMultipliers));
    SmallVector<int8_t> shifts(fixedShifts.begin(), fixedShifts.end());
    auto shiftType = RankedTensorType::get(tableShape, rewriter.getI8Type());
    inputs.push_back(arith::ConstantOp::create(
        rewriter, loc, DenseElementsAttr::get(shiftType, ArrayRef(shifts))));
    maps.append({col, col});
  } else {
    auto multType = RankedTensorType::get(tableShape, rewriter.getF32Type());
    SmallVector<float> multF(multipliers.begin(), multipliers.end());
    inputs.push_back(arith::ConstantOp::create(
        rewriter, loc, DenseElementsAttr::get(multType, ArrayRef(multF))));
    maps.push_back(col);
  }
  if (asymmetricWeights) {
    inputs.push_back(table(weightZeroPoints));
    maps.push_back(col);
    inputs.push_back(inputSum);
    maps.push_back(inputSumMap);
  }
  maps.push_back(id);
  auto outType = accType.clone(storageType);
  Value outInit = tensor::EmptyOp::create(rewriter, loc, sizes, storageType);
  RoundingMode rounding = r.output.getRounding();
  int64_t zo = og.zeroPoint;
  Value result =
      linalg::GenericOp::create(
          rewriter, loc, TypeRange{outType}, inputs, ValueRange{outInit}, maps,
          SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
          [&](OpBuilder &b, Location l, ValueRange args) {
            // args: acc, correction, [factor, bias], multiplier (float, or
            // fixed-point and shift), [weight zero point, input sum].
            unsigned next = 2;
            Value t = arith::AddIOp::create(b, l, args[0], args[1]);
            Value factor, biasValue;
            if (refinedBias) {
              factor = args[next++];
              biasValue = args[next++];
            }
            Value multiplier = args[next++];
            Value shift = requant.fixedPoint ? args[next++] : Value();
            if (asymmetricWeights)
              t = arith::SubIOp::create(
                  b, l, t,
                  arith::MulIOp::create(b, l, args[next], args[next + 1]));
            if (refinedBias)
              t = arith::AddIOp::create(
                  b, l, arith::MulIOp::create(b, l, t, factor), biasValue);
            if (requant.fixedPoint) {
              linalg::YieldOp::create(
                  b, l,
                  ValueRange{emitFixedPointRequantize(
                      b, l, t, multiplier, shift, requant.doubleRound, zo, lo,
                      hi, storageType)});
              return;
            }
            Value f = arith::SIToFPOp::create(b, l, b.getF32Type(), t);
            Value scaled = arith::MulFOp::create(b, l, f, multiplier);
            linalg::YieldOp::create(
                b, l,
                ValueRange{emitFloatRequantize(b, l, scaled, rounding, zo, lo,
                                               hi, storageType)});
          })
          .getResult(0);
  rewriter.replaceOp(r.output, result);
  return success();
}

/// A per-tensor grid of a dequantize or quantize op as QuantGrid<float>.
std::optional<QuantGrid<float>>
getTensorGrid(Type gridType, RoundingMode rounding, bool reciprocalScale) {
  if (!isa<quant::UniformQuantizedType>(gridType))
    return std::nullopt;
  return getChannelGrids<float>(cast<quant::QuantizedType>(gridType), rounding,
                                reciprocalScale)[0];
}

/// (q - z) of a storage value as i32.
Value emitCentered(OpBuilder &b, Location loc, Value q, bool isSigned,
                   int64_t zeroPoint) {
  Type i32 = b.getI32Type();
  Value wide = isSigned ? Value(arith::ExtSIOp::create(b, loc, i32, q))
                        : Value(arith::ExtUIOp::create(b, loc, i32, q));
  return arith::SubIOp::create(
      b, loc, wide,
      arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(zeroPoint)));
}

/// An i32 and an i8 constant holding a fixed-point multiplier.
std::pair<Value, Value> emitFixedPointConstants(OpBuilder &b, Location loc,
                                                FixedPointMultiplier m) {
  return {arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(m.multiplier)),
          arith::ConstantOp::create(b, loc, b.getI8IntegerAttr(m.shift))};
}

/// quantize(act(dequantize(a) op dequantize(b))), element-wise with
/// identity maps. Addition: f32(qa - za) * Ma + f32(qb - zb) * Mb with
/// Ma = sa / so, Mb = sb / so in f32, ONNX Runtime's QLinearAdd, or with
/// requant=fixed-point TFLite's integer addition (Semantics.md §8.6).
/// Multiplication: the exact i32 product (qa - za)(qb - zb) requantized
/// like an accumulator on the grid sa * sb. Fails (no rewrite) when the
/// region does not match; `reason` says why when it matches but cannot be
/// lowered.
LogicalResult lowerBinaryRegion(RewriterBase &rewriter, QuantizeOp output,
                                const RequantOptions &requant,
                                std::string &reason) {
  auto generic = output.getInput().getDefiningOp<linalg::GenericOp>();
  if (!generic || generic.getNumDpsInputs() != 2 ||
      generic.getNumResults() != 1 || !generic.getResult(0).hasOneUse() ||
      generic.getNumReductionLoops() != 0 ||
      !llvm::all_of(generic.getIndexingMapsArray(),
                    [](AffineMap m) { return m.isIdentity(); }))
    return failure();
  Block &body = generic.getRegion().front();
  float actLo = -INFINITY, actHi = INFINITY;
  Value v = stripActivation(body.getTerminator()->getOperand(0), actLo, actHi);
  Operation *op = v ? v.getDefiningOp() : nullptr;
  if (!isa_and_nonnull<arith::AddFOp, arith::MulFOp>(op) ||
      !llvm::is_contained(op->getOperands(), body.getArgument(0)) ||
      !llvm::is_contained(op->getOperands(), body.getArgument(1)))
    return failure();
  bool isMul = isa<arith::MulFOp>(op);
  auto lhs = generic.getDpsInputs()[0].getDefiningOp<DequantizeOp>();
  auto rhs = generic.getDpsInputs()[1].getDefiningOp<DequantizeOp>();
  if (!lhs || !rhs)
    return reason = "an operand is not dequantized", failure();
  auto type = cast<RankedTensorType>(output.getInput().getType());
  if (!type.getElementType().isF32())
    return reason = "only f32 graphs are lowered to integers so far", failure();
  std::optional<QuantGrid<float>> ga =
      getTensorGrid(lhs.getGridType(), RoundingMode::half_to_even, false);
  std::optional<QuantGrid<float>> gb =
      getTensorGrid(rhs.getGridType(), RoundingMode::half_to_even, false);
  std::optional<QuantGrid<float>> og = getTensorGrid(
      output.getGridType(), output.getRounding(), output.getReciprocalScale());
  if (!ga || !gb || !og)
    return reason = "per-channel grid", failure();
  // Fixed point (TFLite's quantized addition): both inputs shifted left by
  // L bits, scaled to a common grid 2 * max(sa, sb) / 2^L, added, and
  // scaled to the output.
  int64_t maxCentered = 0;
  for (const QuantGrid<float> &g : {*ga, *gb})
    maxCentered = std::max(
        {maxCentered, g.zeroPoint - g.range.min, g.range.max - g.zeroPoint});
  int leftShift =
      std::min(20, 29 - static_cast<int>(llvm::Log2_64_Ceil(maxCentered + 1)));
  double common = 2.0 * std::max(double(ga->scale), double(gb->scale));
  std::optional<FixedPointMultiplier> fa, fb, fo;
  int64_t maxA =
      std::max(ga->zeroPoint - ga->range.min, ga->range.max - ga->zeroPoint);
  int64_t maxB =
      std::max(gb->zeroPoint - gb->range.min, gb->range.max - gb->zeroPoint);
  if (isMul && maxA * maxB > std::numeric_limits<int32_t>::max())
    return reason = "the i32 product of the storage values may overflow",
           failure();
  // A product is on the grid sa * sb.
  float productScale = getAccumulatorScale(ga->scale, gb->scale);
  float mp = getRequantMultiplier(productScale, og->scale, og->reciprocalScale);
  if (requant.fixedPoint && isMul) {
    fo = getFixedPointMultiplier(double(ga->scale) * double(gb->scale) /
                                 double(og->scale));
    if (!fo)
      return reason = "requant=fixed-point: the multiplier of the product is "
                      "too large",
             failure();
  } else if (requant.fixedPoint) {
    fa = getFixedPointMultiplier(double(ga->scale) / common);
    fb = getFixedPointMultiplier(double(gb->scale) / common);
    fo = getFixedPointMultiplier(std::ldexp(common, -leftShift) /
                                 double(og->scale));
    if (!fa || !fb || !fo)
      return reason = "requant=fixed-point: the output multiplier of the "
                      "addition is too large",
             failure();
  }
  std::pair<int64_t, int64_t> bounds = getSaturationBounds(*og, actLo, actHi);
  int64_t lo = bounds.first, hi = bounds.second;
  float ma = getRequantMultiplier(ga->scale, og->scale, og->reciprocalScale);
  float mb = getRequantMultiplier(gb->scale, og->scale, og->reciprocalScale);
  bool signedA = cast<quant::QuantizedType>(lhs.getGridType()).isSigned();
  bool signedB = cast<quant::QuantizedType>(rhs.getGridType()).isSigned();
  Type storageType = output.getOutput().getType().getElementType();
  Location loc = generic.getLoc();
  rewriter.setInsertionPoint(output);
  Value init = tensor::EmptyOp::create(
      rewriter, loc, tensor::getMixedSizes(rewriter, loc, lhs.getInput()),
      storageType);
  unsigned rank = type.getRank();
  AffineMap id = rewriter.getMultiDimIdentityMap(rank);
  RoundingMode rounding = output.getRounding();
  int64_t zo = og->zeroPoint;
  Value result =
      linalg::GenericOp::create(
          rewriter, loc, TypeRange{output.getOutput().getType()},
          ValueRange{lhs.getInput(), rhs.getInput()}, ValueRange{init},
          ArrayRef<AffineMap>{id, id, id},
          SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
          [&](OpBuilder &b, Location l, ValueRange args) {
            Value ca = emitCentered(b, l, args[0], signedA, ga->zeroPoint);
            Value cb = emitCentered(b, l, args[1], signedB, gb->zeroPoint);
            if (isMul) {
              // An exact i32 product, requantized like an accumulator.
              Value product = arith::MulIOp::create(b, l, ca, cb);
              Value q;
              if (fo) {
                auto [mult, sh] = emitFixedPointConstants(b, l, *fo);
                q = emitFixedPointRequantize(b, l, product, mult, sh,
                                             requant.doubleRound, zo, lo, hi,
                                             storageType);
              } else {
                Value f =
                    arith::SIToFPOp::create(b, l, b.getF32Type(), product);
                Value scaled = arith::MulFOp::create(
                    b, l, f, emitFloatConstant(b, l, b.getF32Type(), mp));
                q = emitFloatRequantize(b, l, scaled, rounding, zo, lo, hi,
                                        storageType);
              }
              linalg::YieldOp::create(b, l, ValueRange{q});
              return;
            }
            if (requant.fixedPoint) {
              Value shift = arith::ConstantOp::create(
                  b, l, b.getI32IntegerAttr(leftShift));
              auto rescale = [&](Value c, FixedPointMultiplier m) -> Value {
                auto [mult, sh] = emitFixedPointConstants(b, l, m);
                auto mode = requant.doubleRound
                                ? tosa::RoundingMode::DOUBLE_ROUND
                                : tosa::RoundingMode::SINGLE_ROUND;
                return tosa::ApplyScaleOp::create(
                    b, l, b.getI32Type(), arith::ShLIOp::create(b, l, c, shift),
                    mult, sh,
                    tosa::RoundingModeAttr::get(b.getContext(), mode));
              };
              Value sum = arith::AddIOp::create(b, l, rescale(ca, *fa),
                                                rescale(cb, *fb));
              auto [mult, sh] = emitFixedPointConstants(b, l, *fo);
              linalg::YieldOp::create(
                  b, l,
                  ValueRange{emitFixedPointRequantize(b, l, sum, mult, sh,
                                                      requant.doubleRound, zo,
                                                      lo, hi, storageType)});
              return;
            }
            FloatType f32 = b.getF32Type();
            Value fa = arith::SIToFPOp::create(b, l, f32, ca);
            Value fb = arith::SIToFPOp::create(b, l, f32, cb);
            Value sum = arith::AddFOp::create(
                b, l,
                arith::MulFOp::create(b, l, fa,
                                      emitFloatConstant(b, l, f32, ma)),
                arith::MulFOp::create(b, l, fb,
                                      emitFloatConstant(b, l, f32, mb)));
            linalg::YieldOp::create(
                b, l,
                ValueRange{emitFloatRequantize(b, l, sum, rounding, zo, lo, hi,
                                               storageType)});
          })
          .getResult(0);
  rewriter.replaceOp(output, result);
  rewriter.eraseOp(generic);
  return success();
}

/// quantize(act(pooling_nhwc_sum(dequantize(q)) * c)) (or / d, or without
/// the scaling): average pooling. The window sums of the storage values in
/// i32, minus window * z, requantized with the multiplier s * c / s_out
/// (Semantics.md §8.8).
LogicalResult lowerAveragePoolRegion(RewriterBase &rewriter, QuantizeOp output,
                                     const RequantOptions &requant,
                                     std::string &reason) {
  Value v = output.getInput();
  float actLo = -INFINITY, actHi = INFINITY;
  std::optional<float> factor, divisor;
  auto scale = v.getDefiningOp<linalg::GenericOp>();
  if (scale) {
    if (scale.getNumDpsInputs() != 1 || scale.getNumResults() != 1 ||
        scale.getNumReductionLoops() != 0 ||
        !llvm::all_of(scale.getIndexingMapsArray(),
                      [](AffineMap m) { return m.isIdentity(); }))
      return failure();
    Block &body = scale.getRegion().front();
    Value arg = body.getArgument(0);
    Value y =
        stripActivation(body.getTerminator()->getOperand(0), actLo, actHi);
    if (auto mul = y ? y.getDefiningOp<arith::MulFOp>() : nullptr) {
      if (mul.getLhs() != arg && mul.getRhs() != arg)
        return failure();
      factor =
          getConstantFloat(mul.getLhs() == arg ? mul.getRhs() : mul.getLhs());
      if (!factor)
        return failure();
    } else if (auto div = y ? y.getDefiningOp<arith::DivFOp>() : nullptr) {
      divisor = getConstantFloat(div.getRhs());
      if (!divisor || div.getLhs() != arg)
        return failure();
    } else if (y != arg) {
      return failure();
    }
    v = scale.getDpsInputs()[0];
  }
  auto pool = v.getDefiningOp<linalg::PoolingNhwcSumOp>();
  if (!pool)
    return failure();
  if (!pool->hasOneUse() || (scale && !scale->hasOneUse()))
    return reason = "intermediate results have other users", failure();
  if (!isZeroFill(pool.getDpsInits()[0]))
    return reason = "the sum does not start from zero", failure();
  auto input = pool.getDpsInputs()[0].getDefiningOp<DequantizeOp>();
  if (!input)
    return reason = "the input is not dequantized", failure();
  auto type = cast<RankedTensorType>(output.getInput().getType());
  if (!type.getElementType().isF32())
    return reason = "only f32 graphs are lowered to integers so far", failure();
  std::optional<QuantGrid<float>> ig =
      getTensorGrid(input.getGridType(), RoundingMode::half_to_even, false);
  std::optional<QuantGrid<float>> og = getTensorGrid(
      output.getGridType(), output.getRounding(), output.getReciprocalScale());
  auto windowType = cast<RankedTensorType>(pool.getDpsInputs()[1].getType());
  if (!ig || !og)
    return reason = "per-channel grid", failure();
  if (!windowType.hasStaticShape())
    return reason = "dynamic window", failure();
  int64_t window = windowType.getNumElements();
  int64_t maxCentered =
      std::max(ig->zeroPoint - ig->range.min, ig->range.max - ig->zeroPoint);
  if (window * maxCentered > std::numeric_limits<int32_t>::max())
    return pool.emitError() << "the i32 window sum may overflow (window of "
                            << window << " elements)";

  // The accumulator grid: s * c (or s / d), one f32 rounding.
  float accScale = ig->scale;
  double realScale = ig->scale;
  if (factor) {
    accScale = ig->scale * *factor;
    realScale = double(ig->scale) * double(*factor);
  } else if (divisor) {
    accScale = ig->scale / *divisor;
    realScale = double(ig->scale) / double(*divisor);
  }
  float multiplier =
      getRequantMultiplier(accScale, og->scale, og->reciprocalScale);
  std::optional<FixedPointMultiplier> fixed;
  if (requant.fixedPoint) {
    fixed = getFixedPointMultiplier(realScale / double(og->scale));
    if (!fixed)
      return output.emitError() << "requant=fixed-point: the multiplier is "
                                   "too large for a shift of at least 2";
  }
  std::pair<int64_t, int64_t> bounds = getSaturationBounds(*og, actLo, actHi);
  int64_t lo = bounds.first, hi = bounds.second;

  Location loc = pool.getLoc();
  rewriter.setInsertionPoint(output);
  Value a = input.getInput();
  if (!cast<quant::QuantizedType>(input.getGridType()).isSigned())
    a = extendUnsigned(rewriter, loc, a);
  Value floatInit = pool.getDpsInits()[0];
  auto sumType =
      cast<RankedTensorType>(floatInit.getType()).clone(rewriter.getI32Type());
  SmallVector<OpFoldResult> sizes =
      tensor::getMixedSizes(rewriter, loc, floatInit);
  Value zero =
      arith::ConstantOp::create(rewriter, loc, rewriter.getI32IntegerAttr(0));
  Value sumEmpty =
      tensor::EmptyOp::create(rewriter, loc, sizes, rewriter.getI32Type());
  Value sumInit =
      linalg::FillOp::create(rewriter, loc, zero, sumEmpty).getResult(0);
  SmallVector<Value> ins{a, pool.getDpsInputs()[1]};
  Value sums = linalg::PoolingNhwcSumOp::create(
                   rewriter, loc, TypeRange{sumType}, ins, ValueRange{sumInit},
                   pool.getStridesAttr(), pool.getDilationsAttr())
                   .getResult(0);
  Type storageType = output.getOutput().getType().getElementType();
  unsigned rank = sumType.getRank();
  AffineMap id = rewriter.getMultiDimIdentityMap(rank);
  RoundingMode rounding = output.getRounding();
  int64_t zo = og->zeroPoint, correction = -window * ig->zeroPoint;
  Value outInit = tensor::EmptyOp::create(rewriter, loc, sizes, storageType);
  Value result =
      linalg::GenericOp::create(
          rewriter, loc, TypeRange{sumType.clone(storageType)},
          ValueRange{sums}, ValueRange{outInit}, ArrayRef<AffineMap>{id, id},
          SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
          [&](OpBuilder &b, Location l, ValueRange args) {
            Value t = arith::AddIOp::create(
                b, l, args[0],
                arith::ConstantOp::create(b, l,
                                          b.getI32IntegerAttr(correction)));
            Value q;
            if (fixed) {
              Value m = arith::ConstantOp::create(
                  b, l, b.getI32IntegerAttr(fixed->multiplier));
              Value sh = arith::ConstantOp::create(
                  b, l, b.getI8IntegerAttr(fixed->shift));
              q = emitFixedPointRequantize(b, l, t, m, sh, requant.doubleRound,
                                           zo, lo, hi, storageType);
            } else {
              Value f = arith::SIToFPOp::create(b, l, b.getF32Type(), t);
              Value scaled = arith::MulFOp::create(
                  b, l, f, emitFloatConstant(b, l, b.getF32Type(), multiplier));
              q = emitFloatRequantize(b, l, scaled, rounding, zo, lo, hi,
                                      storageType);
            }
            linalg::YieldOp::create(b, l, ValueRange{q});
          })
          .getResult(0);
  rewriter.replaceOp(output, result);
  if (scale)
    rewriter.eraseOp(scale);
  rewriter.eraseOp(pool);
  return success();
}

/// quantize(dequantize(q)) from one per-tensor grid to another (e.g. a
/// concatenation input requantized to the output grid): f32(q - z) * M, or
/// apply_scale(q - z) in fixed point (Semantics.md §8.9).
LogicalResult lowerRescaleRegion(RewriterBase &rewriter, QuantizeOp output,
                                 const RequantOptions &requant,
                                 std::string &reason) {
  auto input = output.getInput().getDefiningOp<DequantizeOp>();
  if (!input)
    return failure();
  if (!output.getInput().getType().getElementType().isF32())
    return reason = "only f32 graphs are lowered to integers so far", failure();
  std::optional<QuantGrid<float>> ig =
      getTensorGrid(input.getGridType(), RoundingMode::half_to_even, false);
  std::optional<QuantGrid<float>> og = getTensorGrid(
      output.getGridType(), output.getRounding(), output.getReciprocalScale());
  if (!ig || !og)
    return reason = "per-channel grid", failure();
  float multiplier =
      getRequantMultiplier(ig->scale, og->scale, og->reciprocalScale);
  std::optional<FixedPointMultiplier> fixed;
  if (requant.fixedPoint) {
    fixed = getFixedPointMultiplier(double(ig->scale) / double(og->scale));
    if (!fixed)
      return reason = "requant=fixed-point: the multiplier is too large",
             failure();
  }
  bool isSigned = cast<quant::QuantizedType>(input.getGridType()).isSigned();
  int64_t zi = ig->zeroPoint, zo = og->zeroPoint;
  int64_t lo = og->range.min, hi = og->range.max;
  RoundingMode rounding = output.getRounding();
  Type storageType = output.getOutput().getType().getElementType();
  rewriter.setInsertionPoint(output);
  Value result = buildChannelwiseGeneric(
      rewriter, output.getLoc(), input.getInput(), storageType, std::nullopt,
      rewriter.getF32Type(), {},
      [&](OpBuilder &b, Location l, Value q, ArrayRef<Value>) -> Value {
        Value centered = emitCentered(b, l, q, isSigned, zi);
        if (fixed) {
          auto [m, shift] = emitFixedPointConstants(b, l, *fixed);
          return emitFixedPointRequantize(b, l, centered, m, shift,
                                          requant.doubleRound, zo, lo, hi,
                                          storageType);
        }
        Value f = arith::SIToFPOp::create(b, l, b.getF32Type(), centered);
        Value scaled = arith::MulFOp::create(
            b, l, f, emitFloatConstant(b, l, b.getF32Type(), multiplier));
        return emitFloatRequantize(b, l, scaled, rounding, zo, lo, hi,
                                   storageType);
      });
  rewriter.replaceOp(output, result);
  return success();
}

} // namespace

namespace mlir::qat {
namespace {
struct QATFormIntegerRegionsPass
    : impl::QATFormIntegerRegionsPassBase<QATFormIntegerRegionsPass> {
  using Base::Base;

  void runOnOperation() override {
    if (fallback != "float" && fallback != "error") {
      getOperation()->emitError() << "qat-form-integer-regions: fallback must "
                                     "be 'float' or 'error', got '"
                                  << fallback << "'";
      return signalPassFailure();
    }
    if (requant != "float" && requant != "fixed-point") {
      getOperation()->emitError() << "qat-form-integer-regions: requant must "
                                     "be 'float' or 'fixed-point', got '"
                                  << requant << "'";
      return signalPassFailure();
    }
    RequantOptions requantOptions{requant == "fixed-point", doubleRound};
    using Lowering = LogicalResult (*)(RewriterBase &, QuantizeOp,
                                       const RequantOptions &, std::string &);
    const Lowering elementwiseLowerings[] = {
        lowerBinaryRegion, lowerAveragePoolRegion, lowerRescaleRegion};
    SmallVector<QuantizeOp> outputs;
    getOperation()->walk([&](QuantizeOp op) { outputs.push_back(op); });
    IRRewriter rewriter(&getContext());
    llvm::DenseMap<Operation *, std::string> notLowered;
    for (QuantizeOp output : outputs) {
      std::string reason;
      FailureOr<ContractionRegion> region =
          matchContractionRegion(output, reason);
      // Element-wise regions, tried in turn where no contraction matched.
      if (failed(region) && reason.empty() &&
          llvm::any_of(elementwiseLowerings, [&](auto lower) {
            return reason.empty() &&
                   succeeded(lower(rewriter, output, requantOptions, reason));
          }))
        continue;
      if (failed(region)) {
        Operation *def = output.getInput().getDefiningOp();
        if (def && !reason.empty())
          notLowered.try_emplace(def, reason);
        continue;
      }
      Operation *root = region->epilogue ? region->epilogue->op.getOperation()
                                         : region->contraction.getOperation();
      Operation *contraction = region->contraction;
      // The float ops of the region, erased once unused (so that no
      // dequantize looks consumed in float below).
      Operation *floatOps[] = {root,
                               contraction == root ? nullptr : contraction,
                               region->pad, region->weightExpand};
      if (failed(lowerContractionRegion(rewriter, *region, requantOptions)))
        return signalPassFailure();
      for (Operation *op : floatOps)
        if (op && op->use_empty())
          rewriter.eraseOp(op);
    }
    if (failed(reportFloatOps(notLowered)))
      signalPassFailure();
  }

  /// Names every operation that still consumes dequantized values.
  LogicalResult
  reportFloatOps(const llvm::DenseMap<Operation *, std::string> &reasons) {
    llvm::SetVector<Operation *> users;
    getOperation()->walk([&](DequantizeOp op) {
      for (Operation *user : op->getUsers())
        if (!isa<QuantizeOp, func::ReturnOp, tensor::DimOp>(user))
          users.insert(user);
    });
    bool error = fallback == "error";
    for (Operation *user : users) {
      std::string reason = "no integer lowering for this operation";
      if (auto it = reasons.find(user); it != reasons.end())
        reason = it->second;
      if (error)
        user->emitError() << "'" << user->getName()
                          << "' has no integer lowering (" << reason
                          << ") and fallback=error";
      else
        user->emitRemark() << "'" << user->getName()
                           << "' runs in float between dequantize and "
                              "quantize: "
                           << reason;
    }
    return failure(error && !users.empty());
  }
};
} // namespace
} // namespace mlir::qat
