// RUN: qat-opt %s -split-input-file -qat-tensor-ops-to-linalg | FileCheck %s

// An element-wise op on a whole tensor becomes a linalg.generic (which
// bufferizes); its scalar form is the body.
// CHECK-LABEL: func @tanh_on_tensor
// CHECK: linalg.generic
// CHECK: math.tanh %{{.*}} : f32
// CHECK-NOT: math.tanh %{{.*}} : tensor
func.func @tanh_on_tensor(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %t = math.tanh %x : tensor<4x8xf32>
  return %t : tensor<4x8xf32>
}

// -----

// An aggregate op is decomposed into the generics it stands for (max,
// subtract and exp, sum, divide): no linalg.softmax is left for the lowering
// to loops, which cannot lower it.
// CHECK-LABEL: func @softmax
// CHECK-NOT: linalg.softmax
// CHECK: arith.maxnumf
// CHECK: math.exp
// CHECK: arith.divf
// CHECK-NOT: linalg.softmax
func.func @softmax(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %e = tensor.empty() : tensor<4x8xf32>
  %s = linalg.softmax dimension(1) ins(%x : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %s : tensor<4x8xf32>
}

// -----

// Scalars stay as they are.
// CHECK-LABEL: func @negative_scalar
// CHECK-NEXT: math.tanh %{{.*}} : f32
func.func @negative_scalar(%x: f32) -> f32 {
  %t = math.tanh %x : f32
  return %t : f32
}
