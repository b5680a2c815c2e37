func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  %log = arith.constant dense<-2.0> : tensor<f32>
  %s = math.exp %log : tensor<f32>
  %0 = qat.fake_quant %x scale(%s : tensor<f32>) : tensor<4xf32>
  return %0 : tensor<4xf32>
}
