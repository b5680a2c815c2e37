//===- ElementwiseRegions.cpp - element-wise integer regions --------------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#include "ElementwiseRegions.h"
#include "Requantizer.h"

#include "qat/Dialect/QAT/Utils/QuantCodegen.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::qat;

/// True for a generic with one result, `numInputs` inputs, no reduction and
/// identity maps only.
static bool isIdentityElementwise(linalg::GenericOp generic,
                                  unsigned numInputs) {
  return generic.getNumDpsInputs() == numInputs &&
         generic.getNumResults() == 1 && generic.getNumReductionLoops() == 0 &&
         llvm::all_of(generic.getIndexingMapsArray(),
                      [](AffineMap m) { return m.isIdentity(); });
}

/// True for a generic with one result, two inputs read with broadcasting
/// (projected permutations, possibly with constant 0 results: numpy
/// broadcasting, as the ONNX importer writes it), no reduction and an
/// identity output map.
static bool isBroadcastElementwise(linalg::GenericOp generic) {
  if (generic.getNumDpsInputs() != 2 || generic.getNumResults() != 1 ||
      generic.getNumReductionLoops() != 0 ||
      !generic.getMatchingIndexingMap(generic.getDpsInitOperand(0))
           .isIdentity())
    return false;
  return llvm::all_of(generic.getDpsInputOperands(), [&](OpOperand *in) {
    return generic.getMatchingIndexingMap(in).isProjectedPermutation(
        /*allowZeroInResults=*/true);
  });
}

/// A linalg.generic over the shape of `like` that maps `inputs`
/// element-wise through `body` to `resultType`, reading them through
/// `inputMaps` (identity maps when empty).
static Value
buildElementwise(OpBuilder &b, Location loc, Value like, ValueRange inputs,
                 RankedTensorType resultType,
                 function_ref<Value(OpBuilder &, Location, ValueRange)> body,
                 ArrayRef<AffineMap> inputMaps = {}) {
  unsigned rank = resultType.getRank();
  Value init = tensor::EmptyOp::create(
      b, loc, tensor::getMixedSizes(b, loc, like), resultType.getElementType());
  SmallVector<AffineMap> maps(inputMaps);
  if (maps.empty())
    maps.assign(inputs.size(), b.getMultiDimIdentityMap(rank));
  maps.push_back(b.getMultiDimIdentityMap(rank));
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType}, inputs, ValueRange{init}, maps,
             SmallVector<utils::IteratorType>(rank,
                                              utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location l, ValueRange args) {
               linalg::YieldOp::create(nb, l, ValueRange{body(nb, l, args)});
             })
      .getResult(0);
}

//===----------------------------------------------------------------------===//
// Addition and multiplication (Semantics.md §8.6)
//===----------------------------------------------------------------------===//

FailureOr<BinaryRegion> mlir::qat::matchBinaryRegion(QuantizeOp output,
                                                     std::string &reason) {
  BinaryRegion r;
  r.output = output;
  r.generic = output.getInput().getDefiningOp<linalg::GenericOp>();
  if (!r.generic || !isBroadcastElementwise(r.generic) ||
      !r.generic.getResult(0).hasOneUse())
    return failure();
  Block &body = r.generic.getRegion().front();
  Value v = stripActivation(body.getTerminator()->getOperand(0), r.activation);
  Operation *op = v ? v.getDefiningOp() : nullptr;
  if (!isa_and_nonnull<arith::AddFOp, arith::SubFOp, arith::MulFOp>(op))
    return failure();
  // The operands in the op's order (a subtraction's matters).
  auto inputNumber = [&](Value operand) -> std::optional<unsigned> {
    auto arg = dyn_cast<BlockArgument>(operand);
    if (!arg || arg.getOwner() != &body || arg.getArgNumber() > 1)
      return std::nullopt;
    return arg.getArgNumber();
  };
  std::optional<unsigned> first = inputNumber(op->getOperand(0));
  std::optional<unsigned> second = inputNumber(op->getOperand(1));
  if (!first || !second || *first == *second)
    return failure();
  r.kind = isa<arith::MulFOp>(op)   ? BinaryRegion::Kind::Mul
           : isa<arith::SubFOp>(op) ? BinaryRegion::Kind::Sub
                                    : BinaryRegion::Kind::Add;
  OpOperand *lhs = r.generic.getDpsInputOperand(*first);
  OpOperand *rhs = r.generic.getDpsInputOperand(*second);
  r.lhsMap = r.generic.getMatchingIndexingMap(lhs);
  r.rhsMap = r.generic.getMatchingIndexingMap(rhs);
  r.lhs = lhs->get().getDefiningOp<DequantizeOp>();
  r.rhs = rhs->get().getDefiningOp<DequantizeOp>();
  if (!r.lhs || !r.rhs)
    return reason = "an operand is not dequantized", failure();
  // x op c with c a splat and x of at most 8 bits is a function of x
  // alone: a table (UnaryRegions) computes it in one lookup, exactly as the
  // float graph rounds it.
  auto isTabulable = [](DequantizeOp constant, DequantizeOp x) {
    return getDequantizedSplat(constant) &&
           x.getInput().getType().getElementTypeBitWidth() <= 8;
  };
  if (isTabulable(r.lhs, r.rhs) || isTabulable(r.rhs, r.lhs))
    return failure();
  return r;
}

