//===- IntegerRegions.h - dequantize -> op -> quantize to integers *- C++
//-*-===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// The patterns of `qat-form-integer-regions`, for compilers that run them in
// their own pass: each rewrites a `qat.quantize` whose input is computed in
// float from `qat.dequantize`d values (a matmul or convolution with its bias
// and activation, an addition or multiplication, an average pooling, a plain
// change of grid) into integer linalg plus one requantization
// (docs/Semantics.md §8).
//
//===----------------------------------------------------------------------===//

#ifndef QAT_DIALECT_QAT_TRANSFORMS_INTEGERREGIONS_H
#define QAT_DIALECT_QAT_TRANSFORMS_INTEGERREGIONS_H

#include "qat/Options.h"

#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/DenseMap.h"

#include <string>

namespace mlir::qat {

/// How accumulators are scaled to the output grid (Semantics.md §8.4).
struct RequantOptions {
  RequantMode mode = RequantMode::Float;
  /// With RequantMode::FixedPoint: TFLite's double rounding instead of
  /// TOSA's single.
  bool doubleRound = false;

  bool isFixedPoint() const { return mode == RequantMode::FixedPoint; }
};

/// What the patterns found that they could not lower, for a pass to report.
struct IntegerRegionReport {
  /// A float operation that stays between dequantize and quantize, and why
  /// (the first reason given for it).
  llvm::DenseMap<Operation *, std::string> floatReasons;
  /// A region matched but cannot be lowered exactly (e.g. its i32
  /// accumulator may overflow); the error has been emitted at the op.
  bool hadError = false;
};

/// Adds the patterns that rewrite integer regions rooted at `qat.quantize`.
/// With `report`, the patterns record why a region stays in float and
/// whether they emitted an error; `report` must outlive the patterns.
void populateFormIntegerRegionsPatterns(RewritePatternSet &patterns,
                                        const RequantOptions &options,
                                        IntegerRegionReport *report = nullptr);

} // namespace mlir::qat

#endif // QAT_DIALECT_QAT_TRANSFORMS_INTEGERREGIONS_H
