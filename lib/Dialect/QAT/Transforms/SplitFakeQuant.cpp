//===- SplitFakeQuant.cpp - fake_quant into quantize + dequantize ---------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#include "qat/Dialect/QAT/IR/QATOps.h"
#include "qat/Dialect/QAT/Transforms/Passes.h"
#include "qat/Dialect/QAT/Transforms/Patterns.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir::qat {
#define GEN_PASS_DEF_QATSPLITFAKEQUANTPASS
#include "qat/Dialect/QAT/Transforms/Passes.h.inc"
} // namespace mlir::qat

using namespace mlir;
using namespace mlir::qat;

/// Why the fake-quant op `op` cannot be split (it stays in float), or
/// nothing when it can.
static std::optional<StringRef> getReasonToStay(FakeQuantOpInterface op) {
  auto fakeQuant = dyn_cast<FakeQuantOp>(op.getOperation());
  if (!fakeQuant)
    return StringRef("TensorFlow's min/max kernel rounds differently from "
                     "qat.quantize");
  if (!fakeQuant.hasStaticParameters())
    return StringRef("its parameters are not static");
  if (!fakeQuant.getQuantizedType())
    return StringRef("its grid has no !quant.uniform form (no channels, or a "
                     "scale outside the range of the element type)");
  return std::nullopt;
}

namespace {
/// fake_quant(x) = dequantize(quantize(x)) on the op's grid.
struct SplitFakeQuant : OpRewritePattern<FakeQuantOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(FakeQuantOp op,
                                PatternRewriter &rewriter) const override {
    if (std::optional<StringRef> reason = getReasonToStay(op))
      return rewriter.notifyMatchFailure(op, *reason);
    quant::QuantizedType grid = op.getQuantizedType();
    auto floatType = op.getInput().getType();
    auto intType = RankedTensorType::get(
        floatType.getShape(),
        rewriter.getIntegerType(grid.getStorageTypeIntegralWidth()));
    auto quantize = QuantizeOp::create(
        rewriter, op.getLoc(), intType, op.getInput(), TypeAttr::get(grid),
        op.getRoundingAttr(), op.getReciprocalScaleAttr());
    rewriter.replaceOpWithNewOp<DequantizeOp>(op, floatType, quantize,
                                              TypeAttr::get(grid));
    return success();
  }
};
} // namespace

void mlir::qat::populateSplitFakeQuantPatterns(RewritePatternSet &patterns) {
  patterns.add<SplitFakeQuant>(patterns.getContext());
}

namespace mlir::qat {
namespace {
struct QATSplitFakeQuantPass
    : impl::QATSplitFakeQuantPassBase<QATSplitFakeQuantPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateSplitFakeQuantPatterns(patterns);
    // One visit per op: a split is final (its quantize and dequantize match
    // nothing), and the greedy driver would also fold fake-quants of
    // constants into float constants and erase dead ops, which this pass
    // does not do.
    walkAndApplyPatterns(getOperation(), std::move(patterns));
    getOperation()->walk([](FakeQuantOpInterface op) {
      if (std::optional<StringRef> reason = getReasonToStay(op))
        // At the location only: Operation::emitRemark prints the op with
        // names for the whole function (quadratic over many remarks).
        emitRemark(op->getLoc()) << "stays in float: " << *reason;
    });
  }
};
} // namespace
} // namespace mlir::qat