/// The exact i32 product (qa - za)(qb - zb), requantized like an
/// accumulator on the grid sa * sb.
static FailureOr<Value>
buildMultiplication(OpBuilder &b, Location loc, BinaryRegion &r,
                    const QuantGrid<float> &ga, const QuantGrid<float> &gb,
                    const Requantizer &requantizer, std::string &reason) {
  if (ga.getMaxCenteredMagnitude() * gb.getMaxCenteredMagnitude() >
      std::numeric_limits<int32_t>::max())
    return reason = "the i32 product of the storage values may overflow",
           failure();
  std::optional<RequantMultiplier> m = requantizer.getMultiplier(
      IntermediateScale::ofProduct(ga.scale, gb.scale));
  if (!m)
    return reason = requantizer.describeMissingMultiplier("the product"),
           failure();
  bool signedA = r.lhs.getGridType().isSigned();
  bool signedB = r.rhs.getGridType().isSigned();
  return buildElementwise(
      b, loc, r.generic.getDpsInits()[0], {r.lhs.getInput(), r.rhs.getInput()},
      r.output.getOutput().getType(),
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value ca = emitCentered(nb, l, args[0], signedA, ga.zeroPoint);
        Value cb = emitCentered(nb, l, args[1], signedB, gb.zeroPoint);
        Value product = arith::MulIOp::create(nb, l, ca, cb);
        return requantizer.emit(
            nb, l, product, requantizer.createMultiplierConstants(nb, l, *m));
      },
      {r.lhsMap, r.rhsMap});
}

/// f32(qa - za) * Ma + f32(qb - zb) * Mb with Ma = sa / so, Mb = sb / so in
/// f32 (ONNX Runtime's QLinearAdd), or in fixed point TFLite's addition
/// (getFixedPointAddition).
static FailureOr<Value>
buildAddition(OpBuilder &b, Location loc, BinaryRegion &r,
              const QuantGrid<float> &ga, const QuantGrid<float> &gb,
              const QuantGrid<float> &og, const Requantizer &requantizer,
              std::string &reason) {
  std::optional<FixedPointAddition> fixed;
  if (requantizer.isFixedPoint()) {
    fixed = getFixedPointAddition(ga, gb, og.scale);
    if (!fixed)
      return reason = "requant=fixed-point: the output multiplier of the "
                      "addition is too large",
             failure();
    if (!fixed->keepsOneStep())
      return reason = "requant=fixed-point: the addition's common grid is "
                      "coarser than a quarter of an output step (the output "
                      "scale is far below the inputs')",
             failure();
  }
  float ma = getRequantMultiplier(ga.scale, og.scale, og.reciprocalScale);
  float mb = getRequantMultiplier(gb.scale, og.scale, og.reciprocalScale);
  // (qa - za) * inf is NaN for qa = za.
  if (!std::isfinite(ma) || !std::isfinite(mb))
    return reason = "the multipliers of the addition are not finite in f32",
           failure();
  bool signedA = r.lhs.getGridType().isSigned();
  bool signedB = r.rhs.getGridType().isSigned();
  bool subtract = r.kind == BinaryRegion::Kind::Sub;
  auto body = [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
    Value ca = emitCentered(nb, l, args[0], signedA, ga.zeroPoint);
    Value cb = emitCentered(nb, l, args[1], signedB, gb.zeroPoint);
    if (fixed) {
      Value shift = arith::ConstantOp::create(
          nb, l, nb.getI32IntegerAttr(fixed->leftShift));
      auto rescale = [&](Value c, FixedPointMultiplier m) -> Value {
        SmallVector<Value> mult =
            requantizer.createMultiplierConstants(nb, l, {0, m});
        return requantizer.emitApplyScale(
            nb, l, arith::ShLIOp::create(nb, l, c, shift), mult[0], mult[1]);
      };
      Value ta = rescale(ca, fixed->lhs), tb = rescale(cb, fixed->rhs);
      Value sum = subtract ? Value(arith::SubIOp::create(nb, l, ta, tb))
                           : Value(arith::AddIOp::create(nb, l, ta, tb));
      return requantizer.emit(
          nb, l, sum,
          requantizer.createMultiplierConstants(nb, l, {0, fixed->output}));
    }
    FloatType f32 = nb.getF32Type();
    Value fa = arith::SIToFPOp::create(nb, l, f32, ca);
    Value fb = arith::SIToFPOp::create(nb, l, f32, cb);
    Value va =
        arith::MulFOp::create(nb, l, fa, emitFloatConstant(nb, l, f32, ma));
    Value vb =
        arith::MulFOp::create(nb, l, fb, emitFloatConstant(nb, l, f32, mb));
    Value sum = subtract ? Value(arith::SubFOp::create(nb, l, va, vb))
                         : Value(arith::AddFOp::create(nb, l, va, vb));
    return requantizer.emitScaled(nb, l, sum);
  };
  return buildElementwise(
      b, loc, r.generic.getDpsInits()[0], {r.lhs.getInput(), r.rhs.getInput()},
      r.output.getOutput().getType(), body, {r.lhsMap, r.rhsMap});
}

