//===- ContractionLowering.cpp - matmul/conv regions in i32 ---------------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// Rebuilds a matched contraction region in integers (docs/Semantics.md §8):
// the same contraction on the storage values accumulating in i32, the
// input's window or row sums where the weights are asymmetric, and one
// element-wise epilogue that applies the compile-time corrections, the bias
// and the requantization with the activation's saturation. The constants
// come from computeContractionConstants; this file only builds IR.
//
//===----------------------------------------------------------------------===//

#include "ContractionRegion.h"
#include "Requantizer.h"

#include "qat/Dialect/QAT/Utils/ContractionConstants.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace mlir;
using namespace mlir::qat;

namespace {
/// The i32 accumulator of a region, and with asymmetric weights the sums
/// of the input it must be corrected by, read through `inputSumMap`.
struct Accumulation {
  Value acc;
  Value inputSum;
  AffineMap inputSumMap;
};

/// Builds the integer contraction of a region on its storage operands.
class ContractionBuilder {
public:
  ContractionBuilder(RewriterBase &rewriter, Location loc, ContractionRegion &r,
                     bool windowSums);

  /// The contraction of `a` by `w`, with the input sums when asked for.
  Accumulation build(Value a, Value w);

  RankedTensorType getAccumulatorType() const { return accType; }
  ArrayRef<OpFoldResult> getSizes() const { return sizes; }

private:
  Value zeroTensor(ArrayRef<OpFoldResult> shape);
  template <typename Conv>
  Accumulation buildConvolution(Conv conv, Value a, Value filter,
                                unsigned filterChannelDim,
                                unsigned resultChannelDim);
  Accumulation buildDepthwise(linalg::DepthwiseConv2DNhwcHwcOp conv, Value a,
                              Value filter);
  Accumulation buildMatmul(Value a, Value w);

  RewriterBase &rewriter;
  Location loc;
  ContractionRegion &r;
  bool windowSums;
  RankedTensorType accType;
  SmallVector<OpFoldResult> sizes;
  /// The i32 zero every accumulation starts from.
  Value zero;
};
} // namespace

ContractionBuilder::ContractionBuilder(RewriterBase &rewriter, Location loc,
                                       ContractionRegion &r, bool windowSums)
    : rewriter(rewriter), loc(loc), r(r), windowSums(windowSums) {
  Value floatInit = r.contraction.getDpsInits()[0];
  accType =
      cast<RankedTensorType>(floatInit.getType()).clone(rewriter.getI32Type());
  sizes = tensor::getMixedSizes(rewriter, loc, floatInit);
  zero =
      arith::ConstantOp::create(rewriter, loc, rewriter.getI32IntegerAttr(0));
}

Value ContractionBuilder::zeroTensor(ArrayRef<OpFoldResult> shape) {
  Value init =
      tensor::EmptyOp::create(rewriter, loc, shape, rewriter.getI32Type());
  return linalg::FillOp::create(rewriter, loc, zero, init).getResult(0);
}

/// The integer convolution `conv` of `a` by `filter`, and for asymmetric
/// weights the window sums of `a`: the same convolution by an all-ones
/// filter with one output channel (dimension `filterChannelDim` of the
/// filter), read back through the result's channel dimension
/// `resultChannelDim` at 0.
template <typename Conv>
Accumulation ContractionBuilder::buildConvolution(Conv conv, Value a,
                                                  Value filter,
                                                  unsigned filterChannelDim,
                                                  unsigned resultChannelDim) {
  Accumulation result;
  result.acc =
      Conv::create(rewriter, loc, TypeRange{accType}, ValueRange{a, filter},
                   ValueRange{zeroTensor(sizes)}, conv.getStridesAttr(),
                   conv.getDilationsAttr())
          .getResult(0);
  if (!windowSums)
    return result;
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
  result.inputSum =
      Conv::create(rewriter, loc, TypeRange{accType.clone(sumShape)},
                   ValueRange{a, ones}, ValueRange{zeroTensor(sumSizes)},
                   conv.getStridesAttr(), conv.getDilationsAttr())
          .getResult(0);
  SmallVector<AffineExpr> exprs;
  for (unsigned d = 0; d < accType.getRank(); ++d)
    exprs.push_back(d == resultChannelDim ? rewriter.getAffineConstantExpr(0)
                                          : rewriter.getAffineDimExpr(d));
  result.inputSumMap =
      AffineMap::get(accType.getRank(), 0, exprs, rewriter.getContext());
  return result;
}

