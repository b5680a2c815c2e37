//===- UnshareEmptyTensors.cpp - one tensor.empty per use -----------------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// Keeps one-shot bufferization linear in the length of a chain of ops. CSE
// merges the destinations of a chain into one tensor.empty; the in-place
// analysis then compares each writer with every alias of that value (all
// the chain's results), which is cubic in the chain's length. An empty
// tensor has no contents, so giving each use its own is free of meaning.
//
//===----------------------------------------------------------------------===//

#include "qat/Codegen/Passes.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mlir::qat {
#define GEN_PASS_DEF_QATUNSHAREEMPTYTENSORSPASS
#include "qat/Codegen/Passes.h.inc"
} // namespace mlir::qat

using namespace mlir;

/// Gives every use of `empty` after the first a copy of `empty` of its own,
/// placed just before the user's ancestor in the empty's block (so that it
/// dominates the use and stays outside any loop the original is outside),
/// or after `empty` for a user in another block.
static void unshare(tensor::EmptyOp empty) {
  Block *block = empty->getBlock();
  OpBuilder builder(empty);
  // Collected first: replacing a use edits the use list being walked.
  // Which use keeps the original does not matter (none reads it); the use
  // list runs from the newest use, so it is usually the first in program
  // order, which keeps the output readable.
  SmallVector<OpOperand *> uses = llvm::map_to_vector(
      empty->getUses(), [](OpOperand &use) { return &use; });
  for (OpOperand *use : llvm::drop_end(uses)) {
    // A user in another block (a CFG successor) gets its copy next to the
    // original, which dominates it.
    if (Operation *anchor = block->findAncestorOpInBlock(*use->getOwner()))
      builder.setInsertionPoint(anchor);
    else
      builder.setInsertionPointAfter(empty);
    use->set(builder.clone(*empty)->getResult(0));
  }
}

namespace mlir::qat {
namespace {
struct QATUnshareEmptyTensorsPass
    : impl::QATUnshareEmptyTensorsPassBase<QATUnshareEmptyTensorsPass> {
  using Base::Base;

  void runOnOperation() override {
    getOperation()->walk([](tensor::EmptyOp empty) {
      if (!empty->hasOneUse() && !empty->use_empty())
        unshare(empty);
    });
  }
};
} // namespace
} // namespace mlir::qat
