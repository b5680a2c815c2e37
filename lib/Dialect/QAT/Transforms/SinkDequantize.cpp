//===- SinkDequantize.cpp - data movement on integer storage --------------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// Data movement commutes with a per-tensor dequantization, so it can run on
// the storage values; then quantize(dequantize(q)) pairs on one grid vanish
// and the integer tensor flows on (docs/Semantics.md §8.7).
//
//===----------------------------------------------------------------------===//

#include "qat/Dialect/QAT/IR/QATOps.h"
#include "qat/Dialect/QAT/Transforms/Passes.h"
#include "qat/Dialect/QAT/Transforms/Patterns.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace mlir::qat {
#define GEN_PASS_DEF_QATSINKDEQUANTIZEPASS
#include "qat/Dialect/QAT/Transforms/Passes.h.inc"
} // namespace mlir::qat

using namespace mlir;
using namespace mlir::qat;

namespace {

/// The dequantization of a per-tensor grid defining `v`, or null.
DequantizeOp getPerTensorDequantize(Value v) {
  auto dq = v.getDefiningOp<DequantizeOp>();
  if (!dq || !isa<quant::UniformQuantizedType>(dq.getGridType()))
    return nullptr;
  return dq;
}

/// `op`'s result as the dequantization of `storage` (the same op applied to
/// the storage values), on `source`'s grid.
void replaceWithDequantized(PatternRewriter &rewriter, Operation *op,
                            Value storage, DequantizeOp source) {
  rewriter.replaceOpWithNewOp<DequantizeOp>(op, op->getResult(0).getType(),
                                            storage, source.getGridAttr());
}

/// The float tensor type `t` with the element type of `storage`.
RankedTensorType withStorageElement(Type t, Value storage) {
  return cast<RankedTensorType>(t).clone(
      cast<RankedTensorType>(storage.getType()).getElementType());
}

/// Reshapes and slices: the same op on the storage values.
template <typename OpTy>
struct SinkThroughDataMovement : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    DequantizeOp dq = getPerTensorDequantize(op->getOperand(0));
    if (!dq)
      return rewriter.notifyMatchFailure(
          op, "the source is not a per-tensor dequantize");
    Value q = dq.getInput();
    Operation *clone = rewriter.clone(*op);
    clone->setOperand(0, q);
    clone->getResult(0).setType(
        withStorageElement(op->getResult(0).getType(), q));
    replaceWithDequantized(rewriter, op, clone->getResult(0), dq);
    return success();
  }
};

/// A transpose of the storage values into an empty storage tensor.
struct SinkThroughTranspose : OpRewritePattern<linalg::TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::TransposeOp transpose,
                                PatternRewriter &rewriter) const override {
    DequantizeOp dq = getPerTensorDequantize(transpose.getInput());
    if (!dq)
      return rewriter.notifyMatchFailure(
          transpose, "the input is not a per-tensor dequantize");
    if (transpose->getNumResults() != 1)
      return rewriter.notifyMatchFailure(transpose, "not on tensors");
    Location loc = transpose.getLoc();
    Value q = dq.getInput();
    Value init = tensor::EmptyOp::create(
        rewriter, loc,
        tensor::getMixedSizes(rewriter, loc, transpose.getInit()),
        cast<RankedTensorType>(q.getType()).getElementType());
    auto moved = linalg::TransposeOp::create(rewriter, loc, q, init,
                                             transpose.getPermutation());
    replaceWithDequantized(rewriter, transpose, moved->getResult(0), dq);
    return success();
  }
};

/// A generic that only copies elements of its one input (through any map:
/// a broadcast, a reversal, a nearest-neighbour resize) into a tensor it
/// does not read: the same copy of the storage values.
struct SinkThroughCopy : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::GenericOp copy,
                                PatternRewriter &rewriter) const override {
    if (copy.getNumDpsInputs() != 1 || copy.getNumResults() != 1)
      return rewriter.notifyMatchFailure(copy, "not one input and result");
    Block &body = copy.getRegion().front();
    if (body.getTerminator()->getOperand(0) != body.getArgument(0) ||
        !body.without_terminator().empty())
      return rewriter.notifyMatchFailure(copy, "not a copy of its input");
    DequantizeOp dq = getPerTensorDequantize(copy.getDpsInputs()[0]);
    if (!dq)
      return rewriter.notifyMatchFailure(
          copy, "the input is not a per-tensor dequantize");
    Location loc = copy.getLoc();
    Value q = dq.getInput();
    Type element = cast<RankedTensorType>(q.getType()).getElementType();
    Value init = tensor::EmptyOp::create(
        rewriter, loc,
        tensor::getMixedSizes(rewriter, loc, copy.getDpsInits()[0]), element);
    auto moved = linalg::GenericOp::create(
        rewriter, loc,
        TypeRange{withStorageElement(copy.getResult(0).getType(), q)},
        ValueRange{q}, ValueRange{init}, copy.getIndexingMapsArray(),
        copy.getIteratorTypesArray(),
        [](OpBuilder &b, Location l, ValueRange args) {
          linalg::YieldOp::create(b, l, args[0]);
        });
    replaceWithDequantized(rewriter, copy, moved.getResult(0), dq);
    return success();
  }
};

