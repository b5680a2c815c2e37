//===- MathToLibm.cpp - math ops without an exact LLVM lowering as calls --===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#include "qat/Codegen/Passes.h"

#include "mlir/Conversion/MathToLibm/MathToLibm.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::qat {
#define GEN_PASS_DEF_QATMATHTOLIBMPASS
#include "qat/Codegen/Passes.h.inc"
} // namespace mlir::qat

using namespace mlir;

/// The math ops that convert-math-to-llvm cannot lower, or lowers through
/// other functions than the op's folder uses (expm1 as exp - 1, log1p as
/// log(1 + x)). Upstream's patterns would turn every math op into a call,
/// sqrt and roundeven included, which are single instructions.
static bool needsLibmCall(Operation *op) {
  return isa<math::ErfOp, math::ErfcOp, math::CbrtOp, math::AcoshOp,
             math::AsinhOp, math::AtanhOp, math::ExpM1Op, math::Log1pOp>(op);
}

namespace mlir::qat {
namespace {
struct QATMathToLibmPass : impl::QATMathToLibmPassBase<QATMathToLibmPass> {
  void runOnOperation() override {
    SmallVector<Operation *> ops;
    getOperation()->walk([&](Operation *op) {
      if (needsLibmCall(op))
        ops.push_back(op);
    });
    if (ops.empty())
      return;
    RewritePatternSet patterns(&getContext());
    populateMathToLibmConversionPatterns(patterns);
    // New ops too: a vector op is unrolled into scalar ops of the same kind,
    // which the scalar pattern then turns into calls.
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::ExistingAndNewOps);
    if (failed(applyOpPatternsGreedily(ops, std::move(patterns), config)))
      return signalPassFailure();
  }
};
} // namespace
} // namespace mlir::qat
