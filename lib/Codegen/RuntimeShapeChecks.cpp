//===- RuntimeShapeChecks.cpp - check dynamic sizes at run time -----------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// Upstream's generate-runtime-verification pass checks every op; this one
// reuses the same interface but only where a size is dynamic, so that
// static programs (all of qat's kernels and benchmarks) carry no check, and
// words the failure so that a user finds the op in their source.
//
//===----------------------------------------------------------------------===//

#include "qat/Codegen/Passes.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Interfaces/RuntimeVerifiableOpInterface.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::qat {
#define GEN_PASS_DEF_QATRUNTIMESHAPECHECKSPASS
#include "qat/Codegen/Passes.h.inc"
} // namespace mlir::qat

using namespace mlir;

static bool isDynamicallyShaped(Type type) {
  auto shaped = dyn_cast<ShapedType>(type);
  return shaped && (!shaped.hasRank() || !shaped.hasStaticShape());
}

static bool hasDynamicShapes(Operation *op) {
  return llvm::any_of(op->getOperandTypes(), isDynamicallyShaped) ||
         llvm::any_of(op->getResultTypes(), isDynamicallyShaped);
}

/// "<file>:<line>:<col>: run-time shape check failed: '<op>' <what>", as a
/// diagnostic would read (the location as written when it is not a file's).
static std::string describeFailure(Operation *op, StringRef what) {
  std::string message;
  llvm::raw_string_ostream os(message);
  if (auto file = op->getLoc()->findInstanceOf<FileLineColLoc>())
    os << file.getFilename().getValue() << ":" << file.getLine() << ":"
       << file.getColumn();
  else
    os << op->getLoc();
  os << ": run-time shape check failed: '" << op->getName() << "' " << what;
  return message;
}

namespace mlir::qat {
namespace {
struct QATRuntimeShapeChecksPass
    : impl::QATRuntimeShapeChecksPassBase<QATRuntimeShapeChecksPass> {
  void runOnOperation() override {
    // Collected first: the checks are ops too (tensor.dim on dynamic
    // tensors), and checking a check is not wanted.
    SmallVector<RuntimeVerifiableOpInterface> ops;
    getOperation()->walk([&](RuntimeVerifiableOpInterface op) {
      if (hasDynamicShapes(op))
        ops.push_back(op);
    });
    OpBuilder builder(&getContext());
    for (RuntimeVerifiableOpInterface op : ops) {
      builder.setInsertionPoint(op);
      op.generateRuntimeVerification(builder, op->getLoc(), describeFailure);
    }
  }
};
} // namespace
} // namespace mlir::qat
