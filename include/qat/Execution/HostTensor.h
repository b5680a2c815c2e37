//===- HostTensor.h - a dense tensor in host memory -------------*- C++ -*-===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// The values that qat-run and the tests pass into and out of compiled
// functions: row-major, contiguous, with one of the element types a qat
// program uses.
//
//===----------------------------------------------------------------------===//

#ifndef QAT_EXECUTION_HOSTTENSOR_H
#define QAT_EXECUTION_HOSTTENSOR_H

#include "mlir/IR/Types.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mlir::qat {

enum class ElementKind { F16, BF16, F32, F64, I8, U8, I16, U16, I32, I64 };

/// Bytes per element.
size_t getElementSize(ElementKind kind);
/// numpy's dtype string ("<f4", "|i1", ...).
StringRef getNumpyDescr(ElementKind kind);
std::optional<ElementKind> getElementKindFromNumpyDescr(StringRef descr);
/// The MLIR element type a tensor of this kind has (integers are signless).
Type getMLIRType(MLIRContext *ctx, ElementKind kind);
/// The kind of an MLIR element type; std::nullopt for unsupported types.
/// Signless integers map to the signed kinds.
std::optional<ElementKind> getElementKind(Type type);

/// "tensor<2x3xf32>"-like description of a tensor type, for messages.
std::string describeTensorType(ElementKind kind, ArrayRef<int64_t> shape);

struct HostTensor {
  ElementKind kind = ElementKind::F32;
  SmallVector<int64_t> shape;
  std::vector<uint8_t> bytes;

  HostTensor() = default;
  /// A zero tensor. The shape must have a byte size (see getByteSize).
  HostTensor(ElementKind kind, ArrayRef<int64_t> shape);

  /// The bytes of a `kind` tensor of `shape`; std::nullopt for a negative
  /// size or an element count or byte size that overflows int64_t.
  static std::optional<uint64_t> getByteSize(ElementKind kind,
                                             ArrayRef<int64_t> shape);

  int64_t getNumElements() const;
  void *data() { return bytes.data(); }
  const void *data() const { return bytes.data(); }

  /// Element `i` (row-major) converted to double (exact for every kind).
  double getAsDouble(int64_t i) const;
  /// Stores `v` into element `i`, rounding to nearest for float kinds; for
  /// integer kinds truncating toward zero and wrapping modulo 2^bits, as
  /// numpy's astype does (-7.0 in ui8 is 249; NaN is 0).
  void setFromDouble(int64_t i, double v);

  /// "tensor<2x3xf32>"-like description for messages.
  std::string describe() const;
};

} // namespace mlir::qat

#endif // QAT_EXECUTION_HOSTTENSOR_H
