//===- TestQuantizedType.cpp - print FakeQuantOpInterface quant types -----===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// `test-qat-quantized-type` emits a remark with the `!quant` type each
// fake-quant op reads back as, so lit can check getQuantizedType().
//
//===----------------------------------------------------------------------===//

#include "qat/Dialect/QAT/IR/QATOps.h"

#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassRegistry.h"

using namespace mlir;
using namespace mlir::qat;

namespace {
struct TestQuantizedTypePass
    : PassWrapper<TestQuantizedTypePass, OperationPass<>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(TestQuantizedTypePass)

  StringRef getArgument() const final { return "test-qat-quantized-type"; }
  StringRef getDescription() const final {
    return "Emit a remark with the quant type of every fake-quant op";
  }

  void runOnOperation() override {
    getOperation()->walk([](FakeQuantOpInterface op) {
      if (quant::QuantizedType type = op.getQuantizedType())
        op->emitRemark() << "quantized type: " << type;
      else
        op->emitRemark() << "no static quantized type";
    });
  }
};
} // namespace

namespace mlir::qat::test {
void registerTestErrorWithoutFailurePass();
void registerTestPasses() {
  PassRegistration<TestQuantizedTypePass>();
  registerTestErrorWithoutFailurePass();
}
} // namespace mlir::qat::test
