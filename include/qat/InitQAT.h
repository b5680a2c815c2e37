//===- InitQAT.h - register everything qat provides -------------*- C++ -*-===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// The entry points a host compiler calls to use qat as a backend: register
// the dialects in its DialectRegistry and the passes and pipelines in the
// global pass registry.
//
//===----------------------------------------------------------------------===//

#ifndef QAT_INITQAT_H
#define QAT_INITQAT_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace mlir::qat {

/// Adds qat's dialects to `registry`.
void registerQATDialects(DialectRegistry &registry);

/// Registers qat's passes and pipelines.
void registerAllQATPasses();

} // namespace mlir::qat

#endif // QAT_INITQAT_H
