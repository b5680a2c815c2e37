//===- Simulate.cpp - lower fake-quant ops to float arithmetic ------------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// The reference path: each fake-quant op becomes a linalg.generic that
// evaluates docs/Semantics.md in float. Parameters are computed per channel
// with QuantMath in the compute precision and embedded as constants, so the
// generated code and the C++ folders perform identical operations.
//
//===----------------------------------------------------------------------===//

#include "qat/Dialect/QAT/IR/QATOps.h"
#include "qat/Dialect/QAT/Transforms/Passes.h"
#include "qat/Dialect/QAT/Transforms/Patterns.h"
#include "qat/Dialect/QAT/Utils/QuantCodegen.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir::qat {
#define GEN_PASS_DEF_QATSIMULATEPASS
#include "qat/Dialect/QAT/Transforms/Passes.h.inc"
} // namespace mlir::qat

using namespace mlir;
using namespace mlir::qat;

/// Maps every element of `input` through `body` in `computeType`: the
/// element is extended first and the result rounded back.
static Value buildFloatElementwise(OpBuilder &b, Location loc, Value input,
                                   std::optional<uint64_t> axis,
                                   FloatType computeType,
                                   const ChannelParams &params,
                                   ElementBodyBuilder body) {
  Type elementType = cast<RankedTensorType>(input.getType()).getElementType();
  std::optional<int64_t> channelAxis;
  if (axis)
    channelAxis = static_cast<int64_t>(*axis);
  return buildChannelwiseGeneric(
      b, loc, input, elementType, channelAxis, computeType, params,
      [&](OpBuilder &nb, Location nloc, Value x, ArrayRef<Value> p) -> Value {
        if (elementType != computeType)
          x = arith::ExtFOp::create(nb, nloc, computeType, x);
        Value y = body(nb, nloc, x, p);
        if (elementType != computeType)
          y = arith::TruncFOp::create(nb, nloc, elementType, y);
        return y;
      });
}

/// scale, qmin - z, qmax - z and, with reciprocal_scale, fl(1 / scale) per
/// channel, in precision F.
template <typename F> static ChannelParams getGridParams(FakeQuantOp op) {
  ChannelParams params(op.getReciprocalScale() ? 4 : 3);
  for (const QuantGrid<F> &grid : op.getStaticGrids<F>()) {
    params[0].push_back(grid.scale);
    params[1].push_back(static_cast<double>(grid.range.min - grid.zeroPoint));
    params[2].push_back(static_cast<double>(grid.range.max - grid.zeroPoint));
    if (grid.reciprocalScale)
      params[3].push_back(F(1) / grid.scale);
  }
  return params;
}

static Value simulate(OpBuilder &b, FakeQuantOp op) {
  FloatType computeType =
      getComputeType(op.getInput().getType().getElementType());
  ChannelParams params = computeType.isF64() ? getGridParams<double>(op)
                                             : getGridParams<float>(op);
  RoundingMode rounding = op.getRounding();
  bool reciprocal = op.getReciprocalScale();
  return buildFloatElementwise(
      b, op.getLoc(), op.getInput(), op.getAxis(), computeType, params,
      [&](OpBuilder &nb, Location loc, Value x, ArrayRef<Value> p) {
        GridValues grid{p[0], reciprocal ? p[3] : Value(), p[1], p[2]};
        Value steps = emitQuantizeSteps(nb, loc, x, grid, rounding, reciprocal);
        return arith::MulFOp::create(nb, loc, steps, grid.scale);
      });
}

/// nmin, nmax, inv, qz, qmin - z, qmax - z, scale per channel.
template <typename F>
static ChannelParams getMinMaxParams(FakeQuantMinMaxOp op) {
  ChannelParams params(7);
  for (auto [lo, hi] : llvm::zip_equal(*op.getMins(), *op.getMaxs())) {
    // The verifier guarantees that nudging succeeds.
    NudgedRange<F> r = *nudgeMinMax<F>(static_cast<F>(lo), static_cast<F>(hi),
                                       op.getNumBits(), op.getNarrowRange());
    params[0].push_back(r.nudgedMin);
    params[1].push_back(r.nudgedMax);
    params[2].push_back(r.invScale);
    params[3].push_back(r.quantZero);
    params[4].push_back(static_cast<double>(r.range.min - r.zeroPoint));
    params[5].push_back(static_cast<double>(r.range.max - r.zeroPoint));
    params[6].push_back(r.scale);
  }
  return params;
}

static Value simulate(OpBuilder &b, FakeQuantMinMaxOp op) {
  FloatType computeType =
      getComputeType(op.getInput().getType().getElementType());
  ChannelParams params = computeType.isF64() ? getMinMaxParams<double>(op)
                                             : getMinMaxParams<float>(op);
  return buildFloatElementwise(
      b, op.getLoc(), op.getInput(), op.getAxis(), computeType, params,
      [&](OpBuilder &nb, Location loc, Value x, ArrayRef<Value> p) {
        MinMaxValues grid{p[0], p[1], p[2], p[3], p[4], p[5]};
        Value steps = emitMinMaxSteps(nb, loc, x, grid);
        return arith::MulFOp::create(nb, loc, steps, p[6]);
      });
}

namespace {
/// A fake-quant op with static parameters as its float linalg.generic.
template <typename OpTy> struct SimulateFakeQuant : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasStaticParameters())
      return rewriter.notifyMatchFailure(op, "learned parameters");
    rewriter.replaceOp(op, simulate(rewriter, op));
    return success();
  }
};
} // namespace

void mlir::qat::populateSimulateFakeQuantPatterns(RewritePatternSet &patterns) {
  patterns.add<SimulateFakeQuant<FakeQuantOp>,
               SimulateFakeQuant<FakeQuantMinMaxOp>>(patterns.getContext());
}

namespace mlir::qat {
namespace {
struct QATSimulatePass : impl::QATSimulatePassBase<QATSimulatePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateSimulateFakeQuantPatterns(patterns);
    // One visit per op: the generated generics match nothing, and the
    // greedy driver would also visit each of their body ops and fold
    // fake-quants of constants into float constants.
    walkAndApplyPatterns(getOperation(), std::move(patterns));
    WalkResult learned = getOperation()->walk([](FakeQuantOpInterface op) {
      if (op.hasStaticParameters())
        return WalkResult::advance();
      op->emitOpError("has learned parameters that are not static; run "
                      "--qat-fold-learned-params first");
      return WalkResult::interrupt();
    });
    if (learned.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
} // namespace mlir::qat
