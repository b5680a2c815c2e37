// Function names C cannot use as they are (test/Integration/qat-aot.test).

func.func @"my-func.v2"(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = qat.fake_quant %x {scales = array<f64: 0.5>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

func.func @int(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = call @"my-func.v2"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

func.func @other(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}

func.func @Other(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
