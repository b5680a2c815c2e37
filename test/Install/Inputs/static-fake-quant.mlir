func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = qat.fake_quant %x {scales = array<f64: 0.1>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}
