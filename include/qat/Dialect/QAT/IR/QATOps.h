//===- QATOps.h - qat operations --------------------------------*- C++ -*-===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#ifndef QAT_DIALECT_QAT_IR_QATOPS_H
#define QAT_DIALECT_QAT_IR_QATOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "qat/Dialect/QAT/IR/QATDialect.h"

#include "qat/Dialect/QAT/IR/QATInterfaces.h.inc"

#define GET_OP_CLASSES
#include "qat/Dialect/QAT/IR/QATOps.h.inc"

namespace mlir::qat {

/// The precision P a fake-quant on `elementType` computes in
/// (Semantics.md §1): f64 for f64 tensors, f32 for f16, bf16 and f32.
inline FloatType getComputeType(Type elementType) {
  MLIRContext *ctx = elementType.getContext();
  return elementType.isF64() ? FloatType(Float64Type::get(ctx))
                             : FloatType(Float32Type::get(ctx));
}

/// True when getComputeType(elementType) is f64.
inline bool computesInDouble(Type elementType) {
  return getComputeType(elementType).isF64();
}

/// True when `scale` is usable in the compute precision of `elementType`.
inline bool isValidScaleFor(Type elementType, double scale) {
  return computesInDouble(elementType) ? isValidScale<double>(scale)
                                       : isValidScale<float>(scale);
}

/// The channel axis of a grid type; std::nullopt when per-tensor.
inline std::optional<int64_t> getGridAxis(quant::QuantizedType grid) {
  if (auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(grid))
    return perAxis.getQuantizedDimension();
  return std::nullopt;
}

/// One QuantGrid per channel (a single one when per-tensor) of a
/// !quant.uniform grid, in precision F.
template <typename F>
SmallVector<QuantGrid<F>> getChannelGrids(quant::QuantizedType grid,
                                          RoundingMode rounding,
                                          bool reciprocalScale) {
  StorageRange range{grid.getStorageTypeMin(), grid.getStorageTypeMax()};
  SmallVector<QuantGrid<F>> grids;
  auto add = [&](double scale, int64_t zeroPoint) {
    grids.push_back(QuantGrid<F>{static_cast<F>(scale), zeroPoint, range,
                                 rounding, reciprocalScale});
  };
  if (auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(grid)) {
    for (auto [s, z] :
         llvm::zip_equal(perAxis.getScales(), perAxis.getZeroPoints()))
      add(s, z);
  } else {
    auto uniform = cast<quant::UniformQuantizedType>(grid);
    add(uniform.getScale(), uniform.getZeroPoint());
  }
  return grids;
}

/// The elements of a constant float tensor (a learned parameter) as doubles;
/// std::nullopt unless `v` is produced by a constant.
std::optional<SmallVector<double>> getConstantFloatValues(Value v);
} // namespace mlir::qat

#endif // QAT_DIALECT_QAT_IR_QATOPS_H
