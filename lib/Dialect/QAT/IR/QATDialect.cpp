//===- QATDialect.cpp - qat dialect ---------------------------------------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#include "qat/Dialect/QAT/IR/QATDialect.h"
#include "qat/Dialect/QAT/IR/QATOps.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::qat;

#include "qat/Dialect/QAT/IR/QATOpsDialect.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "qat/Dialect/QAT/IR/QATAttrs.cpp.inc"

void QATDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "qat/Dialect/QAT/IR/QATOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "qat/Dialect/QAT/IR/QATAttrs.cpp.inc"
      >();
}

Operation *QATDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                           Type type, Location loc) {
  return arith::ConstantOp::materialize(builder, value, type, loc);
}
