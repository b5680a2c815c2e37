//===- Requantizer.cpp - the IR of requantization -------------------------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#include "Requantizer.h"

#include "qat/Dialect/QAT/Utils/QuantCodegen.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"

using namespace mlir;
using namespace mlir::qat;

std::optional<RequantMultiplier>
Requantizer::getMultiplier(IntermediateScale scale) const {
  return getRequantMultiplier(scale, output.scale, output.reciprocalScale,
                              options.isFixedPoint());
}

SmallVector<Value>
Requantizer::createMultiplierConstants(OpBuilder &b, Location loc,
                                       const RequantMultiplier &m) const {
  if (!options.isFixedPoint())
    return {emitFloatConstant(b, loc, b.getF32Type(), m.multiplier)};
  return {arith::ConstantOp::create(b, loc,
                                    b.getI32IntegerAttr(m.fixed.multiplier)),
          arith::ConstantOp::create(b, loc, b.getI8IntegerAttr(m.fixed.shift))};
}

SmallVector<Value>
Requantizer::createMultiplierTables(OpBuilder &b, Location loc,
                                    ArrayRef<RequantMultiplier> ms,
                                    ArrayRef<int64_t> shape) const {
  auto table = [&](Type elementType, auto values) -> Value {
    auto type = RankedTensorType::get(shape, elementType);
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(type, ArrayRef(values)));
  };
  if (!options.isFixedPoint()) {
    SmallVector<float> multipliers;
    for (const RequantMultiplier &m : ms)
      multipliers.push_back(m.multiplier);
    return {table(b.getF32Type(), multipliers)};
  }
  SmallVector<int32_t> multipliers;
  SmallVector<int8_t> shifts;
  for (const RequantMultiplier &m : ms) {
    multipliers.push_back(m.fixed.multiplier);
    shifts.push_back(m.fixed.shift);
  }
  return {table(b.getI32Type(), multipliers), table(b.getI8Type(), shifts)};
}

Value Requantizer::emit(OpBuilder &b, Location loc, Value value,
                        ValueRange multiplier) const {
  if (options.isFixedPoint())
    return emitFixedPoint(b, loc, value, multiplier[0], multiplier[1]);
  Value f = arith::SIToFPOp::create(b, loc, b.getF32Type(), value);
  return emitScaled(b, loc, arith::MulFOp::create(b, loc, f, multiplier[0]));
}

Value Requantizer::emitScaled(OpBuilder &b, Location loc, Value scaled) const {
  FloatType f32 = b.getF32Type();
  int64_t zeroPoint = output.zeroPoint;
  Value steps = emitRequantizeSteps(
      b, loc, scaled,
      emitFloatConstant(b, loc, f32, double(bounds.first - zeroPoint)),
      emitFloatConstant(b, loc, f32, double(bounds.second - zeroPoint)),
      output.rounding);
  Value q = zeroPoint == 0
                ? steps
                : arith::AddFOp::create(
                      b, loc, steps,
                      emitFloatConstant(b, loc, f32, double(zeroPoint)));
  Value i32 = arith::FPToSIOp::create(b, loc, b.getI32Type(), q);
  return arith::TruncIOp::create(b, loc, storageType, i32);
}

Value Requantizer::emitApplyScale(OpBuilder &b, Location loc, Value value,
                                  Value multiplier, Value shift) const {
  // Upstream's op carries TOSA's exact rounding rules; tosa-to-arith lowers
  // it with an i64 intermediate.
  auto mode = options.doubleRound ? tosa::RoundingMode::DOUBLE_ROUND
                                  : tosa::RoundingMode::SINGLE_ROUND;
  return tosa::ApplyScaleOp::create(
      b, loc, b.getI32Type(), value, multiplier, shift,
      tosa::RoundingModeAttr::get(b.getContext(), mode));
}

Value Requantizer::emitFixedPoint(OpBuilder &b, Location loc, Value value,
                                  Value multiplier, Value shift) const {
  Value scaled = emitApplyScale(b, loc, value, multiplier, shift);
  auto constant = [&](int64_t v) -> Value {
    return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(v));
  };
  // Clamp before adding the zero point so that nothing can wrap.
  int64_t zeroPoint = output.zeroPoint;
  Value clamped = arith::MinSIOp::create(
      b, loc,
      arith::MaxSIOp::create(b, loc, scaled,
                             constant(bounds.first - zeroPoint)),
      constant(bounds.second - zeroPoint));
  Value q = arith::AddIOp::create(b, loc, clamped, constant(zeroPoint));
  return arith::TruncIOp::create(b, loc, storageType, q);
}

Value mlir::qat::emitCentered(OpBuilder &b, Location loc, Value q,
                              bool isSigned, int64_t zeroPoint) {
  Type i32 = b.getI32Type();
  Value wide = isSigned ? Value(arith::ExtSIOp::create(b, loc, i32, q))
                        : Value(arith::ExtUIOp::create(b, loc, i32, q));
  return arith::SubIOp::create(
      b, loc, wide,
      arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(zeroPoint)));
}

Value mlir::qat::extendUnsigned(OpBuilder &b, Location loc, Value q) {
  auto type = cast<RankedTensorType>(q.getType());
  Type wide = b.getIntegerType(type.getElementTypeBitWidth() * 2);
  return buildChannelwiseGeneric(
      b, loc, q, wide, std::nullopt, b.getF32Type(), {},
      [&](OpBuilder &nb, Location l, Value x, ArrayRef<Value>) -> Value {
        return arith::ExtUIOp::create(nb, l, wide, x);
      });
}

std::string Requantizer::describeMissingMultiplier(StringRef what) const {
  if (isFixedPoint())
    return ("requant=fixed-point: the multiplier of " + what +
            " is too large for a shift of at least 2")
        .str();
  return ("the requantization multiplier of " + what + " is not finite in f32")
      .str();
}
