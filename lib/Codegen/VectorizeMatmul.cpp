//===- VectorizeMatmul.cpp - exact int8 matmul micro-kernels --------------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// Upstream's tile + vectorize path turns an integer matmul into
// vector.contract on sign-extended i32 operands, which LLVM emits as
// vpmulld (about 35 GOP/s here), and its int8 dot-product lowerings need
// VNNI or AVX-512. This pass builds the micro-kernel itself: i16 pairs
// multiplied and added pairwise (vpmaddwd, after qat-x86-vpmaddwd) or u8 x
// s8 quads summed into i32 (vpdpbusd, after qat-x86-vpdpbusd), with weights
// packed at compile time and the requantization epilogue applied to the
// accumulators while they are still in registers.
//
//===----------------------------------------------------------------------===//

#include "VectorBody.h"
#include "qat/Codegen/ElementRange.h"
#include "qat/Codegen/Passes.h"
#include "qat/Codegen/Patterns.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/CSE.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::qat {
#define GEN_PASS_DEF_QATVECTORIZEMATMULPASS
#include "qat/Codegen/Passes.h.inc"
} // namespace mlir::qat

using namespace mlir;
using namespace mlir::qat;

/// Bytes of activations a matmul's row block keeps in L2 while the panels
/// pass over it (half of a typical 512 KB-1 MB L2).
static constexpr int64_t kL2BlockBytes = 256 * 1024;

namespace {

/// The inner-product step of a micro-kernel: `group` adjacent products of
/// K summed into each i32 lane of a `lanes`-lane accumulator.
struct DotShape {
  /// 2: i16 x i16 pairs (vpmaddwd); 4: u8 x s8 quads (vpdpbusd, or
  /// vpmaddubsw + vpmaddwd).
  int64_t group;
  int64_t lanes;
  /// Width of the packed weights and activations.
  unsigned bits;
  bool unsignedActivations;
  /// Each adjacent pair of products is summed with int16 saturation first
  /// (vpmaddubsw): taken only where no pair sum can saturate.
  bool saturatingPairs = false;
};
constexpr DotShape kPairDot{2, 8, 16, false};
/// The pair step on 512-bit vectors (AVX-512BW's vpmaddwd).
constexpr DotShape kWidePairDot{2, 16, 16, false};
constexpr DotShape kQuadDot{4, 16, 8, true};
constexpr DotShape kQuadI16Dot{4, 8, 8, true, true};

/// Moves `b` to where a region builder `nb` inserts, for the scope.
struct BuildWhere : OpBuilder::InsertionGuard {
  BuildWhere(OpBuilder &b, OpBuilder &nb) : OpBuilder::InsertionGuard(b) {
    b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
  }
};

/// The window of a convolution kernel: NHWC activations, HWCF weights.
struct Window {
  int64_t kh, kw, channels;
  int64_t strideH, strideW, dilationH, dilationW;
  /// N, OH, OW: the rows of the kernel, flattened.
  SmallVector<int64_t> outShape;
  /// A depthwise convolution: each output channel reads only its own input
  /// channel (K is the kh * kw taps, `channels` is 1).
  bool depthwise = false;
};

/// The window of a 2-D NHWC convolution op with `channels` per window
/// position.
template <typename ConvOp>
Window getWindow(ConvOp conv, int64_t channels, bool depthwise) {
  auto strides = conv.getStrides().template getValues<int64_t>();
  auto dilations = conv.getDilations().template getValues<int64_t>();
  auto weight = cast<RankedTensorType>(conv.getDpsInputs()[1].getType());
  auto result = cast<RankedTensorType>(conv->getResultTypes()[0]);
  return Window{weight.getDimSize(0),
                weight.getDimSize(1),
                channels,
                strides[0],
                strides[1],
                dilations[0],
                dilations[1],
                SmallVector<int64_t>(result.getShape().drop_back()),
                depthwise};
}

/// A matched matmul or convolution and its fused consumer.
struct MatmulKernel {
  linalg::LinalgOp op;
  /// Set for a convolution; its activations may be padded by `pad`.
  std::optional<Window> window;
  tensor::PadOp pad;
  /// The constant weight, K x N, as storage integers (i8 or i16 values).
  SmallVector<int64_t> weights;
  int64_t k = 0, n = 0;
  /// For a batch matmul, the batches (each with its own K x N weight);
  /// else 0.
  int64_t batch = 0;
  /// The element-wise consumer of the accumulator, or null.
  linalg::GenericOp consumer;
  /// The consumer's input that reads the accumulator.
  unsigned accumulatorInput = 0;
  /// The activations as i8 storage, when the contraction reads them
  /// extended from i8 (zero-extended: u8 storage, which the quad dot
  /// product can use as it is; a depthwise step widens either in
  /// registers).
  Value narrowActivations;
  bool narrowUnsigned = false;
  /// The activations as u8 storage, or null.
  Value getU8Activations() const {
    return narrowUnsigned ? narrowActivations : nullptr;
  }
  /// Every weight fits in s8.
  bool s8Weights = false;
};

/// Packed weight rows: K in groups of `group`, a convolution's channels
/// padded to whole groups at each window position.
struct PackedRows {
  const MatmulKernel &kernel;
  int64_t group;

