//===- qat-opt.cpp - qat optimizer driver ---------------------------------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// mlir-opt with qat added: every upstream dialect, extension and pass is
// registered so that qat's passes combine with any upstream one.
//
//===----------------------------------------------------------------------===//

#include "qat/InitQAT.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

namespace mlir::qat::test {
void registerTestPasses();
} // namespace mlir::qat::test

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  mlir::qat::registerAllQATPasses();
  mlir::qat::test::registerTestPasses();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::qat::registerQATDialects(registry);
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "qat modular optimizer driver\n", registry));
}
