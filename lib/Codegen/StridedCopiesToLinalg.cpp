//===- StridedCopiesToLinalg.cpp - strided memref.copy as linalg.copy -----===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#include "qat/Codegen/Passes.h"
#include "qat/Codegen/Patterns.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir::qat {
#define GEN_PASS_DEF_QATSTRIDEDCOPIESTOLINALGPASS
#include "qat/Codegen/Passes.h.inc"
} // namespace mlir::qat

using namespace mlir;

namespace {
/// A copy between ranked buffers, one of them with a layout that is not the
/// identity (a subview), as linalg.copy.
struct StridedCopyToLinalg : OpRewritePattern<memref::CopyOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(memref::CopyOp copy,
                                PatternRewriter &rewriter) const override {
    auto source = dyn_cast<MemRefType>(copy.getSource().getType());
    auto target = dyn_cast<MemRefType>(copy.getTarget().getType());
    if (!source || !target)
      return rewriter.notifyMatchFailure(copy, "unranked operands");
    // Contiguous copies become a memcpy anyway.
    if (source.getLayout().isIdentity() && target.getLayout().isIdentity())
      return rewriter.notifyMatchFailure(copy, "identity layouts");
    rewriter.replaceOpWithNewOp<linalg::CopyOp>(copy, copy.getSource(),
                                                copy.getTarget());
    return success();
  }
};
} // namespace

void mlir::qat::populateStridedCopiesToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<StridedCopyToLinalg>(patterns.getContext());
}

namespace mlir::qat {
namespace {
struct QATStridedCopiesToLinalgPass
    : impl::QATStridedCopiesToLinalgPassBase<QATStridedCopiesToLinalgPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateStridedCopiesToLinalgPatterns(patterns);
    // One visit per op: a linalg.copy matches nothing, and the greedy
    // driver would also fold and erase ops across the bufferized program.
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};
} // namespace
} // namespace mlir::qat
