//===- TestErrorWithoutFailure.cpp - an error a pass does not fail on -----===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// Emits an error on every function and succeeds: what a rewrite pattern
// that reports and declines does inside a pass that goes on. qat-opt must
// still exit non-zero (test/Integration/qat-tools-exit-codes.test).
//
//===----------------------------------------------------------------------===//

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

namespace {
struct TestErrorWithoutFailurePass
    : PassWrapper<TestErrorWithoutFailurePass, OperationPass<>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(TestErrorWithoutFailurePass)

  StringRef getArgument() const final {
    return "test-qat-error-without-failure";
  }
  StringRef getDescription() const final {
    return "Emit an error on every function without failing";
  }

  void runOnOperation() override {
    getOperation()->walk([](func::FuncOp func) {
      func.emitError() << "test error without failure";
    });
  }
};
} // namespace

namespace mlir::qat::test {
void registerTestErrorWithoutFailurePass() {
  PassRegistration<TestErrorWithoutFailurePass>();
}
} // namespace mlir::qat::test
