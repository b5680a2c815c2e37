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
/// The elements of a constant float tensor (a learned parameter) as doubles;
/// std::nullopt unless `v` is produced by a constant.
std::optional<SmallVector<double>> getConstantFloatValues(Value v);
} // namespace mlir::qat

#endif // QAT_DIALECT_QAT_IR_QATOPS_H
