//===- InitQAT.cpp - register everything qat provides ---------------------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#include "qat/InitQAT.h"

#include "qat/Codegen/Passes.h"
#include "qat/Conversion/Passes.h"
#include "qat/Dialect/QAT/IR/QATOps.h"
#include "qat/Dialect/QAT/Transforms/Passes.h"
#include "qat/Pipelines/Pipelines.h"

#include "mlir/IR/DialectRegistry.h"

void mlir::qat::registerQATDialects(DialectRegistry &registry) {
  registry.insert<QATDialect>();
}

void mlir::qat::registerAllQATPasses() {
  registerQATPasses();
  registerQATConversionPasses();
  registerQATCodegenPasses();
  registerQATPipelines();
}
