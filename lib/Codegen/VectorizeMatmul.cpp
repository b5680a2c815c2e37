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

#include "qat/Codegen/Passes.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::qat {
#define GEN_PASS_DEF_QATVECTORIZEMATMULPASS
#include "qat/Codegen/Passes.h.inc"
} // namespace mlir::qat

using namespace mlir;

namespace {

/// The inner-product step of a micro-kernel: `group` adjacent products of
/// K summed into each i32 lane of a `lanes`-lane accumulator.
struct DotShape {
  /// 2: i16 x i16 pairs (vpmaddwd); 4: u8 x s8 quads (vpdpbusd).
  int64_t group;
  int64_t lanes;
  /// Width of the packed weights and activations.
  unsigned bits;
  bool unsignedActivations;
};
constexpr DotShape kPairDot{2, 8, 16, false};
constexpr DotShape kQuadDot{4, 16, 8, true};

/// Moves `b` to where a region builder `nb` inserts, for the scope.
struct InsertionGuard : OpBuilder::InsertionGuard {
  InsertionGuard(OpBuilder &b, OpBuilder &nb) : OpBuilder::InsertionGuard(b) {
    b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
  }
};

/// A matched matmul and its fused consumer.
struct MatmulKernel {
  linalg::MatmulOp matmul;
  /// The constant weight, K x N, as storage integers (i8 or i16 values).
  SmallVector<int64_t> weights;
  int64_t k = 0, n = 0;
  /// The element-wise consumer of the accumulator, or null.
  linalg::GenericOp consumer;
  /// The consumer's input that reads the accumulator.
  unsigned accumulatorInput = 0;
  /// The activations as u8 storage (i8), when the matmul reads them
  /// zero-extended: the quad dot product can use them as they are.
  Value u8Activations;
  /// Every weight fits in s8.
  bool s8Weights = false;
};

/// How a consumer input is read for one vector (a row, `lanes` columns).
enum class Access { Tile, Column, Row, Scalar };

std::optional<Access> getAccess(AffineMap map) {
  MLIRContext *ctx = map.getContext();
  AffineExpr m = getAffineDimExpr(0, ctx), n = getAffineDimExpr(1, ctx);
  if (map == AffineMap::get(2, 0, {m, n}, ctx))
    return Access::Tile;
  if (map == AffineMap::get(2, 0, {n}, ctx))
    return Access::Column;
  if (map == AffineMap::get(2, 0, {m}, ctx))
    return Access::Row;
  if (map.getNumResults() == 0)
    return Access::Scalar;
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

FailureOr<MatmulKernel> matchKernel(linalg::MatmulOp mm) {
  MatmulKernel kernel;
  kernel.matmul = mm;
  if (mm.hasUserDefinedMaps() || !mm.hasPureTensorSemantics())
    return failure();
  auto aType = dyn_cast<RankedTensorType>(mm.getDpsInputs()[0].getType());
  auto bType = dyn_cast<RankedTensorType>(mm.getDpsInputs()[1].getType());
  auto cType = dyn_cast<RankedTensorType>(mm.getResultTypes()[0]);
  if (!aType || !bType || !cType || !isSmallInteger(aType.getElementType()) ||
      !isSmallInteger(bType.getElementType()) ||
      !cType.getElementType().isInteger(32) || !bType.hasStaticShape() ||
      aType.isDynamicDim(1))
    return failure();
  std::optional<SmallVector<int64_t>> weights =
      getConstantWeight(mm.getDpsInputs()[1]);
  if (!weights)
    return failure();
  kernel.weights = std::move(*weights);
  kernel.k = bType.getDimSize(0);
  kernel.n = bType.getDimSize(1);
  auto fill = mm.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
  if (!fill || !matchPattern(fill.getDpsInputs()[0], m_Zero()))
    return failure();
  kernel.s8Weights = llvm::all_of(
      kernel.weights, [](int64_t w) { return w >= -128 && w <= 127; });
  if (auto ext = matchExtension(mm.getDpsInputs()[0]);
      ext && ext->second &&
      getElementTypeOrSelf(ext->first.getType()).isInteger(8))
    kernel.u8Activations = ext->first;

  // The consumer: an element-wise generic reading the accumulator once,
  // with per-tile, per-column, per-row or scalar operands.
  if (!mm->hasOneUse())
    return kernel;
  auto g = dyn_cast<linalg::GenericOp>(*mm->getUsers().begin());
  if (!g || g.getNumLoops() != 2 || g.getNumParallelLoops() != 2 ||
      g.getNumDpsInits() != 1 || !g.hasPureTensorSemantics() ||
      !isVectorizableBody(g))
    return kernel;
  auto outType = cast<RankedTensorType>(g.getResultTypes()[0]);
  if (!outType.getElementType().isIntOrFloat() ||
      g.getMatchingIndexingMap(g.getDpsInitOperand(0)) !=
          AffineMap::getMultiDimIdentityMap(2, g.getContext()))
    return kernel;
  unsigned uses = 0;
  for (OpOperand *in : g.getDpsInputOperands()) {
    std::optional<Access> access = getAccess(g.getMatchingIndexingMap(in));
    if (!access)
      return kernel;
    if (in->get() == mm->getResult(0)) {
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
                int64_t nv)
      : b(b), kernel(kernel), loc(kernel.matmul.getLoc()), dot(dot),
        lanes(dot.lanes), mr(mr), nv(nv), nr(lanes * nv),
        kGroups((kernel.k + dot.group - 1) / dot.group),
        panels((kernel.n + nr - 1) / nr) {}

  Value emit();

private:
  Value index(int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v).getResult();
  }
  VectorType vec(int64_t n, Type t) { return VectorType::get({n}, t); }
  Type element() { return b.getIntegerType(dot.bits); }
  Value packWeights();
  Value prepareActivations();
  /// One `rows` x nr tile at (m0, panel): the K loop, then the epilogue
  /// written into `out`, the panel's columns of the result.
  Value emitTile(int64_t rows, Value m0, Value panel, Value out);
  /// The consumer's body on one accumulator vector of row `m`, columns
  /// [n, n + lanes).
  Value emitEpilogue(Value acc, Value m, Value n);
  /// `acc` plus, per i32 lane, the sum of its `group` products of `x` and
  /// `y` lanes (x zero-extended for the quad dot, else sign-extended).
  Value dotStep(Value acc, Value x, Value y);

  RewriterBase &b;
  MatmulKernel kernel;
  Location loc;
  const DotShape dot;
  const int64_t lanes, mr, nv, nr, kGroups, panels;
  Value packed, activations;
  /// Whether every column of every panel exists (no masked stores).
  bool fullPanels() const { return kernel.n % nr == 0; }
};

Value KernelEmitter::packWeights() {
  // [panel][group][column c of the panel][g]: column panel * nr + c, row
  // group * dot.group + g; zeros beyond K and N.
  int64_t g = dot.group;
  SmallVector<APInt> data(panels * kGroups * g * nr, APInt(dot.bits, 0));
  for (int64_t p = 0; p < panels; ++p)
    for (int64_t kg = 0; kg < kGroups; ++kg)
      for (int64_t c = 0; c < nr; ++c)
        for (int64_t q = 0; q < g; ++q) {
          int64_t row = g * kg + q, col = p * nr + c;
          if (row < kernel.k && col < kernel.n)
            data[(p * kGroups + kg) * g * nr + g * c + q] =
                APInt(dot.bits, kernel.weights[row * kernel.n + col],
                      /*isSigned=*/true);
        }
  auto type = RankedTensorType::get({panels, kGroups, g * nr}, element());
  return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(type, data))
      .getResult();
}

Value KernelEmitter::prepareActivations() {
  Value a = kernel.matmul.getDpsInputs()[0];
  if (dot.unsignedActivations) {
    a = kernel.u8Activations;
  } else if (getElementTypeOrSelf(a.getType()).isInteger(8)) {
    // Pairs are i16: sign-extend i8 activations.
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, a);
    Value init = tensor::EmptyOp::create(b, loc, sizes, b.getI16Type());
    AffineMap id = b.getMultiDimIdentityMap(2);
    a = linalg::GenericOp::create(
            b, loc, TypeRange{init.getType()}, ValueRange{a}, ValueRange{init},
            ArrayRef<AffineMap>{id, id},
            ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                          utils::IteratorType::parallel},
            [](OpBuilder &nb, Location l, ValueRange args) {
              linalg::YieldOp::create(nb, l,
                                      ValueRange{arith::ExtSIOp::create(
                                          nb, l, nb.getI16Type(), args[0])});
            })
            .getResult(0);
  }
  int64_t padding = kGroups * dot.group - kernel.k;
  if (padding == 0)
    return a;
  // Zero columns up to a whole group, which the zero weight rows meet.
  Value zero = arith::ConstantOp::create(b, loc, b.getIntegerAttr(element(), 0))
                   .getResult();
  SmallVector<int64_t> shape(cast<RankedTensorType>(a.getType()).getShape());
  shape[1] += padding;
  OpFoldResult lo = b.getIndexAttr(0), hi = b.getIndexAttr(padding);
  return tensor::PadOp::create(b, loc, RankedTensorType::get(shape, element()),
                               a, ArrayRef<OpFoldResult>{lo, lo},
                               ArrayRef<OpFoldResult>{lo, hi}, zero)
      .getResult();
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
  // Widen, multiply, then sum each group of four: the form
  // qat-x86-vpdpbusd recognises.
  auto wide = vec(dot.group * lanes, i32);
  Value products =
      arith::MulIOp::create(b, loc, arith::ExtUIOp::create(b, loc, wide, x),
                            arith::ExtSIOp::create(b, loc, wide, y));
  Value sum01 =
      arith::AddIOp::create(b, loc, strided(products, 0), strided(products, 1));
  Value sum23 =
      arith::AddIOp::create(b, loc, strided(products, 2), strided(products, 3));
  return arith::AddIOp::create(b, loc, acc,
                               arith::AddIOp::create(b, loc, sum01, sum23));
}