/// A depthwise convolution; its window sums per channel are a sum pooling.
Accumulation
ContractionBuilder::buildDepthwise(linalg::DepthwiseConv2DNhwcHwcOp conv,
                                   Value a, Value filter) {
  Accumulation result;
  result.acc = linalg::DepthwiseConv2DNhwcHwcOp::create(
                   rewriter, loc, TypeRange{accType}, ValueRange{a, filter},
                   ValueRange{zeroTensor(sizes)}, conv.getStridesAttr(),
                   conv.getDilationsAttr())
                   .getResult(0);
  if (!windowSums)
    return result;
  Value window = tensor::EmptyOp::create(
      rewriter, loc, r.weightValues.getType().getShape().drop_back(),
      rewriter.getI32Type());
  result.inputSum = linalg::PoolingNhwcSumOp::create(
                        rewriter, loc, TypeRange{accType},
                        ValueRange{a, window}, ValueRange{zeroTensor(sizes)},
                        conv.getStridesAttr(), conv.getDilationsAttr())
                        .getResult(0);
  result.inputSumMap = AffineMap::getMultiDimIdentityMap(accType.getRank(),
                                                         rewriter.getContext());
  return result;
}

/// A (batch) matmul; asymmetric weights need the activation's row sums
/// (per batch), read through the result's dimensions but the channel.
Accumulation ContractionBuilder::buildMatmul(Value a, Value w) {
  Accumulation result;
  Value init = zeroTensor(sizes);
  result.acc =
      isa<linalg::BatchMatmulOp>(*r.contraction)
          ? linalg::BatchMatmulOp::create(rewriter, loc, TypeRange{accType},
                                          ValueRange{a, w}, ValueRange{init})
                .getResult(0)
          : linalg::MatmulOp::create(rewriter, loc, TypeRange{accType},
                                     ValueRange{a, w}, ValueRange{init})
                .getResult(0);
  if (!windowSums)
    return result;
  unsigned rank = accType.getRank();
  AffineMap in = AffineMap::getMultiDimIdentityMap(rank, rewriter.getContext());
  result.inputSumMap = in.dropResult(rank - 1);
  SmallVector<utils::IteratorType> iterators(rank - 1,
                                             utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);
  result.inputSum =
      linalg::GenericOp::create(
          rewriter, loc,
          TypeRange{RankedTensorType::get(accType.getShape().drop_back(),
                                          rewriter.getI32Type())},
          ValueRange{a}, ValueRange{zeroTensor(ArrayRef(sizes).drop_back())},
          ArrayRef<AffineMap>{in, result.inputSumMap}, iterators,
          [&](OpBuilder &b, Location l, ValueRange args) {
            // Signed as the matmul reads it; an activation widened to i32
            // already (unsigned storage of more than 15 bits) as it is.
            Value x = args[0];
            if (!x.getType().isInteger(32))
              x = arith::ExtSIOp::create(b, l, b.getI32Type(), x);
            linalg::YieldOp::create(
                b, l, ValueRange{arith::AddIOp::create(b, l, x, args[1])});
          })
          .getResult(0);
  return result;
}

Accumulation ContractionBuilder::build(Value a, Value w) {
  Operation *op = r.contraction;
  if (auto conv = dyn_cast<linalg::DepthwiseConv2DNhwcHwcOp>(op))
    return buildDepthwise(conv, a, w);
  // Channels last in the filter (KH x KW x C x F) and the result.
  if (auto conv = dyn_cast<linalg::Conv2DNhwcHwcfOp>(op))
    return buildConvolution(conv, a, w, 3, 3);
  // Per group: filter G x F x C x KH x KW, result N x G x F x OH x OW.
  if (auto conv = dyn_cast<linalg::Conv2DNgchwGfchwOp>(op))
    return buildConvolution(conv, a, w, 1, 2);
  // Channels first: filter F x C x KH x KW, result N x F x OH x OW.
  if (auto conv = dyn_cast<linalg::Conv2DNchwFchwOp>(op))
    return buildConvolution(conv, a, w, 0, 1);
  return buildMatmul(a, w);
}

