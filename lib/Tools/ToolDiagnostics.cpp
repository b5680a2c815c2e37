//===- ToolDiagnostics.cpp - the error state of a qat tool ----------------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#include "qat/Tools/ToolDiagnostics.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::qat;

ToolDiagnostics::ToolDiagnostics(MLIRContext *context, StringRef toolName,
                                 bool dropDuplicates)
    : context(context), toolName(toolName), dropDuplicates(dropDuplicates) {
  id = context->getDiagEngine().registerHandler(
      [this](Diagnostic &diagnostic) { return handle(diagnostic); });
}

ToolDiagnostics::~ToolDiagnostics() {
  context->getDiagEngine().eraseHandler(id);
}

/// Everything a printed diagnostic shows, as a key.
static std::string getKey(Diagnostic &diagnostic) {
  std::string key;
  llvm::raw_string_ostream os(key);
  os << static_cast<int>(diagnostic.getSeverity()) << '\0'
     << diagnostic.getLocation() << '\0' << diagnostic;
  for (Diagnostic &note : diagnostic.getNotes())
    os << '\0' << note.getLocation() << '\0' << note;
  return key;
}

LogicalResult ToolDiagnostics::handle(Diagnostic &diagnostic) {
  if (diagnostic.getSeverity() == DiagnosticSeverity::Error)
    sawError = true;
  // success() stops the diagnostic here; failure() passes it on to the
  // handler that prints it.
  if (dropDuplicates && !printed.insert(getKey(diagnostic)).second)
    return success();
  return failure();
}

void ToolDiagnostics::reportError(const Twine &message) {
  sawError = true;
  llvm::WithColor::error(llvm::errs(), toolName) << message << "\n";
}

LogicalResult ToolDiagnostics::addInputFile(StringRef path,
                                            llvm::SourceMgr &sourceMgr) {
  std::string message;
  std::unique_ptr<llvm::MemoryBuffer> file = openInputFile(path, &message);
  if (!file) {
    reportError(message);
    return failure();
  }
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  return success();
}
