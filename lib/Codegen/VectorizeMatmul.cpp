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
// multiplied and added pairwise (vpmaddwd, after qat-x86-vpmaddwd), with
// weights packed at compile time and the requantization epilogue applied to
// the accumulators while they are still in registers.
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

/// i32 lanes of one 256-bit vector register.
constexpr int64_t kLanes = 8;

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
};

/// How a consumer input is read for one (row, 8 columns) vector.
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

/// The values of a constant K x N weight, looking through a sign or zero
/// extension (qat-to-int widens unsigned weights with one).
std::optional<SmallVector<int64_t>> getConstantWeight(Value v) {
  bool zeroExtend = false;
  if (auto ext = v.getDefiningOp<linalg::GenericOp>()) {
    Block &body = ext.getRegion().front();
    if (ext.getNumDpsInputs() != 1 || body.getOperations().size() != 2 ||
        !isa<arith::ExtUIOp, arith::ExtSIOp>(body.front()) ||
        !llvm::all_of(ext.getIndexingMapsArray(),
                      [](AffineMap m) { return m.isIdentity(); }))
      return std::nullopt;
    zeroExtend = isa<arith::ExtUIOp>(body.front());
    v = ext.getDpsInputs()[0];
  }
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
  KernelEmitter(RewriterBase &b, MatmulKernel kernel, int64_t mr, int64_t nv)
      : b(b), kernel(kernel), loc(kernel.matmul.getLoc()), mr(mr), nv(nv),
        nr(kLanes * nv), kPairs((kernel.k + 1) / 2),
        panels((kernel.n + nr - 1) / nr) {}

  Value emit();

private:
  Value index(int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v).getResult();
  }
  VectorType vec(int64_t lanes, Type t) { return VectorType::get({lanes}, t); }
  Value packWeights();
  Value widenActivations();
  /// One `rows` x nr tile at (m0, panel): the K loop, then the epilogue
  /// written into `out`.
  Value emitTile(int64_t rows, Value m0, Value panel, Value out);
  /// The consumer's body on one accumulator vector of row `m`, columns
  /// [n, n + 8).
  Value emitEpilogue(Value acc, Value m, Value n);
  /// a[0] * b[0] + a[1] * b[1] per pair of adjacent i16 lanes.
  Value pairMultiplyAdd(Value a, Value b);

  RewriterBase &b;
  MatmulKernel kernel;
  Location loc;
  const int64_t mr, nv, nr, kPairs, panels;
  Value packed, activations;
  /// Whether every column of every panel exists (no masked stores).
  bool fullPanels() const { return kernel.n % nr == 0; }
};

Value KernelEmitter::packWeights() {
  // [panel][pair][v][lane][2]: column panel * nr + v * 8 + lane, rows
  // 2 * pair and 2 * pair + 1.
  SmallVector<int16_t> data(panels * kPairs * 2 * nr, 0);
  for (int64_t p = 0; p < panels; ++p)
    for (int64_t kp = 0; kp < kPairs; ++kp)
      for (int64_t c = 0; c < nr; ++c)
        for (int64_t q = 0; q < 2; ++q) {
          int64_t row = 2 * kp + q, col = p * nr + c;
          if (row < kernel.k && col < kernel.n)
            data[(p * kPairs + kp) * 2 * nr + 2 * c + q] =
                static_cast<int16_t>(kernel.weights[row * kernel.n + col]);
        }
  auto type = RankedTensorType::get({panels, kPairs, 2 * nr}, b.getI16Type());
  return arith::ConstantOp::create(b, loc,
                                   DenseElementsAttr::get(type, ArrayRef(data)))
      .getResult();
}

