// A function body of two blocks: --check cannot split it into layers.
func.func @two_blocks(%x: tensor<4xf32>) -> tensor<4xf32> {
  %q = qat.fake_quant %x {scales = array<f64: 0.1>} : tensor<4xf32>
  cf.br ^next(%q : tensor<4xf32>)
^next(%y: tensor<4xf32>):
  return %y : tensor<4xf32>
}
