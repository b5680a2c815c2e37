// Functions named like C library functions the generated code calls: the
// float fallback of math.tanh calls tanhf, the buffers come from malloc and
// go to free, copies may call memcpy.
func.func @g(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %xq = qat.fake_quant %x {scales = array<f64: 0.05>} : tensor<4x8xf32>
  %t = math.tanh %xq : tensor<4x8xf32>
  %o = qat.fake_quant %t {scales = array<f64: 0.01>} : tensor<4x8xf32>
  return %o : tensor<4x8xf32>
}

func.func @tanhf(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %xq = qat.fake_quant %x {scales = array<f64: 0.05>} : tensor<4x8xf32>
  %t = math.tanh %xq : tensor<4x8xf32>
  %o = qat.fake_quant %t {scales = array<f64: 0.01>} : tensor<4x8xf32>
  return %o : tensor<4x8xf32>
}

func.func @malloc(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %r = func.call @free(%x) : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}

func.func @free(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %r = func.call @tanhf(%x) : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}