  int64_t channelGroups() const {
    return kernel.window ? (kernel.window->channels + group - 1) / group : 0;
  }
  int64_t count() const {
    if (!kernel.window)
      return (kernel.k + group - 1) / group * group;
    if (kernel.window->depthwise)
      return 2 * kernel.k;
    return kernel.window->kh * kernel.window->kw * channelGroups() * group;
  }
  /// The weight row of packed row `r`, or -1 for padding (zero weights).
  int64_t getSourceRow(int64_t r) const {
    // A depthwise tap t is row 2t, paired with a zero row.
    if (kernel.window && kernel.window->depthwise)
      return r % 2 == 0 ? r / 2 : -1;
    if (!kernel.window)
      return r < kernel.k ? r : -1;
    int64_t padded = channelGroups() * group, c = r % padded;
    return c < kernel.window->channels
               ? r / padded * kernel.window->channels + c
               : -1;
  }
};

/// The (pair of packed rows, column) entries whose two products with u8
/// activations up to `maxActivation` can leave int16, which vpmaddubsw
/// would saturate (docs/Codegen.md, "the saturation proof").
int64_t countSaturablePairs(const MatmulKernel &kernel, int64_t maxActivation) {
  PackedRows rows{kernel, kQuadI16Dot.group};
  int64_t count = 0;
  // Every batch's weight of a batch matmul.
  for (int64_t bt = 0; bt < std::max<int64_t>(1, kernel.batch); ++bt) {
    auto weight = [&](int64_t r, int64_t col) -> int64_t {
      int64_t row = rows.getSourceRow(r);
      return row < 0 ? 0
                     : kernel.weights[(bt * kernel.k + row) * kernel.n + col];
    };
    for (int64_t r = 0; r < rows.count(); r += 2)
      for (int64_t col = 0; col < kernel.n; ++col) {
        int64_t w0 = weight(r, col), w1 = weight(r + 1, col);
        int64_t most = maxActivation *
                       (std::max<int64_t>(w0, 0) + std::max<int64_t>(w1, 0));
        int64_t least = maxActivation *
                        (std::min<int64_t>(w0, 0) + std::min<int64_t>(w1, 0));
        count += most > INT16_MAX || least < INT16_MIN;
      }
  }
  return count;
}

/// The largest value of the u8 activations (their storage read unsigned),
/// from the clamps that produce them: 127 for a 7-bit unsigned grid.
int64_t getMaxActivation(const MatmulKernel &kernel) {
  // A convolution's padding value (its zero point) counts too.
  Interval range = getElementRange(kernel.pad ? Value(kernel.pad->getResult(0))
                                              : kernel.getU8Activations());
  return range.lo >= 0 && range.hi <= 255 ? static_cast<int64_t>(range.hi)
                                          : 255;
}

/// How a consumer input is read for one vector (a row, `lanes` columns).
enum class Access { Tile, Column, Row, Scalar };

std::optional<Access> getAccess(AffineMap map) {
  MLIRContext *ctx = map.getContext();
  unsigned rank = map.getNumDims();
  if (map.isIdentity())
    return Access::Tile;
  if (map == AffineMap::get(rank, 0, getAffineDimExpr(rank - 1, ctx)))
    return Access::Column;
  if (map.getNumResults() == 0)
    return Access::Scalar;
  // Every dimension but the channel, perhaps followed by a 0 (the window
  // sums of a convolution keep a channel dimension of size 1).
  SmallVector<AffineExpr> row;
  for (unsigned d = 0; d + 1 < rank; ++d)
    row.push_back(getAffineDimExpr(d, ctx));
  if (map == AffineMap::get(rank, 0, row, ctx))
    return Access::Row;
  row.push_back(getAffineConstantExpr(0, ctx));
  if (map == AffineMap::get(rank, 0, row, ctx))
    return Access::Row;
  return std::nullopt;
}

bool isSmallInteger(Type t) { return t.isInteger(8) || t.isInteger(16); }

/// When `v` is an element-wise sign or zero extension (a linalg.generic
/// whose body is one arith.extsi or arith.extui), its source and whether it
/// zero-extends.
std::optional<std::pair<Value, bool>> matchExtension(Value v) {
  auto ext = v.getDefiningOp<linalg::GenericOp>();
  if (!ext)
    return std::nullopt;
  Block &body = ext.getRegion().front();
  if (ext.getNumDpsInputs() != 1 || body.getOperations().size() != 2 ||
      !isa<arith::ExtUIOp, arith::ExtSIOp>(body.front()) ||
      !llvm::all_of(ext.getIndexingMapsArray(),
                    [](AffineMap m) { return m.isIdentity(); }))
    return std::nullopt;
  return std::make_pair(ext.getDpsInputs()[0],
                        isa<arith::ExtUIOp>(body.front()));
}

/// The values of a constant K x N weight, looking through an extension
/// (qat-to-int widens unsigned weights with one).
std::optional<SmallVector<int64_t>> getConstantWeight(Value v) {
  bool zeroExtend = false;
  if (auto ext = matchExtension(v))
    std::tie(v, zeroExtend) = *ext;
  DenseIntElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)) ||
      !isSmallInteger(attr.getElementType()))
    return std::nullopt;
  SmallVector<int64_t> values;
  for (const APInt &x : attr.getValues<APInt>())
    values.push_back(zeroExtend ? static_cast<int64_t>(x.getZExtValue())
                                : x.getSExtValue());
  return values;
}

/// True when every op of the consumer's body can run on vectors lane by
/// lane, and the body does not read the output.
bool isVectorizableBody(linalg::GenericOp g) {
  Block &body = g.getRegion().front();
  for (BlockArgument out : body.getArguments().drop_front(g.getNumDpsInputs()))
    if (!out.use_empty())
      return false;
  for (Operation &op : body.without_terminator()) {
    if (isa<arith::ConstantOp>(op))
      continue;
    if (!op.hasTrait<OpTrait::Elementwise>() || op.getNumRegions() != 0)
      return false;
    for (Type t : op.getOperandTypes())
      if (!t.isIntOrFloat())
        return false;
  }
  return true;
}

/// The i8 storage `v` extends, and whether it zero-extends it.
std::optional<std::pair<Value, bool>> getI8Storage(Value v) {
  auto ext = matchExtension(v);
  if (!ext || !getElementTypeOrSelf(ext->first.getType()).isInteger(8))
    return std::nullopt;
  return ext;
}