/// `pad` of `dq`'s value as the same pad of its storage with `code`,
/// dequantized.
void replaceWithStoragePad(PatternRewriter &rewriter, tensor::PadOp pad,
                           DequantizeOp dq, int64_t code) {
  Value q = dq.getInput();
  auto type = withStorageElement(pad.getResultType(), q);
  unsigned width = type.getElementTypeBitWidth();
  Value value = arith::ConstantOp::create(
      rewriter, pad.getLoc(),
      rewriter.getIntegerAttr(type.getElementType(),
                              APInt(width, code, /*isSigned=*/code < 0,
                                    /*implicitTrunc=*/true)));
  Value padded =
      tensor::PadOp::create(rewriter, pad.getLoc(), type, q,
                            pad.getMixedLowPad(), pad.getMixedHighPad(), value);
  replaceWithDequantized(rewriter, pad, padded, dq);
}

/// A pad with 0.0 is a pad of the storage with the zero point.
struct SinkThroughZeroPad : OpRewritePattern<tensor::PadOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tensor::PadOp pad,
                                PatternRewriter &rewriter) const override {
    DequantizeOp dq = getPerTensorDequantize(pad.getSource());
    FloatAttr value;
    Value padding = pad.getConstantPaddingValue();
    if (!dq)
      return rewriter.notifyMatchFailure(
          pad, "the source is not a per-tensor dequantize");
    if (!padding || !matchPattern(padding, m_Constant(&value)) ||
        !value.getValue().isZero())
      return rewriter.notifyMatchFailure(pad, "the padding is not 0.0");
    auto grid = cast<quant::UniformQuantizedType>(dq.getGridType());
    replaceWithStoragePad(rewriter, pad, dq, grid.getZeroPoint());
    return success();
  }
};

/// A pad with -inf read only by max poolings (a padded MaxPool) is a pad of
/// the storage with the lowest storage value: a max over a window never
/// picks it over an element of the input, and a window of pads only
/// yields the lowest value, which a quantize onto the grid makes of -inf
/// too.
struct SinkThroughMaxPoolPad : OpRewritePattern<tensor::PadOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tensor::PadOp pad,
                                PatternRewriter &rewriter) const override {
    DequantizeOp dq = getPerTensorDequantize(pad.getSource());
    FloatAttr value;
    Value padding = pad.getConstantPaddingValue();
    if (!dq)
      return rewriter.notifyMatchFailure(
          pad, "the source is not a per-tensor dequantize");
    if (!padding || !matchPattern(padding, m_Constant(&value)) ||
        !value.getValue().isNegInfinity())
      return rewriter.notifyMatchFailure(pad, "the padding is not -inf");
    if (pad->use_empty() ||
        !llvm::all_of(pad->getUsers(), [&](Operation *user) {
          auto pool = dyn_cast<linalg::PoolingNhwcMaxOp>(user);
          return pool && pool.getDpsInputs()[0] == pad.getResult();
        }))
      return rewriter.notifyMatchFailure(
          pad, "the padded tensor is read other than by max pooling");
    auto grid = cast<quant::UniformQuantizedType>(dq.getGridType());
    replaceWithStoragePad(rewriter, pad, dq, grid.getStorageTypeMin());
    return success();
  }
};

/// A concatenation of tensors dequantized from one grid.
struct SinkThroughConcat : OpRewritePattern<tensor::ConcatOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tensor::ConcatOp concat,
                                PatternRewriter &rewriter) const override {
    SmallVector<Value> storage;
    DequantizeOp first;
    for (Value in : concat.getInputs()) {
      DequantizeOp dq = getPerTensorDequantize(in);
      if (!dq)
        return rewriter.notifyMatchFailure(
            concat, "an input is not a per-tensor dequantize");
      if (first && dq.getGrid() != first.getGrid())
        return rewriter.notifyMatchFailure(concat,
                                           "the inputs are on different grids");
      first = first ? first : dq;
      storage.push_back(dq.getInput());
    }
    auto joined = tensor::ConcatOp::create(
        rewriter, concat.getLoc(),
        withStorageElement(concat.getType(), storage.front()), concat.getDim(),
        storage);
    replaceWithDequantized(rewriter, concat, joined, first);
    return success();
  }
};

