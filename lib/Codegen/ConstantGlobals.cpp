//===- ConstantGlobals.cpp - memref.globals for constants, in order -------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// Makes bufferization's output independent of the order in which it visits
// functions: the globals of tensor constants are created here, in program
// order, and one-shot bufferization reuses them (getGlobalFor finds a global
// with the same value and alignment before it creates one).
//
//===----------------------------------------------------------------------===//

#include "qat/Codegen/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/Transforms/BufferUtils.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir::qat {
#define GEN_PASS_DEF_QATCONSTANTGLOBALSPASS
#include "qat/Codegen/Passes.h.inc"
} // namespace mlir::qat

using namespace mlir;

namespace mlir::qat {
namespace {
struct QATConstantGlobalsPass
    : impl::QATConstantGlobalsPassBase<QATConstantGlobalsPass> {
  using Base::Base;

  void runOnOperation() override {
    SymbolTableCollection symbolTables;
    getOperation().walk([&](arith::ConstantOp constant) {
      if (!isa<RankedTensorType>(constant.getType()) || constant->use_empty())
        return;
      // A constant getGlobalFor cannot place is left to bufferization,
      // which reports it.
      (void)bufferization::getGlobalFor(constant, symbolTables, alignment);
    });
  }
};
} // namespace
} // namespace mlir::qat
