// RUN: qat-opt %s -split-input-file -qat-vectorize-elementwise | FileCheck %s

// An element-wise generic on buffers (a widening with a per-channel
// operand): tiles of 1 x 1 x 32 along the innermost dimension, each as 1-D
// vector reads, arithmetic and a write.
// CHECK-LABEL: func @widen_and_add
// CHECK: scf.for
// CHECK: scf.for
// CHECK: vector.transfer_read %{{.*}} : memref<32xi8, {{.*}}>, vector<32xi8>
// CHECK: arith.extui %{{.*}} : vector<32xi8> to vector<32xi16>
// CHECK: arith.addi %{{.*}} : vector<32xi16>
// CHECK: vector.transfer_write %{{.*}} : vector<32xi16>, memref<32xi16, {{.*}}>
// CHECK-NOT: linalg.generic
#id = affine_map<(a, b, c) -> (a, b, c)>
#ch = affine_map<(a, b, c) -> (c)>
func.func @widen_and_add(%x: memref<4x6x32xi8>, %bias: memref<32xi16>, %y: memref<4x6x32xi16>) {
  linalg.generic {indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x, %bias : memref<4x6x32xi8>, memref<32xi16>) outs(%y : memref<4x6x32xi16>) {
  ^bb0(%a: i8, %b: i16, %o: i16):
    %w = arith.extui %a : i8 to i16
    %s = arith.addi %w, %b : i16
    linalg.yield %s : i16
  }
  return
}

// -----

// A padding after bufferization: the fill of the whole buffer and the copy
// into its interior, both vectorized. An innermost extent of 96 takes
// tiles of 32; 202 i32 elements (no power of two from 64 down to 8
// divides it) stay loops.
// CHECK-LABEL: func @pad_fill_copy
// CHECK: vector.transfer_write %{{.*}} : vector<32xi8>
// CHECK-NOT: linalg.fill
// CHECK: vector.transfer_read %{{.*}} : memref<32xi8, {{.*}}>, vector<32xi8>
// CHECK-NOT: linalg.copy
// CHECK: linalg.fill ins(%{{.*}} : i32) outs(%{{.*}} : memref<3x202xi32>)
func.func @pad_fill_copy(%x: memref<6x96xi8>, %p: memref<8x96xi8>, %z: memref<3x202xi32>) {
  %c = arith.constant -128 : i8
  linalg.fill ins(%c : i8) outs(%p : memref<8x96xi8>)
  %s = memref.subview %p[1, 0] [6, 96] [1, 1] : memref<8x96xi8> to memref<6x96xi8, strided<[96, 1], offset: 96>>
  linalg.copy ins(%x : memref<6x96xi8>) outs(%s : memref<6x96xi8, strided<[96, 1], offset: 96>>)
  %zero = arith.constant 0 : i32
  linalg.fill ins(%zero : i32) outs(%z : memref<3x202xi32>)
  return
}

// -----

// Reductions and tensors are not this pass's: a matmul on buffers and an
// element-wise op on tensors stay.
// CHECK-LABEL: func @not_elementwise
// CHECK: linalg.matmul
// CHECK: linalg.generic
func.func @not_elementwise(%a: memref<8x8xi32>, %b: memref<8x8xi32>, %c: memref<8x8xi32>, %t: tensor<8x8xi32>) -> tensor<8x8xi32> {
  linalg.matmul ins(%a, %b : memref<8x8xi32>, memref<8x8xi32>) outs(%c : memref<8x8xi32>)
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%t : tensor<8x8xi32>) outs(%t : tensor<8x8xi32>) {
  ^bb0(%x: i32, %o: i32):
    %y = arith.addi %x, %x : i32
    linalg.yield %y : i32
  } -> tensor<8x8xi32>
  return %r : tensor<8x8xi32>
}
