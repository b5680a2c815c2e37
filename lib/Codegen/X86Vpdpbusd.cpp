//===- X86Vpdpbusd.cpp - select vpdpbusd for u8 x s8 quad dot products ----===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#include "BytePairs.h"
#include "qat/Codegen/Passes.h"
#include "qat/Codegen/Patterns.h"

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

/// The u8 and s8 operands (x, y) of a quad dot product
/// `(p[0::4] + p[1::4]) + (p[2::4] + p[3::4])` with p = zext(x) * sext(y),
/// x and y vector<64xi8>, in any operand order.
std::optional<std::pair<Value, Value>> matchQuadDot(arith::AddIOp tree) {
  auto left = matchLanePairSum(tree.getLhs()),
       right = matchLanePairSum(tree.getRhs());
  if (!left || !right)
    return std::nullopt;
  // All four come from one product vector, each offset once.
  Value products = (*left)[0].first;
  unsigned offsets = 0;
  for (const auto &half : {*left, *right})
    for (const auto &[source, g] : half)
      if (source == products)
        offsets |= 1u << g;
  if (offsets != 0b1111)
    return std::nullopt;
  return qat::matchUnsignedTimesSigned(products, kGroup * kLanes);
}

/// A quad dot product, added to an accumulator when its one user is such
/// an addition (else to zero), becomes one vpdpbusd.
struct QuadDotToVpdpbusd : OpRewritePattern<arith::AddIOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(arith::AddIOp tree,
                                PatternRewriter &rewriter) const override {
    auto type = VectorType::get({kLanes}, rewriter.getI32Type());
    if (tree.getType() != type)
      return rewriter.notifyMatchFailure(tree, "not a vector<16xi32>");
    std::optional<std::pair<Value, Value>> operands = matchQuadDot(tree);
    if (!operands)
      return rewriter.notifyMatchFailure(
          tree, "not the sum of the u8 x s8 products of each group of four "
                "lanes");
    Operation *root = tree;
    Value acc;
    if (tree->hasOneUse())
      if (auto add = dyn_cast<arith::AddIOp>(*tree->getUsers().begin())) {
        root = add;
        acc = add.getLhs() == tree.getResult() ? add.getRhs() : add.getLhs();
      }
    rewriter.setInsertionPoint(root);
    if (!acc)
      acc = arith::ConstantOp::create(
          rewriter, tree.getLoc(),
          SplatElementsAttr::get(type, rewriter.getI32IntegerAttr(0)));
    rewriter.replaceOpWithNewOp<LLVM::CallIntrinsicOp>(
        root, type, rewriter.getStringAttr("llvm.x86.avx512.vpdpbusd.512"),
        ValueRange{acc, operands->first, operands->second});
    return success();
  }
};

} // namespace

void mlir::qat::populateX86VpdpbusdPatterns(RewritePatternSet &patterns) {
  patterns.add<QuadDotToVpdpbusd>(patterns.getContext());
}

namespace mlir::qat {
namespace {
struct QATX86VpdpbusdPass : impl::QATX86VpdpbusdPassBase<QATX86VpdpbusdPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateX86VpdpbusdPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
} // namespace mlir::qat
