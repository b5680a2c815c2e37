// RUN: qat-opt %s -split-input-file -qat-runtime-shape-checks | FileCheck %s

// Two dynamically shaped operands of one element-wise generic: their sizes
// are compared at run time and a failure names the op's location.
// CHECK-LABEL: func @dynamic_operands
// CHECK: tensor.dim
// CHECK: cf.assert %{{.*}}, "{{.*}}qat-runtime-shape-checks.mlir:[[@LINE+3]]:8: run-time shape check failed: 'linalg.generic' {{.*}}
// CHECK: linalg.generic
func.func @dynamic_operands(%x: tensor<?xf32>, %y: tensor<?xf32>) -> tensor<?xf32> {
  %s = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%x, %y : tensor<?xf32>, tensor<?xf32>) outs(%x : tensor<?xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.addf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<?xf32>
  return %s : tensor<?xf32>
}

// -----

// Static shapes only: nothing to check, nothing added.
// CHECK-LABEL: func @negative_static
// CHECK-NOT: cf.assert
// CHECK: linalg.matmul
// CHECK-NOT: cf.assert
func.func @negative_static(%a: tensor<4x3xf32>, %b: tensor<3x5xf32>, %c: tensor<4x5xf32>) -> tensor<4x5xf32> {
  %m = linalg.matmul ins(%a, %b : tensor<4x3xf32>, tensor<3x5xf32>) outs(%c : tensor<4x5xf32>) -> tensor<4x5xf32>
  return %m : tensor<4x5xf32>
}
