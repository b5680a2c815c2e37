//===- RegionMatching.cpp - shared matchers of integer regions ------------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#include "RegionMatching.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::qat;

std::optional<float> mlir::qat::getConstantFloat(Value v) {
  FloatAttr attr;
  if (matchPattern(v, m_Constant(&attr)))
    return static_cast<float>(attr.getValueAsDouble());
  DenseFPElementsAttr dense;
  if (matchPattern(v, m_Constant(&dense)) && dense.isSplat())
    return dense.getSplatValue<APFloat>().convertToFloat();
  return std::nullopt;
}

Value mlir::qat::stripActivation(Value v, ActivationBounds &bounds) {
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
      bounds.lo = std::max(bounds.lo, *c);
    else
      bounds.hi = std::min(bounds.hi, *c);
    v = x;
  }
  return v;
}

bool mlir::qat::isZeroFill(Value v) {
  auto fill = v.getDefiningOp<linalg::FillOp>();
  std::optional<float> value =
      fill ? getConstantFloat(fill.getDpsInputs()[0]) : std::nullopt;
  return value && *value == 0.0f;
}

std::optional<QuantGrid<float>> mlir::qat::getTensorGrid(Type gridType,
                                                         RoundingMode rounding,
                                                         bool reciprocalScale) {
  if (!isa<quant::UniformQuantizedType>(gridType))
    return std::nullopt;
  return getChannelGrids<float>(cast<quant::QuantizedType>(gridType), rounding,
                                reciprocalScale)[0];
}

std::optional<QuantGrid<float>> mlir::qat::getTensorGrid(DequantizeOp op) {
  return getTensorGrid(op.getGridType(), RoundingMode::half_to_even, false);
}

std::optional<QuantGrid<float>> mlir::qat::getTensorGrid(QuantizeOp op) {
  return getTensorGrid(op.getGridType(), op.getRounding(),
                       op.getReciprocalScale());
}

std::optional<float> mlir::qat::getDequantizedSplat(Value v) {
  auto dq = v.getDefiningOp<DequantizeOp>();
  DenseElementsAttr c;
  if (!dq || !matchPattern(dq.getInput(), m_Constant(&c)) || !c.isSplat())
    return std::nullopt;
  std::optional<QuantGrid<float>> grid = getTensorGrid(dq);
  if (!grid)
    return std::nullopt;
  APInt bits = c.getSplatValue<APInt>();
  int64_t q = dq.getGridType().isSigned() ? bits.getSExtValue()
                                          : int64_t(bits.getZExtValue());
  return dequantize<float>(q, grid->scale, grid->zeroPoint);
}

StringRef mlir::qat::getUnsupportedOutputReason(QuantizeOp output) {
  return getUnsupportedFloatReason(output.getInput().getType());
}

StringRef mlir::qat::getUnsupportedFloatReason(Type type) {
  if (!getElementTypeOrSelf(type).isF32())
    return "only f32 graphs are lowered to integers so far";
  return "";
}

bool mlir::qat::hasNoElements(Type type) {
  auto shaped = dyn_cast<ShapedType>(type);
  return shaped && shaped.hasRank() &&
         llvm::is_contained(shaped.getShape(), int64_t{0});
}

StringRef mlir::qat::getUnsupportedRootReason(QuantizeOp output) {
  Operation *producer = output.getInput().getDefiningOp();
  auto types = llvm::concat<const Type>(
      TypeRange(output->getOperandTypes()),
      producer ? TypeRange(producer->getOperandTypes()) : TypeRange(),
      producer ? TypeRange(producer->getResultTypes()) : TypeRange());
  if (llvm::any_of(types, hasNoElements))
    return kNoElementsReason;
  return "";
}