/// A linalg.matmul (activations M x K, weight K x N) or a
/// linalg.conv_2d_nhwc_hwcf (static shapes; its channels are padded to
/// whole groups, so that groups of K stay within one window position) with
/// a constant weight and an i32 accumulator from zero; and its consumer.
/// On failure, `reason` says why (for the remark).
FailureOr<MatmulKernel> matchKernel(linalg::LinalgOp op, std::string &reason) {
  MatmulKernel kernel;
  kernel.op = op;
  auto fail = [&](StringRef why) {
    reason = why.str();
    return failure();
  };
  if (!op.hasPureTensorSemantics())
    return fail("it is not on tensors");
  Value activations = op.getDpsInputs()[0];
  auto aType = dyn_cast<RankedTensorType>(activations.getType());
  auto bType = dyn_cast<RankedTensorType>(op.getDpsInputs()[1].getType());
  auto cType = dyn_cast<RankedTensorType>(op->getResultTypes()[0]);
  if (!aType || !bType || !cType || !isSmallInteger(aType.getElementType()) ||
      !isSmallInteger(bType.getElementType()) ||
      !cType.getElementType().isInteger(32) || !bType.hasStaticShape())
    return fail("operands are not i8/i16 with a static weight, or the "
                "accumulator is not i32");
  auto hasNoElements = [](RankedTensorType t) {
    return llvm::is_contained(t.getShape(), int64_t{0});
  };
  if (hasNoElements(aType) || hasNoElements(bType) || hasNoElements(cType))
    return fail("a tensor with no elements (nothing to compute)");
  if (auto mm = dyn_cast<linalg::MatmulOp>(*op)) {
    if (mm.hasUserDefinedMaps())
      return fail("transposed or broadcast operands");
    if (aType.isDynamicDim(1))
      return fail("dynamic K");
    kernel.k = bType.getDimSize(0);
    kernel.n = bType.getDimSize(1);
  } else if (auto conv = dyn_cast<linalg::Conv2DNhwcHwcfOp>(*op)) {
    if (!aType.hasStaticShape() || !cType.hasStaticShape())
      return fail("dynamic shapes");
    kernel.window = getWindow(conv, bType.getDimSize(2), /*depthwise=*/false);
    kernel.k = bType.getDimSize(0) * bType.getDimSize(1) * bType.getDimSize(2);
    kernel.n = bType.getDimSize(3);
    if ((kernel.pad = activations.getDefiningOp<tensor::PadOp>()) &&
        !kernel.pad.getConstantPaddingValue())
      return fail("the padding value is not a constant");
  } else if (auto bmm = dyn_cast<linalg::BatchMatmulOp>(*op)) {
    if (bmm.hasUserDefinedMaps())
      return fail("transposed or broadcast operands");
    if (aType.isDynamicDim(2) || aType.isDynamicDim(0))
      return fail("dynamic K or batch");
    kernel.batch = bType.getDimSize(0);
    kernel.k = bType.getDimSize(1);
    kernel.n = bType.getDimSize(2);
  } else if (auto dw = dyn_cast<linalg::DepthwiseConv2DNhwcHwcOp>(*op)) {
    if (!aType.hasStaticShape() || !cType.hasStaticShape())
      return fail("dynamic shapes");
    // Weight (kh, kw, C): K x N with K the taps and N the channels.
    kernel.window = getWindow(dw, 1, /*depthwise=*/true);
    kernel.k = bType.getDimSize(0) * bType.getDimSize(1);
    kernel.n = bType.getDimSize(2);
  } else {
    return fail("no vector kernel for this operation yet");
  }
  std::optional<SmallVector<int64_t>> weights =
      getConstantWeight(op.getDpsInputs()[1]);
  if (!weights)
    return fail("the weight is not a constant");
  kernel.weights = std::move(*weights);
  auto fill = op.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
  if (!fill || !matchPattern(fill.getDpsInputs()[0], m_Zero()))
    return fail("the accumulation does not start from zero");
  kernel.s8Weights = llvm::all_of(
      kernel.weights, [](int64_t w) { return w >= -128 && w <= 127; });
  if (auto narrow =
          getI8Storage(kernel.pad ? kernel.pad.getSource() : activations)) {
    std::tie(kernel.narrowActivations, kernel.narrowUnsigned) = *narrow;
  }

  // The consumer: an element-wise generic reading the accumulator once,
  // with per-tile, per-column, per-row or scalar operands.
  if (!op->hasOneUse())
    return kernel;
  auto g = dyn_cast<linalg::GenericOp>(*op->getUsers().begin());
  unsigned rank = cType.getRank();
  if (!g || g.getNumLoops() != rank || g.getNumParallelLoops() != rank ||
      g.getNumDpsInits() != 1 || !g.hasPureTensorSemantics() ||
      !isVectorizableBody(g))
    return kernel;
  auto outType = cast<RankedTensorType>(g.getResultTypes()[0]);
  if (!outType.getElementType().isIntOrFloat() ||
      !g.getMatchingIndexingMap(g.getDpsInitOperand(0)).isIdentity())
    return kernel;
  unsigned uses = 0;
  for (OpOperand *in : g.getDpsInputOperands()) {
    std::optional<Access> access = getAccess(g.getMatchingIndexingMap(in));
    if (!access)
      return kernel;
    if (in->get() == op->getResult(0)) {
      if (*access != Access::Tile)
        return kernel;
      kernel.accumulatorInput = in->getOperandNumber();
      ++uses;
    }
  }
  if (uses == 1)
    kernel.consumer = g;
  return kernel;
}

/// Builds the loop nest of one matched kernel.
class KernelEmitter {
public:
  KernelEmitter(RewriterBase &b, MatmulKernel kernel, DotShape dot, int64_t mr,
                int64_t nv, int64_t rowChunks)
      : b(b), kernel(kernel), loc(kernel.op.getLoc()), dot(dot),
        rowChunks(rowChunks), lanes(dot.lanes), mr(mr), nv(nv), nr(lanes * nv),
        channelGroups(rows().channelGroups()),
        kGroups(rows().count() / dot.group), panels((kernel.n + nr - 1) / nr) {}

  Value emit();

private:
  Value index(int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v).getResult();
  }
  VectorType vec(int64_t n, Type t) { return VectorType::get({n}, t); }
  Type element() { return b.getIntegerType(dot.bits); }
  /// The packed weights' element type: i8 when the pair step's weights fit
  /// (sign-extended as they are loaded: half the memory traffic, which
  /// bounds a 1-row matmul), else the step's.
  Type packedElement() {
    bool narrow = dot.bits == 16 && kernel.s8Weights && !isDepthwise();
    return narrow ? b.getI8Type() : element();
  }
  /// How the forall splits the rows besides the panels.
  struct RowChunks {
    int64_t chunks;
    /// Rows per chunk (an index value).
    Value chunkRows;
    /// The chunks are row blocks that fit in L2, outside the panels.
    bool rowBlocks;
    /// A convolution of one image (chunks of whole output rows).
    bool oneImage;
  };

  Value packWeights();
  Value prepareActivations();
  /// The result's sizes but the columns, and (in `rows`) its rows.
  SmallVector<OpFoldResult> getResultSizes(Value &rows);
  RowChunks chooseRowChunks(Value rows);
  /// The forall's body: one chunk of rows of one panel, its slice of the
  /// result written in whole tiles.
  void emitChunk(scf::ForallOp forall, ArrayRef<OpFoldResult> sizes, Value rows,
                 const RowChunks &chunking, Value c0, Value c1);
  /// The result coordinates of row `m` but the channel: (m) for a matmul,
  /// (batch, oh, ow) for a convolution.
  SmallVector<Value> getRowCoordinates(Value m);
  /// One `rows` x nr tile at (m0, panel): the K loops, then the epilogue
  /// written into `out`, the panel's columns of the result.
  Value emitTile(int64_t rows, Value m0, Value panel, Value out);
  /// The consumer's body on one accumulator vector of row `m` (result
  /// coordinates `coords`), columns [n, n + lanes).
  Value emitEpilogue(Value acc, Value m, ArrayRef<Value> coords, Value n);
  /// `acc` plus, per i32 lane, the sum of its `group` products of `x` and
  /// `y` lanes (x zero-extended for the quad dot, else sign-extended).
  Value dotStep(Value acc, Value x, Value y);
  /// One tap (kh, kw) = `ivs` of a depthwise tile: per row and accumulator
  /// vector, the channels' activations widened and multiplied by the
  /// channels' weights.
  SmallVector<Value> depthwiseStep(ArrayRef<Value> ivs, ValueRange accs,
                                   int64_t rows,
                                   ArrayRef<SmallVector<Value>> coords,
                                   ArrayRef<Value> top, ArrayRef<Value> left,
                                   Value panel, Value n0);

  RewriterBase &b;
  MatmulKernel kernel;
  Location loc;
  const DotShape dot;
  /// Chunks of rows the forall splits the rows into, besides the panels.
  int64_t rowChunks;
  /// A convolution's channels are padded to whole groups (channelGroups of
  /// them per window position), with zero weights.
  const int64_t lanes, mr, nv, nr, channelGroups, kGroups, panels;
  PackedRows rows() const { return {kernel, dot.group}; }
  bool isDepthwise() const { return kernel.window && kernel.window->depthwise; }
  Value packed, activations;
  /// The row coordinates of the first row of the slice being written.
  SmallVector<Value> sliceOrigin;
  /// A batch matmul's batch, in the forall.
  Value batchIndex;
  /// Whether every column of every panel exists (no masked reads of
  /// per-column operands, no final slice of the result).
  bool fullPanels() const { return kernel.n % nr == 0; }
};