/// Storage values of a constant, zero-extended for unsigned grids.
static SmallVector<int64_t> getStorageValues(DenseIntElementsAttr attr,
                                             bool isSigned) {
  SmallVector<int64_t> values;
  for (const APInt &v : attr.getValues<APInt>())
    values.push_back(isSigned ? v.getSExtValue()
                              : static_cast<int64_t>(v.getZExtValue()));
  return values;
}

/// The weight grids with the epilogue's per-channel factor folded into
/// their scales, s_w'[c] = f32(f64(s_w[c]) * factor[c]) (docs/Semantics.md
/// §8.2); fails for a factor that leaves no positive finite f32 scale.
static LogicalResult foldFactorIntoScales(ArrayRef<double> factor,
                                          SmallVector<QuantGrid<float>> &grids,
                                          std::string &reason) {
  if (grids.size() == 1)
    grids.assign(factor.size(), grids.front());
  for (auto [grid, f] : llvm::zip_equal(grids, factor)) {
    float scale = static_cast<float>(double(grid.scale) * f);
    if (!(scale > 0.0f) || !std::isfinite(scale) || !std::isnormal(scale)) {
      reason = "a per-channel factor after the contraction leaves no "
               "positive f32 weight scale";
      return failure();
    }
    grid.scale = scale;
  }
  return success();
}

/// The constants of `r`, or why it has none (then it stays in float).
static FailureOr<ContractionConstants>
computeConstants(ContractionRegion &r, const RequantOptions &options,
                 std::string &reason) {
  QuantGrid<float> input = *getTensorGrid(r.input);
  // A float result (no output grid) is the accumulator times the scale
  // product: its multipliers, unused, are those of an output scale of 1.
  QuantGrid<float> output =
      r.output ? *getTensorGrid(r.output) : QuantGrid<float>();
  quant::QuantizedType wGrid = r.weight.getGridType();
  SmallVector<QuantGrid<float>> weights =
      getChannelGrids<float>(wGrid, RoundingMode::half_to_even, false);
  if (r.epilogue && !r.epilogue->factor.empty() &&
      failed(foldFactorIntoScales(r.epilogue->factor, weights, reason)))
    return failure();
  SmallVector<int64_t> values =
      getStorageValues(r.weightValues, wGrid.isSigned());
  // Weights as `batches` (K, n) matrices: every dimension but the last (the
  // output channel) is reduced, except the batch of a batch matmul.
  auto wType = r.weightValues.getType();
  ContractionOperands ops;
  ops.input = input;
  ops.weights = weights;
  ops.weightValues = values;
  ops.batches =
      isa<linalg::BatchMatmulOp>(*r.contraction) ? wType.getDimSize(0) : 1;
  ops.n = wType.getDimSize(wType.getRank() - 1);
  ops.k = wType.getNumElements() / ops.n / ops.batches;
  if (r.epilogue)
    ops.bias = r.epilogue->bias;
  ops.outputScale = output.scale;
  ops.reciprocalScale = output.reciprocalScale;
  ops.fixedPoint = options.isFixedPoint();

  ContractionConstantsError error;
  FailureOr<ContractionConstants> cc = computeContractionConstants(ops, error);
  if (succeeded(cc))
    return cc;
  using Kind = ContractionConstantsError::Kind;
  llvm::raw_string_ostream os(reason);
  switch (error.kind) {
  case Kind::BiasOutOfRange:
    os << "bias " << error.bias << " of output channel " << error.channel
       << " does not fit in i32 on the accumulator grid (scale "
       << error.accumulatorScale << ")";
    return failure();
  case Kind::AccumulatorOverflow:
    os << "the i32 accumulator of output channel " << error.channel
       << " may overflow: |acc + bias| can reach " << error.bound
       << " (activation range [" << input.range.min << ", " << input.range.max
       << "] with zero point " << input.zeroPoint << ", K = " << ops.k << ")";
    return failure();
  case Kind::MultiplierTooLarge:
    if (ops.fixedPoint)
      os << "requant=fixed-point: the multiplier of output channel "
         << error.channel << " is too large for a shift of at least 2";
    else
      os << "the requantization multiplier of output channel " << error.channel
         << " is not finite in f32";
    return failure();
  }
  llvm_unreachable("unknown contraction constants error");
}

