//===- QATToLinalg.cpp - lower quantize/dequantize to linalg --------------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#include "qat/Conversion/Passes.h"
#include "qat/Dialect/QAT/IR/QATOps.h"
#include "qat/Dialect/QAT/Utils/QuantCodegen.h"

#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/TypeSwitch.h"

namespace mlir::qat {
#define GEN_PASS_DEF_CONVERTQATTOLINALGPASS
#include "qat/Conversion/Passes.h.inc"
} // namespace mlir::qat

using namespace mlir;
using namespace mlir::qat;

/// scale, qmin - z, qmax - z, z and, with reciprocal_scale, fl(1 / scale)
/// per channel, in precision F.
template <typename F> static ChannelParams getQuantizeParams(QuantizeOp op) {
  bool reciprocal = op.getReciprocalScale();
  ChannelParams params(reciprocal ? 5 : 4);
  for (const QuantGrid<F> &g :
       getChannelGrids<F>(op.getGridType(), op.getRounding(), reciprocal)) {
    params[0].push_back(g.scale);
    params[1].push_back(static_cast<double>(g.range.min - g.zeroPoint));
    params[2].push_back(static_cast<double>(g.range.max - g.zeroPoint));
    params[3].push_back(static_cast<double>(g.zeroPoint));
    if (reciprocal)
      params[4].push_back(F(1) / g.scale);
  }
  return params;
}

static Value lower(OpBuilder &b, QuantizeOp op) {
  Type floatType = op.getInput().getType().getElementType();
  FloatType computeType = getComputeType(floatType);
  ChannelParams params = computeType.isF64() ? getQuantizeParams<double>(op)
                                             : getQuantizeParams<float>(op);
  Type storageType = op.getOutput().getType().getElementType();
  RoundingMode rounding = op.getRounding();
  bool reciprocal = op.getReciprocalScale();
  return buildChannelwiseGeneric(
      b, op.getLoc(), op.getInput(), storageType, getGridAxis(op.getGridType()),
      computeType, params,
      [&](OpBuilder &nb, Location loc, Value x, ArrayRef<Value> p) -> Value {
        if (floatType != computeType)
          x = arith::ExtFOp::create(nb, loc, computeType, x);
        GridValues grid{p[0], reciprocal ? p[4] : Value(), p[1], p[2]};
        Value steps = emitQuantizeSteps(nb, loc, x, grid, rounding, reciprocal,
                                        /*forInteger=*/true);
        // k + z is a small exact integer; via i32 so that unsigned storage
        // values keep their bit pattern in the container.
        Value q = arith::AddFOp::create(nb, loc, steps, p[3]);
        Value i32 = arith::FPToSIOp::create(nb, loc, nb.getI32Type(), q);
        return arith::TruncIOp::create(nb, loc, storageType, i32);
      });
}

/// scale and z per channel, in precision F.
template <typename F>
static ChannelParams getDequantizeParams(DequantizeOp op) {
  ChannelParams params(2);
  for (const QuantGrid<F> &g : getChannelGrids<F>(
           op.getGridType(), RoundingMode::half_to_even, false)) {
    params[0].push_back(g.scale);
    params[1].push_back(static_cast<double>(g.zeroPoint));
  }
  return params;
}

static Value lower(OpBuilder &b, DequantizeOp op) {
  Type floatType = op.getOutput().getType().getElementType();
  FloatType computeType = getComputeType(floatType);
  ChannelParams params = computeType.isF64() ? getDequantizeParams<double>(op)
                                             : getDequantizeParams<float>(op);
  bool isSigned = op.getGridType().isSigned();
  return buildChannelwiseGeneric(
      b, op.getLoc(), op.getInput(), floatType, getGridAxis(op.getGridType()),
      computeType, params,
      [&](OpBuilder &nb, Location loc, Value q, ArrayRef<Value> p) -> Value {
        Value wide =
            isSigned
                ? Value(arith::ExtSIOp::create(nb, loc, nb.getI32Type(), q))
                : Value(arith::ExtUIOp::create(nb, loc, nb.getI32Type(), q));
        Value qf = arith::SIToFPOp::create(nb, loc, computeType, wide);
        // q - z is exact in P; one rounding in the multiplication.
        Value steps = arith::SubFOp::create(nb, loc, qf, p[1]);
        Value y = arith::MulFOp::create(nb, loc, steps, p[0]);
        if (floatType != computeType)
          y = arith::TruncFOp::create(nb, loc, floatType, y);
        return y;
      });
}

namespace mlir::qat {
namespace {
struct ConvertQATToLinalgPass
    : impl::ConvertQATToLinalgPassBase<ConvertQATToLinalgPass> {
  void runOnOperation() override {
    SmallVector<Operation *> ops;
    getOperation()->walk([&](Operation *op) {
      if (isa<QuantizeOp, DequantizeOp>(op))
        ops.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (Operation *op : ops) {
      rewriter.setInsertionPoint(op);
      Value result = llvm::TypeSwitch<Operation *, Value>(op)
                         .Case<QuantizeOp, DequantizeOp>([&](auto concrete) {
                           return lower(rewriter, concrete);
                         });
      rewriter.replaceOp(op, result);
    }
  }
};
} // namespace
} // namespace mlir::qat
