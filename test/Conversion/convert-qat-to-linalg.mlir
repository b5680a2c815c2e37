// RUN: qat-opt %s -split-input-file -convert-qat-to-linalg | FileCheck %s

// quantize: steps as in the simulation, plus the zero point, through i32 so
// that unsigned values keep their bit pattern.
// CHECK-LABEL: func @quantize_unsigned
// CHECK-NOT: qat.quantize
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<4xf32>) outs(%{{.*}} : tensor<4xi8>)
// CHECK: ^bb0(%[[IN:.*]]: f32, %{{.*}}: i8):
// CHECK-DAG: %[[S:.*]] = arith.constant 5.000000e-02 : f32
// CHECK-DAG: %[[ZP:.*]] = arith.constant 1.280000e+02 : f32
// CHECK: arith.divf %[[IN]], %[[S]] : f32
// CHECK: math.roundeven
// CHECK: %[[STEPS:.*]] = arith.select
// CHECK: %[[QF:.*]] = arith.addf %[[STEPS]], %[[ZP]] : f32
// CHECK: %[[QI:.*]] = arith.fptosi %[[QF]] : f32 to i32
// CHECK: %[[Q:.*]] = arith.trunci %[[QI]] : i32 to i8
// CHECK: linalg.yield %[[Q]] : i8
func.func @quantize_unsigned(%x: tensor<4xf32>) -> tensor<4xi8> {
  %q = qat.quantize %x {grid = !quant.uniform<u8:f32, 0.05:128>} : tensor<4xf32> -> tensor<4xi8>
  return %q : tensor<4xi8>
}

// -----

// dequantize: zero-extend unsigned storage, subtract the zero point exactly,
// one multiplication.
// CHECK-LABEL: func @dequantize_unsigned
// CHECK: ^bb0(%[[IN:.*]]: i8, %{{.*}}: f32):
// CHECK: %[[W:.*]] = arith.extui %[[IN]] : i8 to i32
// CHECK: %[[F:.*]] = arith.sitofp %[[W]] : i32 to f32
// CHECK: %[[D:.*]] = arith.subf %[[F]], %{{.*}} : f32
// CHECK: arith.mulf %[[D]], %{{.*}} : f32
func.func @dequantize_unsigned(%q: tensor<4xi8>) -> tensor<4xf32> {
  %y = qat.dequantize %q {grid = !quant.uniform<u8:f32, 0.05:128>} : tensor<4xi8> -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// Per-axis grids read their parameters through the channel dimension;
// signed storage sign-extends; f16 computes in f32.
// CHECK-DAG: #[[CH:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func @dequantize_per_axis_f16
// CHECK: arith.constant dense<[1.000000e-01, 2.000000e-01]> : tensor<2xf32>
// CHECK: arith.constant dense<[1.000000e+00, -1.000000e+00]> : tensor<2xf32>
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[CH]], #[[CH]], #{{.*}}]
// CHECK: arith.extsi %{{.*}} : i16 to i32
// CHECK: arith.truncf %{{.*}} : f32 to f16
func.func @dequantize_per_axis_f16(%q: tensor<2x3xi16>) -> tensor<2x3xf16> {
  %y = qat.dequantize %q {grid = !quant.uniform<i16:f16:0, {0.1:1, 0.2:-1}>} : tensor<2x3xi16> -> tensor<2x3xf16>
  return %y : tensor<2x3xf16>
}

// -----

// A quantize/dequantize pair of dynamic shape: the dequantization reads the
// lowered quantization, its sizes taken from it.
// CHECK-LABEL: func @quantize_dequantize_dynamic
// CHECK-SAME: (%[[X:.*]]: tensor<?xf32>)
// CHECK: %[[D0:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?xf32>
// CHECK: %[[E0:.*]] = tensor.empty(%[[D0]]) : tensor<?xi8>
// CHECK: %[[Q:.*]] = linalg.generic {{.*}} ins(%[[X]] : tensor<?xf32>) outs(%[[E0]] : tensor<?xi8>)
// CHECK: %[[D1:.*]] = tensor.dim %[[Q]], %{{.*}} : tensor<?xi8>
// CHECK: %[[E1:.*]] = tensor.empty(%[[D1]]) : tensor<?xf32>
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} ins(%[[Q]] : tensor<?xi8>) outs(%[[E1]] : tensor<?xf32>)
// CHECK: return %[[Y]]
// CHECK-NOT: qat.
func.func @quantize_dequantize_dynamic(%x: tensor<?xf32>) -> tensor<?xf32> {
  %q = qat.quantize %x {grid = !quant.uniform<i8:f32, 0.1>} : tensor<?xf32> -> tensor<?xi8>
  %y = qat.dequantize %q {grid = !quant.uniform<i8:f32, 0.1>} : tensor<?xi8> -> tensor<?xf32>
  return %y : tensor<?xf32>
}

// -----

// Fake-quant ops are legal for this conversion: qat-simulate lowers them.
// CHECK-LABEL: func @negative_fake_quant_kept
// CHECK: qat.fake_quant
// CHECK-NOT: linalg.generic
func.func @negative_fake_quant_kept(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = qat.fake_quant %x {scales = array<f64: 0.1>} : tensor<4xf32>
  return %y : tensor<4xf32>
}