/// The contraction's operands on the integer storage: unsigned values
/// zero-extended for linalg's signed casts, the weight in the contraction's
/// layout, zero padding as padding with the input zero point.
static std::pair<Value, Value> buildStorageOperands(RewriterBase &rewriter,
                                                    Location loc,
                                                    ContractionRegion &r,
                                                    int64_t inputZeroPoint) {
  Value a = r.input.getInput();
  if (!r.input.getGridType().isSigned())
    a = extendUnsigned(rewriter, loc, a);
  Value w =
      r.transposedWeight
          ? Value(arith::ConstantOp::create(rewriter, loc, r.weightValues))
          : r.weight.getInput();
  if (!r.weight.getGridType().isSigned())
    w = extendUnsigned(rewriter, loc, w);
  if (r.weightExpand)
    w = tensor::ExpandShapeOp::create(
        rewriter, loc,
        r.weightExpand.getResultType().clone(
            cast<RankedTensorType>(w.getType()).getElementType()),
        w, r.weightExpand.getReassociationIndices());
  if (r.pad) {
    Type elementType = cast<RankedTensorType>(a.getType()).getElementType();
    Value padValue = arith::ConstantOp::create(
        rewriter, loc, rewriter.getIntegerAttr(elementType, inputZeroPoint));
    a = tensor::PadOp::create(
        rewriter, loc,
        RankedTensorType::get(r.pad.getResultType().getShape(), elementType), a,
        r.pad.getMixedLowPad(), r.pad.getMixedHighPad(), padValue);
  }
  return {a, w};
}

namespace {
/// The per-channel operands of the epilogue: tables shaped like the
/// result's channel dimensions, read through `channelMap`.
struct ChannelTables {
  SmallVector<int64_t> shape;
  AffineMap channelMap;
};
} // namespace

static ChannelTables getChannelTables(ContractionRegion &r,
                                      RankedTensorType accType) {
  ChannelTables t;
  SmallVector<AffineExpr> exprs;
  for (unsigned dim : r.channelDims) {
    exprs.push_back(getAffineDimExpr(dim, accType.getContext()));
    t.shape.push_back(accType.getDimSize(dim));
  }
  t.channelMap =
      AffineMap::get(accType.getRank(), 0, exprs, accType.getContext());
  return t;
}

/// An i32 constant of `shape` holding `values`.
static Value createI32Constant(OpBuilder &b, Location loc,
                               ArrayRef<int64_t> values,
                               ArrayRef<int64_t> shape) {
  SmallVector<int32_t> v(values.begin(), values.end());
  auto type = RankedTensorType::get(shape, b.getI32Type());
  return arith::ConstantOp::create(b, loc,
                                   DenseElementsAttr::get(type, ArrayRef(v)));
}

/// The corrections as an operand: per channel, or a (batch, channel) table
/// for a batch matmul.
static std::pair<Value, AffineMap>
buildCorrections(OpBuilder &b, Location loc, const ContractionConstants &cc,
                 const ChannelTables &tables, RankedTensorType accType,
                 bool batched) {
  if (!batched)
    return {createI32Constant(b, loc, cc.corrections, tables.shape),
            tables.channelMap};
  int64_t count = cc.corrections.size();
  int64_t n = cc.weightZeroPoints.size();
  Value flat = createI32Constant(b, loc, cc.corrections, {count});
  Value table = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get({count / n, n}, b.getI32Type()), flat,
      ArrayRef<ReassociationIndices>{{0, 1}});
  unsigned rank = accType.getRank();
  return {table,
          AffineMap::get(rank, 0,
                         {b.getAffineDimExpr(0), b.getAffineDimExpr(rank - 1)},
                         b.getContext())};
}

namespace {
/// The operands of an epilogue generic and their maps; the first ones are
/// always those of the exact accumulator (see appendAccumulator).
struct EpilogueOperands {
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;

  void add(Value v, AffineMap map) {
    inputs.push_back(v);
    maps.push_back(map);
  }
};
} // namespace