Value KernelEmitter::emitEpilogue(Value acc, Value m, Value n) {
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
    case Access::Tile:
      value = i == kernel.accumulatorInput
                  ? acc
                  : vector::TransferReadOp::create(
                        b, loc, vec(lanes, elementType), in->get(),
                        ValueRange{m, n},
                        arith::getZeroConstant(b, loc, elementType),
                        ArrayRef<bool>{fullPanels()})
                        .getResult();
      break;
    case Access::Column:
      value = vector::TransferReadOp::create(
                  b, loc, vec(lanes, elementType), in->get(), ValueRange{n},
                  arith::getZeroConstant(b, loc, elementType),
                  ArrayRef<bool>{fullPanels()})
                  .getResult();
      break;
    case Access::Row:
    case Access::Scalar: {
      SmallVector<Value> indices;
      if (cast<RankedTensorType>(in->get().getType()).getRank() == 1)
        indices.push_back(m);
      Value s = tensor::ExtractOp::create(b, loc, in->get(), indices);
      value = vector::BroadcastOp::create(b, loc, vec(lanes, elementType), s);
      break;
    }
    }
    map.map(body.getArgument(i), value);
  }
  auto vectorOf = [&](Value v) {
    if (Value mapped = map.lookupOrNull(v))
      return mapped;
    // A value from outside the body: the same in every lane.
    Value splat =
        vector::BroadcastOp::create(b, loc, vec(lanes, v.getType()), v);
    map.map(v, splat);
    return splat;
  };
  for (Operation &op : body.without_terminator()) {
    if (auto c = dyn_cast<arith::ConstantOp>(op)) {
      auto type = vec(lanes, c.getType());
      map.map(c.getResult(),
              arith::ConstantOp::create(
                  b, loc, SplatElementsAttr::get(type, c.getValue()))
                  .getResult());
      continue;
    }
    for (Value operand : op.getOperands())
      vectorOf(operand);
    Operation *v = b.clone(op, map);
    for (OpResult r : v->getResults())
      r.setType(vec(lanes, r.getType()));
  }
  return vectorOf(body.getTerminator()->getOperand(0));
}

