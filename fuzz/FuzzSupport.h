//===- FuzzSupport.h - shared checks of qat's fuzz targets ------*- C++ -*-===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// What qat's libFuzzer targets hold a pass pipeline to: run on verified IR,
// every pass either produces verified IR (checked after each pass, nested
// ones included) or fails with an error at a known location; what a
// pipeline produces prints as text that parses back. A violation aborts,
// which libFuzzer reports as a crash and saves the input of.
//
//===----------------------------------------------------------------------===//

#ifndef QAT_FUZZ_FUZZSUPPORT_H
#define QAT_FUZZ_FUZZSUPPORT_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"

#include <string>

namespace mlir::qat::fuzz {

/// The registry of every upstream dialect and extension and qat's, with
/// qat's and upstream's passes and pipelines registered (once).
DialectRegistry &getFuzzRegistry();

/// Prints `message` and aborts: a finding.
[[noreturn]] void reportFinding(const llvm::Twine &message);

/// Collects a context's diagnostics instead of printing them (printing every
/// rejected input would slow the fuzzer down): the errors, and whether each
/// has a location a user can find.
class DiagnosticCollector {
public:
  explicit DiagnosticCollector(MLIRContext *ctx);
  ~DiagnosticCollector();

  unsigned getNumErrors() const { return numErrors; }
  /// The first error without a known location (see isLocated), or "".
  const std::string &getUnlocatedError() const { return unlocated; }
  /// Every diagnostic so far, one per line, for a finding's report.
  const std::string &getText() const { return text; }
  void clear();

private:
  MLIRContext *ctx;
  DiagnosticEngine::HandlerID id;
  unsigned numErrors = 0;
  std::string unlocated;
  std::string text;
};

/// True when `loc` points a user somewhere: a file position with a line, or
/// a named location (what the ONNX importer gives each node).
bool isLocated(Location loc);

struct PipelineCheck {
  /// Require every error of a failed pipeline to be located (isLocated).
  bool requireLocatedErrors = true;
  /// Print the result and parse it back.
  bool roundTrip = true;
};

/// Runs `pipeline` (textual pass pipeline syntax) on a clone of `module`,
/// checking what the file comment says; aborts on a violation. Returns
/// whether the pipeline succeeded.
bool runPipelineChecked(ModuleOp module, StringRef pipeline,
                        DiagnosticCollector &diagnostics,
                        PipelineCheck check = {});

} // namespace mlir::qat::fuzz

#endif // QAT_FUZZ_FUZZSUPPORT_H
