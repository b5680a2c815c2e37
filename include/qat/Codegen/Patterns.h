//===- Patterns.h - qat CPU code generation patterns ------------*- C++ -*-===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// The rewrite patterns behind qat's code generation passes, for a compiler
// that drives them itself. Each pattern declines (notifyMatchFailure) where
// its pass leaves an op alone; remarks about what stays are the passes'.
// Where the order or the driver matters, the populate function says so.
//
//===----------------------------------------------------------------------===//

#ifndef QAT_CODEGEN_PATTERNS_H
#define QAT_CODEGEN_PATTERNS_H

#include "qat/Options.h"

#include <cstdint>

namespace mlir {
class RewritePatternSet;

namespace qat {

/// The tiling of the matmul micro-kernels; every count must be positive.
struct VectorizeMatmulOptions {
  /// Output rows per register tile (mr).
  int64_t rowsPerTile = 4;
  /// Accumulator vectors per tile row (nr = lanes * vectorsPerRow).
  int64_t vectorsPerRow = 2;
  /// Chunks of rows the kernel's forall splits the rows into, besides the
  /// column panels.
  int64_t rowChunks = 1;
  DotProduct dot = DotProduct::Pair;
};

/// qat-vectorize-matmul: an integer linalg.matmul, batch_matmul,
/// conv_2d_nhwc_hwcf or depthwise_conv_2d_nhwc_hwc with a constant weight,
/// with its element-wise consumer, as a register-tiled vector micro-kernel
/// on tensors. Where the quad step with int16 pair sums is not proven
/// exact, the rewrite says so in a remark at the op.
/// Apply the patterns in program order (as the pass does, one contraction
/// at a time; or applyPatternsGreedily with top-down traversal): a kernel's
/// saturation proof reads the producers of its activations, which an
/// earlier kernel may have replaced.
void populateVectorizeMatmulPatterns(RewritePatternSet &patterns,
                                     const VectorizeMatmulOptions &options);

/// qat-vectorize-elementwise: element-wise linalg ops on buffers with static
/// shapes tiled to vectors of the innermost dimension and vectorized, 2-D
/// NHWC poolings as loops over channel vectors. Drive them with
/// walkAndApplyPatterns: a tile that upstream's vectorizer declines would be
/// tiled again by a driver that revisits new ops.
void populateVectorizeElementwisePatterns(RewritePatternSet &patterns);

/// qat-strided-copies-to-linalg: memref.copy between ranked buffers, one of
/// them with a layout that is not the identity (a subview), as linalg.copy.
void populateStridedCopiesToLinalgPatterns(RewritePatternSet &patterns);

/// math.powf by 0, 1, 2, -1 or 0.5, or of a power of two, as the operations
/// LLVM replaces it with in scalar code (QATExpandPowPass).
void populateExpandPowPatterns(RewritePatternSet &patterns);

/// Element-wise ops on tensors as linalg.generic, and ops implementing
/// linalg's AggregatedOpInterface (linalg.softmax) decomposed into the ops
/// they aggregate, and side-effect-free ops whose results have no elements
/// as tensor.empty (qat-tensor-ops-to-linalg). Any driver; the greedy one
/// also decomposes what a decomposition produces.
void populateTensorOpsToLinalgPatterns(RewritePatternSet &patterns);

/// qat-x86-vpmaddwd: pair multiply-adds of vector<16xi16> as AVX2's
/// vpmaddwd intrinsic, and with `avx512` of vector<32xi16> as AVX-512BW's.
void populateX86VpmaddwdPatterns(RewritePatternSet &patterns, bool avx512);

/// qat-x86-vpdpbusd: u8 x s8 quad dot products over vector<64xi8> as the
/// AVX-512 VNNI vpdpbusd intrinsic.
void populateX86VpdpbusdPatterns(RewritePatternSet &patterns);

/// qat-x86-vpmaddubsw: u8 x s8 quad dot products with int16 pair sums over
/// vector<32xi8> as AVX2's vpmaddubsw and vpmaddwd intrinsics.
void populateX86VpmaddubswPatterns(RewritePatternSet &patterns);

} // namespace qat
} // namespace mlir

#endif // QAT_CODEGEN_PATTERNS_H
