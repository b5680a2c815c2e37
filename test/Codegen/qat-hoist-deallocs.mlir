// RUN: qat-opt %s -split-input-file -qat-hoist-deallocs | FileCheck %s

// Each buffer is freed after the last op that reads it or a view of it (a
// use nested in a loop counts as the loop).
// CHECK-LABEL: func @chain
// CHECK: %[[A:.*]] = memref.alloc
// CHECK: %[[B:.*]] = memref.alloc
// CHECK: memref.copy %[[A]], %[[B]]
// CHECK-NEXT: memref.dealloc %[[A]]
// CHECK: %[[C:.*]] = memref.alloc
// CHECK: scf.for
// CHECK: memref.subview %[[B]]
// CHECK: }
// CHECK-NEXT: memref.dealloc %[[B]]
// CHECK: memref.copy %[[C]], %[[OUT:.*]] :
// CHECK-NEXT: memref.dealloc %[[C]]
// CHECK-NEXT: return
func.func @chain(%x: memref<4xi8>, %out: memref<4xi8>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %a = memref.alloc() : memref<4xi8>
  memref.copy %x, %a : memref<4xi8> to memref<4xi8>
  %b = memref.alloc() : memref<4xi8>
  memref.copy %a, %b : memref<4xi8> to memref<4xi8>
  %c = memref.alloc() : memref<4xi8>
  scf.for %i = %c0 to %c4 step %c1 {
    %v = memref.subview %b[%i] [1] [1] : memref<4xi8> to memref<1xi8, strided<[1], offset: ?>>
    %e = memref.load %v[%c0] : memref<1xi8, strided<[1], offset: ?>>
    memref.store %e, %c[%i] : memref<4xi8>
  }
  memref.copy %c, %out : memref<4xi8> to memref<4xi8>
  memref.dealloc %a : memref<4xi8>
  memref.dealloc %b : memref<4xi8>
  memref.dealloc %c : memref<4xi8>
  return
}

// -----

// A buffer that may escape (returned as a view, carried by a loop, passed
// to a call) is freed where it was.
// CHECK-LABEL: func @escapes
// CHECK: call @use
// CHECK-NEXT: memref.dealloc
// CHECK-NEXT: memref.dealloc
// CHECK-NEXT: memref.dealloc
// CHECK-NEXT: return
func.func private @use(memref<4xi8>)
func.func @escapes(%n: index) -> memref<2xi8, strided<[1]>> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %a = memref.alloc() : memref<4xi8>
  %b = memref.alloc() : memref<4xi8>
  %c = memref.alloc() : memref<4xi8>
  %v = memref.subview %a[0] [2] [1] : memref<4xi8> to memref<2xi8, strided<[1]>>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%t = %b) -> memref<4xi8> {
    scf.yield %t : memref<4xi8>
  }
  call @use(%c) : (memref<4xi8>) -> ()
  memref.dealloc %a : memref<4xi8>
  memref.dealloc %b : memref<4xi8>
  memref.dealloc %c : memref<4xi8>
  return %v : memref<2xi8, strided<[1]>>
}
