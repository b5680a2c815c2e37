// RUN: qat-opt %s -qat-to-int | FileCheck %s
// RUN: qat-opt %s -qat-to-int=fallback=error | FileCheck %s
// Unknown values: errors that name the valid ones, without the module.
// RUN: not qat-opt %s -qat-to-int=fallback=maybe 2>&1 | FileCheck %s --check-prefix=BADFALLBACK --implicit-check-not=func
// RUN: not qat-opt %s -qat-to-int="requant=fixed" 2>&1 | FileCheck %s --check-prefix=BADREQUANT --implicit-check-not=func
// RUN: not qat-opt %s --qat-compile="requant=exact isa=avx2" 2>&1 | FileCheck %s --check-prefix=BADREQUANT-COMPILE --implicit-check-not=func
// BADFALLBACK: for the --fallback option: unknown value 'maybe'; valid values: float, error
// BADREQUANT: for the --requant option: unknown value 'fixed'; valid values: float, fixed-point
// BADREQUANT-COMPILE: for the --requant option: unknown value 'exact'; valid values: float, fixed-point

// The pipeline on an MLP layer: the graph input is quantized, the matmul,
// bias and ReLU become one i32 matmul plus one requantization, and the
// output is dequantized. No float matmul and no qat op remain.
// CHECK-LABEL: func @mlp_layer
// CHECK-NOT: qat.
// CHECK: arith.fptosi %{{.*}} : f32 to i32
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<2x4xi16>, tensor<4x3xi8>) outs(%{{.*}} : tensor<2x3xi32>)
// CHECK: math.roundeven
// CHECK: arith.trunci %{{.*}} : i32 to i8
// CHECK: arith.sitofp
// CHECK: arith.mulf
// CHECK-NOT: linalg.matmul
// CHECK-NOT: qat.
func.func @mlp_layer(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %zero = arith.constant 0.0 : f32
  %xq = qat.fake_quant %x {is_signed = false, scales = array<f64: 0.02>, zero_points = array<i64: 128>} : tensor<2x4xf32>
  %w = arith.constant dense<[[0.1, -0.2, 0.3], [0.4, 0.5, -0.6], [-0.7, 0.8, 0.9], [0.05, -0.05, 0.0]]> : tensor<4x3xf32>
  %wq = qat.fake_quant %w {axis = 1 : i64, narrow_range, scales = array<f64: 0.0055, 0.0063, 0.0071>} : tensor<4x3xf32>
  %e = tensor.empty() : tensor<2x3xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  %mm = linalg.matmul ins(%xq, %wq : tensor<2x4xf32>, tensor<4x3xf32>) outs(%z : tensor<2x3xf32>) -> tensor<2x3xf32>
  %b = arith.constant dense<[0.01, -0.02, 0.03]> : tensor<3xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%mm, %b : tensor<2x3xf32>, tensor<3xf32>) outs(%e : tensor<2x3xf32>) {
  ^bb0(%acc: f32, %bias: f32, %o: f32):
    %s = arith.addf %acc, %bias : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  } -> tensor<2x3xf32>
  %yq = qat.fake_quant %y {is_signed = false, scales = array<f64: 0.01>} : tensor<2x3xf32>
  return %yq : tensor<2x3xf32>
}

// An unsigned 11-bit activation is widened to i32 (its codes leave i16);
// the row sums that an asymmetric weight needs add those i32 values as they
// are (an i32 -> i32 extsi was invalid IR).
// CHECK-LABEL: func @matmul_wide_unsigned_activation_row_sums
// CHECK: %[[A:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<2x3xi32>)
// CHECK: arith.extui %{{.*}} : i16 to i32
// CHECK: linalg.matmul ins(%[[A]], %{{.*}} : tensor<2x3xi32>, tensor<3x2xi8>)
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[A]] : tensor<2x3xi32>) outs(%{{.*}} : tensor<2xi32>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: i32, %[[OUT:.*]]: i32):
// CHECK-NEXT: arith.addi %[[IN]], %[[OUT]] : i32
func.func @matmul_wide_unsigned_activation_row_sums(%x: tensor<2x3xf32>) -> tensor<2x2xf32> {
  %zero = arith.constant 0.0 : f32
  %h0 = qat.fake_quant %x {num_bits = 11 : i64, scales = array<f64: 0.01>, zero_points = array<i64: 786>, is_signed = false} : tensor<2x3xf32>
  %w = arith.constant dense<[[0.5, -0.25], [0.125, 0.75], [-0.5, 0.25]]> : tensor<3x2xf32>
  %wq = qat.fake_quant %w {scales = array<f64: 0.01>, zero_points = array<i64: 3>, narrow_range} : tensor<3x2xf32>
  %e = tensor.empty() : tensor<2x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  %mm = linalg.matmul ins(%h0, %wq : tensor<2x3xf32>, tensor<3x2xf32>) outs(%z : tensor<2x2xf32>) -> tensor<2x2xf32>
  %h1 = qat.fake_quant %mm {scales = array<f64: 0.05>} : tensor<2x2xf32>
  return %h1 : tensor<2x2xf32>
}
