//===- TensorOpsToLinalg.cpp - float ops on tensors as linalg generics ----===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// What stays in float must compile like the rest. Upstream already has both
// halves: the element-wise-to-linalg patterns and each aggregate op's own
// decomposition; this file only puts them in one pass that runs before
// bufferization (which handles neither form).
//
//===----------------------------------------------------------------------===//

#include "qat/Codegen/Passes.h"
#include "qat/Codegen/Patterns.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::qat {
#define GEN_PASS_DEF_QATTENSOROPSTOLINALGPASS
#include "qat/Codegen/Passes.h.inc"
} // namespace mlir::qat

using namespace mlir;

namespace {
/// An aggregate op on tensors (linalg.softmax) replaced by the ops its
/// AggregatedOpInterface decomposes it into.
struct DecomposeAggregate
    : OpInterfaceRewritePattern<linalg::AggregatedOpInterface> {
  using OpInterfaceRewritePattern::OpInterfaceRewritePattern;

  LogicalResult matchAndRewrite(linalg::AggregatedOpInterface op,
                                PatternRewriter &rewriter) const override {
    // On buffers the decompositions would build tensor ops.
    if (llvm::any_of(op->getOperandTypes(), llvm::IsaPred<MemRefType>))
      return rewriter.notifyMatchFailure(op, "operates on buffers");
    FailureOr<SmallVector<Value>> values = op.decomposeOperation(rewriter);
    if (failed(values))
      return rewriter.notifyMatchFailure(op, "no decomposition");
    rewriter.replaceOp(op, *values);
    return success();
  }
};
} // namespace

void mlir::qat::populateTensorOpsToLinalgPatterns(RewritePatternSet &patterns) {
  linalg::populateElementwiseToLinalgConversionPatterns(patterns);
  patterns.add<DecomposeAggregate>(patterns.getContext());
}

namespace mlir::qat {
namespace {
struct QATTensorOpsToLinalgPass
    : impl::QATTensorOpsToLinalgPassBase<QATTensorOpsToLinalgPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateTensorOpsToLinalgPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
} // namespace mlir::qat
