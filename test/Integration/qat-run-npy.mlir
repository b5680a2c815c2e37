// .npy in and out: the first run writes its result, the second reads it back
// as the input of an identity-like function.
// RUN: rm -rf %t && mkdir -p %t
// RUN: qat-run %s -e produce --output %t/y.npy
// RUN: qat-run %s -e consume --input %t/y.npy --print | FileCheck %s

// CHECK: tensor<2x3xf32>
// CHECK-NEXT: 0 0.5 1
// CHECK-NEXT: 1.5 -2 63.5
func.func @produce() -> tensor<2x3xf32> {
  %c = arith.constant dense<[[0.1, 0.6, 1.1], [1.4, -2.2, 1000.0]]> : tensor<2x3xf32>
  %0 = qat.fake_quant %c {scales = array<f64: 0.5>} : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

func.func @consume(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = qat.fake_quant %x {scales = array<f64: 0.5>} : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}
