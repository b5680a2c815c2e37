//===- ToolDiagnostics.cpp - the error state of a qat tool ----------------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#include "qat/Tools/ToolDiagnostics.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <optional>

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
  return success(printUnlocatedDiagnostic(diagnostic, toolName, llvm::errs()));
}

/// The file `loc` is in, if it has no line there; "" if it names no file.
/// None if it has a line.
static std::optional<StringRef> getUnlocatedFile(Location loc) {
  // The first file position inside (a NameLoc or CallSiteLoc wraps one).
  FileLineColLoc file;
  loc->walk([&](Location inner) {
    if (auto f = dyn_cast<FileLineColLoc>(inner)) {
      file = f;
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  if (!file)
    return StringRef();
  if (file.getLine() == 0)
    return file.getFilename().getValue();
  return std::nullopt;
}

/// "error: ", "warning: ", ... in the colours of llvm::WithColor.
static raw_ostream &printSeverity(raw_ostream &os, DiagnosticSeverity kind,
                                  StringRef prefix) {
  switch (kind) {
  case DiagnosticSeverity::Error:
    return llvm::WithColor::error(os, prefix);
  case DiagnosticSeverity::Warning:
    return llvm::WithColor::warning(os, prefix);
  case DiagnosticSeverity::Remark:
    return llvm::WithColor::remark(os, prefix);
  case DiagnosticSeverity::Note:
    return llvm::WithColor::note(os, prefix);
  }
  llvm_unreachable("unknown diagnostic severity");
}

bool mlir::qat::printUnlocatedDiagnostic(Diagnostic &diagnostic,
                                         StringRef toolName, raw_ostream &os) {
  std::optional<StringRef> file = getUnlocatedFile(diagnostic.getLocation());
  if (!file)
    return false;
  // Upstream's pass option parser reports an option error that llvm::cl
  // printed already as an empty message (and a pipeline's as text around
  // blank lines): only what it says is printed.
  std::string message = StringRef(diagnostic.str()).trim().str();
  if (message.empty() && diagnostic.getNotes().empty())
    return true;
  printSeverity(os, diagnostic.getSeverity(), file->empty() ? toolName : *file)
      << message << "\n";
  // Notes keep their own location, where they have one.
  for (Diagnostic &note : diagnostic.getNotes()) {
    std::optional<StringRef> noteFile = getUnlocatedFile(note.getLocation());
    if (noteFile)
      printSeverity(os, DiagnosticSeverity::Note,
                    noteFile->empty() ? toolName : *noteFile)
          << note << "\n";
    else
      os << note.getLocation() << ": note: " << note << "\n";
  }
  return true;
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
