//===- X86Vpmaddubsw.cpp - select vpmaddubsw for saturating pair sums -----===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#include "BytePairs.h"
#include "qat/Codegen/Passes.h"
#include "qat/Codegen/Patterns.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::qat {
#define GEN_PASS_DEF_QATX86VPMADDUBSWPASS
#include "qat/Codegen/Passes.h.inc"
} // namespace mlir::qat

using namespace mlir;

namespace {

constexpr int64_t kBytes = 32, kPairs = 16, kLanes = 8;

/// The even (odd = false) or odd lanes of a vector of 2n lanes: (source,
/// odd) when `v` shuffles them out.
std::optional<std::pair<Value, bool>> matchHalf(Value v, int64_t n) {
  auto shuffle = v.getDefiningOp<vector::ShuffleOp>();
  if (!shuffle || shuffle.getV1() != shuffle.getV2() ||
      shuffle.getV1VectorType().getNumElements() != 2 * n)
    return std::nullopt;
  ArrayRef<int64_t> mask = shuffle.getMask();
  if (static_cast<int64_t>(mask.size()) != n || (mask[0] != 0 && mask[0] != 1))
    return std::nullopt;
  for (int64_t i = 0; i < n; ++i)
    if (mask[i] != 2 * i + mask[0])
      return std::nullopt;
  return std::make_pair(shuffle.getV1(), mask[0] == 1);
}

/// The source of `half(v, even) + half(v, odd)` in either order, or null.
Value matchAdjacentSum(Value sum, int64_t n) {
  auto add = sum.getDefiningOp<arith::AddIOp>();
  if (!add)
    return nullptr;
  auto lhs = matchHalf(add.getLhs(), n), rhs = matchHalf(add.getRhs(), n);
  if (!lhs || !rhs || lhs->first != rhs->first || lhs->second == rhs->second)
    return nullptr;
  return lhs->first;
}

bool isSplat(Value v, int64_t value) {
  APInt x;
  return matchPattern(v, m_ConstantInt(&x)) && x.getSExtValue() == value;
}

/// The input of minsi(maxsi(x, -2^15), 2^15 - 1) (an int16 saturation), or
/// null.
Value matchSaturation(Value v) {
  auto min = v.getDefiningOp<arith::MinSIOp>();
  if (!min || !isSplat(min.getRhs(), INT16_MAX))
    return nullptr;
  auto max = min.getLhs().getDefiningOp<arith::MaxSIOp>();
  if (!max || !isSplat(max.getRhs(), INT16_MIN))
    return nullptr;
  return max.getLhs();
}

/// The u8 and s8 operands (x, y) of
/// `sum_adjacent(saturate16(sum_adjacent(zext(x) * sext(y))))` over
/// vector<32xi8> x and y: vpmaddwd(vpmaddubsw(x, y), 1).
std::optional<std::pair<Value, Value>> matchSaturatingQuadDot(Value v) {
  Value saturated = matchAdjacentSum(v, kLanes);
  Value pairs = saturated ? matchSaturation(saturated) : nullptr;
  Value products = pairs ? matchAdjacentSum(pairs, kPairs) : nullptr;
  return qat::matchUnsignedTimesSigned(products, kBytes);
}

/// The saturating quad dot product becomes vpmaddubsw (u8 x s8 products,
/// adjacent pairs summed with int16 saturation) and vpmaddwd by ones
/// (adjacent int16 sums added in i32): the same value, bit for bit.
struct SaturatingQuadDotToVpmaddubsw : OpRewritePattern<arith::AddIOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(arith::AddIOp sum,
                                PatternRewriter &rewriter) const override {
    auto type = VectorType::get({kLanes}, rewriter.getI32Type());
    if (sum.getType() != type)
      return rewriter.notifyMatchFailure(sum, "not a vector<8xi32>");
    std::optional<std::pair<Value, Value>> operands =
        matchSaturatingQuadDot(sum);
    if (!operands)
      return rewriter.notifyMatchFailure(
          sum, "not the pair sums of int16-saturated pair sums of u8 x s8 "
               "products");
    Location loc = sum.getLoc();
    auto i16 = VectorType::get({kPairs}, rewriter.getI16Type());
    Value pairs = LLVM::CallIntrinsicOp::create(
                      rewriter, loc, i16,
                      rewriter.getStringAttr("llvm.x86.avx2.pmadd.ub.sw"),
                      ValueRange{operands->first, operands->second})
                      .getResult(0);
    Value ones = arith::ConstantOp::create(
        rewriter, loc,
        SplatElementsAttr::get(i16, rewriter.getI16IntegerAttr(1)));
    rewriter.replaceOpWithNewOp<LLVM::CallIntrinsicOp>(
        sum, type, rewriter.getStringAttr("llvm.x86.avx2.pmadd.wd"),
        ValueRange{pairs, ones});
    return success();
  }
};

} // namespace

void mlir::qat::populateX86VpmaddubswPatterns(RewritePatternSet &patterns) {
  patterns.add<SaturatingQuadDotToVpmaddubsw>(patterns.getContext());
}

namespace mlir::qat {
namespace {
struct QATX86VpmaddubswPass
    : impl::QATX86VpmaddubswPassBase<QATX86VpmaddubswPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateX86VpmaddubswPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
} // namespace mlir::qat