/// Adds the operands of the exact accumulator: acc, the corrections and,
/// for asymmetric weights, the weight zero points and the input sums.
static void appendAccumulator(OpBuilder &b, Location loc, ContractionRegion &r,
                              const ContractionConstants &cc,
                              const Accumulation &accumulation,
                              const ChannelTables &tables,
                              EpilogueOperands &operands) {
  auto accType = cast<RankedTensorType>(accumulation.acc.getType());
  operands.add(accumulation.acc, AffineMap::getMultiDimIdentityMap(
                                     accType.getRank(), b.getContext()));
  auto [corrections, correctionMap] = buildCorrections(
      b, loc, cc, tables, accType, isa<linalg::BatchMatmulOp>(*r.contraction));
  operands.add(corrections, correctionMap);
  if (cc.asymmetricWeights) {
    operands.add(createI32Constant(b, loc, cc.weightZeroPoints, tables.shape),
                 tables.channelMap);
    operands.add(accumulation.inputSum, accumulation.inputSumMap);
  }
}

/// In an epilogue's body: acc + correction [- zw * inputSum], the exact
/// accumulator (docs/Semantics.md §8.1), from the block arguments of
/// appendAccumulator's operands, which it drops from `args`.
static Value buildExactAccumulator(OpBuilder &b, Location loc,
                                   const ContractionConstants &cc,
                                   ValueRange &args) {
  Value t = arith::AddIOp::create(b, loc, args[0], args[1]);
  if (cc.asymmetricWeights)
    t = arith::SubIOp::create(b, loc, t,
                              arith::MulIOp::create(b, loc, args[2], args[3]));
  args = args.drop_front(cc.asymmetricWeights ? 4 : 2);
  return t;
}

/// An element-wise generic over `operands` into a tensor of `elementType`.
static Value buildEpilogueGeneric(
    OpBuilder &b, Location loc, EpilogueOperands &operands,
    RankedTensorType accType, ArrayRef<OpFoldResult> sizes, Type elementType,
    function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  unsigned rank = accType.getRank();
  Value init = tensor::EmptyOp::create(b, loc, sizes, elementType);
  SmallVector<AffineMap> maps(operands.maps);
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank, b.getContext()));
  return linalg::GenericOp::create(
             b, loc, TypeRange{accType.clone(elementType)}, operands.inputs,
             ValueRange{init}, maps,
             SmallVector<utils::IteratorType>(rank,
                                              utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location l, ValueRange args) {
               linalg::YieldOp::create(nb, l, ValueRange{body(nb, l, args)});
             })
      .getResult(0);
}

/// The epilogue: the exact accumulator [* factor + bias], requantized per
/// channel.
static Value buildEpilogue(OpBuilder &b, Location loc, ContractionRegion &r,
                           const ContractionConstants &cc,
                           const Accumulation &accumulation,
                           ArrayRef<OpFoldResult> sizes,
                           const Requantizer &requantizer) {
  auto accType = cast<RankedTensorType>(accumulation.acc.getType());
  ChannelTables tables = getChannelTables(r, accType);
  EpilogueOperands operands;
  appendAccumulator(b, loc, r, cc, accumulation, tables, operands);
  if (cc.refinedBias) {
    operands.add(createI32Constant(b, loc, cc.accumulatorFactors, tables.shape),
                 tables.channelMap);
    operands.add(createI32Constant(b, loc, cc.biasSteps, tables.shape),
                 tables.channelMap);
  }
  for (Value m :
       requantizer.createMultiplierTables(b, loc, cc.multipliers, tables.shape))
    operands.add(m, tables.channelMap);
  Type storageType = r.output.getOutput().getType().getElementType();
  return buildEpilogueGeneric(
      b, loc, operands, accType, sizes, storageType,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        // args: the accumulator's, [factor, bias], multiplier(s).
        Value t = buildExactAccumulator(nb, l, cc, args);
        if (cc.refinedBias) {
          t = arith::AddIOp::create(
              nb, l, arith::MulIOp::create(nb, l, t, args[0]), args[1]);
          args = args.drop_front(2);
        }
        return requantizer.emit(nb, l, t, args);
      });
}

