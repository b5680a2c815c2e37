//===- FormIntegerRegions.cpp - dequantize -> op -> quantize to integers --===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// The patterns of `qat-form-integer-regions`, one per region kind, and the
// pass that applies them and names every float operation left between a
// dequantize and a quantize. The regions themselves are matched and
// lowered in ContractionMatching/ContractionLowering.cpp (matmuls and
// convolutions), ElementwiseRegions.cpp (additions, multiplications,
// average pooling, changes of grid), which end in the Requantizer, and
// UnaryRegions.cpp (any function of one 8-bit input, as a table).
//
//===----------------------------------------------------------------------===//

#include "ContractionRegion.h"
#include "ElementwiseRegions.h"
#include "UnaryRegions.h"

#include "qat/Dialect/QAT/Transforms/IntegerRegions.h"
#include "qat/Dialect/QAT/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Interfaces/CallInterfaces.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Rewrite/PatternApplicator.h"
#include "llvm/ADT/SetVector.h"

namespace mlir::qat {
#define GEN_PASS_DEF_QATFORMINTEGERREGIONSPASS
#include "qat/Dialect/QAT/Transforms/Passes.h.inc"
} // namespace mlir::qat

using namespace mlir;
using namespace mlir::qat;

namespace {
/// Rewrites one kind of region, given as its match and lower functions
/// (ContractionRegion.h, ElementwiseRegions.h). Declining records the reason
/// in the report, keyed by the float op that stays, so that the pass's
/// remark can say why.
template <typename Region,
          FailureOr<Region> (*match)(QuantizeOp, std::string &),
          LogicalResult (*lower)(RewriterBase &, Region &,
                                 const RequantOptions &, std::string &)>
struct IntegerRegionPattern : OpRewritePattern<QuantizeOp> {
  IntegerRegionPattern(MLIRContext *ctx, const RequantOptions &options,
                       IntegerRegionReport *report, PatternBenefit benefit)
      : OpRewritePattern(ctx, benefit), options(options), report(report) {}

  LogicalResult matchAndRewrite(QuantizeOp output,
                                PatternRewriter &rewriter) const override {
    if (StringRef reason = getUnsupportedRootReason(output); !reason.empty())
      return decline(rewriter, output, reason);
    std::string reason;
    FailureOr<Region> region = match(output, reason);
    if (succeeded(region) && reason.empty())
      reason = getUnsupportedOutputReason(output).str();
    if (failed(region) || !reason.empty())
      return decline(rewriter, output, reason);
    if (succeeded(lower(rewriter, *region, options, reason)))
      return success();
    if (reason.empty() && report) // The lowering emitted an error.
      report->hadError = true;
    return decline(rewriter, output, reason);
  }

private:
  LogicalResult decline(PatternRewriter &rewriter, QuantizeOp output,
                        StringRef reason) const {
    if (reason.empty())
      return rewriter.notifyMatchFailure(output, "not a region of this kind");
    if (Operation *def = output.getInput().getDefiningOp(); def && report)
      report->floatReasons.try_emplace(def, reason.str());
    return rewriter.notifyMatchFailure(output, reason);
  }

  RequantOptions options;
  IntegerRegionReport *report;
};

using ContractionPattern =
    IntegerRegionPattern<ContractionRegion, matchContractionRegion,
                         lowerContractionRegion>;
using BinaryPattern =
    IntegerRegionPattern<BinaryRegion, matchBinaryRegion, lowerBinaryRegion>;
using AveragePoolPattern =
    IntegerRegionPattern<AveragePoolRegion, matchAveragePoolRegion,
                         lowerAveragePoolRegion>;
using RescalePattern =
    IntegerRegionPattern<RescaleRegion, matchRescaleRegion, lowerRescaleRegion>;
using UnaryPattern =
    IntegerRegionPattern<UnaryRegion, matchUnaryRegion, lowerUnaryRegion>;
} // namespace

void mlir::qat::populateFormIntegerRegionsPatterns(
    RewritePatternSet &patterns, const RequantOptions &options,
    IntegerRegionReport *report) {
  MLIRContext *ctx = patterns.getContext();
  // A contraction is tried first: once it matches (with or without a reason
  // to stay in float) no element-wise kind can match the same root.
  patterns.add<ContractionPattern>(ctx, options, report, /*benefit=*/2);
  patterns.add<BinaryPattern, AveragePoolPattern, RescalePattern, UnaryPattern>(
      ctx, options, report, /*benefit=*/1);
}

