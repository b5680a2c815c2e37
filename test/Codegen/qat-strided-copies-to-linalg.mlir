// RUN: qat-opt %s -qat-strided-copies-to-linalg | FileCheck %s

// A copy into a strided subview (bufferization's zero-point padding of a
// convolution input) becomes linalg.copy; a contiguous copy stays.
// CHECK-LABEL: func @copies
// CHECK: linalg.copy ins(%arg0 : memref<1x4x4x8xi8>) outs(%{{.*}} : memref<1x4x4x8xi8, strided<[288, 48, 8, 1], offset: 56>>)
// CHECK: memref.copy %arg0, %arg1 : memref<1x4x4x8xi8> to memref<1x4x4x8xi8>
func.func @copies(%a: memref<1x4x4x8xi8>, %b: memref<1x4x4x8xi8>, %p: memref<1x6x6x8xi8>) {
  %sub = memref.subview %p[0, 1, 1, 0] [1, 4, 4, 8] [1, 1, 1, 1] : memref<1x6x6x8xi8> to memref<1x4x4x8xi8, strided<[288, 48, 8, 1], offset: 56>>
  memref.copy %a, %sub : memref<1x4x4x8xi8> to memref<1x4x4x8xi8, strided<[288, 48, 8, 1], offset: 56>>
  memref.copy %a, %b : memref<1x4x4x8xi8> to memref<1x4x4x8xi8>
  return
}
