// RUN: qat-opt %s -split-input-file -qat-form-integer-regions="requant=fixed-point fallback=error" -verify-diagnostics
// A fixed-point multiplier without an i32 form (the contraction stays in
// float; an error with fallback=error) and a pooling window whose i32 sum may
// overflow (an error), each at the op that cannot be lowered.

// A multiplier of 1e9 (1 * 1 / 1e-9) has no i32 form with a shift of at
// least 2.
func.func @fixed_point_multiplier_too_large(%aq: tensor<1x2xi8>) -> tensor<1x1xi8> {
  %zero = arith.constant 0.0 : f32
  %a = qat.dequantize %aq {grid = !quant.uniform<i8:f32, 1.0>} : tensor<1x2xi8> -> tensor<1x2xf32>
  %wq = arith.constant dense<1> : tensor<2x1xi8>
  %w = qat.dequantize %wq {grid = !quant.uniform<i8:f32, 1.0>} : tensor<2x1xi8> -> tensor<2x1xf32>
  %e = tensor.empty() : tensor<1x1xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x1xf32>) -> tensor<1x1xf32>
  // expected-error @+1 {{'linalg.matmul' has no integer lowering (requant=fixed-point: the multiplier of output channel 0 is too large for a shift of at least 2) and fallback=error}}
  %mm = linalg.matmul ins(%a, %w : tensor<1x2xf32>, tensor<2x1xf32>) outs(%z : tensor<1x1xf32>) -> tensor<1x1xf32>
  %q = qat.quantize %mm {grid = !quant.uniform<i8:f32, 1.0e-9>} : tensor<1x1xf32> -> tensor<1x1xi8>
  return %q : tensor<1x1xi8>
}

// -----

// A window of 2^24 + 1 elements of 8-bit values: the i32 sum may overflow.
func.func @window_sum_overflow(%xq: tensor<1x4097x4097x1xi8>) -> tensor<1x1x1x1xi8> {
  %zero = arith.constant 0.0 : f32
  %x = qat.dequantize %xq {grid = !quant.uniform<i8:f32, 0.1>} : tensor<1x4097x4097x1xi8> -> tensor<1x4097x4097x1xf32>
  %window = tensor.empty() : tensor<4097x4097xf32>
  %e = tensor.empty() : tensor<1x1x1x1xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x1x1x1xf32>) -> tensor<1x1x1x1xf32>
  // expected-error @+1 {{the i32 window sum may overflow (window of 16785409 elements)}}
  %s = linalg.pooling_nhwc_sum ins(%x, %window : tensor<1x4097x4097x1xf32>, tensor<4097x4097xf32>) outs(%z : tensor<1x1x1x1xf32>) -> tensor<1x1x1x1xf32>
  %q = qat.quantize %s {grid = !quant.uniform<i8:f32, 0.1>} : tensor<1x1x1x1xf32> -> tensor<1x1x1x1xi8>
  return %q : tensor<1x1x1x1xi8>
}

// -----

// An addition onto an output grid 1e20 times finer than its inputs: the
// common grid's multiplier (2^-19 / 1e-20) has no fixed-point form.
func.func @addition_multiplier_too_large(%aq: tensor<4xi8>, %bq: tensor<4xi8>) -> tensor<4xi8> {
  %a = qat.dequantize %aq {grid = !quant.uniform<i8:f32, 1.0>} : tensor<4xi8> -> tensor<4xf32>
  %b = qat.dequantize %bq {grid = !quant.uniform<i8:f32, 1.0>} : tensor<4xi8> -> tensor<4xf32>
  %e = tensor.empty() : tensor<4xf32>
  // expected-error @+1 {{'linalg.generic' has no integer lowering (requant=fixed-point: the output multiplier of the addition is too large) and fallback=error}}
  %s = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%a, %b : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %t = arith.addf %x, %y : f32
    linalg.yield %t : f32
  } -> tensor<4xf32>
  %q = qat.quantize %s {grid = !quant.uniform<i8:f32, 1.0e-20>} : tensor<4xf32> -> tensor<4xi8>
  return %q : tensor<4xi8>
}

// -----

// An output grid 2^21 times finer than the inputs: the common grid of the
// fixed-point addition (2^-19 / 2^-21 = 4 output steps) cannot keep the sum
// within one step.
func.func @addition_common_grid_too_coarse(%aq: tensor<4xi8>, %bq: tensor<4xi8>) -> tensor<4xi8> {
  %a = qat.dequantize %aq {grid = !quant.uniform<i8:f32, 1.0>} : tensor<4xi8> -> tensor<4xf32>
  %b = qat.dequantize %bq {grid = !quant.uniform<i8:f32, 1.0>} : tensor<4xi8> -> tensor<4xf32>
  %e = tensor.empty() : tensor<4xf32>
  // expected-error @+1 {{'linalg.generic' has no integer lowering (requant=fixed-point: the addition's common grid is coarser than a quarter of an output step (the output scale is far below the inputs')) and fallback=error}}
  %s = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%a, %b : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %t = arith.addf %x, %y : f32
    linalg.yield %t : f32
  } -> tensor<4xf32>
  %q = qat.quantize %s {grid = !quant.uniform<i8:f32, 4.76837158203125e-07>} : tensor<4xf32> -> tensor<4xi8>
  return %q : tensor<4xi8>
}
