//===- Passes.td - qat dialect passes ----------------------*- tablegen -*-===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#ifndef QAT_DIALECT_QAT_TRANSFORMS_PASSES_TD
#define QAT_DIALECT_QAT_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def QATFoldLearnedParamsPass : Pass<"qat-fold-learned-params"> {
  let summary = "Fold learned quantization parameters into static attributes";
  let description = [{
    A QAT graph carries its learned scales, zero points and min/max ranges as
    SSA values: constants, or expressions of constants. This pass folds the
    expressions that feed those operands (with the upstream folders of the
    ops involved, e.g. `arith` and `math`) and moves every constant
    parameter into the op's attributes, so that later passes see static
    quantization parameters. Only the ops that compute parameters are
    folded; weights and their fake-quant ops are left as they are.

    A parameter that folds to an invalid value (a scale that is not positive
    and finite, an integer zero point outside the storage range, an empty
    min/max range) is reported at the op with the value and its index.
    With `require-static`, a parameter that does not fold to a constant is an
    error too.

    Before:
    ```mlir
    %log = arith.constant dense<-2.0> : tensor<f32>
    %s = math.exp %log : tensor<f32>
    %y = qat.fake_quant %x scale(%s : tensor<f32>) : tensor<4xf32>
    ```
    After:
    ```mlir
    %y = qat.fake_quant %x {scales = array<f64: 0.1353352814912796>}
        : tensor<4xf32>
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
  let options = [
    Option<"requireStatic", "require-static", "bool", /*default=*/"false",
           "Report every quantization parameter that is not a compile-time "
           "constant as an error">
  ];
}

def QATSimulatePass : Pass<"qat-simulate"> {
  let summary = "Lower fake-quant ops to float arithmetic (the reference path)";
  let description = [{
    Replaces every `qat.fake_quant` and `qat.fake_quant_min_max` with a
    `linalg.generic` that computes exactly what `docs/Semantics.md` defines,
    one IEEE operation per step in the op's compute precision (f32 for
    f16/bf16/f32 tensors, f64 for f64). The result is an ordinary float
    program that upstream passes can bufferize and run: the reference the
    integer program is checked against.

    The parameters must be static: run `qat-fold-learned-params` first.

    Before:
    ```mlir
    %y = qat.fake_quant %x {scales = array<f64: 0.1>} : tensor<4xf32>
    ```
    After (per-tensor, half_to_even):
    ```mlir
    %y = linalg.generic {...} ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
    ^bb0(%in: f32, %out: f32):
      %u = arith.divf %in, %scale : f32
      %r = math.roundeven %u : f32
      %c = arith.minimumf (arith.maximumf %r, %lo), %hi  // + 0.0, NaN -> 0
      %o = arith.mulf %c, %scale : f32
      linalg.yield %o : f32
    } -> tensor<4xf32>
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::tensor::TensorDialect"
  ];
}

#endif // QAT_DIALECT_QAT_TRANSFORMS_PASSES_TD
