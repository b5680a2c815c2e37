// RUN: qat-opt %s -split-input-file -qat-split-fake-quant -verify-diagnostics | FileCheck %s
// Remarks at the location only (Operation::emitRemark would print the op with
// the names of the whole function: quadratic over a long chain).
// RUN: qat-opt %s -split-input-file -qat-split-fake-quant 2>&1 >/dev/null | FileCheck %s --check-prefix=REMARK --implicit-check-not="see current operation"
// REMARK: remark: stays in float

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

// -----

// Grids upstream's !quant.uniform cannot hold (its parser would reject the
// printed type): an f16 tensor's scale above f16's largest value, a scale
// below f32's smallest, no channels. They stay fake-quant ops (computed in
// float as the simulation defines them).
// CHECK-LABEL: func @no_quant_type_form
// CHECK-COUNT-3: qat.fake_quant
// CHECK-NOT: qat.quantize
func.func @no_quant_type_form(%h: tensor<4xf16>, %x: tensor<4xf32>, %e: tensor<0x4xf32>) -> (tensor<4xf16>, tensor<4xf32>, tensor<0x4xf32>) {
  // expected-remark @+1 {{stays in float: its grid has no !quant.uniform form (no channels, or a scale outside the range of the element type)}}
  %0 = qat.fake_quant %h {scales = array<f64: 1.0e5>} : tensor<4xf16>
  // expected-remark @+1 {{stays in float: its grid has no !quant.uniform form}}
  %1 = qat.fake_quant %x {scales = array<f64: 1.0e-45>} : tensor<4xf32>
  // expected-remark @+1 {{stays in float: its grid has no !quant.uniform form}}
  %2 = qat.fake_quant %e {axis = 0 : i64, scales = array<f64>} : tensor<0x4xf32>
  return %0, %1, %2 : tensor<4xf16>, tensor<4xf32>, tensor<0x4xf32>
}
