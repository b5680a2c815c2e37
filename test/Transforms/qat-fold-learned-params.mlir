// RUN: qat-opt %s -split-input-file -qat-fold-learned-params | FileCheck %s
// RUN: not qat-opt %s -split-input-file -qat-fold-learned-params=require-static 2>&1 | FileCheck %s --check-prefix=STRICT

// Only @dynamic_scale fails with require-static.
// STRICT-NOT: error:
// STRICT: error: 'qat.fake_quant' op has a quantization parameter that does not fold to a compile-time constant
// STRICT: note: computed by this operation
// STRICT-NOT: error:

// LSQ learns log(scale); the forward pass uses exp of it.
// CHECK-LABEL: func @lsq_exp_log_scale
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
func.func @lsq_exp_log_scale(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK-NOT: math.exp
  // CHECK: qat.fake_quant %[[X]] {scales = array<f64: 0.1353352814912796>} : tensor<4xf32>
  %log = arith.constant dense<-2.0> : tensor<f32>
  %s = math.exp %log : tensor<f32>
  %0 = qat.fake_quant %x scale(%s : tensor<f32>) : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Per-channel scales computed from constants (abs and a product, as when a
// folded BatchNorm rescales a learned weight scale), and a learned float
// zero point.
// CHECK-LABEL: func @per_channel_expression
func.func @per_channel_expression(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  // CHECK-NOT: arith.mulf
  // CHECK-NOT: math.absf
  // CHECK: qat.fake_quant %{{.*}} {axis = 1 : i64, is_signed = false, scales = array<f64: 1.000000e+00, 5.000000e-01>, zero_points = array<i64: 4, 0>} : tensor<3x2xf32>
  %a = arith.constant dense<[-0.5, 0.25]> : tensor<2xf32>
  %g = arith.constant dense<2.0> : tensor<2xf32>
  %abs = math.absf %a : tensor<2xf32>
  %s = arith.mulf %abs, %g : tensor<2xf32>
  %zf = arith.constant dense<[3.5, -2.0]> : tensor<2xf32>
  %0 = qat.fake_quant %x scale(%s : tensor<2xf32>) zero_point(%zf : tensor<2xf32>)
      {axis = 1 : i64, is_signed = false} : tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// The min/max form with learned variables.
// CHECK-LABEL: func @min_max_learned
func.func @min_max_learned(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: qat.fake_quant_min_max %{{.*}} {maxs = array<f64: 6.000000e+00>, mins = array<f64: -6.000000e+00>} : tensor<4xf32>
  %m = arith.constant dense<6.0> : tensor<f32>
  %lo = arith.negf %m : tensor<f32>
  %0 = qat.fake_quant_min_max %x min(%lo : tensor<f32>) max(%m : tensor<f32>) : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Weights stay fake-quantized: folding them here would lose their grid.
// CHECK-LABEL: func @keeps_weight_fake_quant
func.func @keeps_weight_fake_quant() -> tensor<2xf32> {
  // CHECK: %[[W:.*]] = arith.constant dense<[1.100000e+00, 2.300000e+00]>
  // CHECK: qat.fake_quant %[[W]] {scales = array<f64: 5.000000e-01>}
  %w = arith.constant dense<[1.1, 2.3]> : tensor<2xf32>
  %s = arith.constant dense<0.5> : tensor<f32>
  %0 = qat.fake_quant %w scale(%s : tensor<f32>) : tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// A parameter that is not a compile-time constant stays an operand, and is
// an error with require-static.
// CHECK-LABEL: func @dynamic_scale
// CHECK: qat.fake_quant %{{.*}} scale(%{{.*}} : tensor<f32>)
func.func @dynamic_scale(%x: tensor<4xf32>, %t: tensor<f32>) -> tensor<4xf32> {
  %s = math.exp %t : tensor<f32>
  %0 = qat.fake_quant %x scale(%s : tensor<f32>) : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// An unused fake-quant op is erased, and not checked afterwards (with
// require-static, the pass used to report it after erasing it, and crash).
// CHECK-LABEL: func @dead_fake_quant
// CHECK-NOT: qat.fake_quant
func.func @dead_fake_quant(%x: tensor<4xf32>, %t: tensor<f32>) {
  %0 = qat.fake_quant %x scale(%t : tensor<f32>) : tensor<4xf32>
  return
}
