//===- ExpandPow.cpp - pow by special constants as the operations ---------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// LLVM's library-call simplifier replaces a scalar pow by some constants
// (x * x for pow(x, 2), ...) even without fast-math flags, but leaves a
// vector pow to the C library's powf, which differs from those operations
// in the last place (glibc's powf(x, 2) != x * x on 0.07 % of the floats in
// [1, 2)). The same graph would then compute different values in a
// vectorized loop and in its scalar remainder, and a table computed by
// folding (Semantics.md §8.11) could not know which. This pass makes the
// replacement itself, on tensors, where the constants are still visible, so
// that every pow that reaches LLVM is one it keeps a call.
//
//===----------------------------------------------------------------------===//

#include "qat/Codegen/Passes.h"
#include "qat/Codegen/Patterns.h"

#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

#include <climits>
#include <limits>

namespace mlir::qat {
#define GEN_PASS_DEF_QATEXPANDPOWPASS
#include "qat/Codegen/Passes.h.inc"
} // namespace mlir::qat

using namespace mlir;

/// A scalar float constant or splat, as an APFloat; inside a
/// linalg.generic, also a block argument read from a splat constant input
/// (how an element-wise op on tensors reads a broadcast scalar).
static std::optional<APFloat> getSplatFloat(Value v) {
  if (auto arg = dyn_cast<BlockArgument>(v))
    if (auto generic =
            dyn_cast<linalg::GenericOp>(arg.getOwner()->getParentOp()))
      if (arg.getArgNumber() < generic.getNumDpsInputs())
        v = generic.getDpsInputs()[arg.getArgNumber()];
  Attribute attr;
  if (!matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  if (auto f = dyn_cast<FloatAttr>(attr))
    return f.getValue();
  if (auto splat = dyn_cast<SplatElementsAttr>(attr))
    if (isa<FloatType>(splat.getElementType()))
      return splat.getSplatValue<APFloat>();
  return std::nullopt;
}

namespace {
/// LLVM's replacements (LibCallSimplifier::optimizePow without fast-math
/// flags): pow(x, 0) and pow(1, x) = 1, pow(x, 1) = x, pow(x, 2) = x * x,
/// pow(x, -1) = 1 / x, pow(x, 0.5) = |sqrt(x)| (+inf for -inf),
/// pow(2^n, x) = exp2(n * x).
struct ExpandPow : OpRewritePattern<math::PowFOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(math::PowFOp pow,
                                PatternRewriter &rewriter) const override {
    Location loc = pow.getLoc();
    Type type = pow.getType();
    Value x = pow.getLhs(), e = pow.getRhs();
    std::optional<APFloat> base = getSplatFloat(x);
    std::optional<APFloat> exponent = getSplatFloat(e);
    auto constant = [&](double v) -> Value {
      Attribute scalar = rewriter.getFloatAttr(getElementTypeOrSelf(type), v);
      if (auto shaped = dyn_cast<ShapedType>(type))
        return arith::ConstantOp::create(
            rewriter, loc, SplatElementsAttr::get(shaped, scalar));
      return arith::ConstantOp::create(rewriter, loc, cast<TypedAttr>(scalar));
    };
    Value result;
    if ((exponent && exponent->isZero()) || (base && base->isExactlyValue(1)))
      result = constant(1.0);
    else if (exponent && exponent->isExactlyValue(1))
      result = x;
    else if (exponent && exponent->isExactlyValue(2))
      result = arith::MulFOp::create(rewriter, loc, x, x);
    else if (exponent && exponent->isExactlyValue(-1))
      result = arith::DivFOp::create(rewriter, loc, constant(1.0), x);
    else if (exponent && exponent->isExactlyValue(0.5)) {
      Value root = math::AbsFOp::create(rewriter, loc,
                                        math::SqrtOp::create(rewriter, loc, x));
      double inf = std::numeric_limits<double>::infinity();
      Value isNegInf = arith::CmpFOp::create(
          rewriter, loc, arith::CmpFPredicate::OEQ, x, constant(-inf));
      result =
          arith::SelectOp::create(rewriter, loc, isNegInf, constant(inf), root);
    } else if (base && !base->isNegative() &&
               base->getExactLog2Abs() != INT_MIN) {
      Value product = arith::MulFOp::create(
          rewriter, loc, constant(base->getExactLog2Abs()), e);
      result = math::Exp2Op::create(rewriter, loc, product);
    } else {
      return rewriter.notifyMatchFailure(pow, "LLVM keeps this pow a call");
    }
    rewriter.replaceOp(pow, result);
    return success();
  }
};
} // namespace

void mlir::qat::populateExpandPowPatterns(RewritePatternSet &patterns) {
  patterns.add<ExpandPow>(patterns.getContext());
}

namespace mlir::qat {
namespace {
struct QATExpandPowPass : impl::QATExpandPowPassBase<QATExpandPowPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateExpandPowPatterns(patterns);
    // One visit per op: the replacements match nothing.
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};
} // namespace
} // namespace mlir::qat
