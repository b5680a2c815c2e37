//===- ONNXTensors.h - what the ONNX importer knows about a value -*- C++
//-*-===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// The importer's view of one ONNX value: its logical (ONNX) type, the MLIR
// value that holds it, possibly in NHWC order, and what is known at import
// time (constant contents, a pending quantization). Kept apart from the op
// mapping so that the rules for layouts and constants live in one place.
//
//===----------------------------------------------------------------------===//

#ifndef QAT_LIB_TARGET_ONNX_ONNXTENSORS_H
#define QAT_LIB_TARGET_ONNX_ONNXTENSORS_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Value.h"

#include <optional>
#include <string>

namespace mlir::qat::onnx_import {

/// A static quantization grid as ONNX states it: per tensor, or per `axis`
/// (logical, ONNX order). 8-bit, signed or unsigned; `codes` narrows the
/// storage range when a Clip of the quantized codes follows the
/// QuantizeLinear (PyTorch's reduce-range fake-quant: u8 codes in [0, 127]).
struct Grid {
  SmallVector<double> scales;
  SmallVector<int64_t> zeroPoints;
  std::optional<int64_t> axis;
  bool isSigned = false;
  std::optional<std::pair<int64_t, int64_t>> codes;

  int64_t getMinCode() const {
    return codes ? codes->first : (isSigned ? -128 : 0);
  }
  int64_t getMaxCode() const {
    return codes ? codes->second : (isSigned ? 127 : 255);
  }

  /// The same grid over the whole 8-bit storage range.
  Grid withFullRange() const {
    Grid g = *this;
    g.codes.reset();
    return g;
  }

  bool operator==(const Grid &other) const {
    return scales == other.scales && zeroPoints == other.zeroPoints &&
           axis == other.axis && isSigned == other.isSigned &&
           codes == other.codes;
  }
};

/// One ONNX value. Exactly one of these describes the contents:
/// - `value` (held in NHWC order when `nhwc` is set, for 4-D tensors whose
///   ONNX layout is NCHW: convolutions and poolings run in NHWC, and values
///   stay there until an op needs the ONNX order);
/// - `constant` (an initializer, ONNX order), with `grid` set when it is a
///   dequantized integer initializer (`constant` holds the storage values);
/// - `quantizedFrom` (the name of a float value under a QuantizeLinear not
///   yet emitted, with `grid`): a following DequantizeLinear on the same
///   grid becomes one `qat.fake_quant`.
struct Tensor {
  /// The ONNX shape and element type (f32, i8 for u8/s8 storage, i32, i64).
  RankedTensorType type;
  /// Integer storage that ONNX types as uint8.
  bool isUnsigned = false;

  Value value;
  bool nhwc = false;

  DenseElementsAttr constant;
  std::optional<Grid> grid;

  std::string quantizedFrom;

  bool isFloat() const { return isa<FloatType>(type.getElementType()); }
};

/// Position p of an NHWC-held tensor holds ONNX (NCHW) dimension
/// kNHWCToNCHW[p]; kNCHWToNHWC is its inverse.
inline constexpr int64_t kNHWCToNCHW[4] = {0, 2, 3, 1};
inline constexpr int64_t kNCHWToNHWC[4] = {0, 3, 1, 2};

} // namespace mlir::qat::onnx_import

#endif // QAT_LIB_TARGET_ONNX_ONNXTENSORS_H
