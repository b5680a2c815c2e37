//===- qat-opt.cpp - qat optimizer driver ---------------------------------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// mlir-opt with qat added: every upstream dialect, extension and pass is
// registered so that qat's passes combine with any upstream one. Unlike
// mlir-opt, it exits non-zero whenever an error was emitted, even by a pass
// that did not fail.
//
//===----------------------------------------------------------------------===//

#include "qat/InitQAT.h"
#include "qat/Tools/ToolDiagnostics.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/ToolOutputFile.h"

#include <atomic>

namespace mlir::qat::test {
void registerTestPasses();
} // namespace mlir::qat::test

using namespace mlir;

/// Set by any context's diagnostics (--split-input-file gives each chunk
/// its own context, possibly on another thread).
static std::atomic<bool> sawError{false};

/// `config` with a pass pipeline set-up that first watches the context's
/// errors. (Not with -verify-diagnostics, where errors are expected and the
/// verifier decides.)
static MlirOptMainConfig watchErrors(MlirOptMainConfig config) {
  if (config.shouldVerifyDiagnostics())
    return config;
  MlirOptMainConfig base = config;
  config.setPassPipelineSetupFn([base](PassManager &pm) {
    // Never erased: it lives as long as the context. failure() passes each
    // diagnostic on to the handler that prints it.
    // A diagnostic without a line (an option error while the pipeline is
    // built, an error on the module the parser wraps the file in) is printed
    // here, as the tool's or the file's, instead of at `<unknown>:0` or
    // `file:0:0`.
    pm.getContext()->getDiagEngine().registerHandler([](Diagnostic &d) {
      if (d.getSeverity() == DiagnosticSeverity::Error)
        sawError = true;
      return success(qat::printUnlocatedDiagnostic(d, "qat-opt", llvm::errs()));
    });
    return base.setupPassPipeline(pm);
  });
  return config;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  registerAllPasses();
  qat::registerAllQATPasses();
  qat::test::registerTestPasses();

  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  qat::registerQATDialects(registry);
  auto [inputFilename, outputFilename] = registerAndParseCLIOptions(
      argc, argv, "qat modular optimizer driver\n", registry);
  MlirOptMainConfig config = MlirOptMainConfig::createFromCLOptions();
  if (config.shouldShowDialects() || config.shouldListPasses())
    return asMainReturnCode(
        MlirOptMain(argc, argv, inputFilename, outputFilename, registry));

  std::string message;
  std::unique_ptr<llvm::MemoryBuffer> input =
      openInputFile(inputFilename, &message);
  if (!input) {
    llvm::errs() << "qat-opt: error: " << message << "\n";
    return 1;
  }
  std::unique_ptr<llvm::ToolOutputFile> output =
      openOutputFile(outputFilename, &message);
  if (!output) {
    llvm::errs() << "qat-opt: error: " << message << "\n";
    return 1;
  }
  if (failed(MlirOptMain(output->os(), std::move(input), registry,
                         watchErrors(config))) ||
      sawError)
    return 1;
  output->keep();
  return 0;
}
