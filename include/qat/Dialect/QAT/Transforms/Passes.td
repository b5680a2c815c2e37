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

#endif // QAT_DIALECT_QAT_TRANSFORMS_PASSES_TD
