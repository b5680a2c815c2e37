//===- SplitDeallocs.cpp - one bufferization.dealloc per allocation -------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// Keeps deallocation linear in the number of layers. Ownership-based
// deallocation frees a block's buffers in one bufferization.dealloc, which
// upstream's simplification splits with an alias query per pair of its
// memrefs. Distinct memref.alloc results never alias, so a dealloc of only
// those splits without a query.
//
//===----------------------------------------------------------------------===//

#include "qat/Codegen/Passes.h"

#include "llvm/ADT/SmallPtrSet.h"

namespace mlir::qat {
#define GEN_PASS_DEF_QATSPLITDEALLOCSPASS
#include "qat/Codegen/Passes.h.inc"
} // namespace mlir::qat

using namespace mlir;

/// Whether no two memrefs `dealloc` frees may alias: each is the result of
/// a memref.alloc of its own.
static bool freesDistinctAllocations(bufferization::DeallocOp dealloc) {
  llvm::SmallPtrSet<Value, 16> seen;
  return llvm::all_of(dealloc.getMemrefs(), [&](Value memref) {
    return memref.getDefiningOp<memref::AllocOp>() &&
           seen.insert(memref).second;
  });
}

/// Replaces `dealloc` by one dealloc per memref, with its condition and all
/// the retained values; a retained value's ownership is the `or` of the
/// ownerships the parts return.
static void split(bufferization::DeallocOp dealloc) {
  OpBuilder builder(dealloc);
  Location loc = dealloc.getLoc();
  ValueRange retained = dealloc.getRetained();
  SmallVector<Value> ownership;
  for (auto [memref, condition] :
       llvm::zip_equal(dealloc.getMemrefs(), dealloc.getConditions())) {
    auto part = bufferization::DeallocOp::create(builder, loc, memref,
                                                 condition, retained);
    if (ownership.empty()) {
      llvm::append_range(ownership, part.getUpdatedConditions());
      continue;
    }
    for (auto [owned, partOwned] :
         llvm::zip_equal(ownership, part.getUpdatedConditions()))
      owned = arith::OrIOp::create(builder, loc, owned, partOwned);
  }
  dealloc->replaceAllUsesWith(ownership);
  dealloc->erase();
}

namespace mlir::qat {
namespace {
struct QATSplitDeallocsPass
    : impl::QATSplitDeallocsPassBase<QATSplitDeallocsPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<bufferization::DeallocOp> deallocs;
    getOperation()->walk([&](bufferization::DeallocOp dealloc) {
      if (dealloc.getMemrefs().size() > 1 && freesDistinctAllocations(dealloc))
        deallocs.push_back(dealloc);
    });
    for (bufferization::DeallocOp dealloc : deallocs)
      split(dealloc);
  }
};
} // namespace
} // namespace mlir::qat
