//===- QATDialect.h - qat dialect -------------------------------*- C++ -*-===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#ifndef QAT_DIALECT_QAT_IR_QATDIALECT_H
#define QAT_DIALECT_QAT_IR_QATDIALECT_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/DialectImplementation.h"

#include "qat/Dialect/QAT/IR/QATOpsDialect.h.inc"
#include "qat/Dialect/QAT/Utils/QuantMath.h"

#define GET_ATTRDEF_CLASSES
#include "qat/Dialect/QAT/IR/QATAttrs.h.inc"

#endif // QAT_DIALECT_QAT_IR_QATDIALECT_H