/// Max pooling from -inf: integer max pooling from the lowest storage value.
struct SinkThroughMaxPool : OpRewritePattern<linalg::PoolingNhwcMaxOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::PoolingNhwcMaxOp pool,
                                PatternRewriter &rewriter) const override {
    DequantizeOp dq = getPerTensorDequantize(pool.getDpsInputs()[0]);
    auto fill = pool.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
    FloatAttr init;
    if (!dq)
      return rewriter.notifyMatchFailure(
          pool, "the input is not a per-tensor dequantize");
    if (!fill || !matchPattern(fill.getDpsInputs()[0], m_Constant(&init)) ||
        !init.getValue().isNegInfinity())
      return rewriter.notifyMatchFailure(pool,
                                         "the pooling does not start at -inf");
    auto grid = cast<quant::UniformQuantizedType>(dq.getGridType());
    Location loc = pool.getLoc();
    Value q = dq.getInput();
    auto type = withStorageElement(pool.getResultTypes()[0], q);
    Type element = type.getElementType();
    unsigned width = type.getElementTypeBitWidth();
    int64_t lowest = grid.getStorageTypeMin();
    Value low = arith::ConstantOp::create(
        rewriter, loc,
        rewriter.getIntegerAttr(element,
                                APInt(width, lowest, /*isSigned=*/lowest < 0,
                                      /*implicitTrunc=*/true)));
    Value empty = tensor::EmptyOp::create(
        rewriter, loc,
        tensor::getMixedSizes(rewriter, loc, pool.getDpsInits()[0]), element);
    Value start =
        linalg::FillOp::create(rewriter, loc, low, empty).getResult(0);
    SmallVector<Value> ins{q, pool.getDpsInputs()[1]};
    Value result =
        grid.isSigned()
            ? linalg::PoolingNhwcMaxOp::create(
                  rewriter, loc, TypeRange{type}, ins, ValueRange{start},
                  pool.getStridesAttr(), pool.getDilationsAttr())
                  .getResult(0)
            : linalg::PoolingNhwcMaxUnsignedOp::create(
                  rewriter, loc, TypeRange{type}, ins, ValueRange{start},
                  pool.getStridesAttr(), pool.getDilationsAttr())
                  .getResult(0);
    replaceWithDequantized(rewriter, pool, result, dq);
    return success();
  }
};

/// quantize(concat(x_i)) = concat(quantize(x_i)): quantizing is
/// element-wise.
struct DistributeQuantizeOverConcat : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(QuantizeOp quantize,
                                PatternRewriter &rewriter) const override {
    auto concat = quantize.getInput().getDefiningOp<tensor::ConcatOp>();
    if (!concat || !concat->hasOneUse())
      return rewriter.notifyMatchFailure(
          quantize, "the input is not a concatenation used only here");
    if (!isa<quant::UniformQuantizedType>(quantize.getGridType()))
      return rewriter.notifyMatchFailure(quantize, "the grid is per-axis");
    SmallVector<Value> parts;
    for (Value in : concat.getInputs())
      parts.push_back(QuantizeOp::create(
          rewriter, quantize.getLoc(),
          withStorageElement(in.getType(), quantize.getOutput()), in,
          quantize.getGridAttr(), quantize.getRoundingAttr(),
          quantize.getReciprocalScaleAttr()));
    rewriter.replaceOpWithNewOp<tensor::ConcatOp>(
        quantize, quantize.getOutput().getType(), concat.getDim(), parts);
    return success();
  }
};

/// A qat.quantize like `quantize` (its grid, rounding) of `input`.
Value quantizeLike(PatternRewriter &rewriter, QuantizeOp quantize,
                   Value input) {
  return QuantizeOp::create(
      rewriter, quantize.getLoc(),
      withStorageElement(input.getType(), quantize.getOutput()), input,
      quantize.getGridAttr(), quantize.getRoundingAttr(),
      quantize.getReciprocalScaleAttr());
}

/// The data movement op defining `quantize`'s input if it has no other use
/// and the grid is per tensor (then quantizing commutes with it), or null.
template <typename OpTy> OpTy getHoistableMove(QuantizeOp quantize) {
  auto move = quantize.getInput().getDefiningOp<OpTy>();
  if (!move || !move->hasOneUse() ||
      !isa<quant::UniformQuantizedType>(quantize.getGridType()))
    return nullptr;
  return move;
}

