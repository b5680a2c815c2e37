//===- Pipelines.h - qat's pass pipelines -----------------------*- C++ -*-===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#ifndef QAT_PIPELINES_PIPELINES_H
#define QAT_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"

namespace mlir::qat {

/// The reference path on a QAT graph: fold learned parameters (all must
/// become static) and lower fake quantization to float arithmetic.
void buildSimulationPipeline(OpPassManager &pm);

/// Upstream's plain lowering of a tensor program (linalg, arith, math,
/// tensor) to the LLVM dialect: one-shot bufferization across function
/// boundaries with identity layouts, deallocation, loops, LLVM. Correct but
/// not fast; the codegen pipeline replaces it for speed.
void buildLowerToLLVMPipeline(OpPassManager &pm);

/// Registers `qat-simulate-pipeline` and `qat-lower-to-llvm`.
void registerQATPipelines();

} // namespace mlir::qat

#endif // QAT_PIPELINES_PIPELINES_H
