//===- VectorBody.h - scalar element-wise bodies cloned on vectors -*- C++
//-*-===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// Shared by the kernels' fused epilogues and the pooling loops: both run a
// linalg op's scalar body on vectors of lanes.
//
//===----------------------------------------------------------------------===//

#ifndef QAT_LIB_CODEGEN_VECTORBODY_H
#define QAT_LIB_CODEGEN_VECTORBODY_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"

namespace mlir::qat {

/// Clones the ops of `body` but its terminator with `lanes`-lane vector
/// types: constants become splats, values defined outside the body are
/// broadcast. `map` gives the vectors of the block arguments the body uses;
/// returns the vector of the terminator's first operand.
inline Value cloneBodyOnVectors(OpBuilder &b, Location loc, Block &body,
                                IRMapping &map, int64_t lanes) {
  auto vectorOf = [&](Value v) {
    if (Value mapped = map.lookupOrNull(v))
      return mapped;
    // A value from outside the body: the same in every lane.
    Value splat = vector::BroadcastOp::create(
        b, loc, VectorType::get({lanes}, v.getType()), v);
    map.map(v, splat);
    return splat;
  };
  for (Operation &op : body.without_terminator()) {
    if (auto c = dyn_cast<arith::ConstantOp>(op)) {
      auto type = VectorType::get({lanes}, c.getType());
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
      r.setType(VectorType::get({lanes}, r.getType()));
  }
  return vectorOf(body.getTerminator()->getOperand(0));
}

} // namespace mlir::qat

#endif // QAT_LIB_CODEGEN_VECTORBODY_H
