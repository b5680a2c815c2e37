//===- QATOps.cpp - qat operations: verifiers and quant types -------------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#include "qat/Dialect/QAT/IR/QATOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

#include <cmath>

using namespace mlir;
using namespace mlir::qat;

#include "qat/Dialect/QAT/IR/QATInterfaces.cpp.inc"

#define GET_OP_CLASSES
#include "qat/Dialect/QAT/IR/QATOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Checks shared by both fake-quant forms
//===----------------------------------------------------------------------===//

// ODS stores I64Attr as uint64_t; the values are printed as the signed
// integers the user wrote, so that -1 is not reported as 2^64 - 1.
static LogicalResult verifyNumBits(Operation *op, uint64_t numBits) {
  if (numBits < kMinNumBits || numBits > kMaxNumBits)
    return op->emitOpError()
           << "num_bits must be in [" << kMinNumBits << ", " << kMaxNumBits
           << "], got " << static_cast<int64_t>(numBits);
  return success();
}

/// A per-channel axis exists and has a static size: the parameters are a
/// table indexed by the channel, and a dynamic axis would let the run-time
/// size disagree with the table's length.
static LogicalResult verifyAxis(Operation *op, RankedTensorType type,
                                std::optional<uint64_t> axis) {
  if (!axis)
    return success();
  if (*axis >= static_cast<uint64_t>(type.getRank()))
    return op->emitOpError()
           << "axis " << static_cast<int64_t>(*axis)
           << " is out of range for a tensor of rank " << type.getRank();
  if (type.isDynamicDim(*axis))
    return op->emitOpError() << "per-channel axis " << *axis
                             << " must have a static size, got " << type;
  return success();
}

static LogicalResult verifyBitsAndAxis(FakeQuantOpInterface op,
                                       uint64_t numBits,
                                       std::optional<uint64_t> axis) {
  return failure(
      failed(verifyNumBits(op, numBits)) ||
      failed(verifyAxis(op, cast<RankedTensorType>(op.getInput().getType()),
                        axis)));
}

/// A parameter attribute holds one value per tensor, or one per channel of
/// `axis` when the op is per-channel.
static LogicalResult verifyParamCount(Operation *op, StringRef name,
                                      size_t count, RankedTensorType type,
                                      std::optional<uint64_t> axis) {
  if (!axis) {
    if (count != 1)
      return op->emitOpError()
             << "expects 1 value in '" << name
             << "' for a per-tensor op (set 'axis' for per-channel), got "
             << count;
    return success();
  }
  int64_t dim = type.getDimSize(*axis);
  if (count != static_cast<size_t>(dim))
    return op->emitOpError()
           << "expects " << dim << " values in '" << name << "' for axis "
           << *axis << " of size " << dim << ", got " << count;
  return success();
}

/// A parameter operand is a scalar (rank 0, or one element) per tensor, or
/// a 1-D tensor with one value per channel.
static LogicalResult verifyParamOperand(Operation *op, StringRef name,
                                        RankedTensorType paramType,
                                        RankedTensorType type,
                                        std::optional<uint64_t> axis) {
  if (!axis) {
    bool scalar = paramType.getRank() == 0 ||
                  (paramType.getRank() == 1 && paramType.getDimSize(0) == 1);
    if (!scalar)
      return op->emitOpError()
             << "expects a per-tensor '" << name
             << "' of shape [] or [1] (set 'axis' for per-channel), got "
             << paramType;
    return success();
  }
  if (paramType.getRank() != 1)
    return op->emitOpError()
           << "expects a 1-D per-channel '" << name << "', got " << paramType;
  int64_t dim = type.getDimSize(*axis);
  int64_t count = paramType.getDimSize(0);
  if (dim != count)
    return op->emitOpError()
           << "expects " << dim << " values in '" << name << "' for axis "
           << *axis << " of size " << dim << ", got " << paramType;
  return success();
}