Value KernelEmitter::packWeights() {
  // [panel][group][column c of the panel][g]: column panel * nr + c, row
  // group * dot.group + g; zeros beyond K and N.
  // A batch matmul has one such weight per batch.
  int64_t g = dot.group, batches = std::max<int64_t>(1, kernel.batch);
  int64_t perBatch = panels * kGroups * g * nr;
  unsigned bits = packedElement().getIntOrFloatBitWidth();
  SmallVector<APInt> data(batches * perBatch, APInt(bits, 0));
  for (int64_t bt = 0; bt < batches; ++bt)
    for (int64_t p = 0; p < panels; ++p)
      for (int64_t kg = 0; kg < kGroups; ++kg)
        for (int64_t c = 0; c < nr; ++c)
          for (int64_t q = 0; q < g; ++q) {
            int64_t row = rows().getSourceRow(g * kg + q), col = p * nr + c;
            if (row >= 0 && col < kernel.n)
              data[bt * perBatch + (p * kGroups + kg) * g * nr + g * c + q] =
                  APInt(bits,
                        kernel.weights[(bt * kernel.k + row) * kernel.n + col],
                        /*isSigned=*/true);
          }
  SmallVector<int64_t> shape{panels, kGroups, g * nr};
  if (kernel.batch)
    shape.insert(shape.begin(), kernel.batch);
  auto type = RankedTensorType::get(shape, packedElement());
  return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(type, data))
      .getResult();
}

Value KernelEmitter::prepareActivations() {
  Value a = kernel.op.getDpsInputs()[0];
  // A depthwise step widens each channel vector as it reads it: from the
  // i8 storage where there is one.
  if (isDepthwise() && !kernel.narrowActivations)
    return a;
  if (dot.unsignedActivations || isDepthwise()) {
    a = kernel.narrowActivations;
    // A convolution's padding moves onto the i8 storage; its value is a
    // zero point, which fits.
    if (kernel.pad) {
      Value value = arith::TruncIOp::create(
          b, loc, b.getI8Type(), kernel.pad.getConstantPaddingValue());
      a = tensor::PadOp::create(
              b, loc, kernel.pad.getResultType().clone(b.getI8Type()), a,
              kernel.pad.getMixedLowPad(), kernel.pad.getMixedHighPad(), value)
              .getResult();
    }
    if (isDepthwise())
      return a;
  } else if (getElementTypeOrSelf(a.getType()).isInteger(8)) {
    // Pairs are i16: sign-extend i8 activations.
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, a);
    Value init = tensor::EmptyOp::create(b, loc, sizes, b.getI16Type());
    unsigned rank = sizes.size();
    AffineMap id = b.getMultiDimIdentityMap(rank);
    a = linalg::GenericOp::create(
            b, loc, TypeRange{init.getType()}, ValueRange{a}, ValueRange{init},
            ArrayRef<AffineMap>{id, id},
            SmallVector<utils::IteratorType>(rank,
                                             utils::IteratorType::parallel),
            [](OpBuilder &nb, Location l, ValueRange args) {
              linalg::YieldOp::create(nb, l,
                                      ValueRange{arith::ExtSIOp::create(
                                          nb, l, nb.getI16Type(), args[0])});
            })
            .getResult(0);
  }
  // Zeros up to a whole group in the last dimension (K of a matmul, the
  // channels of a convolution), which meet zero weight rows.
  int64_t padding = kernel.window
                        ? channelGroups * dot.group - kernel.window->channels
                        : kGroups * dot.group - kernel.k;
  if (padding == 0)
    return a;
  Value zero = arith::ConstantOp::create(b, loc, b.getIntegerAttr(element(), 0))
                   .getResult();
  SmallVector<int64_t> shape(cast<RankedTensorType>(a.getType()).getShape());
  shape.back() += padding;
  SmallVector<OpFoldResult> lo(shape.size(), b.getIndexAttr(0)), hi(lo);
  hi.back() = b.getIndexAttr(padding);
  return tensor::PadOp::create(b, loc, RankedTensorType::get(shape, element()),
                               a, lo, hi, zero)
      .getResult();
}

SmallVector<Value> KernelEmitter::getRowCoordinates(Value m) {
  if (kernel.batch)
    return {batchIndex, m};
  if (!kernel.window)
    return {m};
  int64_t oh = kernel.window->outShape[1], ow = kernel.window->outShape[2];
  Value x = arith::RemUIOp::create(b, loc, m, index(ow));
  Value rest = arith::DivUIOp::create(b, loc, m, index(ow));
  Value y = arith::RemUIOp::create(b, loc, rest, index(oh));
  Value batch = arith::DivUIOp::create(b, loc, rest, index(oh));
  return {batch, y, x};
}

Value KernelEmitter::dotStep(Value acc, Value x, Value y) {
  Type i32 = b.getI32Type();
  // Lanes g, g + group, g + 2 * group, ... of a vector.
  auto strided = [&](Value v, int64_t g) {
    SmallVector<int64_t> mask;
    for (int64_t i = 0; i < lanes; ++i)
      mask.push_back(dot.group * i + g);
    return vector::ShuffleOp::create(b, loc, v, v, mask).getResult();
  };
  if (dot.group == 2) {
    // Shuffle, then widen: the form qat-x86-vpmaddwd recognises.
    auto widen = [&](Value v, int64_t g) {
      return arith::ExtSIOp::create(b, loc, vec(lanes, i32), strided(v, g))
          .getResult();
    };
    Value even = arith::MulIOp::create(b, loc, widen(x, 0), widen(y, 0));
    Value odd = arith::MulIOp::create(b, loc, widen(x, 1), widen(y, 1));
    return arith::AddIOp::create(b, loc, acc,
                                 arith::AddIOp::create(b, loc, even, odd));
  }
  auto wide = vec(dot.group * lanes, i32);
  Value products =
      arith::MulIOp::create(b, loc, arith::ExtUIOp::create(b, loc, wide, x),
                            arith::ExtSIOp::create(b, loc, wide, y));
  if (dot.saturatingPairs) {
    // Adjacent products summed and clamped to int16, then adjacent pair
    // sums added: vpmaddubsw's and vpmaddwd's semantics exactly, the form
    // qat-x86-vpmaddubsw recognises. The clamp never acts where this step
    // is chosen.
    auto half = [&](Value v, int64_t n, int64_t odd) {
      SmallVector<int64_t> mask;
      for (int64_t i = 0; i < n; ++i)
        mask.push_back(2 * i + odd);
      return vector::ShuffleOp::create(b, loc, v, v, mask).getResult();
    };
    auto bound = [&](int64_t v) {
      return arith::ConstantOp::create(
          b, loc,
          SplatElementsAttr::get(vec(2 * lanes, i32), b.getI32IntegerAttr(v)));
    };
    Value pairs = arith::AddIOp::create(b, loc, half(products, 2 * lanes, 0),
                                        half(products, 2 * lanes, 1));
    Value saturated = arith::MinSIOp::create(
        b, loc, arith::MaxSIOp::create(b, loc, pairs, bound(INT16_MIN)),
        bound(INT16_MAX));
    return arith::AddIOp::create(
        b, loc, acc,
        arith::AddIOp::create(b, loc, half(saturated, lanes, 0),
                              half(saturated, lanes, 1)));
  }
  // Sum each group of four: the form qat-x86-vpdpbusd recognises.
  Value sum01 =
      arith::AddIOp::create(b, loc, strided(products, 0), strided(products, 1));
  Value sum23 =
      arith::AddIOp::create(b, loc, strided(products, 2), strided(products, 3));
  return arith::AddIOp::create(b, loc, acc,
                               arith::AddIOp::create(b, loc, sum01, sum23));
}