Value KernelEmitter::emitTile(int64_t rows, Value m0, Value panel, Value out) {
  Type i32 = b.getI32Type(), elem = element();
  Value zeros = arith::ConstantOp::create(
      b, loc, SplatElementsAttr::get(vec(lanes, i32), b.getI32IntegerAttr(0)));
  SmallVector<Value> init(rows * nv, zeros);
  SmallVector<Value> rowIndex;
  for (int64_t i = 0; i < rows; ++i)
    rowIndex.push_back(arith::AddIOp::create(b, loc, m0, index(i)));
  Value c0 = index(0), c1 = index(1);
  auto kLoop = scf::ForOp::create(
      b, loc, c0, index(kGroups), c1, init,
      [&](OpBuilder &nb, Location, Value kg, ValueRange accs) {
        InsertionGuard guard(b, nb);
        int64_t g = dot.group;
        SmallVector<Value> weights;
        for (int64_t v = 0; v < nv; ++v)
          weights.push_back(vector::TransferReadOp::create(
              b, loc, vec(g * lanes, elem), packed,
              ValueRange{panel, kg, index(g * lanes * v)},
              arith::getZeroConstant(b, loc, elem), ArrayRef<bool>{true}));
        Value k = arith::MulIOp::create(b, loc, kg, index(g));
        SmallVector<Value> next;
        for (int64_t i = 0; i < rows; ++i) {
          // The activation group a[m, k .. k + g) in every i32 lane.
          Value group = vector::TransferReadOp::create(
              b, loc, vec(g, elem), activations, ValueRange{rowIndex[i], k},
              arith::getZeroConstant(b, loc, elem), ArrayRef<bool>{true});
          Value word = vector::BitCastOp::create(b, loc, vec(1, i32), group);
          Value splat =
              vector::BroadcastOp::create(b, loc, vec(lanes, i32), word);
          Value a =
              vector::BitCastOp::create(b, loc, vec(g * lanes, elem), splat);
          for (int64_t v = 0; v < nv; ++v)
            next.push_back(dotStep(accs[i * nv + v], a, weights[v]));
        }
        scf::YieldOp::create(b, loc, next);
      });
  Value n0 = arith::MulIOp::create(b, loc, panel, index(nr));
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t v = 0; v < nv; ++v) {
      // Epilogue operands at the global column; the store into the panel.
      Value n = arith::AddIOp::create(b, loc, n0, index(lanes * v));
      Value result = emitEpilogue(kLoop.getResult(i * nv + v), rowIndex[i], n);
      out = vector::TransferWriteOp::create(
                b, loc, result, out, ValueRange{rowIndex[i], index(lanes * v)},
                ArrayRef<bool>{fullPanels()})
                .getResult();
    }
  return out;
}

