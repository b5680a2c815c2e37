//===- RegionMatching.h - shared matchers of integer regions ----*- C++ -*-===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// What every integer-region pattern looks for in the float ops between a
// dequantize and a quantize: constants, fused activations (max/min with
// constants), zero-filled accumulators, per-tensor grids.
//
//===----------------------------------------------------------------------===//

#ifndef QAT_LIB_DIALECT_QAT_TRANSFORMS_REGIONMATCHING_H
#define QAT_LIB_DIALECT_QAT_TRANSFORMS_REGIONMATCHING_H

#include "qat/Dialect/QAT/IR/QATOps.h"
#include "qat/Dialect/QAT/Utils/QuantMath.h"

#include <limits>

namespace mlir::qat {

/// The clamp bounds of a fused activation in float (infinite when absent).
struct ActivationBounds {
  float lo = -std::numeric_limits<float>::infinity();
  float hi = std::numeric_limits<float>::infinity();
};

/// A float constant (scalar, or splat tensor) as a float.
std::optional<float> getConstantFloat(Value v);

/// Walks back from `v` through max/min with constants (an activation),
/// narrowing `bounds`; the value under them, or null when a max/min has no
/// constant side.
Value stripActivation(Value v, ActivationBounds &bounds);

/// True for a linalg.fill of 0.0.
bool isZeroFill(Value v);

/// A per-tensor grid of a dequantize or quantize op, or std::nullopt for a
/// per-channel one.
std::optional<QuantGrid<float>>
getTensorGrid(Type gridType, RoundingMode rounding, bool reciprocalScale);

/// The grid a dequantize reads its storage on (per tensor), or std::nullopt.
std::optional<QuantGrid<float>> getTensorGrid(DequantizeOp op);

/// The grid a quantize rounds onto (per tensor), or std::nullopt.
std::optional<QuantGrid<float>> getTensorGrid(QuantizeOp op);

/// The value of a dequantized splat constant: a constant operand that ONNX
/// Runtime's quantizer quantizes like an activation (hard-swish's 3 as
/// DequantizeLinear(255, 3/255)), dequantized as §3 defines; or
/// std::nullopt.
std::optional<float> getDequantizedSplat(Value v);

/// Why float values of `type` (or its elements) cannot be computed in
/// integers, or an empty string: the integer lowerings compute f32 graphs
/// only.
StringRef getUnsupportedFloatReason(Type type);

/// True for a ranked shaped type with a dimension of size 0.
bool hasNoElements(Type type);

/// Why a region that reads or writes a tensor with no elements is not
/// formed.
inline constexpr const char *kNoElementsReason =
    "a tensor with no elements (nothing to compute)";

/// Why `output` cannot root an integer region whatever its producers are,
/// or an empty string: the integer lowerings compute f32 graphs only.
StringRef getUnsupportedOutputReason(QuantizeOp output);

/// Why no region may be rooted at `output` at all, or an empty string: a
/// tensor with no elements (the quantize's or its producer's) has nothing to
/// compute, and the lowerings' constants and tiles assume at least one
/// element per dimension.
StringRef getUnsupportedRootReason(QuantizeOp output);

} // namespace mlir::qat

#endif // QAT_LIB_DIALECT_QAT_TRANSFORMS_REGIONMATCHING_H