SmallVector<Value>
KernelEmitter::depthwiseStep(ArrayRef<Value> ivs, ValueRange accs, int64_t rows,
                             ArrayRef<SmallVector<Value>> coords,
                             ArrayRef<Value> top, ArrayRef<Value> left,
                             Value panel, Value n0) {
  Type i16 = b.getI16Type(), i32 = b.getI32Type();
  Type aElem = getElementTypeOrSelf(activations.getType());
  Value tap = arith::AddIOp::create(
      b, loc, arith::MulIOp::create(b, loc, ivs[0], index(kernel.window->kw)),
      ivs[1]);
  // (w, 0) pairs of the panel's channels.
  SmallVector<Value> weights;
  for (int64_t v = 0; v < nv; ++v)
    weights.push_back(vector::TransferReadOp::create(
        b, loc, vec(2 * lanes, i16), packed,
        ValueRange{panel, tap, index(2 * lanes * v)},
        arith::getZeroConstant(b, loc, i16), ArrayRef<bool>{true}));
  Value dy =
      arith::MulIOp::create(b, loc, ivs[0], index(kernel.window->dilationH));
  Value dx =
      arith::MulIOp::create(b, loc, ivs[1], index(kernel.window->dilationW));
  SmallVector<Value> next;
  for (int64_t i = 0; i < rows; ++i) {
    Value y = arith::AddIOp::create(b, loc, top[i], dy);
    Value x = arith::AddIOp::create(b, loc, left[i], dx);
    for (int64_t v = 0; v < nv; ++v) {
      // Channels beyond C (a partial panel) read as zeros.
      Value c = arith::AddIOp::create(b, loc, n0, index(lanes * v));
      Value a = vector::TransferReadOp::create(
          b, loc, vec(lanes, aElem), activations,
          ValueRange{coords[i][0], y, x, c},
          arith::getZeroConstant(b, loc, aElem), ArrayRef<bool>{fullPanels()});
      // The i16 value in the low half of an i32 lane, zeros above.
      if (aElem.isInteger(8))
        a = kernel.narrowUnsigned
                ? Value(arith::ExtUIOp::create(b, loc, vec(lanes, i16), a))
                : Value(arith::ExtSIOp::create(b, loc, vec(lanes, i16), a));
      Value lane = arith::ExtUIOp::create(b, loc, vec(lanes, i32), a);
      Value pair = vector::BitCastOp::create(b, loc, vec(2 * lanes, i16), lane);
      next.push_back(dotStep(accs[i * nv + v], pair, weights[v]));
    }
  }
  return next;
}

Value KernelEmitter::emitEpilogue(Value acc, Value m, ArrayRef<Value> coords,
                                  Value n) {
  linalg::GenericOp g = kernel.consumer;
  if (!g)
    return acc;
  Block &body = g.getRegion().front();
  IRMapping map;
  for (OpOperand *in : g.getDpsInputOperands()) {
    unsigned i = in->getOperandNumber();
    Value value;
    auto elementType = getElementTypeOrSelf(in->get().getType());
    switch (*getAccess(g.getMatchingIndexingMap(in))) {
    case Access::Tile: {
      SmallVector<Value> indices(coords);
      indices.push_back(n);
      value = i == kernel.accumulatorInput
                  ? acc
                  : vector::TransferReadOp::create(
                        b, loc, vec(lanes, elementType), in->get(), indices,
                        arith::getZeroConstant(b, loc, elementType),
                        ArrayRef<bool>{fullPanels()})
                        .getResult();
      break;
    }
    case Access::Column:
      value = vector::TransferReadOp::create(
                  b, loc, vec(lanes, elementType), in->get(), ValueRange{n},
                  arith::getZeroConstant(b, loc, elementType),
                  ArrayRef<bool>{fullPanels()})
                  .getResult();
      break;
    case Access::Row:
    case Access::Scalar: {
      // A matmul's (m) vector, a convolution's (batch, oh, ow[, 0]) sums.
      int64_t rank = cast<RankedTensorType>(in->get().getType()).getRank();
      SmallVector<Value> indices;
      if (rank > 0)
        indices.assign(coords.begin(), coords.end());
      if (rank == static_cast<int64_t>(coords.size()) + 1)
        indices.push_back(index(0));
      Value s = tensor::ExtractOp::create(b, loc, in->get(), indices);
      value = vector::BroadcastOp::create(b, loc, vec(lanes, elementType), s);
      break;
    }
    }
    map.map(body.getArgument(i), value);
  }
  return cloneBodyOnVectors(b, loc, body, map, lanes);
}

