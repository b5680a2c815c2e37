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

// A 2x2 max pooling with stride 2 on u8 storage: loops over (n, oh, ow,
// 16 channels), the output vector read once, combined with the window's
// four input vectors (rows oh * 2 + kh, columns ow * 2 + kw) by the
// pooling body's maxui, written back.
// CHECK-LABEL: func @max_pool
// CHECK: scf.for %[[N:.*]] = %c0 to %c1
// CHECK: scf.for %[[OH:.*]] = %c0 to %c3
// CHECK: scf.for %[[OW:.*]] = %c0 to %c3
// CHECK: scf.for %[[C:.*]] = %c0 to %c16 step %c16
// CHECK: %[[ACC:.*]] = vector.transfer_read %arg1[%[[N]], %[[OH]], %[[OW]], %[[C]]]{{.*}} : memref<1x3x3x16xi8>, vector<16xi8>
// CHECK: %[[Y:.*]] = arith.muli %[[OH]], %c2
// CHECK: %[[X:.*]] = arith.muli %[[OW]], %c2
// CHECK: %[[IN:.*]] = vector.transfer_read %arg0[%[[N]], %[[Y]], %[[X]], %[[C]]]{{.*}} : memref<1x6x6x16xi8>, vector<16xi8>
// CHECK: arith.maxui %[[ACC]], %[[IN]] : vector<16xi8>
// CHECK-COUNT-3: arith.maxui
// CHECK: vector.transfer_write
// CHECK-NOT: linalg.pooling
func.func @max_pool(%x: memref<1x6x6x16xi8>, %y: memref<1x3x3x16xi8>) {
  %window = memref.alloc() : memref<2x2xf32>
  linalg.pooling_nhwc_max_unsigned {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%x, %window : memref<1x6x6x16xi8>, memref<2x2xf32>) outs(%y : memref<1x3x3x16xi8>)
  return
}

// -----

// A global sum pooling of i16 into i32: each input vector sign-extended
// and added, over the whole 4x4 window.
// CHECK-LABEL: func @sum_pool
// CHECK: vector.transfer_read %arg1{{.*}} : memref<1x1x1x8xi32>, vector<8xi32>
// CHECK-COUNT-16: arith.extsi %{{.*}} : vector<8xi16> to vector<8xi32>
// CHECK: vector.transfer_write %{{.*}} : vector<8xi32>, memref<1x1x1x8xi32>
func.func @sum_pool(%x: memref<1x4x4x8xi16>, %y: memref<1x1x1x8xi32>) {
  %window = memref.alloc() : memref<4x4xf32>
  linalg.pooling_nhwc_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %window : memref<1x4x4x8xi16>, memref<4x4xf32>) outs(%y : memref<1x1x1x8xi32>)
  return
}

// -----

// Contractions and tensors are not this pass's: a matmul on buffers and an
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
