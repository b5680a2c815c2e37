// RUN: qat-opt %s --qat-simulate-pipeline | FileCheck %s
// RUN: qat-opt %s --qat-simulate-pipeline --qat-lower-to-llvm | FileCheck %s --check-prefix=LLVM

// The reference path: the learned scale exp(-2) is folded into the op, then
// the fake-quant becomes float arithmetic; qat-lower-to-llvm takes the
// result to the LLVM dialect.
// CHECK-LABEL: func @learned_scale
// CHECK-NOT: qat.fake_quant
// CHECK-NOT: math.exp
// CHECK: linalg.generic
// CHECK: arith.divf
// CHECK: math.roundeven
// CHECK: arith.mulf
// LLVM-LABEL: llvm.func @learned_scale
// LLVM-NOT: linalg.
// LLVM-NOT: memref.
func.func @learned_scale(%x: tensor<4xf32>) -> tensor<4xf32> {
  %log = arith.constant dense<-2.0> : tensor<f32>
  %s = math.exp %log : tensor<f32>
  %y = qat.fake_quant %x scale(%s : tensor<f32>) : tensor<4xf32>
  return %y : tensor<4xf32>
}