/// The float result: f32(f64(t) * f64(s_a) * f64(s_w[c])) per element, the
/// exact accumulator t rounded once to f64 (the scale product of two f32
/// values is exact in f64) and then to f32.
static Value buildFloatResult(OpBuilder &b, Location loc, ContractionRegion &r,
                              const ContractionConstants &cc,
                              const Accumulation &accumulation,
                              ArrayRef<OpFoldResult> sizes) {
  auto accType = cast<RankedTensorType>(accumulation.acc.getType());
  ChannelTables tables = getChannelTables(r, accType);
  EpilogueOperands operands;
  appendAccumulator(b, loc, r, cc, accumulation, tables, operands);
  double inputScale = getTensorGrid(r.input)->scale;
  SmallVector<QuantGrid<float>> weights = getChannelGrids<float>(
      r.weight.getGridType(), RoundingMode::half_to_even, false);
  int64_t channels = cc.weightZeroPoints.size();
  SmallVector<double> scales;
  for (int64_t c = 0; c < channels; ++c)
    scales.push_back(inputScale *
                     double(weights[weights.size() == 1 ? 0 : c].scale));
  auto scaleType = RankedTensorType::get(tables.shape, b.getF64Type());
  operands.add(arith::ConstantOp::create(
                   b, loc, DenseElementsAttr::get(scaleType, ArrayRef(scales))),
               tables.channelMap);
  return buildEpilogueGeneric(
      b, loc, operands, accType, sizes, b.getF32Type(),
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value t = buildExactAccumulator(nb, l, cc, args);
        Value wide = arith::SIToFPOp::create(nb, l, nb.getF64Type(), t);
        Value x = arith::MulFOp::create(nb, l, wide, args[0]);
        return arith::TruncFOp::create(nb, l, nb.getF32Type(), x);
      });
}

/// Erases the float ops of a rebuilt region that nothing reads any more,
/// from the root down (so that no dequantize looks consumed in float
/// afterwards).
static void eraseUnused(RewriterBase &rewriter,
                        std::initializer_list<Operation *> ops) {
  for (Operation *op : ops)
    if (op && op->use_empty())
      rewriter.eraseOp(op);
}

LogicalResult mlir::qat::lowerContractionRegion(RewriterBase &rewriter,
                                                ContractionRegion &r,
                                                const RequantOptions &options,
                                                std::string &reason) {
  if (r.weightIsActivation)
    return lowerActivationProduct(rewriter, r, options, reason);
  FailureOr<ContractionConstants> cc = computeConstants(r, options, reason);
  if (failed(cc))
    return failure();
  QuantGrid<float> input = *getTensorGrid(r.input);
  QuantGrid<float> output = *getTensorGrid(r.output);
  Requantizer requantizer(options, r.output, output,
                          r.epilogue ? r.epilogue->activation
                                     : ActivationBounds());

  Location loc = r.contraction.getLoc();
  rewriter.setInsertionPoint(r.output);
  // Accumulate raw storage products in i32 (modular, so only the corrected
  // value needs to fit).
  auto [a, w] = buildStorageOperands(rewriter, loc, r, input.zeroPoint);
  ContractionBuilder builder(rewriter, loc, r, cc->asymmetricWeights);
  Accumulation accumulation = builder.build(a, w);
  Value result = buildEpilogue(rewriter, loc, r, *cc, accumulation,
                               builder.getSizes(), requantizer);
  rewriter.replaceOp(r.output, result);
  if (r.epilogue)
    for (linalg::GenericOp op : llvm::reverse(r.epilogue->chain))
      eraseUnused(rewriter, {op.getOperation()});
  eraseUnused(rewriter, {r.contraction.getOperation(), r.pad.getOperation(),
                         r.weightExpand.getOperation()});
  return success();
}

LogicalResult mlir::qat::lowerContractionToFloat(RewriterBase &rewriter,
                                                 ContractionRegion &r,
                                                 std::string &reason) {
  if (r.weightIsActivation)
    return lowerActivationProductToFloat(rewriter, r, reason);
  FailureOr<ContractionConstants> cc =
      computeConstants(r, RequantOptions(), reason);
  if (failed(cc))
    return failure();
  Location loc = r.contraction.getLoc();
  rewriter.setInsertionPoint(r.contraction);
  auto [a, w] =
      buildStorageOperands(rewriter, loc, r, getTensorGrid(r.input)->zeroPoint);
  ContractionBuilder builder(rewriter, loc, r, cc->asymmetricWeights);
  Accumulation accumulation = builder.build(a, w);
  Value result =
      buildFloatResult(rewriter, loc, r, *cc, accumulation, builder.getSizes());
  rewriter.replaceOp(r.contraction, result);
  eraseUnused(rewriter, {r.pad.getOperation(), r.weightExpand.getOperation()});
  return success();
}
