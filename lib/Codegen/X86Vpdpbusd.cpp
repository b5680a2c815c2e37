//===- X86Vpdpbusd.cpp - select vpdpbusd for u8 x s8 quad dot products ----===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#include "qat/Codegen/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::qat {
#define GEN_PASS_DEF_QATX86VPDPBUSDPASS
#include "qat/Codegen/Passes.h.inc"
} // namespace mlir::qat

using namespace mlir;

namespace {

constexpr int64_t kLanes = 16, kGroup = 4;

/// Lanes g, g + 4, ..., g + 60 of a vector<64xi32>: (source, g).
std::optional<std::pair<Value, int64_t>> matchStridedLanes(Value v) {
  auto shuffle = v.getDefiningOp<vector::ShuffleOp>();
  if (!shuffle || shuffle.getV1() != shuffle.getV2())
    return std::nullopt;
  ArrayRef<int64_t> mask = shuffle.getMask();
  if (mask.size() != kLanes || mask[0] < 0 || mask[0] >= kGroup)
    return std::nullopt;
  for (int64_t i = 0; i < kLanes; ++i)
    if (mask[i] != kGroup * i + mask[0])
      return std::nullopt;
  return std::make_pair(shuffle.getV1(), mask[0]);
}

/// The two strided-lane operands of an addition, or nothing.
std::optional<std::array<std::pair<Value, int64_t>, 2>>
matchLanePairSum(Value v) {
  auto add = v.getDefiningOp<arith::AddIOp>();
  if (!add)
    return std::nullopt;
  auto lhs = matchStridedLanes(add.getLhs()),
       rhs = matchStridedLanes(add.getRhs());
  if (!lhs || !rhs)
    return std::nullopt;
  return std::array{*lhs, *rhs};
}

/// `acc + ((p[0::4] + p[1::4]) + (p[2::4] + p[3::4]))` with
/// p = zext(x) * sext(y), x and y vector<64xi8>, in any operand order.
struct QuadDotToVpdpbusd : OpRewritePattern<arith::AddIOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(arith::AddIOp add,
                                PatternRewriter &rewriter) const override {
    auto type = VectorType::get({kLanes}, rewriter.getI32Type());
    if (add.getType() != type)
      return failure();
    for (auto [acc, sum] : {std::pair{add.getLhs(), add.getRhs()},
                            std::pair{add.getRhs(), add.getLhs()}}) {
      auto tree = sum.getDefiningOp<arith::AddIOp>();
      if (!tree)
        continue;
      auto left = matchLanePairSum(tree.getLhs()),
           right = matchLanePairSum(tree.getRhs());
      if (!left || !right)
        continue;
      // All four come from one product vector, each offset once.
      Value products = (*left)[0].first;
      unsigned offsets = 0;
      for (const auto &half : {*left, *right})
        for (const auto &[source, g] : half)
          if (source == products)
            offsets |= 1u << g;
      if (offsets != 0b1111)
        continue;
      auto mul = products.getDefiningOp<arith::MulIOp>();
      if (!mul)
        continue;
      Value x, y;
      for (auto [u, s] : {std::pair{mul.getLhs(), mul.getRhs()},
                          std::pair{mul.getRhs(), mul.getLhs()}}) {
        auto zext = u.getDefiningOp<arith::ExtUIOp>();
        auto sext = s.getDefiningOp<arith::ExtSIOp>();
        auto bytes = VectorType::get({kGroup * kLanes}, rewriter.getI8Type());
        if (zext && sext && zext.getIn().getType() == bytes &&
            sext.getIn().getType() == bytes) {
          x = zext.getIn();
          y = sext.getIn();
          break;
        }
      }
      if (!x)
        continue;
      rewriter.replaceOpWithNewOp<LLVM::CallIntrinsicOp>(
          add, type, rewriter.getStringAttr("llvm.x86.avx512.vpdpbusd.512"),
          ValueRange{acc, x, y});
      return success();
    }
    return failure();
  }
};

} // namespace

namespace mlir::qat {
namespace {
struct QATX86VpdpbusdPass : impl::QATX86VpdpbusdPassBase<QATX86VpdpbusdPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<QuadDotToVpdpbusd>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
} // namespace mlir::qat
