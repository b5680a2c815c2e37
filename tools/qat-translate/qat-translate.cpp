//===- qat-translate.cpp - qat translation driver -------------------------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// mlir-translate with qat's translations: `--import-onnx` reads an ONNX
// model in QDQ form and prints the QAT graph (docs/ONNX.md).
//
//===----------------------------------------------------------------------===//

#include "qat/Target/ONNX/ImportONNX.h"

#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"

int main(int argc, char **argv) {
  mlir::qat::registerImportONNXTranslation();
  return mlir::failed(
      mlir::mlirTranslateMain(argc, argv, "qat translation driver\n"));
}
