//===- qat-translate.cpp - qat translation driver -------------------------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// mlir-translate with qat's translations: `--import-onnx` reads an ONNX
// model in QDQ form and prints the QAT graph (docs/ONNX.md);
// `--list-onnx-ops` prints the importer's op table, the one docs/ONNX.md
// holds.
//
//===----------------------------------------------------------------------===//

#include "qat/Target/ONNX/ImportONNX.h"

#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"
#include "llvm/Support/CommandLine.h"

#include <cstdlib>

int main(int argc, char **argv) {
  mlir::qat::registerImportONNXTranslation();

  // mlirTranslateMain parses the command line and requires a translation,
  // so the table is printed from the option's callback, during parsing, as
  // `--version` is.
  llvm::cl::OptionCategory category("qat-translate options");
  llvm::cl::opt<bool> listONNXOps(
      "list-onnx-ops",
      llvm::cl::desc("Print the ONNX importer's op table (Markdown, as in "
                     "docs/ONNX.md) and exit"),
      llvm::cl::cat(category), llvm::cl::callback([](const bool &list) {
        if (!list)
          return;
        mlir::qat::printONNXOpTable(llvm::outs());
        llvm::outs().flush();
        std::exit(0);
      }));

  return mlir::failed(
      mlir::mlirTranslateMain(argc, argv, "qat translation driver\n"));
}