namespace mlir::qat {
namespace {
struct QATFormIntegerRegionsPass
    : impl::QATFormIntegerRegionsPassBase<QATFormIntegerRegionsPass> {
  using Base::Base;

  void runOnOperation() override {
    RequantOptions options{requant, doubleRound};
    IntegerRegionReport report;
    RewritePatternSet patterns(&getContext());
    populateFormIntegerRegionsPatterns(patterns, options, &report);
    // Each quantize once, as collected: the greedy driver would erase an
    // unused quantize as dead (leaving its float producers to be reported
    // as float ops) and retry the regions that declined.
    SmallVector<QuantizeOp> outputs;
    getOperation()->walk([&](QuantizeOp op) { outputs.push_back(op); });
    // (The applicator keeps a reference to the frozen set.)
    FrozenRewritePatternSet frozen(std::move(patterns));
    PatternApplicator applicator(frozen);
    applicator.applyDefaultCostModel();
    PatternRewriter rewriter(&getContext());
    for (QuantizeOp output : outputs) {
      rewriter.setInsertionPoint(output);
      (void)applicator.matchAndRewrite(output, rewriter);
    }
    // fallback=error asks for integer code between every dequantize and
    // quantize: a float epilogue is not that.
    if (fallback == FallbackMode::Float)
      lowerFloatResultContractions(report.floatReasons);
    if (report.hadError || failed(reportFloatOps(report.floatReasons)))
      signalPassFailure();
  }

  /// The contractions of dequantized operands that no region took (their
  /// result is not requantized directly: a per-channel division, a batch
  /// normalization or a softmax comes first) but whose result is quantized
  /// in the end (through float ops): each becomes its
  /// exact i32 accumulation converted to f32 for the float ops that follow
  /// (docs/Semantics.md §8.12), or keeps its reason to stay in float.
  void lowerFloatResultContractions(
      llvm::DenseMap<Operation *, std::string> &reasons) {
    SmallVector<linalg::LinalgOp> contractions;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (llvm::any_of(op->getOperands(), readsDequantized) &&
          endsInQuantizes(op))
        contractions.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : contractions) {
      std::string reason;
      FailureOr<ContractionRegion> r = matchFloatResultContraction(op, reason);
      if (failed(r)) {
        if (!reason.empty())
          reasons.try_emplace(op, reason);
        continue;
      }
      StringRef why = findReason(op, reasons);
      Location loc = op.getLoc();
      std::string name = op->getName().getStringRef().str();
      if (failed(lowerContractionToFloat(rewriter, *r, reason))) {
        reasons.try_emplace(op, reason);
        continue;
      }
      emitRemark(loc) << "'" << name
                      << "' accumulates in i32, its result continues in f32: "
                      << why;
    }
  }

  /// True when every value computed from `op`'s results (at most 64 ops
  /// deep in all) is quantized in the end. A float result of the graph
  /// must equal the f32 simulation (docs/Semantics.md §8.10), so a
  /// contraction that reaches one keeps the simulation's float arithmetic.
  static bool endsInQuantizes(Operation *op) {
    constexpr size_t kMaxVisited = 64;
    llvm::SmallPtrSet<Operation *, 16> visited;
    SmallVector<Operation *> work = {op};
    while (!work.empty()) {
      Operation *current = work.pop_back_val();
      for (Operation *user : current->getUsers()) {
        if (isa<QuantizeOp>(user))
          continue;
        // (A terminator, a call or control flow: the value leaves.)
        if (user->getNumResults() == 0 ||
            isa<RegionBranchOpInterface, CallOpInterface>(user) ||
            visited.size() == kMaxVisited)
          return false;
        if (visited.insert(user).second)
          work.push_back(user);
      }
    }
    return true;
  }

  /// True for a dequantized value, directly or zero-padded.
  static bool readsDequantized(Value v) {
    if (auto pad = v.getDefiningOp<tensor::PadOp>())
      v = pad.getSource();
    return v.getDefiningOp<DequantizeOp>() != nullptr;
  }

  /// Why `user` stays in float: a region declines at its last op (the
  /// producer of the quantized value), so the reason is looked up among the
  /// ops that `user` feeds, a few uses deep (breadth first: an intermediate
  /// result with several users is a reason of its own).
  static StringRef
  findReason(Operation *user,
             const llvm::DenseMap<Operation *, std::string> &reasons) {
    // At most this many ops are looked at: a value with thousands of users
    // must not make each remark expensive.
    constexpr size_t kMaxVisited = 64;
    llvm::SmallPtrSet<Operation *, 16> visited = {user};
    SmallVector<Operation *> level = {user};
    for (int depth = 0; depth < 4 && !level.empty(); ++depth) {
      SmallVector<Operation *> next;
      for (Operation *op : level) {
        if (auto it = reasons.find(op); it != reasons.end())
          return it->second;
        if (isa<QuantizeOp>(op))
          continue;
        for (Operation *u : op->getUsers())
          if (visited.size() < kMaxVisited && visited.insert(u).second)
            next.push_back(u);
      }
      level = std::move(next);
    }
    return "no integer lowering for this operation";
  }

  /// Names every operation that still consumes dequantized values.
  LogicalResult
  reportFloatOps(const llvm::DenseMap<Operation *, std::string> &reasons) {
    llvm::SetVector<Operation *> users;
    getOperation()->walk([&](DequantizeOp op) {
      for (Operation *user : op->getUsers())
        if (!isa<QuantizeOp, func::ReturnOp, tensor::DimOp>(user))
          users.insert(user);
    });
    bool error = fallback == FallbackMode::Error;
    for (Operation *user : users) {
      StringRef reason = findReason(user, reasons);
      if (error)
        user->emitError() << "'" << user->getName()
                          << "' has no integer lowering (" << reason
                          << ") and fallback=error";
      else
        // At the location only: Operation::emitRemark would attach the op
        // printed with names for the whole function, which is quadratic
        // in a long chain of float ops (one remark each).
        emitRemark(user->getLoc()) << "'" << user->getName()
                                   << "' runs in float between dequantize and "
                                      "quantize: "
                                   << reason;
    }
    return failure(error && !users.empty());
  }
};
} // namespace
} // namespace mlir::qat
