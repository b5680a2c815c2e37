//===- VectorizeElementwise.cpp - element-wise linalg ops as vectors ------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// Upstream lowers the element-wise linalg ops around the kernels (the
// quantization of a graph's input, widenings, the fill and copy of a
// padding, dequantization) to scalar loops, which LLVM's loop vectorizer
// leaves scalar here (byte loads and stores): around a depthwise
// convolution they took most of the time. Upstream's linalg vectorizer
// handles such ops once their shape is a vector's: this pass tiles the
// innermost dimension to a vector's width and vectorizes each tile. Upstream
// has the two steps (tileUsingSCF, linalg::vectorize) but no pass that
// chooses the tiles.
//
//===----------------------------------------------------------------------===//

#include "qat/Codegen/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Interfaces/TilingInterface.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

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

/// An op this pass vectorizes: on buffers, every loop parallel, static
/// bounds, scalar int or float operands; and its innermost tile width.
int64_t getTileWidth(linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumLoops() == 0 ||
      op.getNumParallelLoops() != op.getNumLoops() || op.hasDynamicShape())
    return 0;
  unsigned bits = 8;
  for (OpOperand &operand : op->getOpOperands()) {
    Type t = getElementTypeOrSelf(operand.get().getType());
    if (!t.isIntOrFloat())
      return 0;
    bits = std::max(bits, t.getIntOrFloatBitWidth());
  }
  return chooseWidth(op.getStaticLoopRanges().back(), bits);
}

} // namespace

namespace mlir::qat {
namespace {
struct QATVectorizeElementwisePass
    : impl::QATVectorizeElementwisePassBase<QATVectorizeElementwisePass> {
  void runOnOperation() override {
    SmallVector<std::pair<linalg::LinalgOp, int64_t>> ops;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (int64_t width = getTileWidth(op))
        ops.push_back({op, width});
    });
    IRRewriter rewriter(&getContext());
    for (auto [op, width] : ops) {
      // Tiles of 1 x ... x 1 x width, each vectorized.
      SmallVector<OpFoldResult> sizes(op.getNumLoops() - 1,
                                      rewriter.getIndexAttr(1));
      sizes.push_back(rewriter.getIndexAttr(width));
      scf::SCFTilingOptions options;
      options.setTileSizes(sizes);
      rewriter.setInsertionPoint(op);
      if (linalg::vectorizeOpPrecondition(op).failed())
        continue;
      FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
          rewriter, cast<TilingInterface>(op.getOperation()), options);
      if (failed(tiled))
        continue;
      rewriter.eraseOp(op);
      Operation *tile = tiled->tiledOps.back();
      rewriter.setInsertionPoint(tile);
      // Static tile shapes: vectorization cannot fail after the
      // precondition held for the whole op.
      if (succeeded(linalg::vectorize(rewriter, tile)))
        rewriter.eraseOp(tile);
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
