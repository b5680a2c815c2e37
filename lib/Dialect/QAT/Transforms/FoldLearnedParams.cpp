//===- FoldLearnedParams.cpp - fold learned quantization parameters -------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#include "qat/Dialect/QAT/IR/QATOps.h"
#include "qat/Dialect/QAT/Transforms/Passes.h"

#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/TypeSwitch.h"

namespace mlir::qat {
#define GEN_PASS_DEF_QATFOLDLEARNEDPARAMSPASS
#include "qat/Dialect/QAT/Transforms/Passes.h.inc"
} // namespace mlir::qat

using namespace mlir;
using namespace mlir::qat;

/// The operands of a fake-quant op that carry parameters (all but the input).
static SmallVector<Value> getParamOperands(FakeQuantOpInterface op) {
  SmallVector<Value> params;
  for (Value v : op->getOperands())
    if (v != op.getInput())
      params.push_back(v);
  return params;
}

/// The region-free ops that compute `roots`, found with a worklist rather
/// than recursion so that long chains cannot exhaust the stack.
static SmallVector<Operation *> getParamSlice(ArrayRef<Value> roots) {
  llvm::SetVector<Operation *> slice;
  SmallVector<Value> worklist(roots.begin(), roots.end());
  while (!worklist.empty()) {
    Operation *def = worklist.pop_back_val().getDefiningOp();
    if (!def || def->getNumRegions() != 0 || !slice.insert(def))
      continue;
    llvm::append_range(worklist, def->getOperands());
  }
  return slice.takeVector();
}

/// Explains why the constant parameters the canonicalization left on `op`
/// are invalid. Returns failure after emitting an error.
static LogicalResult diagnoseConstantParams(FakeQuantOp op) {
  Type elementType = op.getInput().getType().getElementType();
  if (Value scale = op.getScale())
    if (std::optional<SmallVector<double>> scales =
            getConstantFloatValues(scale))
      for (auto [i, s] : llvm::enumerate(*scales))
        if (!isValidScaleFor(elementType, s))
          return op.emitOpError() << "learned scale " << s << " at index " << i
                                  << " is not positive and finite";
  Value zeroPoint = op.getZeroPoint();
  if (!zeroPoint)
    return success();
  StorageRange range = op.getStorageRange();
  DenseIntElementsAttr ints;
  if (matchPattern(zeroPoint, m_Constant(&ints))) {
    for (auto [i, zp] : llvm::enumerate(ints.getValues<APInt>()))
      if (zp.getSignificantBits() > 64 || !range.contains(zp.getSExtValue()))
        return op.emitOpError()
               << "learned zero point " << llvm::toString(zp, 10, true)
               << " at index " << i << " is outside the storage range ["
               << range.min << ", " << range.max << "]";
  } else if (std::optional<SmallVector<double>> zps =
                 getConstantFloatValues(zeroPoint)) {
    for (auto [i, zp] : llvm::enumerate(*zps))
      if (!roundZeroPoint(zp, range))
        return op.emitOpError()
               << "learned zero point at index " << i << " is NaN";
  }
  return success();
}

static LogicalResult diagnoseConstantParams(FakeQuantMinMaxOp op) {
  std::optional<SmallVector<double>> mins = getConstantFloatValues(op.getMin());
  std::optional<SmallVector<double>> maxs = getConstantFloatValues(op.getMax());
  if (!mins || !maxs)
    return success();
  for (size_t i = 0, e = std::min(mins->size(), maxs->size()); i < e; ++i)
    if (!((*mins)[i] < (*maxs)[i]) ||
        !nudgeMinMax<float>((*mins)[i], (*maxs)[i], op.getNumBits(),
                            op.getNarrowRange()))
      return op.emitOpError()
             << "learned range [" << (*mins)[i] << ", " << (*maxs)[i]
             << "] at index " << i
             << " is invalid (min must be smaller than max, both finite)";
  return success();
}

namespace mlir::qat {
namespace {
/// Not a pattern set of its own: it folds only the ops that compute
/// parameters (a slice found before any rewrite, so that weights keep their
/// fake-quant ops), moves constant parameters into attributes with the
/// fake-quant ops' own canonicalization patterns, and then checks every
/// fake-quant op as a whole.
struct QATFoldLearnedParamsPass
    : impl::QATFoldLearnedParamsPassBase<QATFoldLearnedParamsPass> {
  using Base::Base;

  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    SmallVector<FakeQuantOpInterface> fakeQuants;
    getOperation()->walk(
        [&](FakeQuantOpInterface op) { fakeQuants.push_back(op); });

    // Fold only what computes parameters: folding everything would also
    // fold fake-quant ops of constant weights and lose their grids.
    SmallVector<Value> params;
    for (FakeQuantOpInterface op : fakeQuants)
      llvm::append_range(params, getParamOperands(op));
    SmallVector<Operation *> slice = getParamSlice(params);
    GreedyRewriteConfig foldConfig;
    foldConfig.setStrictness(GreedyRewriteStrictness::ExistingAndNewOps);
    (void)applyOpPatternsGreedily(slice, FrozenRewritePatternSet(), foldConfig);

    RewritePatternSet patterns(ctx);
    FakeQuantOp::getCanonicalizationPatterns(patterns, ctx);
    FakeQuantMinMaxOp::getCanonicalizationPatterns(patterns, ctx);
    SmallVector<Operation *> ops(fakeQuants.begin(), fakeQuants.end());
    llvm::SetVector<Operation *> paramDefs;
    for (FakeQuantOpInterface op : fakeQuants)
      for (Value param : getParamOperands(op))
        if (Operation *def = param.getDefiningOp())
          paramDefs.insert(def);
    GreedyRewriteConfig staticConfig;
    staticConfig.enableFolding(false).setStrictness(
        GreedyRewriteStrictness::ExistingOps);
    (void)applyOpPatternsGreedily(ops, std::move(patterns), staticConfig);
    // The driver erased the fake-quant ops that were dead: check the others
    // (`fakeQuants` may hold erased ops now).
    fakeQuants.clear();
    getOperation()->walk(
        [&](FakeQuantOpInterface op) { fakeQuants.push_back(op); });
    // Constants that only fed parameters are dead now.
    for (Operation *def : paramDefs)
      if (isOpTriviallyDead(def))
        def->erase();

    bool failed = false;
    for (FakeQuantOpInterface op : fakeQuants) {
      LogicalResult valid =
          llvm::TypeSwitch<Operation *, LogicalResult>(op)
              .Case<FakeQuantOp, FakeQuantMinMaxOp>([](auto concrete) {
                return diagnoseConstantParams(concrete);
              })
              .Default([](Operation *) { return success(); });
      if (mlir::failed(valid)) {
        failed = true;
        continue;
      }
      if (!requireStatic)
        continue;
      for (Value param : getParamOperands(op)) {
        InFlightDiagnostic diag =
            op->emitOpError("has a quantization parameter that does not fold "
                            "to a compile-time constant");
        if (Operation *def = param.getDefiningOp())
          diag.attachNote(def->getLoc()) << "computed by this operation";
        failed = true;
        break;
      }
    }
    if (failed)
      signalPassFailure();
  }
};
} // namespace
} // namespace mlir::qat
