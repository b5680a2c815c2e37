// A batch matmul whose first batch has small weights (at most 64 steps)
// and whose second has 127-step weights in every K pair: with u8
// activations up to 255 the second batch's int16 pair sums would saturate.
#id = affine_map<(b, m, n) -> (b, m, n)>
func.func @saturable_second_batch(%x: tensor<2x4x8xf32>) -> tensor<2x4x4xf32> {
  %zero = arith.constant 0.0 : f32
  %xq = qat.fake_quant %x {is_signed = false, scales = array<f64: 0.031>, zero_points = array<i64: 0>} : tensor<2x4x8xf32>
  %w = arith.constant dense<[[[0.2231, 0.1404, -0.0869, 0.1760], [-0.0688, 0.0784, -0.1691, 0.2430], [-0.1746, -0.0619, -0.2259, -0.2056], [0.1381, -0.1538, 0.1500, -0.1415], [0.1314, -0.1916, 0.2016, 0.0560], [-0.1301, 0.1273, -0.2195, -0.0927], [-0.1440, 0.1340, -0.2057, 0.1174], [0.1165, 0.2016, -0.0769, -0.0522]], [[0.5, 0.5, 0.5, 0.5], [0.5, 0.5, 0.5, 0.5], [0.5, 0.5, 0.5, 0.5], [0.5, 0.5, 0.5, 0.5], [0.5, 0.5, 0.5, 0.5], [0.5, 0.5, 0.5, 0.5], [0.5, 0.5, 0.5, 0.5], [0.5, 0.5, 0.5, 0.5]]]> : tensor<2x8x4xf32>
  %wq = qat.fake_quant %w {scales = array<f64: 0.003937>, zero_points = array<i64: 0>} : tensor<2x8x4xf32>
  %e = tensor.empty() : tensor<2x4x4xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %mm = linalg.batch_matmul ins(%xq, %wq : tensor<2x4x8xf32>, tensor<2x8x4xf32>) outs(%z : tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %yq = qat.fake_quant %mm {scales = array<f64: 0.25>, zero_points = array<i64: 0>} : tensor<2x4x4xf32>
  return %yq : tensor<2x4x4xf32>
}
