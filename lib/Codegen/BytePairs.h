//===- BytePairs.h - matching products of extended bytes --------*- C++ -*-===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// Shared by the instruction selection passes whose instructions multiply
// u8 by s8 lanes (vpdpbusd, vpmaddubsw).
//
//===----------------------------------------------------------------------===//

#ifndef QAT_LIB_CODEGEN_BYTEPAIRS_H
#define QAT_LIB_CODEGEN_BYTEPAIRS_H

#include "mlir/Dialect/Arith/IR/Arith.h"

#include <optional>

namespace mlir::qat {

/// The (u8, s8) byte vectors x and y of `zext(x) * sext(y)` in either
/// operand order, both of `bytes` lanes of i8; nothing if `v` is not such a
/// product.
inline std::optional<std::pair<Value, Value>>
matchUnsignedTimesSigned(Value v, int64_t bytes) {
  auto mul = v ? v.getDefiningOp<arith::MulIOp>() : nullptr;
  if (!mul)
    return std::nullopt;
  auto type = VectorType::get({bytes}, IntegerType::get(v.getContext(), 8));
  for (auto [u, s] : {std::pair{mul.getLhs(), mul.getRhs()},
                      std::pair{mul.getRhs(), mul.getLhs()}}) {
    auto zext = u.getDefiningOp<arith::ExtUIOp>();
    auto sext = s.getDefiningOp<arith::ExtSIOp>();
    if (zext && sext && zext.getIn().getType() == type &&
        sext.getIn().getType() == type)
      return std::make_pair(zext.getIn(), sext.getIn());
  }
  return std::nullopt;
}

} // namespace mlir::qat

#endif // QAT_LIB_CODEGEN_BYTEPAIRS_H