/// quantize(m(x)) = m(quantize(x)) for a reshape or slice m: quantizing is
/// element-wise, so the computation before m (a 1-D convolution imported as
/// a 2-D one, then reshaped) ends in the quantize its region needs.
template <typename OpTy>
struct HoistQuantizeAboveDataMovement : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(QuantizeOp quantize,
                                PatternRewriter &rewriter) const override {
    OpTy move = getHoistableMove<OpTy>(quantize);
    if (!move)
      return rewriter.notifyMatchFailure(
          quantize, "the input is not a data movement op used only here");
    Value q = quantizeLike(rewriter, quantize, move->getOperand(0));
    Operation *clone = rewriter.clone(*move);
    clone->setOperand(0, q);
    clone->getResult(0).setType(quantize.getOutput().getType());
    rewriter.replaceOp(quantize, clone->getResult(0));
    return success();
  }
};

/// quantize(transpose(x)) = transpose(quantize(x)), into an empty storage
/// tensor.
struct HoistQuantizeAboveTranspose : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(QuantizeOp quantize,
                                PatternRewriter &rewriter) const override {
    auto transpose = getHoistableMove<linalg::TransposeOp>(quantize);
    if (!transpose || transpose->getNumResults() != 1)
      return rewriter.notifyMatchFailure(
          quantize, "the input is not a transpose used only here");
    Location loc = transpose.getLoc();
    Value q = quantizeLike(rewriter, quantize, transpose.getInput());
    Value init = tensor::EmptyOp::create(
        rewriter, loc,
        tensor::getMixedSizes(rewriter, loc, transpose.getInit()),
        quantize.getOutput().getType().getElementType());
    rewriter.replaceOp(quantize,
                       linalg::TransposeOp::create(rewriter, loc, q, init,
                                                   transpose.getPermutation())
                           ->getResult(0));
    return success();
  }
};

/// quantize(dequantize(q)) on one grid is q: the dequantized value divided
/// by its own scale is within 2^-6 of q - z (Semantics.md §5).
struct FoldQuantizeOfDequantize : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(QuantizeOp quantize,
                                PatternRewriter &rewriter) const override {
    auto dq = quantize.getInput().getDefiningOp<DequantizeOp>();
    Type element = quantize.getInput().getType().getElementType();
    if (!dq || dq.getGrid() != quantize.getGrid())
      return rewriter.notifyMatchFailure(
          quantize, "the input is not a dequantize on the same grid");
    // Exact only in f32 and f64 (Semantics.md §5).
    if (!(element.isF32() || element.isF64()))
      return rewriter.notifyMatchFailure(quantize, "not f32 or f64");
    rewriter.replaceOp(quantize, dq.getInput());
    return success();
  }
};

} // namespace

/// Whether `operand` reads a matmul's result through an expand_shape (the
/// rows of an N-D x 2-D matmul, or the batch of an N-D batch matmul, joined
/// for the contraction and split again): its element-wise consumer (the
/// bias, an activation) folds into the contraction's shape, so that its
/// region can form.
static bool readsReshapedContraction(OpOperand *operand) {
  auto expand = operand->get().getDefiningOp<tensor::ExpandShapeOp>();
  return expand && isa_and_nonnull<linalg::MatmulOp, linalg::BatchMatmulOp>(
                       expand.getSrc().getDefiningOp());
}

void mlir::qat::populateSinkDequantizePatterns(RewritePatternSet &patterns) {
  // Upstream's fold of an expand_shape into its consumer generic, which
  // collapses the generic's iteration space and expands its result.
  linalg::populateFoldReshapeOpsByCollapsingPatterns(patterns,
                                                     readsReshapedContraction);
  patterns.add<SinkThroughDataMovement<tensor::CollapseShapeOp>,
               SinkThroughDataMovement<tensor::ExpandShapeOp>,
               SinkThroughDataMovement<tensor::ExtractSliceOp>,
               SinkThroughTranspose, SinkThroughCopy, SinkThroughZeroPad,
               SinkThroughMaxPoolPad, SinkThroughConcat, SinkThroughMaxPool,
               DistributeQuantizeOverConcat,
               HoistQuantizeAboveDataMovement<tensor::CollapseShapeOp>,
               HoistQuantizeAboveDataMovement<tensor::ExpandShapeOp>,
               HoistQuantizeAboveDataMovement<tensor::ExtractSliceOp>,
               HoistQuantizeAboveTranspose, FoldQuantizeOfDequantize>(
      patterns.getContext());
}

namespace mlir::qat {
namespace {
struct QATSinkDequantizePass
    : impl::QATSinkDequantizePassBase<QATSinkDequantizePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateSinkDequantizePatterns(patterns);
    // Greedily, to a fixpoint: a dequantize moved below one op meets the
    // next (a chain of reshapes, or a quantize to fold with).
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
} // namespace mlir::qat