Value KernelEmitter::emitTile(int64_t rows, Value m0, Value panel, Value out) {
  Type i32 = b.getI32Type(), elem = element();
  int64_t g = dot.group;
  Value zeros = arith::ConstantOp::create(
      b, loc, SplatElementsAttr::get(vec(lanes, i32), b.getI32IntegerAttr(0)));
  SmallVector<Value> init(rows * nv, zeros);
  SmallVector<Value> rowIndex;
  SmallVector<SmallVector<Value>> coords;
  for (int64_t i = 0; i < rows; ++i) {
    rowIndex.push_back(arith::AddIOp::create(b, loc, m0, index(i)));
    coords.push_back(getRowCoordinates(rowIndex.back()));
  }
  // A convolution's rows read their windows from (batch, oh * sh, ow * sw).
  SmallVector<Value> top, left;
  if (kernel.window)
    for (int64_t i = 0; i < rows; ++i) {
      top.push_back(arith::MulIOp::create(b, loc, coords[i][1],
                                          index(kernel.window->strideH)));
      left.push_back(arith::MulIOp::create(b, loc, coords[i][2],
                                           index(kernel.window->strideW)));
    }

  // One K group: the panel's weight vectors, and per row the group's g
  // activations broadcast to every lane.
  Value n0 = arith::MulIOp::create(b, loc, panel, index(nr));
  auto step = [&](ArrayRef<Value> ivs, ValueRange accs) {
    Value kg = ivs[0];
    if (isDepthwise())
      return depthwiseStep(ivs, accs, rows, coords, top, left, panel, n0);
    if (kernel.window) {
      // Loops (kh, kw, channel group); the weight rows are (kh, kw, c).
      Value position = arith::AddIOp::create(
          b, loc,
          arith::MulIOp::create(b, loc, ivs[0], index(kernel.window->kw)),
          ivs[1]);
      kg = arith::AddIOp::create(
          b, loc, arith::MulIOp::create(b, loc, position, index(channelGroups)),
          ivs[2]);
    }
    SmallVector<Value> weights;
    Type stored = packedElement();
    for (int64_t v = 0; v < nv; ++v) {
      SmallVector<Value> at{panel, kg, index(g * lanes * v)};
      if (kernel.batch)
        at.insert(at.begin(), batchIndex);
      Value w = vector::TransferReadOp::create(
          b, loc, vec(g * lanes, stored), packed, at,
          arith::getZeroConstant(b, loc, stored), ArrayRef<bool>{true});
      if (stored != elem)
        w = arith::ExtSIOp::create(b, loc, vec(g * lanes, elem), w);
      weights.push_back(w);
    }
    SmallVector<Value> next;
    for (int64_t i = 0; i < rows; ++i) {
      SmallVector<Value> at;
      if (kernel.window) {
        Value dy = arith::MulIOp::create(b, loc, ivs[0],
                                         index(kernel.window->dilationH));
        Value dx = arith::MulIOp::create(b, loc, ivs[1],
                                         index(kernel.window->dilationW));
        at = {coords[i][0], arith::AddIOp::create(b, loc, top[i], dy),
              arith::AddIOp::create(b, loc, left[i], dx),
              arith::MulIOp::create(b, loc, ivs[2], index(g))};
      } else {
        at = {rowIndex[i], arith::MulIOp::create(b, loc, kg, index(g))};
        if (kernel.batch)
          at.insert(at.begin(), batchIndex);
      }
      Value group = vector::TransferReadOp::create(
          b, loc, vec(g, elem), activations, at,
          arith::getZeroConstant(b, loc, elem), ArrayRef<bool>{true});
      Value word = vector::BitCastOp::create(b, loc, vec(1, i32), group);
      Value splat = vector::BroadcastOp::create(b, loc, vec(lanes, i32), word);
      Value a = vector::BitCastOp::create(b, loc, vec(g * lanes, elem), splat);
      for (int64_t v = 0; v < nv; ++v)
        next.push_back(dotStep(accs[i * nv + v], a, weights[v]));
    }
    return next;
  };
  SmallVector<int64_t> extents{kGroups};
  if (isDepthwise())
    extents = {kernel.window->kh, kernel.window->kw};
  else if (kernel.window)
    extents = {kernel.window->kh, kernel.window->kw, channelGroups};
  // Nested K loops carrying the accumulators.
  std::function<SmallVector<Value>(SmallVector<Value>, ValueRange)> nest =
      [&](SmallVector<Value> ivs, ValueRange accs) -> SmallVector<Value> {
    if (ivs.size() == extents.size())
      return step(ivs, accs);
    auto loop = scf::ForOp::create(
        b, loc, index(0), index(extents[ivs.size()]), index(1), accs,
        [&](OpBuilder &nb, Location, Value iv, ValueRange inner) {
          BuildWhere guard(b, nb);
          SmallVector<Value> deeper(ivs);
          deeper.push_back(iv);
          scf::YieldOp::create(b, loc, nest(deeper, inner));
        });
    return SmallVector<Value>(loop.getResults());
  };
  SmallVector<Value> accs = nest({}, init);

  for (int64_t i = 0; i < rows; ++i)
    for (int64_t v = 0; v < nv; ++v) {
      // Epilogue operands at the global column; the store into the panel.
      Value n = arith::AddIOp::create(b, loc, n0, index(lanes * v));
      Value result = emitEpilogue(accs[i * nv + v], rowIndex[i], coords[i], n);
      // The store into the chunk's slice: row coordinates relative to it.
      SmallVector<Value> at;
      for (auto [coord, origin] : llvm::zip(coords[i], sliceOrigin))
        at.push_back(arith::SubIOp::create(b, loc, coord, origin));
      at.push_back(index(lanes * v));
      // Whole vectors: the result has whole panels of columns (below).
      out = vector::TransferWriteOp::create(b, loc, result, out, at,
                                            ArrayRef<bool>{true})
                .getResult();
    }
  return out;
}

SmallVector<OpFoldResult> KernelEmitter::getResultSizes(Value &rows) {
  // The result's sizes (a matmul's rows from the prepared activations, so
  // that a widening the quad step does not read dies), and the rows.
  SmallVector<OpFoldResult> sizes;
  if (kernel.window) {
    int64_t count = 1;
    for (int64_t d : kernel.window->outShape) {
      sizes.push_back(b.getIndexAttr(d));
      count *= d;
    }
    rows = index(count);
  } else {
    // A batch matmul: (batch, M) rows.
    int64_t rowDim = kernel.batch ? 1 : 0;
    if (kernel.batch)
      sizes.push_back(b.getIndexAttr(kernel.batch));
    sizes.push_back(tensor::getMixedSize(b, loc, activations, rowDim));
    rows = tensor::DimOp::create(b, loc, activations, rowDim);
  }
  return sizes;
}

KernelEmitter::RowChunks KernelEmitter::chooseRowChunks(Value rows) {
  // Row chunks: of whole mr-row tiles for a matmul, of whole output rows
  // for a convolution of one image (its slices must be boxes); none else.
  RowChunks r{rowChunks, Value(), false,
              kernel.window && kernel.window->outShape[0] == 1};
  if (kernel.window && !r.oneImage) {
    r.chunks = 1;
    r.chunkRows = rows;
    return r;
  }
  if (kernel.window) {
    int64_t oh = kernel.window->outShape[1], ow = kernel.window->outShape[2];
    r.chunks = std::min(r.chunks, oh);
    r.chunkRows = index((oh + r.chunks - 1) / r.chunks * ow);
    return r;
  }
  // ceil(ceil(M / mr) / chunks) * mr rows, at run time.
  Value tiles = arith::CeilDivUIOp::create(b, loc, rows, index(mr));
  r.chunkRows = arith::MulIOp::create(
      b, loc, arith::CeilDivUIOp::create(b, loc, tiles, index(r.chunks)),
      index(mr));
  // Activations too large for L2: chunks of a block that fits instead,
  // outside the panels, so that every panel rereads its block from L2
  // rather than the whole matrix from memory (at vpdpbusd's rate that
  // bandwidth is the limit) and each thread keeps its blocks in its own
  // cache. (Smaller ones keep the panels outside: the threads then split
  // the weights, which dominate the traffic of a few rows.)
  int64_t rowBytes = std::max<int64_t>(
      1,
      kernel.k *
          getElementTypeOrSelf(activations.getType()).getIntOrFloatBitWidth() /
          8);
  int64_t staticRows =
      cast<RankedTensorType>(activations.getType()).getDimSize(0);
  if (!kernel.batch && !ShapedType::isDynamic(staticRows) &&
      staticRows * rowBytes > kL2BlockBytes) {
    int64_t block = std::max<int64_t>(1, kL2BlockBytes / rowBytes / mr) * mr;
    int64_t split =
        llvm::divideCeil(llvm::divideCeil(staticRows, mr), r.chunks) * mr;
    int64_t blockRows = std::min(split, block);
    r.chunkRows = index(blockRows);
    r.chunks = llvm::divideCeil(staticRows, blockRows);
    r.rowBlocks = true;
  }
  return r;
}