LogicalResult mlir::qat::lowerBinaryRegion(RewriterBase &rewriter,
                                           BinaryRegion &r,
                                           const RequantOptions &options,
                                           std::string &reason) {
  std::optional<QuantGrid<float>> ga = getTensorGrid(r.lhs);
  std::optional<QuantGrid<float>> gb = getTensorGrid(r.rhs);
  std::optional<QuantGrid<float>> og = getTensorGrid(r.output);
  if (!ga || !gb || !og)
    return reason = "per-channel grid", failure();
  Requantizer requantizer(options, r.output, *og, r.activation);
  rewriter.setInsertionPoint(r.output);
  Location loc = r.generic.getLoc();
  FailureOr<Value> result =
      r.kind == BinaryRegion::Kind::Mul
          ? buildMultiplication(rewriter, loc, r, *ga, *gb, requantizer, reason)
          : buildAddition(rewriter, loc, r, *ga, *gb, *og, requantizer, reason);
  if (failed(result))
    return failure();
  rewriter.replaceOp(r.output, *result);
  rewriter.eraseOp(r.generic);
  return success();
}

//===----------------------------------------------------------------------===//
// Average pooling (Semantics.md §8.8)
//===----------------------------------------------------------------------===//

/// Matches the scaling after a sum pooling: act(x * c), act(x / d) or
/// act(x); fills `r` and returns the scaled value, or null.
static Value matchPoolScaling(linalg::GenericOp scale, AveragePoolRegion &r) {
  if (!isIdentityElementwise(scale, 1))
    return nullptr;
  Block &body = scale.getRegion().front();
  Value arg = body.getArgument(0);
  Value y = stripActivation(body.getTerminator()->getOperand(0), r.activation);
  if (auto mul = y ? y.getDefiningOp<arith::MulFOp>() : nullptr) {
    if (mul.getLhs() != arg && mul.getRhs() != arg)
      return nullptr;
    r.factor =
        getConstantFloat(mul.getLhs() == arg ? mul.getRhs() : mul.getLhs());
    return r.factor ? scale.getDpsInputs()[0] : nullptr;
  }
  if (auto div = y ? y.getDefiningOp<arith::DivFOp>() : nullptr) {
    r.divisor = getConstantFloat(div.getRhs());
    return r.divisor && div.getLhs() == arg ? scale.getDpsInputs()[0] : nullptr;
  }
  return y == arg ? scale.getDpsInputs()[0] : nullptr;
}

FailureOr<AveragePoolRegion>
mlir::qat::matchAveragePoolRegion(QuantizeOp output, std::string &reason) {
  AveragePoolRegion r;
  r.output = output;
  Value v = output.getInput();
  if ((r.scale = v.getDefiningOp<linalg::GenericOp>()))
    v = matchPoolScaling(r.scale, r);
  r.pool = v ? v.getDefiningOp<linalg::PoolingNhwcSumOp>() : nullptr;
  if (!r.pool)
    return failure();
  if (!r.pool->hasOneUse() || (r.scale && !r.scale->hasOneUse()))
    return reason = "intermediate results have other users", failure();
  if (!isZeroFill(r.pool.getDpsInits()[0]))
    return reason = "the sum does not start from zero", failure();
  r.input = r.pool.getDpsInputs()[0].getDefiningOp<DequantizeOp>();
  if (!r.input)
    return reason = "the input is not dequantized", failure();
  return r;
}

