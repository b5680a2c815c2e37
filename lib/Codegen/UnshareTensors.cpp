//===- UnshareTensors.cpp - one tensor.empty or constant per use ----------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// Keeps one-shot bufferization linear in the length of a chain of ops. CSE
// merges the destinations of a chain into one tensor.empty, and the tables
// of a chain's table layers into one constant; the in-place analysis then
// compares each use with every alias of that value (all the chain's
// results, or all the chain's reads), which is cubic or quadratic in the
// chain's length. An empty tensor has no contents and a constant is never
// written, so giving each use its own is free of meaning.
//
//===----------------------------------------------------------------------===//

#include "qat/Codegen/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mlir::qat {
#define GEN_PASS_DEF_QATUNSHARETENSORSPASS
#include "qat/Codegen/Passes.h.inc"
} // namespace mlir::qat

using namespace mlir;

/// Gives every use of `def`'s result after the first a copy of `def` of its
/// own, placed just before the user's ancestor in `def`'s
/// block (so that it dominates the use and stays outside any loop the
/// original is outside), or after `def` for a user in another block.
static void unshare(Operation *def) {
  Block *block = def->getBlock();
  OpBuilder builder(def);
  // Collected first: replacing a use edits the use list being walked.
  // Which use keeps the original does not matter (none writes it); the use
  // list runs from the newest use, so it is usually the first in program
  // order, which keeps the output readable.
  SmallVector<OpOperand *> uses =
      llvm::map_to_vector(def->getUses(), [](OpOperand &use) { return &use; });
  for (OpOperand *use : llvm::drop_end(uses)) {
    // A user in another block (a CFG successor) gets its copy next to the
    // original, which dominates it.
    if (Operation *anchor = block->findAncestorOpInBlock(*use->getOwner()))
      builder.setInsertionPoint(anchor);
    else
      builder.setInsertionPointAfter(def);
    use->set(builder.clone(*def)->getResult(0));
  }
}

/// Whether every use of `op`'s one result may have a copy of its own: a
/// tensor.empty (no contents) or a tensor constant (never written).
static bool isUnshareable(Operation *op) {
  if (isa<tensor::EmptyOp>(op))
    return true;
  auto constant = dyn_cast<arith::ConstantOp>(op);
  return constant && isa<TensorType>(constant.getType());
}

namespace mlir::qat {
namespace {
struct QATUnshareTensorsPass
    : impl::QATUnshareTensorsPassBase<QATUnshareTensorsPass> {
  using Base::Base;

  void runOnOperation() override {
    // Collected first: the copies must not be visited again. (An op of at
    // most one use gets no copy.)
    SmallVector<Operation *> shared;
    getOperation()->walk([&](Operation *op) {
      if (isUnshareable(op))
        shared.push_back(op);
    });
    for (Operation *op : shared)
      unshare(op);
  }
};
} // namespace
} // namespace mlir::qat
