//===- QATToLinalg.h - qat.quantize/dequantize to linalg --------*- C++ -*-===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// The patterns of --convert-qat-to-linalg, for a compiler that drives its
// own conversion: each lowers one `qat.quantize` or `qat.dequantize` to an
// element-wise `linalg.generic` computing docs/Semantics.md §3 exactly.
// The fake-quant ops are not touched (qat-simulate lowers them).
//
//===----------------------------------------------------------------------===//

#ifndef QAT_CONVERSION_QATTOLINALG_QATTOLINALG_H
#define QAT_CONVERSION_QATTOLINALG_QATTOLINALG_H

namespace mlir {
class RewritePatternSet;

namespace qat {

/// Adds the conversion patterns of `qat.quantize` and `qat.dequantize` to
/// arith, math, tensor and linalg ops, which must be legal on the conversion
/// target (the conversion legalizes the ops a pattern creates, too). The
/// patterns apply to every valid op, so a target on which the two ops are
/// illegal is always reached.
void populateQATToLinalgConversionPatterns(RewritePatternSet &patterns);

} // namespace qat
} // namespace mlir

#endif // QAT_CONVERSION_QATTOLINALG_QATTOLINALG_H