Value KernelEmitter::widenActivations() {
  Value a = kernel.matmul.getDpsInputs()[0];
  auto type = cast<RankedTensorType>(a.getType());
  if (type.getElementType().isInteger(8)) {
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
  if (kernel.k % 2 == 0)
    return a;
  // An odd K gets a zero column, which the zero weight row pairs with.
  Value zero =
      arith::ConstantOp::create(b, loc, b.getI16IntegerAttr(0)).getResult();
  auto wide = cast<RankedTensorType>(a.getType());
  SmallVector<int64_t> shape(wide.getShape());
  shape[1] += 1;
  OpFoldResult lo = b.getIndexAttr(0), hi = b.getIndexAttr(1);
  return tensor::PadOp::create(b, loc,
                               RankedTensorType::get(shape, b.getI16Type()), a,
                               ArrayRef<OpFoldResult>{lo, lo},
                               ArrayRef<OpFoldResult>{lo, hi}, zero)
      .getResult();
}

Value KernelEmitter::pairMultiplyAdd(Value x, Value y) {
  SmallVector<int64_t> even, odd;
  for (int64_t i = 0; i < kLanes; ++i) {
    even.push_back(2 * i);
    odd.push_back(2 * i + 1);
  }
  auto widen = [&](Value v, ArrayRef<int64_t> lanes) {
    Value half = vector::ShuffleOp::create(b, loc, v, v, lanes);
    return arith::ExtSIOp::create(b, loc, vec(kLanes, b.getI32Type()), half)
        .getResult();
  };
  Value lo = arith::MulIOp::create(b, loc, widen(x, even), widen(y, even));
  Value hi = arith::MulIOp::create(b, loc, widen(x, odd), widen(y, odd));
  return arith::AddIOp::create(b, loc, lo, hi);
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
                        b, loc, vec(kLanes, elementType), in->get(),
                        ValueRange{m, n},
                        arith::getZeroConstant(b, loc, elementType),
                        ArrayRef<bool>{fullPanels()})
                        .getResult();
      break;
    case Access::Column:
      value = vector::TransferReadOp::create(
                  b, loc, vec(kLanes, elementType), in->get(), ValueRange{n},
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
      value = vector::BroadcastOp::create(b, loc, vec(kLanes, elementType), s);
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
        vector::BroadcastOp::create(b, loc, vec(kLanes, v.getType()), v);
    map.map(v, splat);
    return splat;
  };
  for (Operation &op : body.without_terminator()) {
    if (auto c = dyn_cast<arith::ConstantOp>(op)) {
      auto type = vec(kLanes, c.getType());
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
      r.setType(vec(kLanes, r.getType()));
  }
  return vectorOf(body.getTerminator()->getOperand(0));
}

Value KernelEmitter::emitTile(int64_t rows, Value m0, Value panel, Value out) {
  Type i32 = b.getI32Type(), i16 = b.getI16Type();
  Value zeros = arith::ConstantOp::create(
      b, loc, SplatElementsAttr::get(vec(kLanes, i32), b.getI32IntegerAttr(0)));
  SmallVector<Value> init(rows * nv, zeros);
  SmallVector<Value> rowIndex;
  for (int64_t i = 0; i < rows; ++i)
    rowIndex.push_back(arith::AddIOp::create(b, loc, m0, index(i)));
  Value c0 = index(0), c1 = index(1), c2 = index(2);
  auto kLoop = scf::ForOp::create(
      b, loc, c0, index(kPairs), c1, init,
      [&](OpBuilder &nb, Location, Value kp, ValueRange accs) {
        InsertionGuard guard(b, nb);
        SmallVector<Value> weights;
        for (int64_t v = 0; v < nv; ++v)
          weights.push_back(vector::TransferReadOp::create(
              b, loc, vec(2 * kLanes, i16), packed,
              ValueRange{panel, kp, index(2 * kLanes * v)},
              arith::getZeroConstant(b, loc, i16), ArrayRef<bool>{true}));
        Value k = arith::MulIOp::create(b, loc, kp, c2);
        SmallVector<Value> next;
        for (int64_t i = 0; i < rows; ++i) {
          // The activation pair (a[m, k], a[m, k+1]) in every i32 lane.
          Value pair = vector::TransferReadOp::create(
              b, loc, vec(2, i16), activations, ValueRange{rowIndex[i], k},
              arith::getZeroConstant(b, loc, i16), ArrayRef<bool>{true});
          Value word = vector::BitCastOp::create(b, loc, vec(1, i32), pair);
          Value splat =
              vector::BroadcastOp::create(b, loc, vec(kLanes, i32), word);
          Value a =
              vector::BitCastOp::create(b, loc, vec(2 * kLanes, i16), splat);
          for (int64_t v = 0; v < nv; ++v)
            next.push_back(arith::AddIOp::create(
                b, loc, accs[i * nv + v], pairMultiplyAdd(a, weights[v])));
        }
        scf::YieldOp::create(b, loc, next);
      });
  Value n0 = arith::MulIOp::create(b, loc, panel, index(nr));
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t v = 0; v < nv; ++v) {
      Value n = arith::AddIOp::create(b, loc, n0, index(kLanes * v));
      Value result = emitEpilogue(kLoop.getResult(i * nv + v), rowIndex[i], n);
      out = vector::TransferWriteOp::create(b, loc, result, out,
                                            ValueRange{rowIndex[i], n},
                                            ArrayRef<bool>{fullPanels()})
                .getResult();
    }
  return out;
}

Value KernelEmitter::emit() {
  packed = packWeights();
  activations = widenActivations();
  Value a = kernel.matmul.getDpsInputs()[0];
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
  auto panelLoop = scf::ForOp::create(
      b, loc, c0, index(panels), c1, ValueRange{out},
      [&](OpBuilder &nb, Location, Value panel, ValueRange panelOut) {
        InsertionGuard guard(b, nb);
        auto tiles = scf::ForOp::create(
            b, loc, c0, fullRows, index(mr), panelOut,
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
        scf::YieldOp::create(b, loc, rest.getResults());
      });
  return panelLoop.getResult(0);
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
      Value result =
          KernelEmitter(rewriter, *kernel, rowsPerTile, vectorsPerRow).emit();
      rewriter.replaceOp(root, result);
      if (root != mm && mm->use_empty())
        rewriter.eraseOp(mm);
    }
  }
};
} // namespace
} // namespace mlir::qat
