//===- Passes.td - qat CPU code generation passes ----------*- tablegen -*-===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#ifndef QAT_CODEGEN_PASSES_TD
#define QAT_CODEGEN_PASSES_TD

include "mlir/Pass/PassBase.td"

def QATVectorizeMatmulPass : Pass<"qat-vectorize-matmul"> {
  let summary = "Integer matmuls with constant weights as exact vector "
                "micro-kernels, with the element-wise consumer fused";
  let description = [{
    Rewrites an integer `linalg.matmul` (i8 or i16 activations M x K, a
    constant i8 or i16 weight K x N, i32 accumulation from zero), together
    with the element-wise `linalg.generic` that consumes its result (the
    requantization epilogue of `qat-to-int`), into a register-tiled loop
    nest on tensors:

    - the weight is packed at compile time into N/nr panels of K/2 rows of
      nr interleaved (k, k+1) pairs of i16 (`tensor<N/nr x K/2 x 2nr x i16>`,
      zero-padded), the layout the pair multiply-add wants;
    - the activations are widened to i16 (K padded to even with zeros);
    - each mr x nr output tile accumulates in `mr * nr / 8` vectors of
      8 x i32 held in registers across the K loop; one step multiplies a
      broadcast activation pair by a weight pair vector and adds adjacent
      products (`(a0*w0 + a1*w1)`, portable vector arithmetic that
      `qat-x86-vpmaddwd` turns into `vpmaddwd`):
      exact, since i16 x i16 pair sums cannot leave i32 except for
      2 * (-2^15)^2, which wraps to the same value modulo 2^32 as the i32
      accumulation it stands for;
    - the consumer's body (bias, zero-point corrections, requantization,
      clamp) runs on the accumulator vectors, its per-column operands read
      as vectors and per-row operands broadcast, so no i32 tensor goes
      through memory; rows beyond the last full tile use 1 x nr tiles.

    Matmuls it cannot handle (non-constant weights, other element types,
    transposed maps) are left to the generic lowering, unchanged.
  }];
  let options = [
    Option<"rowsPerTile", "mr", "int64_t", "4",
           "Output rows per register tile">,
    Option<"vectorsPerRow", "nr-vectors", "int64_t", "2",
           "8 x i32 vectors per tile row (nr = 8 * nr-vectors columns)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def QATX86VpmaddwdPass : Pass<"qat-x86-vpmaddwd"> {
  let summary = "Pair multiply-adds of i16 vectors as the AVX2 vpmaddwd "
                "intrinsic";
  let description = [{
    Replaces `x[2i] * y[2i] + x[2i+1] * y[2i+1]` over `vector<16xi16>`
    operands (even and odd lanes shuffled out, sign-extended to i32,
    multiplied and added: the form `qat-vectorize-matmul` emits) with
    `llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"`. Both compute the same
    value modulo 2^32. The portable form is correct everywhere, but LLVM's
    optimizer rewrites it into vpmulld before instruction selection can
    match vpmaddwd, and x86vector has no op for it; so the pipeline selects
    the instruction here, on hosts with AVX2, after bufferization (whose
    deallocation analysis rejects calls with unknown side effects).
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

#endif // QAT_CODEGEN_PASSES_TD
