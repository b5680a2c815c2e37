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

def QATQuantizeWeightsPass : Pass<"qat-quantize-weights"> {
  let summary = "Quantize constant weights into integer constants";
  let description = [{
    A `qat.fake_quant` of a constant (a weight) with static parameters
    becomes `qat.dequantize` of an integer constant holding the storage
    values (docs/Semantics.md §3): i8 for up to 8 bits, i16 for 9 to 16.
    The grid is kept as a `!quant.uniform` type, so later passes can fold
    the dequantization into integer arithmetic.

    Before:
    ```mlir
    %w = arith.constant dense<[[0.3, -1.0]]> : tensor<1x2xf32>
    %wq = qat.fake_quant %w {axis = 1 : i64, narrow_range,
                             scales = array<f64: 0.1, 0.5>} : tensor<1x2xf32>
    ```
    After:
    ```mlir
    %c = arith.constant dense<[[3, -2]]> : tensor<1x2xi8>
    %wq = qat.dequantize %c {grid = !quant.uniform<i8<-127:127>:f32:1,
                                    {1.0e-01,5.0e-01}>}
        : tensor<1x2xi8> -> tensor<1x2xf32>
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def QATSplitFakeQuantPass : Pass<"qat-split-fake-quant"> {
  let summary = "Split static fake-quant ops into quantize and dequantize";
  let description = [{
    Rewrites every `qat.fake_quant` with static parameters into
    `qat.dequantize(qat.quantize(x))`, exposing the integer tensor between
    them. The pair computes exactly what the fake-quant op did.
    `qat.fake_quant_min_max` (TensorFlow's kernel has its own rounding
    sequence) and ops with learned parameters stay; a remark says why.

    Before:
    ```mlir
    %y = qat.fake_quant %x {scales = array<f64: 0.1>} : tensor<4xf32>
    ```
    After:
    ```mlir
    %q = qat.quantize %x {grid = !quant.uniform<i8:f32, 1.0e-01>}
        : tensor<4xf32> -> tensor<4xi8>
    %y = qat.dequantize %q {grid = !quant.uniform<i8:f32, 1.0e-01>}
        : tensor<4xi8> -> tensor<4xf32>
    ```
  }];
}

def QATSinkDequantizePass : Pass<"qat-sink-dequantize"> {
  let summary = "Move dequantization below data movement; fold exact "
                "quantize/dequantize pairs";
  let description = [{
    Operations that only move, select or compare elements commute with
    `qat.dequantize` of a per-tensor grid, exactly (dequantization is the
    same monotonic map on every element). This pass applies them to the
    integer storage values and dequantizes afterwards, so that the data
    stays integer:

    - `tensor.collapse_shape`, `tensor.expand_shape`, `tensor.extract_slice`,
      `linalg.transpose`, and a `linalg.generic` that only copies its one
      input's elements through any map (a reversal, a broadcast, a
      nearest-neighbour resize);
    - `tensor.pad` with 0.0, which becomes a pad with the zero point (the
      storage value that dequantizes to 0.0), and with -inf read only by
      max poolings (a padded MaxPool), which becomes a pad with the lowest
      storage value;
    - `tensor.concat` of inputs on one grid;
    - `linalg.pooling_nhwc_max` from -inf, which becomes integer max
      pooling from the lowest storage value (`pooling_nhwc_max_unsigned`
      for unsigned grids).

    It also distributes a `qat.quantize` of a per-tensor grid over a
    `tensor.concat` (quantizing is element-wise), so each input is
    requantized to the output grid, moves it above a reshape, slice or
    transpose used only by it (so that the computation before them ends in
    the quantize its integer region needs: a 1-D convolution, imported as a
    2-D one and reshaped back, or a transpose between a convolution and its
    output's QuantizeLinear), folds an expand_shape of a matmul's result
    (the rows of an N-D x 2-D matmul, the heads of an N-D batch matmul)
    into the element-wise generic that reads it (upstream's fold by
    collapsing: the bias then sits on the contraction's own shape), and
    folds `qat.quantize(qat.dequantize(q))` on the same grid to `q` (exact
    for f32 and f64, docs/Semantics.md §5). Quantize/dequantize pairs on
    different grids are left to `qat-form-integer-regions`.
  }];
  let dependentDialects = [
    "::mlir::linalg::LinalgDialect", "::mlir::tensor::TensorDialect",
    "::mlir::arith::ArithDialect"
  ];
}

def QATFormIntegerRegionsPass : Pass<"qat-form-integer-regions"> {
  let summary = "Replace dequantize -> op -> quantize regions with integer linalg";
  let description = [{
    Finds float computations whose inputs are `qat.dequantize`d and whose
    result is `qat.quantize`d, and replaces each with integer arithmetic on
    the storage values, as docs/Semantics.md §8 defines:

    - `linalg.matmul` (also with an N x K weight, as `(m, k), (n, k)` maps),
      `linalg.batch_matmul` (per-batch constant weights),
      `linalg.conv_2d_nhwc_hwcf`, `linalg.conv_2d_nchw_fchw`,
      `linalg.conv_2d_ngchw_gfchw` (grouped; the weight possibly a
      `tensor.expand_shape` of a (G*F) x C x KH x KW weight quantized per
      channel) or `linalg.depthwise_conv_2d_nhwc_hwc` (strides, dilations;
      its input possibly a `tensor.pad` with 0.0, which becomes a pad with
      the zero point) of a dequantized activation (per-tensor, signed or
      unsigned, any zero point) and a dequantized constant weight
      (per-tensor or per output channel, any zero points): i8/i16 x i8/i16
      products accumulated in i32 by the same integer op, zero-point
      corrections with weight sums precomputed at compile time (window sums
      of the input only for asymmetric weights);
    - an optional element-wise epilogue: bias (a float constant per output
      channel, quantized to i32 on the accumulator grid, refined by a power
      of two where that grid is coarse, §8.2) and an activation
      (ReLU, ReLU6 or any clamp by constants), folded into the saturation
      bounds of the requantization;
    - requantization to the output grid, in one of two modes
      (docs/Semantics.md §8.4):
      `requant=float` (default): `round(f32(acc) * f32(f32(s_in * s_w[c]) /
      s_out)) + z_out` with the output fake-quant's rounding mode, the
      formula of ONNX Runtime's QLinearMatMul/QLinearConv;
      `requant=fixed-point`: a per-channel i32 multiplier and shift applied
      by `tosa.apply_scale` (i64 intermediate), single or double rounding
      (`double-round`), for integer-only targets;
    - the addition or multiplication of two dequantized tensors with any
      grids, plus an
      activation (§8.6); average and global average pooling (§8.8);
      requantization of a dequantized tensor to another grid (§8.9).

    An interval analysis over the storage ranges and the actual weights
    proves that every accumulator fits in i32; where it cannot, the pass
    reports an error at the operation.

    A contraction of that form whose result is quantized only after
    other float operations (a per-channel division and a batch
    normalization, as in PyTorch's QAT Conv+BN, or a softmax) still
    accumulates in i32; its exact result is rounded once to `f32`
    (§8.12) for the float operations that follow, with a remark. (One
    whose result reaches a float result of the function stays in float:
    such a result equals the f32 simulation, §8.10.) Every
    other operation between a dequantize and a quantize stays in float,
    which is correct by construction; a remark names it (`fallback=error`
    makes it an error, and keeps such contractions in float too).
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::tensor::TensorDialect",
    "::mlir::tosa::TosaDialect"
  ];
  let options = [
    // The enums' values are declared in qat/Options.h, where llvm::cl's
    // parser of each enum takes them from; the descriptions name them for
    // the generated pass reference.
    Option<"fallback", "fallback", "::mlir::qat::FallbackMode",
           /*default=*/"::mlir::qat::FallbackMode::Float",
           "What to do with operations that have no integer lowering: "
           "'float' keeps them in float with a remark, 'error' fails">,
    Option<"requant", "requant", "::mlir::qat::RequantMode",
           /*default=*/"::mlir::qat::RequantMode::Float",
           "Requantization: 'float' (f32 multiplier, ONNX Runtime's formula) "
           "or 'fixed-point' (i32 multiplier and shift, TOSA rescale)">,
    Option<"doubleRound", "double-round", "bool", /*default=*/"false",
           "With requant=fixed-point: TFLite's double rounding (true) or "
           "TOSA's single rounding (false, closer to the fake-quant graph)">
  ];
}

def QATPromoteToF64Pass : Pass<"qat-promote-to-f64"> {
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
  let summary = "Rewrite every f32 type and constant as f64";
  let description = [{
    Turns a QAT graph into the same graph in double precision: every `f32`
    type (of values, block arguments, function signatures) becomes `f64`,
    every `f32` constant the same value in `f64`, so that the arithmetic
    between fake-quant ops (matmuls, bias additions, activations) is
    evaluated in double precision. The fake-quant ops keep the semantics of
    the f32 graph: each sees its input rounded to f32 (the f32 graph's value
    of it) and quantizes it as the f32 op does, on the same grid.
    `qat-run --check` uses the result as the reference for the integer
    program: the fake-quant graph with exact arithmetic between its
    quantization points.

    Before:
    ```mlir
    func.func @f(%x: tensor<4xf32>) -> tensor<4xf32>
    ```
    After:
    ```mlir
    func.func @f(%x: tensor<4xf64>) -> tensor<4xf64>
      // around each fake-quant: linalg.generic truncf to f32, the f32
      // fake-quant, linalg.generic extf back to f64
    ```
  }];
}

#endif // QAT_DIALECT_QAT_TRANSFORMS_PASSES_TD
