//===- SCFToControlFlow.cpp - scf to cf, last op first --------------------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// Upstream's patterns (populateSCFToControlFlowConversionPatterns), applied
// to the last op of a block first. Lowering an scf.for or scf.if splits its
// block and moves every op after it into the new block. Upstream's pass
// (a dialect conversion) visits the ops first to last, so a function of N
// loops in sequence moves O(N) ops N times: quadratic, 2 s of the
// compilation of a 1,000-layer chain. Last to first, each split moves only
// the ops up to the next loop, which has been lowered already.
//
//===----------------------------------------------------------------------===//

#include "qat/Codegen/Passes.h"

#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Rewrite/FrozenRewritePatternSet.h"
#include "mlir/Rewrite/PatternApplicator.h"

namespace mlir::qat {
#define GEN_PASS_DEF_QATSCFTOCONTROLFLOWPASS
#include "qat/Codegen/Passes.h.inc"
} // namespace mlir::qat

using namespace mlir;

/// The ops that upstream's convert-scf-to-cf makes illegal.
static bool isStructuredControlFlow(Operation *op) {
  return isa<scf::ForallOp, scf::ForOp, scf::IfOp, scf::IndexSwitchOp,
             scf::ParallelOp, scf::WhileOp, scf::ExecuteRegionOp>(op);
}

/// The ops to lower nested in `root`, in the order to lower them: the last
/// op of a block first, and an op before the ops it holds, as upstream's
/// patterns expect (scf.index_switch takes the terminator of each case's
/// first block as the case's yield). Reverse post-order.
static SmallVector<Operation *> collectStructuredControlFlow(Operation *root) {
  SmallVector<Operation *> ops;
  root->walk([&](Operation *op) {
    if (op != root && isStructuredControlFlow(op))
      ops.push_back(op);
  });
  std::reverse(ops.begin(), ops.end());
  return ops;
}

namespace mlir::qat {
namespace {
struct QATSCFToControlFlowPass
    : impl::QATSCFToControlFlowPassBase<QATSCFToControlFlowPass> {
  using Base::Base;

  LogicalResult initialize(MLIRContext *context) override {
    RewritePatternSet set(context);
    populateSCFToControlFlowConversionPatterns(set);
    patterns = FrozenRewritePatternSet(std::move(set));
    return success();
  }

  void runOnOperation() override {
    PatternApplicator applicator(patterns);
    applicator.applyDefaultCostModel();
    // Without a listener, splitting a block moves the ops in one splice.
    PatternRewriter rewriter(&getContext());
    // Some patterns make new structured ops (scf.forall -> scf.parallel ->
    // scf.for): another round lowers those. Each round lowers at least one
    // op or stops.
    for (SmallVector<Operation *> ops =
             collectStructuredControlFlow(getOperation());
         !ops.empty(); ops = collectStructuredControlFlow(getOperation())) {
      bool changed = false;
      for (Operation *op : ops) {
        rewriter.setInsertionPoint(op);
        changed |= succeeded(applicator.matchAndRewrite(op, rewriter));
      }
      if (!changed) {
        ops.front()->emitError("cannot lower '")
            << ops.front()->getName() << "' to control flow";
        return signalPassFailure();
      }
    }
  }

  FrozenRewritePatternSet patterns;
};
} // namespace
} // namespace mlir::qat
