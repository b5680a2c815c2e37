// RUN: qat-opt %s -split-input-file -qat-to-int -verify-diagnostics | FileCheck %s

// A TOSA graph (what torch-mlir and TensorFlow emit) goes through
// upstream's TOSA -> linalg lowering inside qat-to-int. The weight's
// fake-quant is quantized before that lowering, which would otherwise fold
// it into a float constant. A ReLU6 written as tosa.clamp between two
// fake-quants of different grids becomes a table of the 256 input codes
// (0, 2, 4, ... 240 for the codes 0 to 127, then 0 for the negative ones).
// CHECK-LABEL: func @tosa_clamp
// CHECK-NOT: tosa.
// CHECK: %[[TABLE:.*]] = arith.constant dense<"0x00020406{{.*}}ECEEF0F0{{.*}}F0000000{{.*}}"> : tensor<256xi8>
// CHECK: arith.fptosi
// CHECK: linalg.generic
// CHECK: tensor.extract %[[TABLE]]
// CHECK-NOT: tosa.
func.func @tosa_clamp(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %xq = qat.fake_quant %x {scales = array<f64: 0.05>} : tensor<2x4xf32>
  %r = tosa.clamp %xq {min_val = 0.0 : f32, max_val = 6.0 : f32} : (tensor<2x4xf32>) -> tensor<2x4xf32>
  %rq = qat.fake_quant %r {is_signed = false, scales = array<f64: 0.025>} : tensor<2x4xf32>
  return %rq : tensor<2x4xf32>
}

// -----

// A constant TOSA weight keeps its grid through the front end: it becomes
// an i8 constant, and tosa.matmul (a linalg.batch_matmul after the front
// end) an integer batch matmul.
// CHECK-LABEL: func @tosa_weight
// CHECK: arith.constant dense<{{\[\[\[}}10, -20], [30, 40]]]> : tensor<1x2x2xi8>
// CHECK: linalg.batch_matmul ins(%{{.*}}, %{{.*}} : tensor<1x3x2xi8>, tensor<1x2x2xi8>) outs(%{{.*}} : tensor<1x3x2xi32>)
// CHECK-NOT: linalg.batch_matmul
func.func @tosa_weight(%x: tensor<1x3x2xf32>) -> tensor<1x3x2xf32> {
  %xq = qat.fake_quant %x {scales = array<f64: 0.05>} : tensor<1x3x2xf32>
  %w = "tosa.const"() {values = dense<[[[0.1, -0.2], [0.3, 0.4]]]> : tensor<1x2x2xf32>} : () -> tensor<1x2x2xf32>
  %wq = qat.fake_quant %w {scales = array<f64: 0.01>} : tensor<1x2x2xf32>
  %zp = "tosa.const"() {values = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %y = tosa.matmul %xq, %wq, %zp, %zp : (tensor<1x3x2xf32>, tensor<1x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x3x2xf32>
  %yq = qat.fake_quant %y {scales = array<f64: 0.1>} : tensor<1x3x2xf32>
  return %yq : tensor<1x3x2xf32>
}
