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

#endif // QAT_DIALECT_QAT_IR_QATOPS_H
