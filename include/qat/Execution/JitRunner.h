//===- JitRunner.h - JIT-compile and run a function -------------*- C++ -*-===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// Compiles one function of a module on tensors with MLIR's ExecutionEngine
// and calls it on HostTensors. Used by qat-run and by the end-to-end tests.
//
//===----------------------------------------------------------------------===//

#ifndef QAT_EXECUTION_JITRUNNER_H
#define QAT_EXECUTION_JITRUNNER_H

#include "qat/Execution/HostTensor.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/Error.h"

#include <functional>
#include <memory>

namespace mlir {
class ExecutionEngine;
} // namespace mlir

namespace mlir::qat {

/// The type of a function argument or result: its element kind and shape
/// (ShapedType::kDynamic for dynamic sizes).
struct TensorSignature {
  ElementKind kind;
  SmallVector<int64_t> shape;
};

/// Succeeds when a tensor of `kind` and `shape` can be passed as `sig`: the
/// same element kind (or, integers being signless, the unsigned kind of the
/// same width), the same rank and every static size equal. The error says
/// what was expected and what was found.
llvm::Error matchSignature(const TensorSignature &sig, ElementKind kind,
                           ArrayRef<int64_t> shape);

/// The dialect registry of qat's runners, tools and tests: every upstream
/// dialect and extension (bufferization models, convert-to-llvm interfaces),
/// qat's dialect, and the LLVM IR translations that JIT and AOT compilation
/// need.
DialectRegistry createQATContextRegistry();

/// Initializes LLVM's native target and its assembly printer, which the JIT
/// and object emission need. Idempotent; CompiledFunction::compile calls it.
void initializeJit();

/// Compiled functions allocate their results on every call (the memref
/// ABI), and the runner its argument copies. For callers that time repeated
/// calls: keeps freed blocks of up to 32 MiB in the process heap instead of
/// returning them to the system, so that a call does not page-fault fresh
/// pages. Process-wide; glibc only (elsewhere it does nothing).
void keepFreedBuffersInHeap();

/// How CompiledFunction::compile builds machine code.
struct JitOptions {
  /// LLVM's optimization and code generation level, 0 to 3: a test that
  /// compiles many small programs once each may trade run time for compile
  /// time.
  unsigned optLevel = 3;
};

/// Where a compilation spent its time, in seconds of processor time.
struct CompileTimes {
  /// The MLIR pass pipeline (to the LLVM dialect).
  double pipeline = 0;
  /// Translation to LLVM IR, optimization and machine code.
  double llvm = 0;
};

class CompiledFunction {
public:
  ~CompiledFunction();

  /// Compiles function `name` of `module` (ranked tensors in and out).
  /// `buildPipeline` adds the passes that take the module from its current
  /// form to the LLVM dialect. The module is consumed (lowered in place).
  /// Errors are reported as diagnostics on the module's context. The
  /// functions the module defines are renamed (a prefix), so that none
  /// takes the place of a C library function the generated code calls.
  /// `times`, when given, receives where the time went.
  static FailureOr<std::unique_ptr<CompiledFunction>>
  compile(ModuleOp module, StringRef name,
          std::function<void(OpPassManager &)> buildPipeline,
          const JitOptions &options = {}, CompileTimes *times = nullptr);

  StringRef getName() const { return name; }
  ArrayRef<TensorSignature> getInputs() const { return inputs; }
  ArrayRef<TensorSignature> getResults() const { return results; }

  /// Calls the function. Inputs must match the signature (kind, rank and
  /// static sizes). Without `collectResults` the returned buffers are freed
  /// without being copied out (and an empty list returned): what a timing
  /// loop wants, the cost of the compiled code and its output allocations.
  llvm::Expected<SmallVector<HostTensor>> run(ArrayRef<HostTensor> args,
                                              bool collectResults = true);

private:
  CompiledFunction() = default;
  std::unique_ptr<ExecutionEngine> engine;
  std::string name;
  /// The function's symbol in the JIT (renamed: prefixDefinedFunctions).
  std::string symbol;
  SmallVector<TensorSignature> inputs;
  SmallVector<TensorSignature> results;
};

} // namespace mlir::qat

#endif // QAT_EXECUTION_JITRUNNER_H
