//===- HostTensor.cpp - a dense tensor in host memory ---------------------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#include "qat/Execution/HostTensor.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/CheckedArithmetic.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

using namespace mlir;
using namespace mlir::qat;

size_t mlir::qat::getElementSize(ElementKind kind) {
  switch (kind) {
  case ElementKind::I8:
  case ElementKind::U8:
    return 1;
  case ElementKind::F16:
  case ElementKind::BF16:
  case ElementKind::I16:
  case ElementKind::U16:
    return 2;
  case ElementKind::F32:
  case ElementKind::I32:
    return 4;
  case ElementKind::F64:
  case ElementKind::I64:
    return 8;
  }
  llvm_unreachable("unknown element kind");
}

StringRef mlir::qat::getNumpyDescr(ElementKind kind) {
  switch (kind) {
  case ElementKind::F16:
    return "<f2";
  case ElementKind::BF16:
    // numpy has no bfloat16; ml_dtypes' name is the common convention.
    return "<V2";
  case ElementKind::F32:
    return "<f4";
  case ElementKind::F64:
    return "<f8";
  case ElementKind::I8:
    return "|i1";
  case ElementKind::U8:
    return "|u1";
  case ElementKind::I16:
    return "<i2";
  case ElementKind::U16:
    return "<u2";
  case ElementKind::I32:
    return "<i4";
  case ElementKind::I64:
    return "<i8";
  }
  llvm_unreachable("unknown element kind");
}

std::optional<ElementKind>
mlir::qat::getElementKindFromNumpyDescr(StringRef descr) {
  return llvm::StringSwitch<std::optional<ElementKind>>(descr)
      .Case("<f2", ElementKind::F16)
      .Case("<f4", ElementKind::F32)
      .Case("<f8", ElementKind::F64)
      .Cases({"|i1", "<i1"}, ElementKind::I8)
      .Cases({"|u1", "<u1"}, ElementKind::U8)
      .Case("<i2", ElementKind::I16)
      .Case("<u2", ElementKind::U16)
      .Case("<i4", ElementKind::I32)
      .Case("<i8", ElementKind::I64)
      .Default(std::nullopt);
}

Type mlir::qat::getMLIRType(MLIRContext *ctx, ElementKind kind) {
  switch (kind) {
  case ElementKind::F16:
    return Float16Type::get(ctx);
  case ElementKind::BF16:
    return BFloat16Type::get(ctx);
  case ElementKind::F32:
    return Float32Type::get(ctx);
  case ElementKind::F64:
    return Float64Type::get(ctx);
  case ElementKind::I8:
  case ElementKind::U8:
    return IntegerType::get(ctx, 8);
  case ElementKind::I16:
  case ElementKind::U16:
    return IntegerType::get(ctx, 16);
  case ElementKind::I32:
    return IntegerType::get(ctx, 32);
  case ElementKind::I64:
    return IntegerType::get(ctx, 64);
  }
  llvm_unreachable("unknown element kind");
}

std::optional<ElementKind> mlir::qat::getElementKind(Type type) {
  if (type.isF16())
    return ElementKind::F16;
  if (type.isBF16())
    return ElementKind::BF16;
  if (type.isF32())
    return ElementKind::F32;
  if (type.isF64())
    return ElementKind::F64;
  if (type.isInteger(8))
    return ElementKind::I8;
  if (type.isInteger(16))
    return ElementKind::I16;
  if (type.isInteger(32))
    return ElementKind::I32;
  if (type.isInteger(64))
    return ElementKind::I64;
  return std::nullopt;
}

HostTensor::HostTensor(ElementKind kind, ArrayRef<int64_t> shape)
    : kind(kind), shape(shape.begin(), shape.end()) {
  std::optional<uint64_t> size = getByteSize(kind, shape);
  assert(size && "tensor size overflows");
  bytes.assign(*size, 0);
}

std::optional<uint64_t> HostTensor::getByteSize(ElementKind kind,
                                                ArrayRef<int64_t> shape) {
  std::optional<int64_t> n = 1;
  for (int64_t d : shape) {
    if (d < 0)
      return std::nullopt;
    n = llvm::checkedMul(*n, d);
    if (!n)
      return std::nullopt;
  }
  n = llvm::checkedMul(*n, static_cast<int64_t>(getElementSize(kind)));
  if (!n)
    return std::nullopt;
  return static_cast<uint64_t>(*n);
}

int64_t HostTensor::getNumElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

template <typename T>
static T load(const std::vector<uint8_t> &bytes, int64_t i) {
  T v;
  std::memcpy(&v, bytes.data() + i * sizeof(T), sizeof(T));
  return v;
}