/// The smallest of i8/i16 that holds `numBits`-bit storage.
static IntegerType getStorageContainer(MLIRContext *ctx, unsigned numBits) {
  return IntegerType::get(ctx, numBits <= 8 ? 8 : 16);
}

/// Whether upstream's quant types can hold `scales` for `expressed`: they
/// require at least one channel and every scale within the expressed type's
/// positive range (the parser enforces it, so a type outside it would print
/// as text that does not parse back). A fake-quant op is more liberal: an
/// f16 tensor's scale of 1e5, a scale below f32's smallest, are valid
/// computations in its compute precision.
static bool hasQuantTypeForm(Type expressed, ArrayRef<double> scales) {
  const llvm::fltSemantics &semantics =
      cast<FloatType>(expressed).getFloatSemantics();
  double smallest = APFloat::getSmallest(semantics).convertToDouble();
  double largest = APFloat::getLargest(semantics).convertToDouble();
  return !scales.empty() && llvm::all_of(scales, [&](double s) {
    return s >= smallest && s <= largest;
  });
}

/// Builds the upstream quant type of a verified op's static grid, or null
/// when upstream's quant types cannot hold it.
static quant::QuantizedType
buildQuantizedType(Type expressed, unsigned numBits, bool isSigned,
                   StorageRange range, ArrayRef<double> scales,
                   ArrayRef<int64_t> zeroPoints, std::optional<uint64_t> axis) {
  if (!hasQuantTypeForm(expressed, scales))
    return {};
  MLIRContext *ctx = expressed.getContext();
  unsigned flags = isSigned ? quant::QuantizationFlags::Signed : 0;
  IntegerType storage = getStorageContainer(ctx, numBits);
  if (axis)
    return quant::UniformQuantizedPerAxisType::get(
        flags, storage, expressed, scales, zeroPoints,
        static_cast<int32_t>(*axis), range.min, range.max);
  return quant::UniformQuantizedType::get(flags, storage, expressed,
                                          scales.front(), zeroPoints.front(),
                                          range.min, range.max);
}

//===----------------------------------------------------------------------===//
// FakeQuantOp
//===----------------------------------------------------------------------===//

StorageRange FakeQuantOp::getStorageRange() {
  return qat::getStorageRange(getNumBits(), getIsSigned(), getNarrowRange());
}

bool FakeQuantOp::hasStaticParameters() {
  return getScales().has_value() && !getZeroPoint();
}

LogicalResult FakeQuantOp::verify() {
  std::optional<uint64_t> axis = getAxis();
  if (failed(verifyBitsAndAxis(*this, getNumBits(), axis)))
    return failure();
  RankedTensorType type = getInput().getType();

  if (static_cast<bool>(getScale()) == getScales().has_value())
    return emitOpError(
        "expects exactly one of the 'scale' operand and the 'scales' "
        "attribute");
  if (getZeroPoint() && getZeroPoints())
    return emitOpError("expects at most one of the 'zero_point' operand and "
                       "the 'zero_points' attribute");

  StorageRange range = getStorageRange();
  Type elementType = type.getElementType();
  if (std::optional<ArrayRef<double>> scales = getScales()) {
    if (failed(verifyParamCount(*this, "scales", scales->size(), type, axis)))
      return failure();
    for (auto [i, s] : llvm::enumerate(*scales))
      if (!isValidScaleFor(elementType, s))
        return emitOpError() << "scale " << s << " at index " << i
                             << " must be positive and finite in "
                             << (computesInDouble(elementType) ? "f64" : "f32")
                             << " arithmetic";
  } else if (failed(verifyParamOperand(*this, "scale", getScale().getType(),
                                       type, axis))) {
    return failure();
  }

  if (std::optional<ArrayRef<int64_t>> zeroPoints = getZeroPoints()) {
    if (failed(verifyParamCount(*this, "zero_points", zeroPoints->size(), type,
                                axis)))
      return failure();
    for (auto [i, zp] : llvm::enumerate(*zeroPoints))
      if (!range.contains(zp))
        return emitOpError() << "zero point " << zp << " at index " << i
                             << " is outside the storage range [" << range.min
                             << ", " << range.max << "]";
  } else if (Value zp = getZeroPoint()) {
    if (failed(verifyParamOperand(*this, "zero_point",
                                  cast<RankedTensorType>(zp.getType()), type,
                                  axis)))
      return failure();
  } else if (!range.contains(0)) {
    // The case where narrow_range makes no sense unless told more: unsigned
    // narrow storage cannot hold the default zero point.
    return emitOpError() << "the default zero point 0 is outside the storage "
                            "range ["
                         << range.min << ", " << range.max
                         << "]; give 'zero_points' explicitly";
  }
  return success();
}

