//===- ImportONNX.h - ONNX QDQ models to QAT graphs -------------*- C++ -*-===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// Reads an ONNX model (protobuf, through Debian's libonnx) and builds the
// QAT graph qat compiles: linalg on f32 tensors with `qat.fake_quant` where
// the model has QuantizeLinear -> DequantizeLinear pairs, integer constants
// under `qat.dequantize` for quantized initializers (docs/ONNX.md).
//
//===----------------------------------------------------------------------===//

#ifndef QAT_TARGET_ONNX_IMPORTONNX_H
#define QAT_TARGET_ONNX_IMPORTONNX_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::qat {

/// The model serialized in `bytes` (read from `fileName`, which names the
/// locations) as a module holding one function, @main. Errors are reported
/// through the context's diagnostic engine; null on failure.
OwningOpRef<ModuleOp> importONNXModel(llvm::StringRef bytes,
                                      llvm::StringRef fileName,
                                      MLIRContext *context);

/// Registers the `--import-onnx` translation (for qat-translate).
void registerImportONNXTranslation();

/// Prints the importer's op table as a Markdown table (header included): one
/// row per op type and opset range, with what the op becomes. docs/ONNX.md
/// holds this output (`qat-translate --list-onnx-ops`), and a test checks
/// that it still does.
void printONNXOpTable(llvm::raw_ostream &os);

} // namespace mlir::qat

#endif // QAT_TARGET_ONNX_IMPORTONNX_H
