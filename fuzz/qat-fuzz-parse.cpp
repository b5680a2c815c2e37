//===- qat-fuzz-parse.cpp - fuzz the parser, verifier and qat's passes ----===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// libFuzzer target: the input is MLIR text. It is parsed and verified with
// the dialects QAT graphs are written in (qat, func, arith, math, tensor,
// linalg, quant) and no others; a module that verifies then goes through
// each of qat's tensor-level passes and pipelines separately, each held to
// FuzzSupport.h's rules: verified IR after every pass or a located error,
// and a result that prints and parses back.
//
//===----------------------------------------------------------------------===//

#include "FuzzSupport.h"

#include "qat/InitQAT.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/Regex.h"

using namespace mlir;
using namespace mlir::qat;
using namespace mlir::qat::fuzz;

/// Each runs on its own copy of the verified input: every qat pass that
/// works on tensors, and the tensor-level pipelines.
static const char *const pipelines[] = {
    "qat-fold-learned-params",
    "qat-simulate",
    "qat-quantize-weights",
    "qat-split-fake-quant",
    "qat-sink-dequantize",
    "qat-form-integer-regions",
    "convert-qat-to-linalg",
    "qat-promote-to-f64",
    "qat-simulate-pipeline",
    "qat-to-int",
    "qat-to-int{requant=fixed-point double-round=true}",
    "qat-vectorize-elementwise",
    "qat-vectorize-matmul",
};

/// Larger inputs only slow the fuzzer down (most passes are linear or
/// worse); the lit tests' cases are all smaller.
static constexpr size_t maxInputSize = 16 << 10;

/// Inputs that crash upstream MLIR 22's parsers, which qat cannot fix: the
/// custom parsers of linalg.transpose, linalg.broadcast and linalg.reduce
/// store a null attribute when their `permutation = [...]` or
/// `dimensions = [...]` list does not parse, e.g. (mlir-opt-22 segfaults
/// too)
///   linalg.broadcast ins(%r : tensor<3xf32>) outs(%e : tensor<4x3xf32>)
///       dimensions = [0
/// The fuzzer skips them so that it does not stop on them again and again.
static bool crashesUpstreamParser(StringRef text) {
  static llvm::Regex wellFormed("^ *\\[ *(-?[0-9]+ *(, *-?[0-9]+ *)*)?\\]");
  for (StringRef keyword : {"permutation =", "dimensions ="}) {
    for (size_t at = text.find(keyword); at != StringRef::npos;
         at = text.find(keyword, at + 1))
      if (!wellFormed.match(text.substr(at + keyword.size())))
        return true;
  }
  return false;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > maxInputSize)
    return -1;
  // MLIR's lexer stops at a NUL that it expects after the buffer (files
  // read by MemoryBuffer have one); libFuzzer's data has none, and parsing
  // it in place reads past its end. A std::string is NUL-terminated.
  std::string text(reinterpret_cast<const char *>(data), size);
  if (crashesUpstreamParser(text))
    return -1;
  // The parser sees only the dialects a QAT graph is written in (bugs in
  // the parsers of others are not qat's); then the context gets every
  // dialect and extension, for the passes. One thread: the fuzzer runs one
  // input at a time.
  DialectRegistry parseRegistry;
  parseRegistry
      .insert<arith::ArithDialect, func::FuncDialect, linalg::LinalgDialect,
              math::MathDialect, quant::QuantDialect, tensor::TensorDialect>();
  registerQATDialects(parseRegistry);
  MLIRContext ctx(parseRegistry, MLIRContext::Threading::DISABLED);
  DiagnosticCollector diagnostics(&ctx);
  ParserConfig config(&ctx, /*verifyAfterParse=*/true);
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(text, config, "fuzz-input");
  if (!module) {
    if (diagnostics.getNumErrors() == 0)
      reportFinding("the parser rejected the input without an error");
    return 0;
  }
  ctx.appendDialectRegistry(getFuzzRegistry());
  for (const char *pipeline : pipelines)
    runPipelineChecked(*module, pipeline, diagnostics);
  return 0;
}