quant::QuantizedType FakeQuantOp::getQuantizedType() {
  if (!hasStaticParameters())
    return {};
  ArrayRef<double> scales = *getScales();
  SmallVector<int64_t> zeroPoints(scales.size(), 0);
  if (std::optional<ArrayRef<int64_t>> zps = getZeroPoints())
    zeroPoints.assign(zps->begin(), zps->end());
  return buildQuantizedType(getInput().getType().getElementType(), getNumBits(),
                            getIsSigned(), getStorageRange(), scales,
                            zeroPoints, getAxis());
}

//===----------------------------------------------------------------------===//
// FakeQuantMinMaxOp
//===----------------------------------------------------------------------===//

StorageRange FakeQuantMinMaxOp::getStorageRange() {
  return qat::getStorageRange(getNumBits(), /*isSigned=*/false,
                              getNarrowRange());
}

bool FakeQuantMinMaxOp::hasStaticParameters() { return getMins().has_value(); }

/// Nudges one channel's range in the op's compute precision; the quant type
/// records the nudged scale and zero point.
static bool nudgeChannel(Type elementType, double min, double max,
                         unsigned numBits, bool narrowRange, double &scale,
                         int64_t &zeroPoint) {
  if (computesInDouble(elementType)) {
    auto r = nudgeMinMax<double>(min, max, numBits, narrowRange);
    if (!r)
      return false;
    scale = r->scale;
    zeroPoint = r->zeroPoint;
    return true;
  }
  auto r = nudgeMinMax<float>(static_cast<float>(min), static_cast<float>(max),
                              numBits, narrowRange);
  if (!r)
    return false;
  scale = r->scale;
  zeroPoint = r->zeroPoint;
  return true;
}

LogicalResult FakeQuantMinMaxOp::verify() {
  std::optional<uint64_t> axis = getAxis();
  if (failed(verifyBitsAndAxis(*this, getNumBits(), axis)))
    return failure();
  RankedTensorType type = getInput().getType();

  bool hasOperands = getMin() || getMax();
  bool hasAttrs = getMins() || getMaxs();
  if (hasOperands == hasAttrs || (hasOperands && !(getMin() && getMax())) ||
      (hasAttrs && !(getMins() && getMaxs())))
    return emitOpError("expects the range either as both 'min' and 'max' "
                       "operands or as both 'mins' and 'maxs' attributes");

  if (hasOperands)
    return failure(failed(verifyParamOperand(*this, "min", getMin().getType(),
                                             type, axis)) ||
                   failed(verifyParamOperand(*this, "max", getMax().getType(),
                                             type, axis)));

  ArrayRef<double> mins = *getMins(), maxs = *getMaxs();
  if (failed(verifyParamCount(*this, "mins", mins.size(), type, axis)) ||
      failed(verifyParamCount(*this, "maxs", maxs.size(), type, axis)))
    return failure();
  if (mins.size() != maxs.size())
    return emitOpError() << "expects as many 'mins' as 'maxs', got "
                         << mins.size() << " and " << maxs.size();
  Type elementType = type.getElementType();
  for (size_t i = 0; i < mins.size(); ++i) {
    if (!std::isfinite(mins[i]) || !std::isfinite(maxs[i]))
      return emitOpError() << "min " << mins[i] << " and max " << maxs[i]
                           << " at index " << i << " must be finite";
    if (!(mins[i] < maxs[i]))
      return emitOpError() << "min " << mins[i] << " must be smaller than max "
                           << maxs[i] << " at index " << i;
    double scale;
    int64_t zeroPoint;
    if (!nudgeChannel(elementType, mins[i], maxs[i], getNumBits(),
                      getNarrowRange(), scale, zeroPoint))
      return emitOpError() << "range [" << mins[i] << ", " << maxs[i]
                           << "] at index " << i
                           << " gives no finite positive scale in "
                           << (computesInDouble(elementType) ? "f64" : "f32")
                           << " arithmetic";
  }
  return success();
}

