// Scales near f32's largest value: the requantization multiplier
// 1e-3 * 3e38 / 1e-6 is infinite in f32; the layer stays in float (with a remark)
// instead of computing acc * inf = NaN, which put the zero-weight column 128
// steps from its zero point.
// RUN: qat-run %s -e huge_weight_scale --check 2>&1 | FileCheck %s --check-prefix=REMARK
// RUN: qat-run %s -e huge_weight_scale --print 2>/dev/null | FileCheck %s
// RUN: qat-run %s -e huge_weight_scale --check --requant=fixed-point
// REMARK: remark: 'linalg.matmul' accumulates in i32, its result continues in f32: the requantization multiplier of output channel 0 is not finite in f32
// CHECK: tensor<2x2xf32>
// CHECK-NEXT: {{.*}} 0{{$}}
// CHECK-NEXT: {{.*}} 0{{$}}
func.func @huge_weight_scale(%a: tensor<2x3xf32>) -> tensor<2x2xf32> {
  %w = arith.constant dense<[[3.0e38, 0.0], [-3.0e38, 0.0], [3.0e38, 0.0]]> : tensor<3x2xf32>
  %cst = arith.constant 0.0 : f32
  %aq = qat.fake_quant %a {scales = array<f64: 1.0e-3>} : tensor<2x3xf32>
  %wq = qat.fake_quant %w {scales = array<f64: 3.0e38>} : tensor<3x2xf32>
  %e = tensor.empty() : tensor<2x2xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  %m = linalg.matmul ins(%aq, %wq : tensor<2x3xf32>, tensor<3x2xf32>) outs(%z : tensor<2x2xf32>) -> tensor<2x2xf32>
  %o = qat.fake_quant %m {scales = array<f64: 1.0e-6>} : tensor<2x2xf32>
  return %o : tensor<2x2xf32>
}
