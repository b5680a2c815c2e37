//===- VectorizeElementwise.cpp - element-wise linalg ops as vectors ------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// Upstream lowers the element-wise linalg ops around the kernels (the
// quantization of a graph's input, widenings, the fill and copy of a
// padding, dequantization) and poolings to scalar loops, which LLVM's loop
// vectorizer leaves scalar here (byte loads and stores): around a depthwise
// convolution they took most of the time. Upstream's linalg vectorizer
// handles element-wise ops once their shape is a vector's: this pass tiles
// the innermost dimension to a vector's width and vectorizes each tile
// (upstream has the two steps, tileUsingSCF and linalg::vectorize, but no
// pass that chooses the tiles). Poolings get their own loops.
//
//===----------------------------------------------------------------------===//

#include "VectorBody.h"
#include "qat/Codegen/Passes.h"
#include "qat/Codegen/Patterns.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Interfaces/TilingInterface.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir::qat {
#define GEN_PASS_DEF_QATVECTORIZEELEMENTWISEPASS
#include "qat/Codegen/Passes.h.inc"
} // namespace mlir::qat

using namespace mlir;

namespace {

/// The widest vector a tile may use, in bits (four 512-bit registers).
constexpr int64_t kMaxVectorBits = 2048;

/// The tile width of the innermost dimension of extent `d`: all of it when
/// small, else the widest power of two from 64 down to 8 that divides it,
/// within kMaxVectorBits for elements of `bits`; 0 when none does.
int64_t chooseWidth(int64_t d, unsigned bits) {
  int64_t widest = kMaxVectorBits / bits;
  if (d <= std::min<int64_t>(64, widest))
    return d;
  for (int64_t w = std::min<int64_t>(64, widest); w >= 8; w /= 2)
    if (d % w == 0)
      return w;
  return 0;
}

/// A 2-D pooling over NHWC: loops (n, oh, ow, c, kh, kw).
bool isPooling2D(Operation *op) {
  return isa<linalg::PoolingNhwcMaxOp, linalg::PoolingNhwcMaxUnsignedOp,
             linalg::PoolingNhwcMinOp, linalg::PoolingNhwcMinUnsignedOp,
             linalg::PoolingNhwcSumOp>(op);
}

/// The tile sizes of an element-wise op this pass vectorizes (on buffers,
/// every loop parallel, static bounds, scalar int or float operands):
/// 1 x ... x 1 x w; or nothing.
std::optional<SmallVector<int64_t>> getTileSizes(linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumLoops() == 0 ||
      op.hasDynamicShape())
    return std::nullopt;
  unsigned bits = 8;
  for (OpOperand &operand : op->getOpOperands()) {
    Type t = getElementTypeOrSelf(operand.get().getType());
    if (!t.isIntOrFloat())
      return std::nullopt;
    bits = std::max(bits, t.getIntOrFloatBitWidth());
  }
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (op.getNumParallelLoops() != op.getNumLoops())
    return std::nullopt;
  int64_t w = chooseWidth(ranges.back(), bits);
  if (w == 0)
    return std::nullopt;
  SmallVector<int64_t> sizes(ranges.size() - 1, 1);
  sizes.push_back(w);
  return sizes;
}

/// Rewrites a 2-D NHWC pooling on buffers with static shapes as loops over
/// (n, oh, ow, channel vector) whose body reads the output vector, combines
/// it with the window's input vectors (the pooling body's scalar ops cloned
/// on vectors, window unrolled) and writes it back. Upstream vectorizes
/// only 1-D poolings, and decomposes 2-D ones only on tensors.
LogicalResult vectorizePooling(PatternRewriter &rewriter, linalg::LinalgOp op) {
  if (!isPooling2D(op))
    return rewriter.notifyMatchFailure(op, "not a 2-D NHWC pooling");
  if (!op.hasPureBufferSemantics() || op.hasDynamicShape())
    return rewriter.notifyMatchFailure(op, "not on buffers of static shapes");
  Value input = op.getDpsInputs()[0], output = op.getDpsInits()[0];
  auto outType = cast<MemRefType>(output.getType());
  Type inElem = getElementTypeOrSelf(input.getType()),
       outElem = outType.getElementType();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t w = chooseWidth(ranges[3], std::max(inElem.getIntOrFloatBitWidth(),
                                              outElem.getIntOrFloatBitWidth()));
  if (w == 0)
    return rewriter.notifyMatchFailure(op, "no vector width for the channels");
  if (ranges[4] * ranges[5] > 64)
    return rewriter.notifyMatchFailure(op, "a window of more than 64 taps");
  auto strides = op->getAttrOfType<DenseIntElementsAttr>("strides");
  auto dilations = op->getAttrOfType<DenseIntElementsAttr>("dilations");
  if (!strides || !dilations)
    return rewriter.notifyMatchFailure(op, "no strides or dilations");
  SmallVector<int64_t> s(strides.getValues<int64_t>()),
      d(dilations.getValues<int64_t>());
  Block *body = op.getBlock();
  // The body: (input, window, output) -> yield; the window is unused.
  if (!body->getArgument(1).use_empty())
    return rewriter.notifyMatchFailure(op, "the body reads the window");
  for (Operation &inner : body->without_terminator())
    if (!inner.hasTrait<OpTrait::Elementwise>() &&
        !isa<arith::ConstantOp>(inner))
      return rewriter.notifyMatchFailure(op, "the body is not element-wise");

  Location loc = op.getLoc();
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(op);
  auto index = [&](int64_t v) {
    return arith::ConstantIndexOp::create(rewriter, loc, v).getResult();
  };
  auto inVec = VectorType::get({w}, inElem),
       outVec = VectorType::get({w}, outElem);
  SmallVector<Value> lbs(4, index(0)), ubs, steps(3, index(1));
  for (int64_t i = 0; i < 4; ++i)
    ubs.push_back(index(ranges[i]));
  steps.push_back(index(w));
  scf::buildLoopNest(
      rewriter, loc, lbs, ubs, steps,
      [&](OpBuilder &b, Location l, ValueRange iv) {
        Value acc = vector::TransferReadOp::create(
            b, l, outVec, output, iv, arith::getZeroConstant(b, l, outElem),
            ArrayRef<bool>{true});
        for (int64_t kh = 0; kh < ranges[4]; ++kh)
          for (int64_t kw = 0; kw < ranges[5]; ++kw) {
            auto at = [&](Value o, int64_t stride, int64_t offset) {
              return arith::AddIOp::create(
                  b, l, arith::MulIOp::create(b, l, o, index(stride)),
                  index(offset));
            };
            Value in = vector::TransferReadOp::create(
                b, l, inVec, input,
                ValueRange{iv[0], at(iv[1], s[0], kh * d[0]),
                           at(iv[2], s[1], kw * d[1]), iv[3]},
                arith::getZeroConstant(b, l, inElem), ArrayRef<bool>{true});
            IRMapping map;
            map.map(body->getArgument(0), in);
            map.map(body->getArgument(2), acc);
            acc = qat::cloneBodyOnVectors(b, l, *body, map, w);
          }
        vector::TransferWriteOp::create(b, l, acc, output, iv,
                                        ArrayRef<bool>{true});
      });
  rewriter.eraseOp(op);
  return success();
}

