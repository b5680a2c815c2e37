// RUN: qat-opt %s -split-input-file -canonicalize | FileCheck %s

// Fake-quant of a constant folds to the constant of its fake-quantized
// values: -1.0 -> -10 steps, 0.26 -> 3, 0.25 / 0.1 is exactly 2.5 in f32 and
// ties to even (2), 100.0 saturates at 127.
// CHECK-LABEL: func @fold_constant_per_tensor
func.func @fold_constant_per_tensor() -> tensor<4xf32> {
  // CHECK: %[[C:.*]] = arith.constant dense<[-1.000000e+00, 3.000000e-01, 2.000000e-01, 1.270000e+01]> : tensor<4xf32>
  // CHECK-NOT: qat.fake_quant
  // CHECK: return %[[C]]
  %c = arith.constant dense<[-1.0, 0.26, 0.25, 100.0]> : tensor<4xf32>
  %0 = qat.fake_quant %c {scales = array<f64: 0.1>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Same input, rounding half_up: the tie 2.5 goes to 3; asymmetric zero point
// 120 leaves 7 steps above zero, and 7 * f32(0.1) rounds to 0.699999988.
// CHECK-LABEL: func @fold_constant_half_up_zero_point
func.func @fold_constant_half_up_zero_point() -> tensor<4xf32> {
  // CHECK: arith.constant dense<[-1.000000e+00, 3.000000e-01, 3.000000e-01, 0.699999988]> : tensor<4xf32>
  %c = arith.constant dense<[-1.0, 0.26, 0.25, 100.0]> : tensor<4xf32>
  %0 = qat.fake_quant %c {rounding = #qat.rounding<half_up>, scales = array<f64: 0.1>,
                          zero_points = array<i64: 120>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Per-channel along dimension 1: column c uses scales[c].
// CHECK-LABEL: func @fold_constant_per_channel
func.func @fold_constant_per_channel() -> tensor<2x2xf32> {
  // CHECK: arith.constant dense<{{\[}}[1.000000e+00, 1.500000e+00], [-1.000000e+00, -7.500000e-01]]> : tensor<2x2xf32>
  %c = arith.constant dense<[[1.1, 1.6], [-0.9, -0.8]]> : tensor<2x2xf32>
  %0 = qat.fake_quant %c {axis = 1 : i64, scales = array<f64: 0.5, 0.25>} : tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

// Splat in, splat out; 4-bit unsigned saturates at 15 steps.
// CHECK-LABEL: func @fold_constant_splat
func.func @fold_constant_splat() -> tensor<8xf16> {
  // CHECK: arith.constant dense<3.750000e+00> : tensor<8xf16>
  %c = arith.constant dense<9.0> : tensor<8xf16>
  %0 = qat.fake_quant %c {num_bits = 4 : i64, is_signed = false, scales = array<f64: 0.25>} : tensor<8xf16>
  return %0 : tensor<8xf16>
}

// -----

// f64 tensors compute in f64.
// CHECK-LABEL: func @fold_constant_f64
func.func @fold_constant_f64() -> tensor<2xf64> {
  // CHECK: arith.constant dense<[2.000000e-01, -1.280000e+01]> : tensor<2xf64>
  %c = arith.constant dense<[0.2, -50.0]> : tensor<2xf64>
  %0 = qat.fake_quant %c {scales = array<f64: 0.1>} : tensor<2xf64>
  return %0 : tensor<2xf64>
}

// -----

// TensorFlow's min/max form: [-0.1, 25.4] nudges to scale 0.1, zero point 1.
// CHECK-LABEL: func @fold_constant_min_max
func.func @fold_constant_min_max() -> tensor<3xf32> {
  // CHECK: arith.constant dense<[-1.000000e-01, 0.000000e+00, 2.540000e+01]> : tensor<3xf32>
  %c = arith.constant dense<[-7.0, 0.01, 30.0]> : tensor<3xf32>
  %0 = qat.fake_quant_min_max %c {mins = array<f64: -0.1>, maxs = array<f64: 25.4>} : tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// Two identical fake-quants in a row become one, whatever their rounding.
// CHECK-LABEL: func @fold_double_fake_quant
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
func.func @fold_double_fake_quant(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: %[[Q:.*]] = qat.fake_quant %[[X]]
  // CHECK-NOT: qat.fake_quant
  // CHECK: return %[[Q]]
  %0 = qat.fake_quant %x {scales = array<f64: 0.1>, zero_points = array<i64: 0>} : tensor<4xf32>
  %1 = qat.fake_quant %0 {scales = array<f64: 0.1>, rounding = #qat.rounding<half_up>} : tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func @fold_double_fake_quant_learned
func.func @fold_double_fake_quant_learned(%x: tensor<4xf32>, %s: tensor<f32>) -> tensor<4xf32> {
  // CHECK-COUNT-1: qat.fake_quant
  // CHECK-NOT: qat.fake_quant
  %0 = qat.fake_quant %x scale(%s : tensor<f32>) : tensor<4xf32>
  %1 = qat.fake_quant %0 scale(%s : tensor<f32>) : tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func @fold_double_fake_quant_min_max
func.func @fold_double_fake_quant_min_max(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK-COUNT-1: qat.fake_quant_min_max
  // CHECK-NOT: qat.fake_quant_min_max
  %0 = qat.fake_quant_min_max %x {mins = array<f64: -1.0>, maxs = array<f64: 3.0>} : tensor<4xf32>
  %1 = qat.fake_quant_min_max %0 {mins = array<f64: -1.0>, maxs = array<f64: 3.0>} : tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

// Different grids (scale, bit width) do not fold.
// CHECK-LABEL: func @negative_fold_double_different_grid
func.func @negative_fold_double_different_grid(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK-COUNT-3: qat.fake_quant
  %0 = qat.fake_quant %x {scales = array<f64: 0.1>} : tensor<4xf32>
  %1 = qat.fake_quant %0 {scales = array<f64: 0.2>} : tensor<4xf32>
  %2 = qat.fake_quant %1 {scales = array<f64: 0.2>, num_bits = 4 : i64} : tensor<4xf32>
  return %2 : tensor<4xf32>
}

// -----

// In f16 the output rounding is too coarse for the second op to be a no-op
// on a 16-bit grid, so it stays.
// CHECK-LABEL: func @negative_fold_double_f16
func.func @negative_fold_double_f16(%x: tensor<4xf16>) -> tensor<4xf16> {
  // CHECK-COUNT-2: qat.fake_quant
  %0 = qat.fake_quant %x {num_bits = 16 : i64, scales = array<f64: 0.001>} : tensor<4xf16>
  %1 = qat.fake_quant %0 {num_bits = 16 : i64, scales = array<f64: 0.001>} : tensor<4xf16>
  return %1 : tensor<4xf16>
}

// -----

// Constant parameter operands become attributes; a float zero point rounds
// half to even (2.5 -> 2), per channel.
// CHECK-LABEL: func @staticize_constant_operands
func.func @staticize_constant_operands(%x: tensor<4x2xf32>) -> tensor<4x2xf32> {
  // CHECK: qat.fake_quant %{{.*}} {axis = 1 : i64, is_signed = false, scales = array<f64: 5.000000e-01, 2.500000e-01>, zero_points = array<i64: 2, 200>} : tensor<4x2xf32>
  %s = arith.constant dense<[0.5, 0.25]> : tensor<2xf32>
  %z = arith.constant dense<[2.5, 199.7]> : tensor<2xf32>
  %0 = qat.fake_quant %x scale(%s : tensor<2xf32>) zero_point(%z : tensor<2xf32>)
      {axis = 1 : i64, is_signed = false} : tensor<4x2xf32>
  return %0 : tensor<4x2xf32>
}

// -----

// CHECK-LABEL: func @staticize_integer_zero_point
func.func @staticize_integer_zero_point(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: qat.fake_quant %{{.*}} {scales = array<f64: 1.000000e-01>, zero_points = array<i64: -3>} : tensor<4xf32>
  %z = arith.constant dense<-3> : tensor<i32>
  %0 = qat.fake_quant %x zero_point(%z : tensor<i32>) {scales = array<f64: 0.1>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func @staticize_min_max
func.func @staticize_min_max(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: qat.fake_quant_min_max %{{.*}} {maxs = array<f64: 6.000000e+00>, mins = array<f64: -2.000000e+00>} : tensor<4xf32>
  %lo = arith.constant dense<-2.0> : tensor<f32>
  %hi = arith.constant dense<6.0> : tensor<1xf32>
  %0 = qat.fake_quant_min_max %x min(%lo : tensor<f32>) max(%hi : tensor<1xf32>) : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Invalid constants stay operands (qat-fold-learned-params reports them).
// CHECK-LABEL: func @negative_staticize_invalid
func.func @negative_staticize_invalid(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  // CHECK: qat.fake_quant %{{.*}} scale(
  // CHECK: qat.fake_quant %{{.*}} zero_point(
  %s = arith.constant dense<-0.5> : tensor<f32>
  %z = arith.constant dense<300> : tensor<i32>
  %0 = qat.fake_quant %x scale(%s : tensor<f32>) : tensor<4xf32>
  %1 = qat.fake_quant %x zero_point(%z : tensor<i32>) {scales = array<f64: 0.1>} : tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}

// -----

// 0.049000002f / 0.0196f is exactly the tie 2.5 in f32 (to even: 2), while
// PyTorch's x * f32(1 / 0.0196f) is 2.50000024 (3): reciprocal_scale decides.
// CHECK-LABEL: func @fold_constant_reciprocal_scale
func.func @fold_constant_reciprocal_scale() -> (tensor<1xf32>, tensor<1xf32>) {
  // CHECK-DAG: %[[DIV:.*]] = arith.constant dense<3.920000e-02> : tensor<1xf32>
  // CHECK-DAG: %[[MUL:.*]] = arith.constant dense<5.880000e-02> : tensor<1xf32>
  // CHECK: return %[[DIV]], %[[MUL]]
  %c = arith.constant dense<0x3D48B43A> : tensor<1xf32>
  %0 = qat.fake_quant %c {scales = array<f64: 0.019600000232458115>} : tensor<1xf32>
  %1 = qat.fake_quant %c {reciprocal_scale, scales = array<f64: 0.019600000232458115>} : tensor<1xf32>
  return %0, %1 : tensor<1xf32>, tensor<1xf32>
}