template <typename T>
static void store(std::vector<uint8_t> &bytes, int64_t i, T v) {
  std::memcpy(bytes.data() + i * sizeof(T), &v, sizeof(T));
}

static double halfToDouble(const llvm::fltSemantics &sem, uint16_t bits) {
  APFloat f(sem, APInt(16, bits));
  bool lossy;
  f.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lossy);
  return f.convertToDouble();
}

static uint16_t doubleToHalf(const llvm::fltSemantics &sem, double v) {
  APFloat f(v);
  bool lossy;
  f.convert(sem, APFloat::rmNearestTiesToEven, &lossy);
  return static_cast<uint16_t>(f.bitcastToAPInt().getZExtValue());
}

double HostTensor::getAsDouble(int64_t i) const {
  switch (kind) {
  case ElementKind::F16:
    return halfToDouble(APFloat::IEEEhalf(), load<uint16_t>(bytes, i));
  case ElementKind::BF16:
    return halfToDouble(APFloat::BFloat(), load<uint16_t>(bytes, i));
  case ElementKind::F32:
    return load<float>(bytes, i);
  case ElementKind::F64:
    return load<double>(bytes, i);
  case ElementKind::I8:
    return load<int8_t>(bytes, i);
  case ElementKind::U8:
    return load<uint8_t>(bytes, i);
  case ElementKind::I16:
    return load<int16_t>(bytes, i);
  case ElementKind::U16:
    return load<uint16_t>(bytes, i);
  case ElementKind::I32:
    return load<int32_t>(bytes, i);
  case ElementKind::I64:
    return static_cast<double>(load<int64_t>(bytes, i));
  }
  llvm_unreachable("unknown element kind");
}

/// `v` as an integer of type T the way numpy's astype converts on x86-64 and
/// AArch64: truncated toward zero, then wrapped modulo 2^bits (-7.0 becomes
/// 249 in ui8). C++ leaves a conversion out of T's range undefined, so it
/// goes through int64 and an unsigned (modular) conversion; NaN becomes 0
/// and a magnitude of 2^63 or more saturates to int64's limits first.
template <typename T> static T toWrappedInteger(double v) {
  if (std::isnan(v))
    return 0;
  constexpr double kTwo63 = 0x1p63;
  int64_t wide = v >= kTwo63    ? std::numeric_limits<int64_t>::max()
                 : v <= -kTwo63 ? std::numeric_limits<int64_t>::min()
                                : static_cast<int64_t>(v);
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(static_cast<uint64_t>(wide)));
}

void HostTensor::setFromDouble(int64_t i, double v) {
  switch (kind) {
  case ElementKind::F16:
    return store(bytes, i, doubleToHalf(APFloat::IEEEhalf(), v));
  case ElementKind::BF16:
    return store(bytes, i, doubleToHalf(APFloat::BFloat(), v));
  case ElementKind::F32:
    return store(bytes, i, static_cast<float>(v));
  case ElementKind::F64:
    return store(bytes, i, v);
  case ElementKind::I8:
    return store(bytes, i, toWrappedInteger<int8_t>(v));
  case ElementKind::U8:
    return store(bytes, i, toWrappedInteger<uint8_t>(v));
  case ElementKind::I16:
    return store(bytes, i, toWrappedInteger<int16_t>(v));
  case ElementKind::U16:
    return store(bytes, i, toWrappedInteger<uint16_t>(v));
  case ElementKind::I32:
    return store(bytes, i, toWrappedInteger<int32_t>(v));
  case ElementKind::I64:
    return store(bytes, i, toWrappedInteger<int64_t>(v));
  }
}

/// The MLIR spelling of an element kind (unsigned ones as ui8/ui16).
static StringRef getKindName(ElementKind kind) {
  switch (kind) {
  case ElementKind::F16:
    return "f16";
  case ElementKind::BF16:
    return "bf16";
  case ElementKind::F32:
    return "f32";
  case ElementKind::F64:
    return "f64";
  case ElementKind::I8:
    return "i8";
  case ElementKind::U8:
    return "ui8";
  case ElementKind::I16:
    return "i16";
  case ElementKind::U16:
    return "ui16";
  case ElementKind::I32:
    return "i32";
  case ElementKind::I64:
    return "i64";
  }
  llvm_unreachable("unknown element kind");
}

std::string mlir::qat::describeTensorType(ElementKind kind,
                                          ArrayRef<int64_t> shape) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "tensor<";
  for (int64_t d : shape) {
    if (ShapedType::isDynamic(d))
      os << "?";
    else
      os << d;
    os << "x";
  }
  os << getKindName(kind) << ">";
  return s;
}

std::string HostTensor::describe() const {
  return describeTensorType(kind, shape);
}
