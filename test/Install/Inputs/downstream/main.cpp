// A minimal host compiler: registers qat's dialects and passes from an
// installed qat, parses a module and runs a qat pass pipeline on it; or,
// with --lower-fake-quants, drives two of qat's pattern sets itself.
#include "qat/Conversion/QATToLinalg/QATToLinalg.h"
#include "qat/Dialect/QAT/IR/QATOps.h"
#include "qat/Dialect/QAT/Transforms/Patterns.h"
#include "qat/InitQAT.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/DialectConversion.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/Support/raw_ostream.h"

/// The host's own lowering of static fake-quant ops: qat's split patterns,
/// then qat's conversion of quantize/dequantize to linalg under the host's
/// conversion target.
static mlir::LogicalResult lowerFakeQuants(mlir::ModuleOp module) {
  mlir::MLIRContext *ctx = module.getContext();
  mlir::RewritePatternSet split(ctx);
  mlir::qat::populateSplitFakeQuantPatterns(split);
  if (mlir::failed(mlir::applyPatternsGreedily(module, std::move(split))))
    return mlir::failure();
  mlir::RewritePatternSet lower(ctx);
  mlir::qat::populateQATToLinalgConversionPatterns(lower);
  mlir::ConversionTarget target(*ctx);
  target.addIllegalOp<mlir::qat::QuantizeOp, mlir::qat::DequantizeOp>();
  target
      .addLegalDialect<mlir::arith::ArithDialect, mlir::linalg::LinalgDialect,
                       mlir::math::MathDialect, mlir::tensor::TensorDialect>();
  return mlir::applyPartialConversion(module, target, std::move(lower));
}

int main(int argc, char **argv) {
  if (argc != 3) {
    llvm::errs() << "usage: qat-downstream <file.mlir> "
                    "<pipeline>|--lower-fake-quants\n";
    return 2;
  }
  mlir::DialectRegistry registry;
  registry.insert<mlir::arith::ArithDialect, mlir::func::FuncDialect,
                  mlir::math::MathDialect>();
  mlir::qat::registerQATDialects(registry);
  mlir::qat::registerAllQATPasses();
  mlir::MLIRContext context(registry);
  // What the patterns create.
  context.loadDialect<mlir::arith::ArithDialect, mlir::linalg::LinalgDialect,
                      mlir::math::MathDialect, mlir::tensor::TensorDialect>();

  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(argv[1], &context);
  if (!module)
    return 1;
  if (llvm::StringRef(argv[2]) == "--lower-fake-quants") {
    if (mlir::failed(lowerFakeQuants(*module)))
      return 1;
    module->print(llvm::outs());
    llvm::outs() << "\n";
    return 0;
  }
  mlir::PassManager pm(&context);
  // The pipeline text names passes on the module itself, without a
  // builtin.module(...) wrapper (that would nest them one level deeper).
  if (mlir::failed(mlir::parsePassPipeline(argv[2], pm, llvm::errs())) ||
      mlir::failed(pm.run(*module)))
    return 1;
  module->print(llvm::outs());
  llvm::outs() << "\n";
  return 0;
}
