//===- Passes.h - qat conversion passes -------------------------*- C++ -*-===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#ifndef QAT_CONVERSION_PASSES_H
#define QAT_CONVERSION_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace mlir::qat {

#define GEN_PASS_DECL
#include "qat/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "qat/Conversion/Passes.h.inc"

} // namespace mlir::qat

#endif // QAT_CONVERSION_PASSES_H
