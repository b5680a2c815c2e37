//===- Passes.td - qat conversion passes -------------------*- tablegen -*-===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#ifndef QAT_CONVERSION_PASSES_TD
#define QAT_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertQATToLinalgPass : Pass<"convert-qat-to-linalg"> {
  let summary = "Lower qat.quantize and qat.dequantize to linalg.generic";
  let description = [{
    Lowers the quantize/dequantize pairs that remain after the integer
    regions have been formed to element-wise `linalg.generic` ops on
    integer and float tensors, computing exactly docs/Semantics.md §3:
    `qat.quantize` rounds with the op's rounding mode, clamps and adds the
    zero point (NaN gives the zero point); `qat.dequantize` computes
    `(q - zero_point) * scale` with one rounding in f32 (f64 for f64).
    Unsigned grids zero-extend their storage values.

    Upstream's `--lower-quant-ops` is not used: it truncates with
    `arith.fptosi` instead of rounding.

    Before:
    ```mlir
    %q = qat.quantize %x {grid = !quant.uniform<u8:f32, 0.05:128>}
        : tensor<4xf32> -> tensor<4xi8>
    ```
    After:
    ```mlir
    %q = linalg.generic {...} ins(%x : tensor<4xf32>) outs(%e : tensor<4xi8>) {
    ^bb0(%in: f32, %out: i8):
      // steps k = clamp(roundeven(%in / 0.05), -128, 127), NaN -> 0
      %i = arith.fptosi %qf : f32 to i32   // %qf = k + 128
      %t = arith.trunci %i : i32 to i8
      linalg.yield %t : i8
    } -> tensor<4xi8>
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::tensor::TensorDialect"
  ];
}

#endif // QAT_CONVERSION_PASSES_TD
