//===- X86Vpmaddwd.cpp - select vpmaddwd for pair multiply-adds -----------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#include "qat/Codegen/Passes.h"
#include "qat/Codegen/Patterns.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::qat {
#define GEN_PASS_DEF_QATX86VPMADDWDPASS
#include "qat/Codegen/Passes.h.inc"
} // namespace mlir::qat

using namespace mlir;

namespace {

/// The even or odd lanes of a vector<2n x i16>, sign-extended to
/// vector<n x i32>: (source, odd) or nothing.
std::optional<std::pair<Value, bool>> matchWidenedHalf(Value v, int64_t n) {
  auto ext = v.getDefiningOp<arith::ExtSIOp>();
  auto shuffle = ext ? ext.getIn().getDefiningOp<vector::ShuffleOp>() : nullptr;
  if (!shuffle || shuffle.getV1() != shuffle.getV2() ||
      shuffle.getV1VectorType() !=
          VectorType::get({2 * n}, IntegerType::get(v.getContext(), 16)))
    return std::nullopt;
  ArrayRef<int64_t> mask = shuffle.getMask();
  if (static_cast<int64_t>(mask.size()) != n)
    return std::nullopt;
  bool odd = mask[0] == 1;
  for (int64_t i = 0; i < n; ++i)
    if (mask[i] != 2 * i + odd)
      return std::nullopt;
  return std::make_pair(shuffle.getV1(), odd);
}

/// The (x, y) operands of `widen(half(x)) * widen(half(y))` for one parity.
std::optional<std::pair<Value, Value>> matchHalfProduct(Value v, bool odd,
                                                        int64_t n) {
  auto mul = v.getDefiningOp<arith::MulIOp>();
  if (!mul)
    return std::nullopt;
  auto lhs = matchWidenedHalf(mul.getLhs(), n),
       rhs = matchWidenedHalf(mul.getRhs(), n);
  if (!lhs || !rhs || lhs->second != odd || rhs->second != odd)
    return std::nullopt;
  return std::make_pair(lhs->first, rhs->first);
}

/// 8 lanes: AVX2's vpmaddwd; 16 lanes, with `avx512`: AVX-512BW's.
struct PairMultiplyAddToVpmaddwd : OpRewritePattern<arith::AddIOp> {
  PairMultiplyAddToVpmaddwd(MLIRContext *ctx, bool avx512)
      : OpRewritePattern(ctx), avx512(avx512) {}

  LogicalResult matchAndRewrite(arith::AddIOp add,
                                PatternRewriter &rewriter) const override {
    auto type = dyn_cast<VectorType>(add.getType());
    if (!type || type.getRank() != 1 || !type.getElementType().isInteger(32))
      return rewriter.notifyMatchFailure(add, "not a 1-D vector of i32");
    int64_t n = type.getNumElements();
    StringRef intrinsic;
    if (n == 8)
      intrinsic = "llvm.x86.avx2.pmadd.wd";
    else if (n == 16 && avx512)
      intrinsic = "llvm.x86.avx512.pmaddw.d.512";
    else
      return rewriter.notifyMatchFailure(add, avx512 ? "not 8 or 16 lanes"
                                                     : "not 8 lanes");
    for (auto [evenSide, oddSide] : {std::pair{add.getLhs(), add.getRhs()},
                                     std::pair{add.getRhs(), add.getLhs()}}) {
      auto even = matchHalfProduct(evenSide, false, n);
      auto odd = matchHalfProduct(oddSide, true, n);
      // The same two vectors in both halves (multiplication commutes).
      if (!even || !odd ||
          !(*even == *odd ||
            (even->first == odd->second && even->second == odd->first)))
        continue;
      rewriter.replaceOpWithNewOp<LLVM::CallIntrinsicOp>(
          add, type, rewriter.getStringAttr(intrinsic),
          ValueRange{even->first, even->second});
      return success();
    }
    return rewriter.notifyMatchFailure(
        add, "not the sum of the even and odd products of two i16 vectors");
  }

  bool avx512;
};

} // namespace

void mlir::qat::populateX86VpmaddwdPatterns(RewritePatternSet &patterns,
                                            bool avx512) {
  patterns.add<PairMultiplyAddToVpmaddwd>(patterns.getContext(), avx512);
}

namespace mlir::qat {
namespace {
struct QATX86VpmaddwdPass : impl::QATX86VpmaddwdPassBase<QATX86VpmaddwdPass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateX86VpmaddwdPatterns(patterns, avx512);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
} // namespace mlir::qat
