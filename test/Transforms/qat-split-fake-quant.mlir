// RUN: qat-opt %s -split-input-file -qat-split-fake-quant -verify-diagnostics | FileCheck %s

// CHECK-LABEL: func @split
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK: %[[Q:.*]] = qat.quantize %[[X]] {grid = !quant.uniform<u8:f32, 5.000000e-02:128>, reciprocal_scale, rounding = #qat.rounding<half_up>} : tensor<4xf32> -> tensor<4xi8>
// CHECK: %[[Y:.*]] = qat.dequantize %[[Q]] {grid = !quant.uniform<u8:f32, 5.000000e-02:128>} : tensor<4xi8> -> tensor<4xf32>
// CHECK: return %[[Y]]
func.func @split(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = qat.fake_quant %x {is_signed = false, reciprocal_scale, rounding = #qat.rounding<half_up>,
                          scales = array<f64: 0.05>, zero_points = array<i64: 128>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func @stays
// CHECK: qat.fake_quant_min_max
// CHECK: qat.fake_quant %{{.*}} scale(
func.func @stays(%x: tensor<4xf32>, %s: tensor<f32>) -> (tensor<4xf32>, tensor<4xf32>) {
  // expected-remark @+1 {{stays in float: TensorFlow's min/max kernel rounds differently from qat.quantize}}
  %0 = qat.fake_quant_min_max %x {mins = array<f64: -1.0>, maxs = array<f64: 1.0>} : tensor<4xf32>
  // expected-remark @+1 {{stays in float: its parameters are not static}}
  %1 = qat.fake_quant %x scale(%s : tensor<f32>) : tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}