Value KernelEmitter::emit() {
  packed = packWeights();
  activations = prepareActivations();
  // Sizes from the prepared activations, so that a widening the quad step
  // does not read dies.
  Value a = activations;
  Value rows = tensor::DimOp::create(b, loc, a, 0);
  Type outElement =
      kernel.consumer
          ? getElementTypeOrSelf(kernel.consumer.getResultTypes()[0])
          : b.getI32Type();
  SmallVector<OpFoldResult> sizes{tensor::getMixedSize(b, loc, a, 0),
                                  b.getIndexAttr(kernel.n)};
  Value out = tensor::EmptyOp::create(b, loc, sizes, outElement);
  // Rows in whole mr-row tiles; the rest in 1-row tiles.
  Value fullRows = arith::MulIOp::create(
      b, loc, arith::DivUIOp::create(b, loc, rows, index(mr)), index(mr));
  Value c0 = index(0), c1 = index(1);
  // Panels are independent: an scf.forall, which qat-codegen-cpu runs on
  // `threads` threads (in any order, with the same results).
  auto forall = scf::ForallOp::create(
      b, loc, ArrayRef<OpFoldResult>{b.getIndexAttr(panels)}, ValueRange{out},
      std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(forall.getBody());
  Value panel = forall.getInductionVar(0);
  Value shared = forall.getRegionIterArgs()[0];
  Value n0 = arith::MulIOp::create(b, loc, panel, index(nr));
  OpFoldResult width = b.getIndexAttr(nr);
  if (!fullPanels())
    width = arith::MinSIOp::create(
                b, loc, index(nr),
                arith::SubIOp::create(b, loc, index(kernel.n), n0))
                .getResult();
  SmallVector<OpFoldResult> offsets{b.getIndexAttr(0), n0},
      sliceSizes{sizes[0], width},
      strides{b.getIndexAttr(1), b.getIndexAttr(1)};
  Value columns = tensor::ExtractSliceOp::create(b, loc, shared, offsets,
                                                 sliceSizes, strides);
  auto tiles = scf::ForOp::create(
      b, loc, c0, fullRows, index(mr), ValueRange{columns},
      [&](OpBuilder &nb, Location, Value m0, ValueRange tileOut) {
        InsertionGuard guard(b, nb);
        scf::YieldOp::create(b, loc, emitTile(mr, m0, panel, tileOut[0]));
      });
  auto rest = scf::ForOp::create(
      b, loc, fullRows, rows, c1, tiles.getResults(),
      [&](OpBuilder &nb, Location, Value m, ValueRange rowOut) {
        InsertionGuard guard(b, nb);
        scf::YieldOp::create(b, loc, emitTile(1, m, panel, rowOut[0]));
      });
  b.setInsertionPointToStart(forall.getTerminator().getBody());
  tensor::ParallelInsertSliceOp::create(b, loc, rest.getResult(0), shared,
                                        offsets, sliceSizes, strides);
  return forall.getResult(0);
}

} // namespace

