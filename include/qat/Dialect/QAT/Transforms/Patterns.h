//===- Patterns.h - qat dialect rewrite patterns ----------------*- C++ -*-===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// The rewrite patterns behind qat's dialect passes, for a compiler that
// drives them itself. Each pattern declines (notifyMatchFailure) where its
// pass leaves an op alone; the passes add the user-facing remarks and
// errors about what stays. The passes that are not local rewrites
// (qat-fold-learned-params, qat-promote-to-f64, qat-form-integer-regions)
// have no patterns here.
//
//===----------------------------------------------------------------------===//

#ifndef QAT_DIALECT_QAT_TRANSFORMS_PATTERNS_H
#define QAT_DIALECT_QAT_TRANSFORMS_PATTERNS_H

namespace mlir {
class RewritePatternSet;

namespace qat {

/// qat-split-fake-quant: a `qat.fake_quant` with static parameters becomes
/// `qat.dequantize(qat.quantize(x))` on its `!quant.uniform` grid.
void populateSplitFakeQuantPatterns(RewritePatternSet &patterns);

/// qat-quantize-weights: a `qat.fake_quant` with static parameters of a
/// constant becomes `qat.dequantize` of an integer constant.
void populateQuantizeWeightsPatterns(RewritePatternSet &patterns);

/// qat-sink-dequantize: data movement moved below per-tensor
/// `qat.dequantize`, `qat.quantize` distributed over `tensor.concat`, and
/// `qat.quantize(qat.dequantize(q))` on one grid folded to `q`.
void populateSinkDequantizePatterns(RewritePatternSet &patterns);

/// qat-simulate: every `qat.fake_quant` and `qat.fake_quant_min_max` with
/// static parameters becomes the float `linalg.generic` of
/// docs/Semantics.md.
void populateSimulateFakeQuantPatterns(RewritePatternSet &patterns);

} // namespace qat
} // namespace mlir

#endif // QAT_DIALECT_QAT_TRANSFORMS_PATTERNS_H
