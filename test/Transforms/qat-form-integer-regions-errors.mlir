// RUN: qat-opt %s -split-input-file -qat-form-integer-regions=fallback=error -verify-diagnostics
// A region without integer constants stays in float under fallback=float,
// with the reason in the remark (a model is not refused for one layer).
// RUN: qat-opt %s -split-input-file -qat-form-integer-regions 2>&1 >/dev/null | FileCheck %s --check-prefix=FLOAT
// FLOAT: remark: 'linalg.matmul' runs in float between dequantize and quantize: the i32 accumulator of output channel 0 may overflow
// FLOAT: remark: 'linalg.matmul' accumulates in i32, its result continues in f32: bias 5.000000e+03 of output channel 0 does not fit in i32
// FLOAT: remark: 'linalg.matmul' accumulates in i32, its result continues in f32: the requantization multiplier of output channel 0 is not finite in f32
// FLOAT: remark: 'math.tanh' runs in float
// FLOAT: remark: 'linalg.generic' runs in float between dequantize and quantize: the multipliers of the addition are not finite in f32
// An unknown value is an error of the option parser that names the valid
// ones; the module is not printed.
// RUN: not qat-opt %s -split-input-file -qat-form-integer-regions=fallback=maybe 2>&1 | FileCheck %s --check-prefix=BADOPT --implicit-check-not=func
// BADOPT: for the --fallback option: unknown value 'maybe'; valid values: float, error

// 16-bit unsigned activations, weights of 127 and K = 300: the accumulator
// could reach 65535 * 127 * 300 > 2^31 - 1.
func.func @accumulator_overflow(%aq: tensor<1x300xi16>) -> tensor<1x1xi8> {
  %zero = arith.constant 0.0 : f32
  %a = qat.dequantize %aq {grid = !quant.uniform<u16:f32, 0.1>} : tensor<1x300xi16> -> tensor<1x300xf32>
  %wq = arith.constant dense<127> : tensor<300x1xi8>
  %w = qat.dequantize %wq {grid = !quant.uniform<i8:f32, 0.1>} : tensor<300x1xi8> -> tensor<300x1xf32>
  %e = tensor.empty() : tensor<1x1xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x1xf32>) -> tensor<1x1xf32>
  // expected-error @+1 {{'linalg.matmul' has no integer lowering (the i32 accumulator of output channel 0 may overflow: |acc + bias| can reach 2496883500 (activation range [0, 65535] with zero point 0, K = 300)) and fallback=error}}
  %mm = linalg.matmul ins(%a, %w : tensor<1x300xf32>, tensor<300x1xf32>) outs(%z : tensor<1x1xf32>) -> tensor<1x1xf32>
  %q = qat.quantize %mm {grid = !quant.uniform<i8:f32, 0.5>} : tensor<1x1xf32> -> tensor<1x1xi8>
  return %q : tensor<1x1xi8>
}

// -----

// A bias too large for the i32 accumulator grid.
func.func @bias_overflow(%aq: tensor<1x2xi8>) -> tensor<1x1xi8> {
  %zero = arith.constant 0.0 : f32
  %a = qat.dequantize %aq {grid = !quant.uniform<i8:f32, 0.001>} : tensor<1x2xi8> -> tensor<1x2xf32>
  %wq = arith.constant dense<1> : tensor<2x1xi8>
  %w = qat.dequantize %wq {grid = !quant.uniform<i8:f32, 0.001>} : tensor<2x1xi8> -> tensor<2x1xf32>
  %e = tensor.empty() : tensor<1x1xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x1xf32>) -> tensor<1x1xf32>
  // expected-error @+1 {{has no integer lowering (bias 5.000000e+03 of output channel 0 does not fit in i32 on the accumulator grid (scale 1.000000e-06)) and fallback=error}}
  %mm = linalg.matmul ins(%a, %w : tensor<1x2xf32>, tensor<2x1xf32>) outs(%z : tensor<1x1xf32>) -> tensor<1x1xf32>
  %bias = arith.constant dense<5000.0> : tensor<1xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%mm, %bias : tensor<1x1xf32>, tensor<1xf32>) outs(%e : tensor<1x1xf32>) {
  ^bb0(%acc: f32, %b: f32, %o: f32):
    %s = arith.addf %acc, %b : f32
    linalg.yield %s : f32
  } -> tensor<1x1xf32>
  %q = qat.quantize %y {grid = !quant.uniform<i8:f32, 0.5>} : tensor<1x1xf32> -> tensor<1x1xi8>
  return %q : tensor<1x1xi8>
}

// -----

// Scales near f32's largest: the multiplier 3e38 / 1e-3 is infinite in f32,
// and acc * inf would be NaN for acc = 0 (128 steps from the zero point
// after the cast).
func.func @multiplier_not_finite(%aq: tensor<2x3xi8>) -> tensor<2x2xi8> {
  %zero = arith.constant 0.0 : f32
  %a = qat.dequantize %aq {grid = !quant.uniform<i8:f32, 1.0>} : tensor<2x3xi8> -> tensor<2x3xf32>
  %wq = arith.constant dense<1> : tensor<3x2xi8>
  %w = qat.dequantize %wq {grid = !quant.uniform<i8:f32, 3.0e38>} : tensor<3x2xi8> -> tensor<3x2xf32>
  %e = tensor.empty() : tensor<2x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  // expected-error @+1 {{has no integer lowering (the requantization multiplier of output channel 0 is not finite in f32) and fallback=error}}
  %mm = linalg.matmul ins(%a, %w : tensor<2x3xf32>, tensor<3x2xf32>) outs(%z : tensor<2x2xf32>) -> tensor<2x2xf32>
  %q = qat.quantize %mm {grid = !quant.uniform<i8:f32, 1.0e-3>} : tensor<2x2xf32> -> tensor<2x2xi8>
  return %q : tensor<2x2xi8>
}

// -----

// fallback=error: an operation left in float is an error.
func.func @fallback_error(%aq: tensor<4xi8>) -> tensor<4xi8> {
  %a = qat.dequantize %aq {grid = !quant.uniform<i8:f32, 0.1>} : tensor<4xi8> -> tensor<4xf32>
  // expected-error @+1 {{'math.tanh' has no integer lowering (no integer lowering for this operation) and fallback=error}}
  %t = math.tanh %a : tensor<4xf32>
  %q = qat.quantize %t {grid = !quant.uniform<i8:f32, 0.01>} : tensor<4xf32> -> tensor<4xi8>
  return %q : tensor<4xi8>
}

// -----

// An addition whose input/output scale ratio (1e60) is infinite in f32:
// (qa - za) * inf would be NaN where qa = za.
func.func @add_multiplier_not_finite(%aq: tensor<4xi8>, %bq: tensor<4xi8>) -> tensor<4xi8> {
  %a = qat.dequantize %aq {grid = !quant.uniform<i8:f32, 1.0e30>} : tensor<4xi8> -> tensor<4xf32>
  %b = qat.dequantize %bq {grid = !quant.uniform<i8:f32, 1.0e30>} : tensor<4xi8> -> tensor<4xf32>
  %e = tensor.empty() : tensor<4xf32>
  // expected-error @+1 {{'linalg.generic' has no integer lowering (the multipliers of the addition are not finite in f32) and fallback=error}}
  %s = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%a, %b : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %r = arith.addf %x, %y : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %q = qat.quantize %s {grid = !quant.uniform<i8:f32, 1.0e-30>} : tensor<4xf32> -> tensor<4xi8>
  return %q : tensor<4xi8>
}
