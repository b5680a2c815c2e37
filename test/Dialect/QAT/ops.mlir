// RUN: qat-opt %s | FileCheck %s
// RUN: qat-opt %s | qat-opt | FileCheck %s
// RUN: qat-opt %s --mlir-print-op-generic | qat-opt | FileCheck %s

// CHECK-LABEL: func @fake_quant_per_tensor_static
func.func @fake_quant_per_tensor_static(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // CHECK: qat.fake_quant %{{.*}} {scales = array<f64: 1.000000e-01>} : tensor<2x3xf32>
  %0 = qat.fake_quant %x {scales = array<f64: 0.1>} : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// CHECK-LABEL: func @fake_quant_all_attributes
func.func @fake_quant_all_attributes(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: qat.fake_quant %{{.*}} {is_signed = false, narrow_range, num_bits = 6 : i64, rounding = #qat.rounding<half_up>, scales = array<f64: 2.500000e-01>, zero_points = array<i64: 7>} : tensor<4xf32>
  %0 = qat.fake_quant %x {num_bits = 6 : i64, is_signed = false, narrow_range,
                          rounding = #qat.rounding<half_up>,
                          scales = array<f64: 0.25>, zero_points = array<i64: 7>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// Defaults are elided when printed.
// CHECK-LABEL: func @fake_quant_defaults_elided
func.func @fake_quant_defaults_elided(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: qat.fake_quant %{{.*}} {scales = array<f64: 5.000000e-01>} : tensor<4xf32>
  %0 = qat.fake_quant %x {num_bits = 8 : i64, is_signed = true,
                          rounding = #qat.rounding<half_to_even>,
                          scales = array<f64: 0.5>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// CHECK-LABEL: func @fake_quant_per_channel
func.func @fake_quant_per_channel(%w: tensor<3x2x2x4xf32>) -> tensor<3x2x2x4xf32> {
  // CHECK: qat.fake_quant %{{.*}} {axis = 3 : i64, narrow_range, scales = array<f64: 1.000000e-02, 2.000000e-02, 3.000000e-02, 4.000000e-02>} : tensor<3x2x2x4xf32>
  %0 = qat.fake_quant %w {axis = 3 : i64, narrow_range,
                          scales = array<f64: 0.01, 0.02, 0.03, 0.04>} : tensor<3x2x2x4xf32>
  return %0 : tensor<3x2x2x4xf32>
}

// CHECK-LABEL: func @fake_quant_learned_operands
// CHECK-SAME: (%[[X:.*]]: tensor<1x8xbf16>, %[[S:.*]]: tensor<f32>, %[[Z:.*]]: tensor<i32>)
func.func @fake_quant_learned_operands(%x: tensor<1x8xbf16>, %s: tensor<f32>, %z: tensor<i32>) -> tensor<1x8xbf16> {
  // CHECK: qat.fake_quant %[[X]] scale(%[[S]] : tensor<f32>) zero_point(%[[Z]] : tensor<i32>) {is_signed = false, num_bits = 4 : i64} : tensor<1x8xbf16>
  %0 = qat.fake_quant %x scale(%s : tensor<f32>) zero_point(%z : tensor<i32>)
      {num_bits = 4 : i64, is_signed = false} : tensor<1x8xbf16>
  return %0 : tensor<1x8xbf16>
}

// A learned float zero point (PyTorch's learnable fake quant) and a
// per-channel learned scale.
// CHECK-LABEL: func @fake_quant_learned_per_channel
func.func @fake_quant_learned_per_channel(%x: tensor<4x3xf64>, %s: tensor<3xf64>, %z: tensor<3xf32>) -> tensor<4x3xf64> {
  // CHECK: qat.fake_quant %{{.*}} scale(%{{.*}} : tensor<3xf64>) zero_point(%{{.*}} : tensor<3xf32>) {axis = 1 : i64} : tensor<4x3xf64>
  %0 = qat.fake_quant %x scale(%s : tensor<3xf64>) zero_point(%z : tensor<3xf32>) {axis = 1 : i64} : tensor<4x3xf64>
  return %0 : tensor<4x3xf64>
}

// A learned scale with a static zero point.
// CHECK-LABEL: func @fake_quant_mixed
func.func @fake_quant_mixed(%x: tensor<8xf32>, %s: tensor<1xf32>) -> tensor<8xf32> {
  // CHECK: qat.fake_quant %{{.*}} scale(%{{.*}} : tensor<1xf32>) {num_bits = 16 : i64, zero_points = array<i64: -5>} : tensor<8xf32>
  %0 = qat.fake_quant %x scale(%s : tensor<1xf32>) {num_bits = 16 : i64, zero_points = array<i64: -5>} : tensor<8xf32>
  return %0 : tensor<8xf32>
}

// CHECK-LABEL: func @fake_quant_reciprocal_scale
func.func @fake_quant_reciprocal_scale(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: qat.fake_quant %{{.*}} {reciprocal_scale, scales = array<f64: 1.000000e-01>} : tensor<4xf32>
  %0 = qat.fake_quant %x {reciprocal_scale, scales = array<f64: 0.1>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// CHECK-LABEL: func @fake_quant_rank0
func.func @fake_quant_rank0(%x: tensor<f32>) -> tensor<f32> {
  // CHECK: qat.fake_quant %{{.*}} {num_bits = 2 : i64, rounding = #qat.rounding<half_away_from_zero>, scales = array<f64: 1.000000e+00>} : tensor<f32>
  %0 = qat.fake_quant %x {num_bits = 2 : i64, rounding = #qat.rounding<half_away_from_zero>,
                          scales = array<f64: 1.0>} : tensor<f32>
  return %0 : tensor<f32>
}

// CHECK-LABEL: func @fake_quant_min_max_static
func.func @fake_quant_min_max_static(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  // CHECK: qat.fake_quant_min_max %{{.*}} {maxs = array<f64: 6.000000e+00>, mins = array<f64: -6.000000e+00>} : tensor<2x4xf32>
  %0 = qat.fake_quant_min_max %x {mins = array<f64: -6.0>, maxs = array<f64: 6.0>} : tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// CHECK-LABEL: func @fake_quant_min_max_per_channel
func.func @fake_quant_min_max_per_channel(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  // CHECK: qat.fake_quant_min_max %{{.*}} {axis = 0 : i64, maxs = array<f64: 1.000000e+00, 2.000000e+00>, mins = array<f64: -1.000000e+00, 0.000000e+00>, narrow_range, num_bits = 7 : i64} : tensor<2x4xf32>
  %0 = qat.fake_quant_min_max %x {axis = 0 : i64, num_bits = 7 : i64, narrow_range,
                                  mins = array<f64: -1.0, 0.0>, maxs = array<f64: 1.0, 2.0>} : tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// CHECK-LABEL: func @fake_quant_min_max_learned
// CHECK-SAME: (%[[X:.*]]: tensor<2x4xf32>, %[[LO:.*]]: tensor<f32>, %[[HI:.*]]: tensor<f32>)
func.func @fake_quant_min_max_learned(%x: tensor<2x4xf32>, %lo: tensor<f32>, %hi: tensor<f32>) -> tensor<2x4xf32> {
  // CHECK: qat.fake_quant_min_max %[[X]] min(%[[LO]] : tensor<f32>) max(%[[HI]] : tensor<f32>) : tensor<2x4xf32>
  %0 = qat.fake_quant_min_max %x min(%lo : tensor<f32>) max(%hi : tensor<f32>) : tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// CHECK-LABEL: func @quantize_dequantize
func.func @quantize_dequantize(%x: tensor<4x2xf32>) -> tensor<4x2xf32> {
  // CHECK: %[[Q:.*]] = qat.quantize %{{.*}} {grid = !quant.uniform<u8:f32, 5.000000e-02:128>, rounding = #qat.rounding<half_up>} : tensor<4x2xf32> -> tensor<4x2xi8>
  %q = qat.quantize %x {grid = !quant.uniform<u8:f32, 0.05:128>, rounding = #qat.rounding<half_up>} : tensor<4x2xf32> -> tensor<4x2xi8>
  // CHECK: qat.dequantize %[[Q]] {grid = !quant.uniform<u8:f32, 5.000000e-02:128>} : tensor<4x2xi8> -> tensor<4x2xf32>
  %y = qat.dequantize %q {grid = !quant.uniform<u8:f32, 0.05:128>} : tensor<4x2xi8> -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// CHECK-LABEL: func @quantize_per_axis_i16
func.func @quantize_per_axis_i16(%x: tensor<4x2xf32>) -> tensor<4x2xi16> {
  // CHECK: qat.quantize %{{.*}} {grid = !quant.uniform<i16<-2048:2047>:f32:1, {1.000000e-01,2.000000e-01}>, reciprocal_scale} : tensor<4x2xf32> -> tensor<4x2xi16>
  %q = qat.quantize %x {grid = !quant.uniform<i16<-2048:2047>:f32:1, {0.1, 0.2}>, reciprocal_scale} : tensor<4x2xf32> -> tensor<4x2xi16>
  return %q : tensor<4x2xi16>
}
