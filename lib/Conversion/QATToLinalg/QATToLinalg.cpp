//===- QATToLinalg.cpp - lower quantize/dequantize to linalg --------------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#include "qat/Conversion/QATToLinalg/QATToLinalg.h"
#include "qat/Conversion/Passes.h"
#include "qat/Dialect/QAT/IR/QATOps.h"
#include "qat/Dialect/QAT/Utils/QuantCodegen.h"

#include "mlir/Transforms/DialectConversion.h"

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

/// The storage values of `input` (the converted input of `op`) on `op`'s
/// grid.
static Value lower(OpBuilder &b, QuantizeOp op, Value input) {
  Type floatType = op.getInput().getType().getElementType();
  FloatType computeType = getComputeType(floatType);
  ChannelParams params = computeType.isF64() ? getQuantizeParams<double>(op)
                                             : getQuantizeParams<float>(op);
  Type storageType = op.getOutput().getType().getElementType();
  RoundingMode rounding = op.getRounding();
  bool reciprocal = op.getReciprocalScale();
  return buildChannelwiseGeneric(
      b, op.getLoc(), input, storageType, getGridAxis(op.getGridType()),
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

/// The float values of the storage values `input` (the converted input of
/// `op`) on `op`'s grid.
static Value lower(OpBuilder &b, DequantizeOp op, Value input) {
  Type floatType = op.getOutput().getType().getElementType();
  FloatType computeType = getComputeType(floatType);
  ChannelParams params = computeType.isF64() ? getDequantizeParams<double>(op)
                                             : getDequantizeParams<float>(op);
  bool isSigned = op.getGridType().isSigned();
  return buildChannelwiseGeneric(
      b, op.getLoc(), input, floatType, getGridAxis(op.getGridType()),
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

namespace {
/// qat.quantize and qat.dequantize: one element-wise linalg.generic each.
/// Every valid op lowers, so the patterns never decline.
template <typename OpTy> struct QuantOpToLinalg : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, lower(rewriter, op, adaptor.getInput()));
    return success();
  }
};
} // namespace

void mlir::qat::populateQATToLinalgConversionPatterns(
    RewritePatternSet &patterns) {
  patterns.add<QuantOpToLinalg<QuantizeOp>, QuantOpToLinalg<DequantizeOp>>(
      patterns.getContext());
}

namespace mlir::qat {
namespace {
struct ConvertQATToLinalgPass
    : impl::ConvertQATToLinalgPassBase<ConvertQATToLinalgPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateQATToLinalgConversionPatterns(patterns);
    // Exactly the two ops this pass lowers must disappear; fake-quant ops
    // stay for qat-simulate (the qat-to-int pipeline runs it next).
    ConversionTarget target(getContext());
    target.addIllegalOp<QuantizeOp, DequantizeOp>();
    target.addLegalOp<FakeQuantOp, FakeQuantMinMaxOp>();
    target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                           math::MathDialect, tensor::TensorDialect>();
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
} // namespace mlir::qat