/// The grid of the scaled window sums: s * c (or s / d), one f32 rounding.
static IntermediateScale getPoolSumScale(AveragePoolRegion &r,
                                         float inputScale) {
  if (r.factor)
    return IntermediateScale::ofProduct(inputScale, *r.factor);
  if (r.divisor)
    return {inputScale / *r.divisor, double(inputScale) / double(*r.divisor)};
  return IntermediateScale::of(inputScale);
}

LogicalResult mlir::qat::lowerAveragePoolRegion(RewriterBase &rewriter,
                                                AveragePoolRegion &r,
                                                const RequantOptions &options,
                                                std::string &reason) {
  std::optional<QuantGrid<float>> ig = getTensorGrid(r.input);
  std::optional<QuantGrid<float>> og = getTensorGrid(r.output);
  auto windowType = cast<RankedTensorType>(r.pool.getDpsInputs()[1].getType());
  if (!ig || !og)
    return reason = "per-channel grid", failure();
  if (!windowType.hasStaticShape())
    return reason = "dynamic window", failure();
  int64_t window = windowType.getNumElements();
  if (window * ig->getMaxCenteredMagnitude() >
      std::numeric_limits<int32_t>::max())
    return reason = llvm::formatv("the i32 window sum may overflow (window "
                                  "of {0} elements)",
                                  window)
                        .str(),
           failure();
  Requantizer requantizer(options, r.output, *og, r.activation);
  std::optional<RequantMultiplier> m =
      requantizer.getMultiplier(getPoolSumScale(r, ig->scale));
  if (!m)
    return reason = requantizer.describeMissingMultiplier("the average"),
           failure();

  Location loc = r.pool.getLoc();
  rewriter.setInsertionPoint(r.output);
  Value a = r.input.getInput();
  if (!r.input.getGridType().isSigned())
    a = extendUnsigned(rewriter, loc, a);
  Value floatInit = r.pool.getDpsInits()[0];
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
  Value sums = linalg::PoolingNhwcSumOp::create(
                   rewriter, loc, TypeRange{sumType},
                   ValueRange{a, r.pool.getDpsInputs()[1]}, ValueRange{sumInit},
                   r.pool.getStridesAttr(), r.pool.getDilationsAttr())
                   .getResult(0);
  int64_t correction = -window * ig->zeroPoint;
  Value result = buildElementwise(
      rewriter, loc, floatInit, {sums},
      sumType.clone(r.output.getOutput().getType().getElementType()),
      [&](OpBuilder &b, Location l, ValueRange args) {
        Value t = arith::AddIOp::create(
            b, l, args[0],
            arith::ConstantOp::create(b, l, b.getI32IntegerAttr(correction)));
        return requantizer.emit(
            b, l, t, requantizer.createMultiplierConstants(b, l, *m));
      });
  rewriter.replaceOp(r.output, result);
  if (r.scale)
    rewriter.eraseOp(r.scale);
  rewriter.eraseOp(r.pool);
  return success();
}

//===----------------------------------------------------------------------===//
// Change of grid (Semantics.md §8.9)
//===----------------------------------------------------------------------===//

FailureOr<RescaleRegion> mlir::qat::matchRescaleRegion(QuantizeOp output,
                                                       std::string &reason) {
  auto input = output.getInput().getDefiningOp<DequantizeOp>();
  if (!input)
    return failure();
  return RescaleRegion{output, input};
}

/// f32(q - z) * M, or apply_scale(q - z) in fixed point.
LogicalResult mlir::qat::lowerRescaleRegion(RewriterBase &rewriter,
                                            RescaleRegion &r,
                                            const RequantOptions &options,
                                            std::string &reason) {
  std::optional<QuantGrid<float>> ig = getTensorGrid(r.input);
  std::optional<QuantGrid<float>> og = getTensorGrid(r.output);
  if (!ig || !og)
    return reason = "per-channel grid", failure();
  Requantizer requantizer(options, r.output, *og);
  std::optional<RequantMultiplier> m =
      requantizer.getMultiplier(IntermediateScale::of(ig->scale));
  if (!m)
    return reason = requantizer.describeMissingMultiplier("the change of grid"),
           failure();
  bool isSigned = r.input.getGridType().isSigned();
  rewriter.setInsertionPoint(r.output);
  Value result = buildChannelwiseGeneric(
      rewriter, r.output.getLoc(), r.input.getInput(),
      r.output.getOutput().getType().getElementType(), std::nullopt,
      rewriter.getF32Type(), {},
      [&](OpBuilder &b, Location l, Value q, ArrayRef<Value>) -> Value {
        Value centered = emitCentered(b, l, q, isSigned, ig->zeroPoint);
        return requantizer.emit(
            b, l, centered, requantizer.createMultiplierConstants(b, l, *m));
      });
  rewriter.replaceOp(r.output, result);
  return success();
}
