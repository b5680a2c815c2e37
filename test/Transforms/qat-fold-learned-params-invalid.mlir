// RUN: qat-opt %s -split-input-file -qat-fold-learned-params -verify-diagnostics

// Learned parameters that fold to invalid values are reported at the op.

func.func @negative_scale(%x: tensor<4xf32>) -> tensor<4xf32> {
  %a = arith.constant dense<0.5> : tensor<f32>
  %s = arith.negf %a : tensor<f32>
  // expected-error @+1 {{'qat.fake_quant' op learned scale -5.000000e-01 at index 0 is not positive and finite}}
  %0 = qat.fake_quant %x scale(%s : tensor<f32>) : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @zero_scale_per_channel(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %a = arith.constant dense<[0.5, 0.0]> : tensor<2xf32>
  // expected-error @+1 {{learned scale 0.000000e+00 at index 1 is not positive and finite}}
  %0 = qat.fake_quant %x scale(%a : tensor<2xf32>) {axis = 0 : i64} : tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

func.func @zero_point_out_of_range(%x: tensor<4xf32>) -> tensor<4xf32> {
  %z = arith.constant dense<300> : tensor<i32>
  // expected-error @+1 {{learned zero point 300 at index 0 is outside the storage range [0, 255]}}
  %0 = qat.fake_quant %x zero_point(%z : tensor<i32>) {is_signed = false, scales = array<f64: 0.1>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @zero_point_nan(%x: tensor<4xf32>) -> tensor<4xf32> {
  %z = arith.constant dense<0x7FC00000> : tensor<f32>
  // expected-error @+1 {{learned zero point at index 0 is NaN}}
  %0 = qat.fake_quant %x zero_point(%z : tensor<f32>) {scales = array<f64: 0.1>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @empty_range(%x: tensor<4xf32>) -> tensor<4xf32> {
  %lo = arith.constant dense<2.0> : tensor<f32>
  %hi = arith.constant dense<1.0> : tensor<f32>
  // expected-error @+1 {{'qat.fake_quant_min_max' op learned range [2.000000e+00, 1.000000e+00] at index 0 is invalid (min must be smaller than max, both finite)}}
  %0 = qat.fake_quant_min_max %x min(%lo : tensor<f32>) max(%hi : tensor<f32>) : tensor<4xf32>
  return %0 : tensor<4xf32>
}