/// Vectorizes `op` in place of it; false if upstream's vectorizer declines.
bool vectorizeInPlace(RewriterBase &rewriter, Operation *op) {
  if (failed(linalg::vectorizeOpPrecondition(op)))
    return false;
  rewriter.setInsertionPoint(op);
  if (failed(linalg::vectorize(rewriter, op)))
    return false;
  rewriter.eraseOp(op);
  return true;
}

/// A 2-D NHWC pooling on buffers as loops over channel vectors.
struct VectorizePooling : OpInterfaceRewritePattern<linalg::LinalgOp> {
  using OpInterfaceRewritePattern::OpInterfaceRewritePattern;

  LogicalResult matchAndRewrite(linalg::LinalgOp op,
                                PatternRewriter &rewriter) const override {
    return vectorizePooling(rewriter, op);
  }
};

/// An element-wise op on buffers tiled to 1 x ... x 1 x w and each tile
/// vectorized by upstream's vectorizer.
struct TileAndVectorizeElementwise
    : OpInterfaceRewritePattern<linalg::LinalgOp> {
  using OpInterfaceRewritePattern::OpInterfaceRewritePattern;

  LogicalResult matchAndRewrite(linalg::LinalgOp op,
                                PatternRewriter &rewriter) const override {
    if (isPooling2D(op))
      return rewriter.notifyMatchFailure(op, "a pooling (own pattern)");
    std::optional<SmallVector<int64_t>> sizes = getTileSizes(op);
    if (!sizes)
      return rewriter.notifyMatchFailure(
          op, "not element-wise on buffers of static shapes with a vector "
              "width for the innermost dimension");
    if (failed(linalg::vectorizeOpPrecondition(op)))
      return rewriter.notifyMatchFailure(op,
                                         "upstream's vectorizer declines it");
    scf::SCFTilingOptions options;
    options.setTileSizes(getAsIndexOpFoldResult(op->getContext(), *sizes));
    rewriter.setInsertionPoint(op);
    FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
        rewriter, cast<TilingInterface>(op.getOperation()), options);
    if (failed(tiled))
      return rewriter.notifyMatchFailure(op, "tiling failed");
    rewriter.eraseOp(op);
    // A tile the vectorizer declines stays a scalar loop.
    vectorizeInPlace(rewriter, tiled->tiledOps.back());
    return success();
  }
};

} // namespace

void mlir::qat::populateVectorizeElementwisePatterns(
    RewritePatternSet &patterns) {
  patterns.add<VectorizePooling, TileAndVectorizeElementwise>(
      patterns.getContext());
}

namespace mlir::qat {
namespace {
struct QATVectorizeElementwisePass
    : impl::QATVectorizeElementwisePassBase<QATVectorizeElementwisePass> {
  void runOnOperation() override {
    {
      RewritePatternSet patterns(&getContext());
      populateVectorizeElementwisePatterns(patterns);
      // One visit per op: the tiles are new ops that must not be visited
      // (a tile the vectorizer declines would be tiled again, forever),
      // and the greedy driver would fold and erase across the program.
      walkAndApplyPatterns(getOperation(), std::move(patterns));
    }
    // 1 x ... x 1 x width vectors as 1-D ones.
    RewritePatternSet patterns(&getContext());
    vector::populateCastAwayVectorLeadingOneDimPatterns(patterns);
    vector::populateVectorTransferDropUnitDimsPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
} // namespace mlir::qat
