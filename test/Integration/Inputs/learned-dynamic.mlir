func.func @f(%x: tensor<4xf32>, %s: tensor<f32>) -> tensor<4xf32> {
  %0 = qat.fake_quant %x scale(%s : tensor<f32>) : tensor<4xf32>
  return %0 : tensor<4xf32>
}
