// RUN: qat-opt %s -qat-promote-to-f64 | FileCheck %s

// The arithmetic between fake-quant ops widens to f64 (the constant keeps
// its f32 value); each fake-quant keeps f32 semantics: it sees its input
// rounded to f32 and its result is widened back.
// CHECK-LABEL: func @layer
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf64>) -> tensor<2x3xf64>
// CHECK: %[[C:.*]] = arith.constant 0.10000000149011612 : f64
// CHECK: %[[N1:.*]] = linalg.generic {{.*}} ins(%[[X]] : tensor<2x3xf64>) outs(%{{.*}} : tensor<2x3xf32>)
// CHECK: arith.truncf %{{.*}} : f64 to f32
// CHECK: %[[Q1:.*]] = qat.fake_quant %[[N1]] {{.*}} : tensor<2x3xf32>
// CHECK: %[[W1:.*]] = linalg.generic {{.*}} ins(%[[Q1]] : tensor<2x3xf32>) outs(%{{.*}} : tensor<2x3xf64>)
// CHECK: arith.extf %{{.*}} : f32 to f64
// CHECK: linalg.generic {{.*}} ins(%[[W1]] : tensor<2x3xf64>)
// CHECK: arith.addf %{{.*}}, %[[C]] : f64
// CHECK: arith.truncf
// CHECK: qat.fake_quant {{.*}} zero_points = array<i64: 3>} : tensor<2x3xf32>
// CHECK: arith.extf
// CHECK: return %{{.*}} : tensor<2x3xf64>
func.func @layer(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %c = arith.constant 0.1 : f32
  %y = qat.fake_quant %x {scales = array<f64: 0.1>} : tensor<2x3xf32>
  %e = tensor.empty() : tensor<2x3xf32>
  %z = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%y : tensor<2x3xf32>) outs(%e : tensor<2x3xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %a, %c : f32
    linalg.yield %s : f32
  } -> tensor<2x3xf32>
  %q = qat.fake_quant %z {scales = array<f64: 0.1>, zero_points = array<i64: 3>} : tensor<2x3xf32>
  return %q : tensor<2x3xf32>
}
