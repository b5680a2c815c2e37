//===- HoistDeallocs.cpp - free a buffer after its last use ---------------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// Ownership-based deallocation frees a block's buffers at the block's end.
// A buffer whose every use is visible (views followed, nothing escaping) is
// freed instead right after the last op of its block that uses it: a chain
// of layers then holds only the buffers in flight, and each buffer is live
// over a short range (which qat-outline-layers needs).
//
//===----------------------------------------------------------------------===//

#include "qat/Codegen/Passes.h"

#include "mlir/Interfaces/CallInterfaces.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir::qat {
#define GEN_PASS_DEF_QATHOISTDEALLOCSPASS
#include "qat/Codegen/Passes.h.inc"
} // namespace mlir::qat

using namespace mlir;

/// Whether `user` may make the buffer it reads outlive itself other than by
/// a view: it returns, yields, branches with, calls with, takes the pointer
/// of, or otherwise makes a memref (or a tensor) of it.
static bool mayLetEscape(Operation *user) {
  if (user->hasTrait<OpTrait::ReturnLike>() ||
      isa<RegionBranchTerminatorOpInterface, BranchOpInterface, CallOpInterface,
          memref::ExtractAlignedPointerAsIndexOp,
          memref::ExtractStridedMetadataOp>(user))
    return true;
  return llvm::any_of(user->getResultTypes(), [](Type type) {
    return isa<BaseMemRefType, TensorType>(type);
  });
}

/// The last op of `dealloc`'s block that uses the buffer it frees or a view
/// of it, or null when some use is outside the block, may let the buffer
/// escape, or is another free.
static Operation *findLastUse(memref::DeallocOp dealloc) {
  Block *block = dealloc->getBlock();
  Operation *last = nullptr;
  SmallVector<Value> pending = {dealloc.getMemref()};
  while (!pending.empty()) {
    Value buffer = pending.pop_back_val();
    for (Operation *user : buffer.getUsers()) {
      if (user == dealloc)
        continue;
      Operation *anchor = block->findAncestorOpInBlock(*user);
      if (!anchor || isa<memref::DeallocOp, bufferization::DeallocOp>(user))
        return nullptr;
      if (auto view = dyn_cast<ViewLikeOpInterface>(user);
          view && view.getViewSource() == buffer) {
        pending.push_back(view->getResult(0));
      } else if (mayLetEscape(user)) {
        return nullptr;
      }
      if (!last || last->isBeforeInBlock(anchor))
        last = anchor;
    }
  }
  return last;
}

namespace mlir::qat {
namespace {
struct QATHoistDeallocsPass
    : impl::QATHoistDeallocsPassBase<QATHoistDeallocsPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<memref::DeallocOp> deallocs;
    getOperation()->walk([&](memref::DeallocOp dealloc) {
      Operation *alloc = dealloc.getMemref().getDefiningOp();
      if (isa_and_nonnull<memref::AllocOp>(alloc) &&
          alloc->getBlock() == dealloc->getBlock())
        deallocs.push_back(dealloc);
    });
    for (memref::DeallocOp dealloc : deallocs) {
      Operation *last = findLastUse(dealloc);
      if (last && last->isBeforeInBlock(dealloc))
        dealloc->moveAfter(last);
    }
  }
};
} // namespace
} // namespace mlir::qat
