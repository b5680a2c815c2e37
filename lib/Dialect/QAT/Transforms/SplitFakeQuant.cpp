//===- SplitFakeQuant.cpp - fake_quant into quantize + dequantize ---------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#include "qat/Dialect/QAT/IR/QATOps.h"
#include "qat/Dialect/QAT/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"

namespace mlir::qat {
#define GEN_PASS_DEF_QATSPLITFAKEQUANTPASS
#include "qat/Dialect/QAT/Transforms/Passes.h.inc"
} // namespace mlir::qat

using namespace mlir;
using namespace mlir::qat;

namespace mlir::qat {
namespace {
struct QATSplitFakeQuantPass
    : impl::QATSplitFakeQuantPassBase<QATSplitFakeQuantPass> {
  void runOnOperation() override {
    SmallVector<FakeQuantOpInterface> ops;
    getOperation()->walk([&](FakeQuantOpInterface op) { ops.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (FakeQuantOpInterface op : ops) {
      auto fakeQuant = dyn_cast<FakeQuantOp>(op.getOperation());
      if (!fakeQuant) {
        op->emitRemark("stays in float: TensorFlow's min/max kernel rounds "
                       "differently from qat.quantize");
        continue;
      }
      quant::QuantizedType grid = fakeQuant.getQuantizedType();
      if (!grid) {
        op->emitRemark("stays in float: its parameters are not static");
        continue;
      }
      auto floatType = fakeQuant.getInput().getType();
      auto intType = RankedTensorType::get(
          floatType.getShape(),
          rewriter.getIntegerType(grid.getStorageTypeIntegralWidth()));
      rewriter.setInsertionPoint(op);
      auto quantize = QuantizeOp::create(
          rewriter, op.getLoc(), intType, fakeQuant.getInput(),
          TypeAttr::get(grid), fakeQuant.getRoundingAttr(),
          fakeQuant.getReciprocalScaleAttr());
      rewriter.replaceOpWithNewOp<DequantizeOp>(op, floatType, quantize,
                                                TypeAttr::get(grid));
    }
  }
};
} // namespace
} // namespace mlir::qat
