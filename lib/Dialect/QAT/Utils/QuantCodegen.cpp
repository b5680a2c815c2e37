//===- QuantCodegen.cpp - emit the quantization rules as IR ---------------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#include "qat/Dialect/QAT/Utils/QuantCodegen.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::qat;

Value mlir::qat::emitFloatConstant(OpBuilder &b, Location loc, FloatType type,
                                   double value) {
  return arith::ConstantOp::create(b, loc, b.getFloatAttr(type, value));
}

/// Rounds `v` to an integral value per `mode`, exactly (Semantics.md §3).
static Value emitRound(OpBuilder &b, Location loc, Value v, RoundingMode mode) {
  switch (mode) {
  case RoundingMode::half_to_even:
    return math::RoundEvenOp::create(b, loc, v);
  case RoundingMode::half_away_from_zero:
    return math::RoundOp::create(b, loc, v);
  case RoundingMode::half_up: {
    // floor(v + 0.5) would round values just below a tie up; compare the
    // exact fraction instead. For +-Inf the fraction is NaN and floor wins.
    auto type = cast<FloatType>(v.getType());
    Value lower = math::FloorOp::create(b, loc, v);
    Value frac = arith::SubFOp::create(b, loc, v, lower);
    Value half = emitFloatConstant(b, loc, type, 0.5);
    Value one = emitFloatConstant(b, loc, type, 1.0);
    Value roundUp =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGE, frac, half);
    Value upper = arith::AddFOp::create(b, loc, lower, one);
    return arith::SelectOp::create(b, loc, roundUp, upper, lower);
  }
  }
  llvm_unreachable("unknown rounding mode");
}

/// clamp(v, lo, hi) + 0.0: the addition turns -0.0 into +0.0, as the
/// integer q - z = 0 converts to +0.0.
/// Without `positiveZero` the addition is left out, for values that are
/// converted to integers next. `neverNaN` marks the clamp `nnan`: x86 then
/// needs no NaN fix-up after each of vmaxps and vminps.
static Value emitClamp(OpBuilder &b, Location loc, Value v, Value lo, Value hi,
                       bool positiveZero = true, bool neverNaN = false) {
  auto type = cast<FloatType>(v.getType());
  auto flags =
      neverNaN ? arith::FastMathFlags::nnan : arith::FastMathFlags::none;
  Value clamped = arith::MinimumFOp::create(
      b, loc, arith::MaximumFOp::create(b, loc, v, lo, flags), hi, flags);
  if (!positiveZero)
    return clamped;
  return arith::AddFOp::create(b, loc, clamped,
                               emitFloatConstant(b, loc, type, 0.0));
}

/// emitClamp with NaN inputs `x` mapped to +0.0 (the zero point).
static Value emitClampSteps(OpBuilder &b, Location loc, Value x, Value v,
                            Value lo, Value hi, bool positiveZero = true) {
  Value steps = emitClamp(b, loc, v, lo, hi, positiveZero);
  Value zero = emitFloatConstant(b, loc, cast<FloatType>(v.getType()), 0.0);
  Value isNaN = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, x, x);
  return arith::SelectOp::create(b, loc, isNaN, zero, steps);
}

Value mlir::qat::emitRequantizeSteps(OpBuilder &b, Location loc, Value v,
                                     Value lowSteps, Value highSteps,
                                     RoundingMode rounding) {
  return emitClamp(b, loc, emitRound(b, loc, v, rounding), lowSteps, highSteps,
                   /*positiveZero=*/false, /*neverNaN=*/true);
}

Value mlir::qat::emitQuantizeSteps(OpBuilder &b, Location loc, Value x,
                                   const GridValues &grid,
                                   RoundingMode rounding, bool reciprocalScale,
                                   bool forInteger) {
  Value quotient =
      reciprocalScale ? Value(arith::MulFOp::create(b, loc, x, grid.reciprocal))
                      : Value(arith::DivFOp::create(b, loc, x, grid.scale));
  Value rounded = emitRound(b, loc, quotient, rounding);
  return emitClampSteps(b, loc, x, rounded, grid.lowSteps, grid.highSteps,
                        /*positiveZero=*/!forInteger);
}

Value mlir::qat::emitMinMaxSteps(OpBuilder &b, Location loc, Value x,
                                 const MinMaxValues &grid) {
  auto type = cast<FloatType>(x.getType());
  // TensorFlow's kernel, one rounding per line (Semantics.md §4).
  Value clamped = arith::MaximumFOp::create(
      b, loc, arith::MinimumFOp::create(b, loc, x, grid.nudgedMax),
      grid.nudgedMin);
  Value shifted = arith::SubFOp::create(b, loc, clamped, grid.nudgedMin);
  Value scaled = arith::MulFOp::create(b, loc, shifted, grid.invScale);
  Value centered = arith::SubFOp::create(b, loc, scaled, grid.quantZero);
  Value half = emitFloatConstant(b, loc, type, 0.5);
  Value steps = math::FloorOp::create(
      b, loc, arith::AddFOp::create(b, loc, centered, half));
  return emitClampSteps(b, loc, x, steps, grid.lowSteps, grid.highSteps);
}

Value mlir::qat::buildChannelwiseGeneric(OpBuilder &b, Location loc,
                                         Value input, Type resultElementType,
                                         std::optional<int64_t> axis,
                                         FloatType paramType,
                                         const ChannelParams &params,
                                         ElementBodyBuilder body) {
  auto type = cast<RankedTensorType>(input.getType());
  int64_t rank = type.getRank();
  AffineMap identity = b.getMultiDimIdentityMap(rank);

  SmallVector<Value> inputs{input};
  SmallVector<AffineMap> maps{identity};
  if (axis) {
    AffineMap channelMap =
        AffineMap::get(rank, 0, b.getAffineDimExpr(*axis), b.getContext());
    for (const SmallVector<double> &values : params) {
      auto paramTensor = RankedTensorType::get(
          {static_cast<int64_t>(values.size())}, paramType);
      SmallVector<APFloat> elements;
      bool lossy;
      for (double v : values) {
        APFloat f(v);
        f.convert(paramType.getFloatSemantics(), APFloat::rmNearestTiesToEven,
                  &lossy);
        elements.push_back(f);
      }
      inputs.push_back(arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(paramTensor, elements)));
      maps.push_back(channelMap);
    }
  }
  maps.push_back(identity);

  Value init = tensor::EmptyOp::create(
      b, loc, tensor::getMixedSizes(b, loc, input), resultElementType);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto resultType = RankedTensorType::get(type.getShape(), resultElementType);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, inputs, ValueRange{init}, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        SmallVector<Value> values;
        if (axis) {
          values.assign(args.begin() + 1, args.begin() + 1 + params.size());
        } else {
          for (const SmallVector<double> &p : params)
            values.push_back(emitFloatConstant(nb, nloc, paramType, p[0]));
        }
        linalg::YieldOp::create(nb, nloc, body(nb, nloc, args[0], values));
      });
  return generic.getResult(0);
}
