// RUN: qat-opt %s --qat-bufferize | FileCheck %s
// RUN: qat-opt %s --qat-bufferize --qat-lower-buffers-to-llvm | FileCheck %s --check-prefix=LLVM

// The two halves of qat-lower-to-llvm: one-shot bufferization across the
// function boundary (identity layouts, the result a fresh buffer), then
// everything to the LLVM dialect.
// CHECK-LABEL: func.func @add_one(%{{.*}}: memref<4xi32>) -> memref<4xi32>
// CHECK: memref.alloc() {{.*}} : memref<4xi32>
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : memref<4xi32>) outs(%{{.*}} : memref<4xi32>)
// CHECK-NOT: tensor<
// LLVM-LABEL: llvm.func @add_one
// LLVM: llvm.call @malloc
// LLVM-NOT: linalg.
// LLVM-NOT: memref.
#id = affine_map<(i) -> (i)>
func.func @add_one(%x: tensor<4xi32>) -> tensor<4xi32> {
  %one = arith.constant 1 : i32
  %e = tensor.empty() : tensor<4xi32>
  %y = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : tensor<4xi32>) outs(%e : tensor<4xi32>) {
  ^bb0(%a: i32, %o: i32):
    %s = arith.addi %a, %one : i32
    linalg.yield %s : i32
  } -> tensor<4xi32>
  return %y : tensor<4xi32>
}
