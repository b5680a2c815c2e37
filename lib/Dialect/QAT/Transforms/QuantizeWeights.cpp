//===- QuantizeWeights.cpp - constant weights to integer constants --------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#include "qat/Dialect/QAT/IR/QATOps.h"
#include "qat/Dialect/QAT/Transforms/Passes.h"
#include "qat/Dialect/QAT/Transforms/Patterns.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir::qat {
#define GEN_PASS_DEF_QATQUANTIZEWEIGHTSPASS
#include "qat/Dialect/QAT/Transforms/Passes.h.inc"
} // namespace mlir::qat

using namespace mlir;
using namespace mlir::qat;

/// The storage values of `weights` on `op`'s grid, in an integer container
/// of `width` bits (unsigned values keep their bit pattern).
template <typename F>
static DenseElementsAttr
quantizeConstant(FakeQuantOp op, DenseElementsAttr weights, unsigned width) {
  auto type = cast<RankedTensorType>(weights.getType());
  SmallVector<QuantGrid<F>> grids = op.getStaticGrids<F>();
  std::optional<int64_t> axis;
  if (op.getAxis())
    axis = static_cast<int64_t>(*op.getAxis());
  ChannelIndexer indexer(type.getShape(), axis);
  SmallVector<APInt> values;
  values.reserve(type.getNumElements());
  int64_t i = 0;
  bool lossy;
  for (APFloat w : weights.getValues<APFloat>()) {
    w.convert(std::is_same_v<F, float> ? APFloat::IEEEsingle()
                                       : APFloat::IEEEdouble(),
              APFloat::rmNearestTiesToEven, &lossy);
    F x;
    if constexpr (std::is_same_v<F, float>)
      x = w.convertToFloat();
    else
      x = w.convertToDouble();
    int64_t q = quantize<F>(x, grids[indexer.channelOf(i++)]);
    values.push_back(APInt(width, static_cast<uint64_t>(q),
                           /*isSigned=*/true, /*implicitTrunc=*/true));
  }
  auto intType = RankedTensorType::get(
      type.getShape(), IntegerType::get(op.getContext(), width));
  return DenseElementsAttr::get(intType, values);
}

/// The constant weight `op` fake-quantizes with static parameters, or null.
static DenseElementsAttr getStaticWeight(FakeQuantOp op) {
  DenseElementsAttr values;
  if (!op.hasStaticParameters() ||
      !matchPattern(op.getInput(), m_Constant(&values)))
    return nullptr;
  return values;
}

namespace {
/// fake_quant(constant) = dequantize(integer constant) on the op's grid.
struct QuantizeWeight : OpRewritePattern<FakeQuantOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(FakeQuantOp op,
                                PatternRewriter &rewriter) const override {
    DenseElementsAttr values = getStaticWeight(op);
    if (!values)
      return rewriter.notifyMatchFailure(
          op, "not a constant with static parameters");
    quant::QuantizedType grid = op.getQuantizedType();
    if (!grid)
      return rewriter.notifyMatchFailure(op,
                                         "its grid has no !quant.uniform form");
    unsigned width = grid.getStorageTypeIntegralWidth();
    DenseElementsAttr ints =
        computesInDouble(op.getInput().getType().getElementType())
            ? quantizeConstant<double>(op, values, width)
            : quantizeConstant<float>(op, values, width);
    Value constant = arith::ConstantOp::create(rewriter, op.getLoc(), ints);
    rewriter.replaceOpWithNewOp<DequantizeOp>(op, op.getType(), constant,
                                              TypeAttr::get(grid));
    return success();
  }
};
} // namespace

void mlir::qat::populateQuantizeWeightsPatterns(RewritePatternSet &patterns) {
  patterns.add<QuantizeWeight>(patterns.getContext());
}

namespace mlir::qat {
namespace {
struct QATQuantizeWeightsPass
    : impl::QATQuantizeWeightsPassBase<QATQuantizeWeightsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateQuantizeWeightsPatterns(patterns);
    // One visit per op, without folding: the greedy driver would first fold
    // each fake-quant of a constant into a float constant (FakeQuantOp's
    // folder), losing the grid this pass keeps.
    walkAndApplyPatterns(getOperation(), std::move(patterns));
    getOperation()->walk([](FakeQuantOp op) {
      if (getStaticWeight(op) && !op.getQuantizedType())
        // At the location only: Operation::emitRemark prints the op with
        // names for the whole function (quadratic over many remarks).
        emitRemark(op.getLoc(), "weight stays in float: its grid has no "
                                "!quant.uniform form");
    });
  }
};
} // namespace
} // namespace mlir::qat
