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
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
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

/// An op without side effects whose results all have no elements computes
/// nothing: its results are tensor.empty. (Upstream's bufferization of,
/// e.g., a tensor.pad of an empty tensor builds a subview at offset 0 of a
/// dimension of size 0, which the verifier rejects.)
struct EmptyResultsToTensorEmpty : RewritePattern {
  EmptyResultsToTensorEmpty(MLIRContext *ctx)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, ctx) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    auto hasNoElements = [](Type type) {
      auto tensor = dyn_cast<RankedTensorType>(type);
      return tensor && llvm::is_contained(tensor.getShape(), int64_t{0});
    };
    if (op->getNumResults() == 0 || isa<tensor::EmptyOp>(op) ||
        !llvm::all_of(op->getResultTypes(), hasNoElements))
      return rewriter.notifyMatchFailure(op, "a result has elements");
    auto dps = dyn_cast<DestinationStyleOpInterface>(op);
    if (!isMemoryEffectFree(op) && !(dps && dps.hasPureTensorSemantics()))
      return rewriter.notifyMatchFailure(op, "has side effects");
    // The other sizes may be dynamic: the op says what they are.
    ReifiedRankedShapedTypeDims sizes;
    if (failed(reifyResultShapes(rewriter, op, sizes)))
      return rewriter.notifyMatchFailure(op, "result sizes unknown");
    SmallVector<Value> empties;
    for (auto [type, resultSizes] : llvm::zip(op->getResultTypes(), sizes))
      empties.push_back(tensor::EmptyOp::create(
          rewriter, op->getLoc(), resultSizes,
          cast<RankedTensorType>(type).getElementType()));
    rewriter.replaceOp(op, empties);
    return success();
  }
};
} // namespace

void mlir::qat::populateTensorOpsToLinalgPatterns(RewritePatternSet &patterns) {
  linalg::populateElementwiseToLinalgConversionPatterns(patterns);
  patterns.add<DecomposeAggregate, EmptyResultsToTensorEmpty>(
      patterns.getContext());
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
