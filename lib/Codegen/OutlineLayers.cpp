//===- OutlineLayers.cpp - functions of a bounded number of loop nests ----===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// Keeps the LLVM optimizer linear in the number of layers: it is quadratic
// in the loops of one function (the dominator tree and scalar evolution
// walk the chain of blocks before each loop), so a long chain of layers is
// cut into runs of a bounded number of loop nests, each a function of its
// own that LLVM may not inline back.
//
//===----------------------------------------------------------------------===//

#include "qat/Codegen/Passes.h"

#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/ADT/SetVector.h"

namespace mlir::qat {
#define GEN_PASS_DEF_QATOUTLINELAYERSPASS
#include "qat/Codegen/Passes.h.inc"
} // namespace mlir::qat

using namespace mlir;

namespace {
/// A run of consecutive ops of a function's block, with the values it reads
/// from before it and the values read after it.
struct Run {
  SmallVector<Operation *> ops;
  llvm::SmallPtrSet<Operation *, 32> members; // ops, for look-ups
  llvm::SetVector<Value> inputs;
  llvm::SetVector<Value> outputs;
};
} // namespace

/// Whether `op` is one of `run`'s ops or nested in one.
static bool isInside(Operation *op, const Run &run) {
  Operation *ancestor = run.ops.front()->getBlock()->findAncestorOpInBlock(*op);
  return ancestor && run.members.contains(ancestor);
}

/// Whether `value` is defined by one of `run`'s ops or in one of their
/// regions.
static bool isDefinedIn(Value value, const Run &run) {
  Operation *def = value.getDefiningOp();
  return isInside(def ? def : value.getParentRegion()->getParentOp(), run);
}

/// Fills `run`'s members, inputs and outputs from its ops.
static void collectBoundary(Run &run) {
  run.members.insert(run.ops.begin(), run.ops.end());
  for (Operation *op : run.ops) {
    op->walk([&](Operation *nested) {
      for (Value operand : nested->getOperands())
        if (!isDefinedIn(operand, run))
          run.inputs.insert(operand);
    });
    for (Value result : op->getResults())
      if (llvm::any_of(result.getUsers(),
                       [&](Operation *user) { return !isInside(user, run); }))
        run.outputs.insert(result);
  }
}

/// Whether `value` is (a view of) a buffer on the stack of its function.
static bool isStackBuffer(Value value) {
  while (auto view = value.getDefiningOp<ViewLikeOpInterface>())
    value = view.getViewSource();
  return value.getDefiningOp<memref::AllocaOp>() != nullptr;
}

/// Whether `op`'s results are better recomputed inside a run than passed to
/// it: a constant, a global's address (free of effects and of operands).
static bool isRematerializable(Operation *op) {
  return op->getNumResults() > 0 && op->getNumOperands() == 0 &&
         op->getNumRegions() == 0 && isMemoryEffectFree(op);
}

/// Moves `run` into a new private function at the end of `parent`'s module
/// and calls it in its place. Constants and globals it reads are cloned into
/// it, its other inputs become its arguments.
static void outline(Run &run, func::FuncOp parent, SymbolTable &symbols) {
  MLIRContext *context = parent.getContext();
  Location loc = run.ops.front()->getLoc();
  Operation *next = run.ops.back()->getNextNode();
  // In the order of the runs; the type is known once the arguments are.
  auto builder = OpBuilder::atBlockEnd(parent->getBlock());
  auto callee = func::FuncOp::create(builder, loc,
                                     (parent.getSymName() + "_layers").str(),
                                     FunctionType::get(context, {}, {}));
  callee.setPrivate();
  // Internal to the object qat-aot writes (two models' runs may share a
  // name); convert-func-to-llvm reads the linkage from this attribute.
  callee->setAttr("llvm.linkage",
                  LLVM::LinkageAttr::get(context, LLVM::Linkage::Internal));
  symbols.insert(callee);
  Block *body = callee.addEntryBlock();
  for (Operation *op : run.ops)
    op->moveBefore(body, body->end());
  builder.setInsertionPointToEnd(body);
  func::ReturnOp::create(builder, loc, run.outputs.getArrayRef());

  // Inside, copies of the constants and new arguments replace the inputs.
  builder.setInsertionPointToStart(body);
  SmallVector<Value> arguments;
  for (Value input : run.inputs) {
    Operation *def = input.getDefiningOp();
    Value inside;
    if (def && isRematerializable(def)) {
      inside = builder.clone(*def)->getResult(
          cast<OpResult>(input).getResultNumber());
    } else {
      arguments.push_back(input);
      inside = body->addArgument(input.getType(), input.getLoc());
    }
    Value(input).replaceUsesWithIf(inside, [&](OpOperand &use) {
      return callee->isProperAncestor(use.getOwner());
    });
  }
  callee.setFunctionType(
      FunctionType::get(context, body->getArgumentTypes(),
                        ValueRange(run.outputs.getArrayRef()).getTypes()));

  // The call goes where the run was; the run's results are the call's.
  builder.setInsertionPoint(next);
  auto call = func::CallOp::create(builder, loc, callee, arguments);
  call.setNoInline(true);
  for (auto [output, result] : llvm::zip_equal(run.outputs, call.getResults()))
    Value(output).replaceUsesWithIf(result, [&](OpOperand &use) {
      return !callee->isProperAncestor(use.getOwner());
    });
}

/// The runs of `function`'s block, each with at most `maxLayers` ops with
/// regions (0 counts as 1); none when the function has no more than that in
/// all.
static std::vector<Run> partition(func::FuncOp function, unsigned maxLayers) {
  std::vector<Run> runs;
  if (!function.getBody().hasOneBlock())
    return runs;
  Block &block = function.getBody().front();
  auto isLayer = [](Operation &op) { return op.getNumRegions() > 0; };
  if (llvm::count_if(block, isLayer) <= static_cast<int64_t>(maxLayers))
    return runs;
  runs.emplace_back();
  unsigned layers = 0;
  for (Operation &op : block.without_terminator()) {
    // Constants stay in `function`; a run gets copies of those it reads.
    if (isRematerializable(&op))
      continue;
    if (isLayer(op)) {
      if (layers == std::max(maxLayers, 1u)) {
        runs.emplace_back();
        layers = 0;
      }
      ++layers;
    }
    runs.back().ops.push_back(&op);
  }
  return runs;
}

namespace mlir::qat {
namespace {
struct QATOutlineLayersPass
    : impl::QATOutlineLayersPassBase<QATOutlineLayersPass> {
  using Base::Base;

  void runOnOperation() override {
    SymbolTable symbols(getOperation());
    auto functions = llvm::to_vector(getOperation().getOps<func::FuncOp>());
    for (func::FuncOp function : functions) {
      for (Run &run : partition(function, maxLayers)) {
        collectBoundary(run);
        if (llvm::none_of(run.outputs, isStackBuffer))
          outline(run, function, symbols);
      }
    }
  }
};
} // namespace
} // namespace mlir::qat
