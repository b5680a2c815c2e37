//===- FuzzSupport.cpp - shared checks of qat's fuzz targets --------------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#include "FuzzSupport.h"

#include "qat/Execution/JitRunner.h"
#include "qat/InitQAT.h"

#include "mlir/IR/Verifier.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassInstrumentation.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>

using namespace mlir;
using namespace mlir::qat;
using namespace mlir::qat::fuzz;

DialectRegistry &mlir::qat::fuzz::getFuzzRegistry() {
  static DialectRegistry *registry = [] {
    registerAllPasses();
    registerAllQATPasses();
    return new DialectRegistry(createQATContextRegistry());
  }();
  return *registry;
}

void mlir::qat::fuzz::reportFinding(const llvm::Twine &message) {
  llvm::errs() << "qat fuzz finding: " << message << "\n";
  llvm::errs().flush();
  std::abort();
}

bool mlir::qat::fuzz::isLocated(Location loc) {
  bool located = false;
  loc->walk([&](Location l) {
    if (auto file = dyn_cast<FileLineColLoc>(l))
      located |= file.getLine() > 0;
    else if (auto name = dyn_cast<NameLoc>(l))
      located |= !name.getName().getValue().empty();
    return located ? WalkResult::interrupt() : WalkResult::advance();
  });
  return located;
}

DiagnosticCollector::DiagnosticCollector(MLIRContext *ctx) : ctx(ctx) {
  id = ctx->getDiagEngine().registerHandler([this](Diagnostic &d) {
    std::string line;
    llvm::raw_string_ostream os(line);
    os << d.getLocation() << ": " << d << "\n";
    for (const Diagnostic &note : d.getNotes())
      os << "  note: " << note.getLocation() << ": " << note << "\n";
    text += line;
    if (d.getSeverity() != DiagnosticSeverity::Error)
      return success();
    ++numErrors;
    if (unlocated.empty() && !isLocated(d.getLocation()))
      unlocated = line;
    return success();
  });
}

DiagnosticCollector::~DiagnosticCollector() {
  ctx->getDiagEngine().eraseHandler(id);
}

void DiagnosticCollector::clear() {
  numErrors = 0;
  unlocated.clear();
  text.clear();
}

namespace {
/// Verifies the operation a pass ran on after the pass succeeded. The pass
/// manager's own verifier reports a failure as the pass's failure; this
/// tells the two apart.
class VerifyEach : public PassInstrumentation {
public:
  explicit VerifyEach(StringRef pipeline, DiagnosticCollector &diagnostics)
      : pipeline(pipeline), diagnostics(diagnostics) {}

  void runAfterPass(Pass *pass, Operation *op) override {
    if (succeeded(verify(op)))
      return;
    std::string ir;
    llvm::raw_string_ostream os(ir);
    op->print(os, OpPrintingFlags().assumeVerified());
    reportFinding("pass " + pass->getArgument() + " (in '" + pipeline +
                  "') succeeded but produced invalid IR:\n" +
                  diagnostics.getText() + ir);
  }

private:
  std::string pipeline;
  DiagnosticCollector &diagnostics;
};
} // namespace

bool mlir::qat::fuzz::runPipelineChecked(ModuleOp module, StringRef pipeline,
                                         DiagnosticCollector &diagnostics,
                                         PipelineCheck check) {
  OwningOpRef<ModuleOp> clone = module.clone();
  MLIRContext *ctx = module.getContext();
  PassManager pm(ctx, ModuleOp::getOperationName());
  pm.enableVerifier(false);
  if (failed(parsePassPipeline(pipeline, pm)))
    reportFinding("cannot parse the pass pipeline '" + pipeline + "'");
  pm.addInstrumentation(std::make_unique<VerifyEach>(pipeline, diagnostics));
  diagnostics.clear();
  if (failed(pm.run(*clone))) {
    if (diagnostics.getNumErrors() == 0)
      reportFinding("'" + pipeline + "' failed without an error");
    if (check.requireLocatedErrors && !diagnostics.getUnlocatedError().empty())
      reportFinding("'" + pipeline + "' failed with an error at no location: " +
                    diagnostics.getUnlocatedError());
    return false;
  }
  if (!check.roundTrip)
    return true;
  std::string text;
  llvm::raw_string_ostream os(text);
  clone->print(os);
  diagnostics.clear();
  ParserConfig config(ctx);
  if (!parseSourceString<ModuleOp>(text, config, "round-trip"))
    reportFinding("the result of '" + pipeline + "' does not parse back:\n" +
                  diagnostics.getText() + text);
  return true;
}