void KernelEmitter::emitChunk(scf::ForallOp forall,
                              ArrayRef<OpFoldResult> sizes, Value rows,
                              const RowChunks &chunking, Value c0, Value c1) {
  unsigned first = kernel.batch ? 1 : 0;
  if (kernel.batch)
    batchIndex = forall.getInductionVar(0);
  bool rowBlocks = chunking.rowBlocks;
  Value panel = forall.getInductionVar(first + (rowBlocks ? 1 : 0)),
        chunk = forall.getInductionVar(first + (rowBlocks ? 0 : 1));
  Value shared = forall.getRegionIterArgs()[0];
  Value r0 = arith::MinUIOp::create(
      b, loc, arith::MulIOp::create(b, loc, chunk, chunking.chunkRows), rows);
  Value r1 = arith::MinUIOp::create(
      b, loc, arith::AddIOp::create(b, loc, r0, chunking.chunkRows), rows);
  Value n0 = arith::MulIOp::create(b, loc, panel, index(nr));
  OpFoldResult width = b.getIndexAttr(nr);
  // The slice: the chunk's rows, the panel's columns.
  SmallVector<OpFoldResult> offsets, sliceSizes,
      strides(sizes.size(), b.getIndexAttr(1));
  Value count = arith::SubIOp::create(b, loc, r1, r0);
  if (kernel.window && !chunking.oneImage) {
    sliceOrigin = {c0, c0, c0};
    sliceSizes.assign(sizes.begin(), sizes.end() - 1);
  } else if (kernel.window) {
    int64_t ow = kernel.window->outShape[2];
    sliceOrigin = {c0, arith::DivUIOp::create(b, loc, r0, index(ow)), c0};
    sliceSizes = {b.getIndexAttr(1),
                  arith::DivUIOp::create(b, loc, count, index(ow)).getResult(),
                  b.getIndexAttr(ow)};
  } else if (kernel.batch) {
    sliceOrigin = {batchIndex, r0};
    sliceSizes = {b.getIndexAttr(1), count};
  } else {
    sliceOrigin = {r0};
    sliceSizes = {count};
  }
  offsets = getAsOpFoldResult(sliceOrigin);
  offsets.push_back(n0);
  sliceSizes.push_back(width);
  Value slice = tensor::ExtractSliceOp::create(b, loc, shared, offsets,
                                               sliceSizes, strides);
  // The chunk's rows in whole mr-row tiles; the rest in 1-row tiles.
  Value fullEnd = arith::AddIOp::create(
      b, loc, r0,
      arith::MulIOp::create(
          b, loc, arith::DivUIOp::create(b, loc, count, index(mr)), index(mr)));
  auto tiles = scf::ForOp::create(
      b, loc, r0, fullEnd, index(mr), ValueRange{slice},
      [&](OpBuilder &nb, Location, Value m0, ValueRange tileOut) {
        BuildWhere guard(b, nb);
        scf::YieldOp::create(b, loc, emitTile(mr, m0, panel, tileOut[0]));
      });
  auto rest = scf::ForOp::create(
      b, loc, fullEnd, r1, c1, tiles.getResults(),
      [&](OpBuilder &nb, Location, Value m, ValueRange rowOut) {
        BuildWhere guard(b, nb);
        scf::YieldOp::create(b, loc, emitTile(1, m, panel, rowOut[0]));
      });
  b.setInsertionPointToStart(forall.getTerminator().getBody());
  tensor::ParallelInsertSliceOp::create(b, loc, rest.getResult(0), shared,
                                        offsets, sliceSizes, strides);
}