quant::QuantizedType FakeQuantMinMaxOp::getQuantizedType() {
  if (!hasStaticParameters())
    return {};
  Type elementType = getInput().getType().getElementType();
  ArrayRef<double> mins = *getMins(), maxs = *getMaxs();
  SmallVector<double> scales(mins.size());
  SmallVector<int64_t> zeroPoints(mins.size());
  for (size_t i = 0; i < mins.size(); ++i)
    if (!nudgeChannel(elementType, mins[i], maxs[i], getNumBits(),
                      getNarrowRange(), scales[i], zeroPoints[i]))
      return {};
  return buildQuantizedType(elementType, getNumBits(), /*isSigned=*/false,
                            getStorageRange(), scales, zeroPoints, getAxis());
}

//===----------------------------------------------------------------------===//
// QuantizeOp / DequantizeOp
//===----------------------------------------------------------------------===//

/// Checks that `grid` is a uniform quant type that fits the float tensor
/// `floatType` and the integer container `intType`.
static LogicalResult verifyGrid(Operation *op, Type grid,
                                RankedTensorType floatType,
                                RankedTensorType intType) {
  auto quantType = dyn_cast<quant::QuantizedType>(grid);
  if (!isa_and_present<quant::UniformQuantizedType,
                       quant::UniformQuantizedPerAxisType>(quantType))
    return op->emitOpError()
           << "expects a !quant.uniform grid (per-tensor or per-axis), got "
           << grid;
  if (floatType.getShape() != intType.getShape())
    return op->emitOpError("expects the float and integer tensors to have "
                           "the same shape");
  if (quantType.getExpressedType() != floatType.getElementType())
    return op->emitOpError()
           << "expects the grid's expressed type "
           << quantType.getExpressedType()
           << " to match the float element type " << floatType.getElementType();
  unsigned width = quantType.getStorageTypeIntegralWidth();
  if (width != intType.getElementTypeBitWidth())
    return op->emitOpError()
           << "expects an i" << width << " container for storage "
           << quantType.getStorageType() << ", got "
           << intType.getElementType();
  int64_t numBits = llvm::Log2_64_Ceil(quantType.getStorageTypeMax() -
                                       quantType.getStorageTypeMin() + 1);
  if (numBits < kMinNumBits)
    return op->emitOpError()
           << "expects a grid of at least " << kMinNumBits << " bits";
  if (auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(quantType)) {
    int32_t axis = perAxis.getQuantizedDimension();
    if (axis >= floatType.getRank())
      return op->emitOpError()
             << "grid axis " << axis << " is out of range for a tensor of rank "
             << floatType.getRank();
    if (floatType.isDynamicDim(axis))
      return op->emitOpError() << "grid axis " << axis
                               << " must have a static size, got " << floatType;
    int64_t dim = floatType.getDimSize(axis);
    if (dim != static_cast<int64_t>(perAxis.getScales().size()))
      return op->emitOpError()
             << "grid has " << perAxis.getScales().size()
             << " channels but axis " << axis << " has size " << dim;
  }
  return success();
}

LogicalResult QuantizeOp::verify() {
  return verifyGrid(*this, getGrid(), getInput().getType(),
                    getOutput().getType());
}

LogicalResult DequantizeOp::verify() {
  return verifyGrid(*this, getGrid(), getOutput().getType(),
                    getInput().getType());
}
