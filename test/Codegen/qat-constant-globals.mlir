// RUN: qat-opt %s -qat-constant-globals | FileCheck %s

// The globals come in program order, whatever order bufferization visits
// the functions in; one-shot bufferization then reuses them.
// RUN: qat-opt %s -qat-constant-globals -one-shot-bufferize=bufferize-function-boundaries | FileCheck %s --check-prefix=BUFFERIZED

// Names in program order (each global is inserted at the top).
// CHECK: memref.global "private" constant @__constant_2xi32_0 : memref<2xi32> = dense<[3, 4]> {alignment = 64 : i64}
// CHECK-NEXT: memref.global "private" constant @__constant_2xi32 : memref<2xi32> = dense<[1, 2]> {alignment = 64 : i64}
// CHECK-NOT: memref.global
// CHECK-LABEL: func.func @first
// CHECK: arith.constant dense<[1, 2]>
// BUFFERIZED-LABEL: func.func @first
// BUFFERIZED: memref.get_global @__constant_2xi32 :
// BUFFERIZED-LABEL: func.func @second
// BUFFERIZED: memref.get_global @__constant_2xi32_0 :
// BUFFERIZED-LABEL: func.func @same
// BUFFERIZED: memref.get_global @__constant_2xi32 :
func.func @first() -> tensor<2xi32> {
  %c = arith.constant dense<[1, 2]> : tensor<2xi32>
  return %c : tensor<2xi32>
}

func.func @second() -> tensor<2xi32> {
  %c = arith.constant dense<[3, 4]> : tensor<2xi32>
  return %c : tensor<2xi32>
}

// The same value shares a global; an unused constant gets none.
func.func @same() -> tensor<2xi32> {
  %c = arith.constant dense<[1, 2]> : tensor<2xi32>
  %unused = arith.constant dense<[5, 6]> : tensor<2xi32>
  return %c : tensor<2xi32>
}
