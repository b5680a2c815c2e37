// RUN: qat-opt %s -split-input-file -qat-outline-layers=max-layers=2 | FileCheck %s

// Five loop nests, at most two per function: three runs. A run's inputs are
// its arguments (constants stay and are cloned, not passed), the values used
// after it its results, and the calls may not be inlined.
// CHECK-LABEL: func @chain
// CHECK-SAME: (%[[X:.*]]: memref<4xi8>)
// CHECK: %[[R0:.*]]:3 = call @chain_layers(%[[X]]) {no_inline} : (memref<4xi8>) -> (memref<4xi8>, memref<4xi8>, memref<4xi8>)
// CHECK-NEXT: %[[R1:.*]] = call @chain_layers_0(%[[R0]]#1, %[[R0]]#2, %[[R0]]#0) {no_inline}
// CHECK-NEXT: call @chain_layers_1(%[[R0]]#2, %[[R1]]) {no_inline}
// CHECK-NEXT: return %[[R1]]
// CHECK: func.func private @chain_layers(%{{.*}}: memref<4xi8>) -> (memref<4xi8>, memref<4xi8>, memref<4xi8>) attributes {llvm.linkage = #llvm.linkage<internal>}
// CHECK-NEXT: arith.constant 0 : index
// CHECK-COUNT-2: scf.for
// CHECK-NOT: scf.for
// CHECK: return
// CHECK: func.func private @chain_layers_0
// CHECK-COUNT-2: scf.for
// CHECK-NOT: scf.for
// CHECK: func.func private @chain_layers_1
// CHECK: scf.for
// CHECK-NOT: scf.for
// CHECK: return
func.func @chain(%x: memref<4xi8>) -> memref<4xi8> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %a = memref.alloc() : memref<4xi8>
  scf.for %i = %c0 to %c4 step %c1 {
    %e = memref.load %x[%i] : memref<4xi8>
    memref.store %e, %a[%i] : memref<4xi8>
  }
  %b = memref.alloc() : memref<4xi8>
  scf.for %i = %c0 to %c4 step %c1 {
    %e = memref.load %a[%i] : memref<4xi8>
    memref.store %e, %b[%i] : memref<4xi8>
  }
  %c = memref.alloc() : memref<4xi8>
  scf.for %i = %c0 to %c4 step %c1 {
    %e = memref.load %b[%i] : memref<4xi8>
    memref.store %e, %c[%i] : memref<4xi8>
  }
  scf.for %i = %c0 to %c4 step %c1 {
    %e = memref.load %a[%i] : memref<4xi8>
    memref.store %e, %c[%i] : memref<4xi8>
  }
  memref.dealloc %a : memref<4xi8>
  memref.dealloc %b : memref<4xi8>
  %d = memref.alloc() : memref<4xi8>
  scf.for %i = %c0 to %c4 step %c1 {
    %e = memref.load %c[%i] : memref<4xi8>
    memref.store %e, %d[%i] : memref<4xi8>
  }
  memref.dealloc %c : memref<4xi8>
  return %d : memref<4xi8>
}

// -----

// No more loop nests than max-layers: unchanged.
// CHECK-LABEL: func @few
// CHECK-NOT: call
// CHECK: return
func.func @few(%x: memref<4xi8>, %v: i8) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %c1 step %c1 {
    memref.store %v, %x[%i] : memref<4xi8>
  }
  scf.for %i = %c0 to %c1 step %c1 {
    memref.store %v, %x[%i] : memref<4xi8>
  }
  return
}

// -----

// A run that would return (a view of) a buffer on its own stack stays in
// place; the next run is outlined.
// CHECK-LABEL: func @stack
// CHECK-NEXT: memref.alloca
// CHECK-NEXT: memref.subview
// CHECK-NEXT: arith.constant
// CHECK-NEXT: arith.constant
// CHECK-NEXT: scf.for
// CHECK: scf.for
// CHECK: call @stack_layers(
// CHECK-NEXT: return
func.func @stack(%x: memref<4xi8>, %v: i8) {
  %s = memref.alloca() : memref<4xi8>
  %w = memref.subview %s[0] [2] [1] : memref<4xi8> to memref<2xi8, strided<[1]>>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %c1 step %c1 {
    memref.store %v, %w[%i] : memref<2xi8, strided<[1]>>
  }
  scf.for %i = %c0 to %c1 step %c1 {
    memref.store %v, %s[%i] : memref<4xi8>
  }
  scf.for %i = %c0 to %c1 step %c1 {
    %e = memref.load %w[%i] : memref<2xi8, strided<[1]>>
    memref.store %e, %x[%i] : memref<4xi8>
  }
  return
}

// -----

// max-layers=0 counts as 1: one function per loop nest.
// RUN: qat-opt %s -split-input-file -qat-outline-layers=max-layers=0 | FileCheck %s --check-prefix=ZERO
// ZERO-LABEL: func @few
// ZERO: call @few_layers(
// ZERO-NEXT: call @few_layers_0(
// ZERO-NEXT: return
