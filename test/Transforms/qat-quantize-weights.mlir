// RUN: qat-opt %s -split-input-file -qat-quantize-weights | FileCheck %s
// RUN: qat-opt %s -split-input-file -qat-quantize-weights 2>&1 >/dev/null | FileCheck %s --check-prefix=REMARK --implicit-check-not="see current operation"

// Per-channel narrow int8 weight: storage values by half-to-even rounding,
// saturated at +-127.
// CHECK-LABEL: func @per_channel_weight
// CHECK: %[[C:.*]] = arith.constant dense<{{\[}}[3, -2], [-127, 127]]> : tensor<2x2xi8>
// CHECK: %[[W:.*]] = qat.dequantize %[[C]] {grid = !quant.uniform<i8<-127:127>:f32:1, {1.000000e-01,5.000000e-01}>} : tensor<2x2xi8> -> tensor<2x2xf32>
// CHECK: return %[[W]]
func.func @per_channel_weight() -> tensor<2x2xf32> {
  %w = arith.constant dense<[[0.3, -1.0], [-100.0, 100.0]]> : tensor<2x2xf32>
  %0 = qat.fake_quant %w {axis = 1 : i64, narrow_range, scales = array<f64: 0.1, 0.5>} : tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

// Unsigned storage keeps its bit pattern in the i8 container (200 -> -56);
// 12 bits go to i16.
// CHECK-LABEL: func @unsigned_and_wide
// CHECK: arith.constant dense<[0, -56]> : tensor<2xi8>
// CHECK: qat.dequantize %{{.*}} {grid = !quant.uniform<u8:f32, 1.000000e+00:100>}
// CHECK: arith.constant dense<[2047, -2048]> : tensor<2xi16>
// CHECK: qat.dequantize %{{.*}} {grid = !quant.uniform<i16<-2048:2047>:f32, 1.000000e+00>}
func.func @unsigned_and_wide() -> (tensor<2xf32>, tensor<2xf32>) {
  %w = arith.constant dense<[-500.0, 100.0]> : tensor<2xf32>
  %0 = qat.fake_quant %w {is_signed = false, scales = array<f64: 1.0>, zero_points = array<i64: 100>} : tensor<2xf32>
  %v = arith.constant dense<[5000.0, -5000.0]> : tensor<2xf32>
  %1 = qat.fake_quant %v {num_bits = 12 : i64, scales = array<f64: 1.0>} : tensor<2xf32>
  return %0, %1 : tensor<2xf32>, tensor<2xf32>
}

// -----

// Activations (non-constant inputs) are not weights.
// CHECK-LABEL: func @negative_activation
// CHECK: qat.fake_quant
// CHECK-NOT: qat.dequantize
func.func @negative_activation(%x: tensor<2xf32>) -> tensor<2xf32> {
  %0 = qat.fake_quant %x {scales = array<f64: 1.0>} : tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// A weight whose grid has no !quant.uniform form (f16 cannot hold a scale of
// 1e5) stays a float fake-quant, with a remark at its location only (not the
// op printed with the whole function's names, quadratic over many remarks).
// CHECK-LABEL: func @weight_without_quant_type
// CHECK: qat.fake_quant
// REMARK: remark: weight stays in float: its grid has no !quant.uniform form
func.func @weight_without_quant_type() -> tensor<4xf16> {
  %w = arith.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf16>
  %0 = qat.fake_quant %w {scales = array<f64: 1.0e5>} : tensor<4xf16>
  return %0 : tensor<4xf16>
}