Value KernelEmitter::emit() {
  packed = packWeights();
  activations = prepareActivations();
  Type outElement =
      kernel.consumer
          ? getElementTypeOrSelf(kernel.consumer.getResultTypes()[0])
          : b.getI32Type();
  Value rows;
  SmallVector<OpFoldResult> sizes = getResultSizes(rows);
  // Whole panels of columns, the extra ones sliced off at the end: every
  // store is a whole vector. (LLVM 22 miscompiles a masked truncating store
  // with one active lane on AVX-512 into a 4-byte store, which clobbered the
  // next elements: qat-difftest found it with two threads.)
  sizes.push_back(b.getIndexAttr(panels * nr));
  Value out = tensor::EmptyOp::create(b, loc, sizes, outElement);
  Value c0 = index(0), c1 = index(1);
  RowChunks chunking = chooseRowChunks(rows);
  // (Batch,) panel and chunk are independent: an scf.forall, which
  // qat-codegen-cpu runs on `threads` threads (in any order, with the same
  // results). Convolutions: panels outside chunks, so that OpenMP's static
  // schedule gives each thread a range of panels with all their chunks and
  // empty chunks (few rows) do not leave a thread idle. Matmuls: row blocks
  // outside panels (chooseRowChunks); their count follows the rows, none is
  // empty.
  SmallVector<OpFoldResult> counts{b.getIndexAttr(panels),
                                   b.getIndexAttr(chunking.chunks)};
  if (chunking.rowBlocks)
    std::swap(counts[0], counts[1]);
  if (kernel.batch)
    counts.insert(counts.begin(), b.getIndexAttr(kernel.batch));
  auto forall =
      scf::ForallOp::create(b, loc, counts, ValueRange{out}, std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(forall.getBody());
  emitChunk(forall, sizes, rows, chunking, c0, c1);
  if (fullPanels())
    return forall.getResult(0);
  SmallVector<OpFoldResult> zeros(sizes.size(), b.getIndexAttr(0)),
      resultSizes(sizes), ones(sizes.size(), b.getIndexAttr(1));
  resultSizes.back() = b.getIndexAttr(kernel.n);
  b.setInsertionPointAfter(forall);
  return tensor::ExtractSliceOp::create(b, loc, forall.getResult(0), zeros,
                                        resultSizes, ones)
      .getResult();
}

/// CSE inside the kernel that computes `result` (its scf.forall): the
/// emitter repeats some ops (the activation extended once per column
/// vector). Here rather than by a CSE of the whole function afterwards:
/// upstream's CSE hashes an op without its regions, so once the kernels'
/// tensor.empty destinations are merged every kernel's scf.forall collides
/// with every earlier one, and comparing their regions is quadratic in the
/// number of kernels (52 s of a 1,000-matmul chain's compilation).
static void eliminateCommonSubExpressionsInKernel(RewriterBase &rewriter,
                                                  Value result) {
  Operation *kernel = result.getDefiningOp();
  if (auto slice = dyn_cast<tensor::ExtractSliceOp>(kernel))
    kernel = slice.getSource().getDefiningOp();
  DominanceInfo dominance(kernel);
  eliminateCommonSubExpressions(rewriter, dominance, kernel);
}

/// The integer contractions qat-to-int emits: the ops the pattern looks
/// at, with or without a kernel for them.
bool isIntegerContraction(linalg::LinalgOp op) {
  return isa<linalg::MatmulOp, linalg::BatchMatmulOp, linalg::Conv2DNhwcHwcfOp,
             linalg::Conv2DNchwFchwOp, linalg::Conv2DNgchwGfchwOp,
             linalg::DepthwiseConv2DNhwcHwcOp>(*op) &&
         op->getNumResults() == 1 &&
         getElementTypeOrSelf(op->getResult(0).getType()).isInteger(32);
}

/// Quads need u8 activations and s8 weights, and with int16 pair sums a
/// proof that none saturates; pairs take the rest.
DotShape chooseDot(const MatmulKernel &kernel, DotProduct dotProduct) {
  // Depthwise convolutions: no sum across K within a lane (each lane is
  // its own channel). Each tap is a pair step whose second product is
  // zero: the activation zero-extended into an i32 lane holds (a, 0) as
  // i16, the weights are packed as (w, 0), and vpmaddwd computes
  // a * w + 0 * 0 (at 1.6x the rate of vpmulld on i32 lanes here).
  if (kernel.window && kernel.window->depthwise)
    return dotProduct == DotProduct::Quad ? kWidePairDot : kPairDot;
  if (dotProduct == DotProduct::Pair || !kernel.getU8Activations() ||
      !kernel.s8Weights)
    return kPairDot;
  if (dotProduct == DotProduct::Quad)
    return kQuadDot;
  int64_t maxActivation = getMaxActivation(kernel);
  int64_t saturable = countSaturablePairs(kernel, maxActivation);
  if (saturable == 0)
    return kQuadI16Dot;
  int64_t pairs = PackedRows{kernel, kQuadI16Dot.group}.count() / 2 * kernel.n *
                  std::max<int64_t>(1, kernel.batch);
  // At the location only: Operation::emitRemark prints the op with names
  // for the whole function (quadratic over many remarks).
  emitRemark(kernel.op->getLoc())
      << "'" << kernel.op->getName()
      << "' uses exact i16 pairs (vpmaddwd), not the faster u8 x s8 step "
         "(vpmaddubsw), whose int16 pair sums could saturate in "
      << saturable << " of " << pairs
      << " (weight pair, column) entries with activations up to "
      << maxActivation
      << "; 7-bit weights (|w| <= 64) or 7-bit activations make it exact";
  return kPairDot;
}

/// An integer contraction with a kernel, and its consumer, as the kernel's
/// loop nest.
struct VectorizeContraction : OpInterfaceRewritePattern<linalg::LinalgOp> {
  VectorizeContraction(MLIRContext *ctx, const VectorizeMatmulOptions &options)
      : OpInterfaceRewritePattern(ctx), options(options) {
    assert(options.rowsPerTile > 0 && options.vectorsPerRow > 0 &&
           options.rowChunks > 0 && "tile counts must be positive");
  }

  LogicalResult matchAndRewrite(linalg::LinalgOp op,
                                PatternRewriter &rewriter) const override {
    if (!isIntegerContraction(op))
      return rewriter.notifyMatchFailure(op, "not an integer contraction");
    std::string reason;
    FailureOr<MatmulKernel> kernel = matchKernel(op, reason);
    if (failed(kernel))
      return rewriter.notifyMatchFailure(op, reason);
    Operation *root =
        kernel->consumer ? kernel->consumer.getOperation() : op.getOperation();
    rewriter.setInsertionPoint(root);
    DotShape dot = chooseDot(*kernel, options.dot);
    Value result = KernelEmitter(rewriter, *kernel, dot, options.rowsPerTile,
                                 options.vectorsPerRow, options.rowChunks)
                       .emit();
    eliminateCommonSubExpressionsInKernel(rewriter, result);
    rewriter.replaceOp(root, result);
    if (root != op.getOperation() && op->use_empty())
      rewriter.eraseOp(op);
    return success();
  }

  VectorizeMatmulOptions options;
};

} // namespace

void mlir::qat::populateVectorizeMatmulPatterns(
    RewritePatternSet &patterns, const VectorizeMatmulOptions &options) {
  patterns.add<VectorizeContraction>(patterns.getContext(), options);
}

namespace mlir::qat {
namespace {
struct QATVectorizeMatmulPass
    : impl::QATVectorizeMatmulPassBase<QATVectorizeMatmulPass> {
  using Base::Base;

  /// The tile counts out of range are errors where the options are parsed
  /// (before any IR is read), as the pipelines' bounded options are.
  LogicalResult initializeOptions(
      StringRef options,
      function_ref<LogicalResult(const Twine &)> errorHandler) override {
    if (failed(Base::initializeOptions(options, errorHandler)))
      return failure();
    return checkOptions(errorHandler);
  }

  /// Whether mr, nr-vectors and row-chunks are within their ranges
  /// (qat/Options.h), else `error` with the first that is not.
  LogicalResult
  checkOptions(function_ref<LogicalResult(const Twine &)> error) const {
    auto check = [&](StringRef name, int64_t value, int64_t max) {
      if (value >= 1 && value <= max)
        return success();
      return error("qat-vectorize-matmul: " + name + "=" + Twine(value) +
                   " is out of range; valid values: 1 to " + Twine(max));
    };
    return success(
        succeeded(check("mr", rowsPerTile, kMaxRowsPerTile)) &&
        succeeded(check("nr-vectors", vectorsPerRow, kMaxVectorsPerRow)) &&
        succeeded(check("row-chunks", rowChunks, kMaxThreads)));
  }

  void runOnOperation() override {
    // Options set from C++ (createQATVectorizeMatmulPass(options)) were not
    // parsed.
    if (failed(checkOptions([&](const Twine &message) {
          return getOperation()->emitError(message);
        })))
      return signalPassFailure();
    RewritePatternSet patterns(&getContext());
    populateVectorizeMatmulPatterns(
        patterns, {rowsPerTile, vectorsPerRow, rowChunks, dotProduct});
    FrozenRewritePatternSet frozen(std::move(patterns));
    // One contraction at a time, in program order: a kernel's saturation
    // proof reads the producers of its activations, which an earlier kernel
    // replaces, so the order decides its dot product step. (Over the whole
    // region, the greedy driver would also erase every dead op of the
    // program.) The kernel's own ops are not visited: they match nothing,
    // and there are many.
    SmallVector<Operation *> contractions;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (isIntegerContraction(op))
        contractions.push_back(op);
    });
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::ExistingOps)
        .enableFolding(false)
        .enableConstantCSE(false);
    for (Operation *op : contractions)
      (void)applyOpPatternsGreedily(op, frozen, config);
    // The integer contractions without a kernel stay correct on upstream's
    // loops; a remark says why.
    getOperation()->walk([](linalg::LinalgOp op) {
      std::string reason;
      if (isIntegerContraction(op) && failed(matchKernel(op, reason)))
        // At the location only, as above.
        emitRemark(op->getLoc())
            << "'" << op->getName()
            << "' runs on upstream's loops, not as a vector "
               "kernel: "
            << reason;
    });
  }
};
} // namespace
} // namespace mlir::qat
