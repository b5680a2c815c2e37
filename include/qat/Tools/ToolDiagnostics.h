//===- ToolDiagnostics.h - the error state of a qat tool --------*- C++ -*-===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// One rule for every qat executable: it exits non-zero whenever it printed
// an error. Code that emits a diagnostic does not always return failure (a
// rewrite pattern that reports and declines, a handler that prints and goes
// on), so the tools do not rely on every path propagating it: this handler
// watches the context's diagnostics and remembers that an error was seen,
// and the tool's exit code is computed from that too.
//
//===----------------------------------------------------------------------===//

#ifndef QAT_TOOLS_TOOLDIAGNOSTICS_H
#define QAT_TOOLS_TOOLDIAGNOSTICS_H

#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/StringSet.h"

namespace llvm {
class SourceMgr;
} // namespace llvm

namespace mlir::qat {

/// Prints `diagnostic` (and its notes) to `os` as "<file>: error: ..." or
/// "<toolName>: error: ..." and returns true if its location names no place
/// in the input: an unknown location, or line 0 of a file (the module the
/// parser wraps a file in, a binary .onnx file), which a SourceMgr handler
/// would print as a bogus `<unknown>:0` or `file:0:0`. Returns false, and
/// prints nothing, for a diagnostic with a line.
bool printUnlocatedDiagnostic(Diagnostic &diagnostic, StringRef toolName,
                              raw_ostream &os);

/// Watches the diagnostics of a context. Registered after the handler that
/// prints them (a SourceMgrDiagnosticHandler), so that it sees each one
/// first; it passes every diagnostic on, except repeats when
/// `dropDuplicates` is set and those without a location, which it prints
/// itself (printUnlocatedDiagnostic).
class ToolDiagnostics {
public:
  /// `toolName` prefixes errors that have no location (reportError).
  /// With `dropDuplicates`, a diagnostic identical to one already printed
  /// (severity, location, message and notes) is dropped: a tool that
  /// compiles one module several times (qat-run --check) reports each
  /// problem once.
  ToolDiagnostics(MLIRContext *context, StringRef toolName,
                  bool dropDuplicates = false);
  ~ToolDiagnostics();
  ToolDiagnostics(const ToolDiagnostics &) = delete;
  ToolDiagnostics &operator=(const ToolDiagnostics &) = delete;

  /// Whether an error was emitted or reported.
  bool hadError() const { return sawError; }

  /// Prints "<tool>: error: <message>" for a problem that is not about the
  /// IR (a flag, a file) and records it.
  void reportError(const Twine &message);

  /// Adds file `path` ("-": stdin) to `sourceMgr`, so that diagnostics in
  /// it show their source line; a file that cannot be read is reported (by
  /// name, not at an unknown location, as the parser would).
  LogicalResult addInputFile(StringRef path, llvm::SourceMgr &sourceMgr);

  /// The process exit code: 1 if `result` failed or an error was seen.
  int exitCode(LogicalResult result) const {
    return failed(result) || sawError ? 1 : 0;
  }

private:
  LogicalResult handle(Diagnostic &diagnostic);

  MLIRContext *context;
  std::string toolName;
  bool dropDuplicates;
  bool sawError = false;
  DiagnosticEngine::HandlerID id;
  llvm::StringSet<> printed;
};

} // namespace mlir::qat

#endif // QAT_TOOLS_TOOLDIAGNOSTICS_H
