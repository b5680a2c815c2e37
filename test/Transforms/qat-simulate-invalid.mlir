// RUN: qat-opt %s -qat-simulate -verify-diagnostics

func.func @learned_scale(%x: tensor<4xf32>, %s: tensor<f32>) -> tensor<4xf32> {
  // expected-error @+1 {{'qat.fake_quant' op has learned parameters that are not static; run --qat-fold-learned-params first}}
  %0 = qat.fake_quant %x scale(%s : tensor<f32>) : tensor<4xf32>
  return %0 : tensor<4xf32>
}
