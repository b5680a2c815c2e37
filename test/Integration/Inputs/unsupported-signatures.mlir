// Signatures the runners cannot call (test/Integration/qat-tools-exit-codes.test).

func.func @bool_arg(%x: tensor<4xi1>) -> tensor<4xi1> {
  return %x : tensor<4xi1>
}

func.func @no_results(%x: tensor<4xf32>) {
  return
}
