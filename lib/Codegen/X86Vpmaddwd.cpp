//===- X86Vpmaddwd.cpp - select vpmaddwd for pair multiply-adds -----------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#include "qat/Codegen/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::qat {
#define GEN_PASS_DEF_QATX86VPMADDWDPASS
#include "qat/Codegen/Passes.h.inc"
} // namespace mlir::qat

using namespace mlir;

namespace {

/// The even or odd lanes of a vector<16xi16>, sign-extended to
/// vector<8xi32>: (source, odd) or nothing.
std::optional<std::pair<Value, bool>> matchWidenedHalf(Value v) {
  auto ext = v.getDefiningOp<arith::ExtSIOp>();
  auto shuffle = ext ? ext.getIn().getDefiningOp<vector::ShuffleOp>() : nullptr;
  if (!shuffle || shuffle.getV1() != shuffle.getV2() ||
      shuffle.getV1VectorType() !=
          VectorType::get({16}, IntegerType::get(v.getContext(), 16)))
    return std::nullopt;
  ArrayRef<int64_t> mask = shuffle.getMask();
  if (mask.size() != 8)
    return std::nullopt;
  bool odd = mask[0] == 1;
  for (int64_t i = 0; i < 8; ++i)
    if (mask[i] != 2 * i + odd)
      return std::nullopt;
  return std::make_pair(shuffle.getV1(), odd);
}

/// The (x, y) operands of `widen(half(x)) * widen(half(y))` for one parity.
std::optional<std::pair<Value, Value>> matchHalfProduct(Value v, bool odd) {
  auto mul = v.getDefiningOp<arith::MulIOp>();
  if (!mul)
    return std::nullopt;
  auto lhs = matchWidenedHalf(mul.getLhs()),
       rhs = matchWidenedHalf(mul.getRhs());
  if (!lhs || !rhs || lhs->second != odd || rhs->second != odd)
    return std::nullopt;
  return std::make_pair(lhs->first, rhs->first);
}

struct PairMultiplyAddToVpmaddwd : OpRewritePattern<arith::AddIOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(arith::AddIOp add,
                                PatternRewriter &rewriter) const override {
    auto type = VectorType::get({8}, rewriter.getI32Type());
    if (add.getType() != type)
      return failure();
    for (auto [evenSide, oddSide] : {std::pair{add.getLhs(), add.getRhs()},
                                     std::pair{add.getRhs(), add.getLhs()}}) {
      auto even = matchHalfProduct(evenSide, false);
      auto odd = matchHalfProduct(oddSide, true);
      // The same two vectors in both halves (multiplication commutes).
      if (!even || !odd ||
          !(*even == *odd ||
            (even->first == odd->second && even->second == odd->first)))
        continue;
      rewriter.replaceOpWithNewOp<LLVM::CallIntrinsicOp>(
          add, type, rewriter.getStringAttr("llvm.x86.avx2.pmadd.wd"),
          ValueRange{even->first, even->second});
      return success();
    }
    return failure();
  }
};

} // namespace

namespace mlir::qat {
namespace {
struct QATX86VpmaddwdPass : impl::QATX86VpmaddwdPassBase<QATX86VpmaddwdPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<PairMultiplyAddToVpmaddwd>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
} // namespace mlir::qat
