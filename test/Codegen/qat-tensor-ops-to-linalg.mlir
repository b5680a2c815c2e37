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

// -----

// No elements, nothing to compute: the pad of an empty batch is an empty
// tensor (upstream's bufferization of this pad builds an invalid subview).
// CHECK-LABEL: func @pad_of_nothing
// CHECK-NEXT: %[[E:.*]] = tensor.empty() : tensor<0x2x9x8xi8>
// CHECK-NEXT: return %[[E]]
func.func @pad_of_nothing(%x: tensor<0x2x6x8xi8>) -> tensor<0x2x9x8xi8> {
  %c1 = arith.constant 1 : i8
  %p = tensor.pad %x low[0, 0, 2, 0] high[0, 0, 1, 0] {
  ^bb0(%a: index, %b: index, %c: index, %d: index):
    tensor.yield %c1 : i8
  } : tensor<0x2x6x8xi8> to tensor<0x2x9x8xi8>
  return %p : tensor<0x2x9x8xi8>
}

// -----

// Also with a dynamic batch: the empty tensor keeps the pad's sizes.
// CHECK-LABEL: func @dynamic_pad_of_nothing
// CHECK: %[[N:.*]] = tensor.dim %{{.*}}, %{{.*}} : tensor<?x6x0xi8>
// CHECK: %[[E:.*]] = tensor.empty(%[[N]]) : tensor<?x9x0xi8>
// CHECK-NEXT: return %[[E]]
func.func @dynamic_pad_of_nothing(%x: tensor<?x6x0xi8>) -> tensor<?x9x0xi8> {
  %c1 = arith.constant 1 : i8
  %p = tensor.pad %x low[0, 2, 0] high[0, 1, 0] {
  ^bb0(%a: index, %b: index, %c: index):
    tensor.yield %c1 : i8
  } : tensor<?x6x0xi8> to tensor<?x9x0xi8>
  return %p : tensor<?x9x0xi8>
}