namespace mlir::qat {
namespace {
struct QATVectorizeMatmulPass
    : impl::QATVectorizeMatmulPassBase<QATVectorizeMatmulPass> {
  using Base::Base;

  void runOnOperation() override {
    if (rowsPerTile < 1 || vectorsPerRow < 1) {
      getOperation()->emitError()
          << "qat-vectorize-matmul: mr and nr-vectors must be positive";
      return signalPassFailure();
    }
    if (dotProduct != "pair" && dotProduct != "quad") {
      getOperation()->emitError() << "qat-vectorize-matmul: dot must be "
                                     "'pair' or 'quad', got '"
                                  << dotProduct << "'";
      return signalPassFailure();
    }
    SmallVector<linalg::MatmulOp> matmuls;
    getOperation()->walk([&](linalg::MatmulOp op) { matmuls.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (linalg::MatmulOp mm : matmuls) {
      FailureOr<MatmulKernel> kernel = matchKernel(mm);
      if (failed(kernel))
        continue;
      Operation *root = kernel->consumer ? kernel->consumer.getOperation()
                                         : mm.getOperation();
      rewriter.setInsertionPoint(root);
      // Quads need u8 activations and s8 weights; pairs take the rest.
      DotShape dot =
          dotProduct == "quad" && kernel->u8Activations && kernel->s8Weights
              ? kQuadDot
              : kPairDot;
      Value result =
          KernelEmitter(rewriter, *kernel, dot, rowsPerTile, vectorsPerRow)
              .emit();
      rewriter.replaceOp(root, result);
      if (root != mm && mm->use_empty())
        rewriter.eraseOp(mm);
    }
  }
};
} // namespace
} // namespace mlir::qat
