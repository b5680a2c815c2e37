// A fully connected layer as PyTorch stores it: y = x W^T + b, the weight
// N x K with per-output-channel (axis 0) asymmetric grids.
#mk = affine_map<(m, n, k) -> (m, k)>
#nk = affine_map<(m, n, k) -> (n, k)>
#mn = affine_map<(m, n, k) -> (m, n)>
func.func @linear(%x: tensor<4x8xf32>) -> tensor<4x6xf32> {
  %zero = arith.constant 0.0 : f32
  %xq = qat.fake_quant %x {scales = array<f64: 0.027>, zero_points = array<i64: -9>} : tensor<4x8xf32>
  %w = arith.constant dense<[[-0.0476, 0.0598, 0.4242, -0.0343, 0.0078, 0.0874, -0.3153, 0.0119], [0.1299, 0.293, -0.4059, -0.1966, -0.4093, 0.3096, 0.1934, -0.4581], [0.4822, 0.4648, 0.1539, 0.1156, -0.3425, -0.485, 0.0284, -0.4404], [-0.3098, -0.2581, -0.4699, -0.0361, -0.0595, 0.3424, 0.0191, 0.1403], [-0.0002, 0.1624, -0.0427, -0.2218, 0.4977, 0.4957, 0.3402, 0.2078], [-0.1847, -0.2703, -0.211, -0.4298, 0.2663, -0.0996, 0.3466, -0.1135]]> : tensor<6x8xf32>
  %wq = qat.fake_quant %w {axis = 0 : i64, scales = array<f64: 0.003535, 0.003818, 0.004042, 0.003916, 0.004148, 0.003582>, zero_points = array<i64: -4, -4, -1, -1, -4, 3>} : tensor<6x8xf32>
  %e = tensor.empty() : tensor<4x6xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4x6xf32>) -> tensor<4x6xf32>
  %mm = linalg.matmul indexing_maps = [#mk, #nk, #mn] ins(%xq, %wq : tensor<4x8xf32>, tensor<6x8xf32>) outs(%z : tensor<4x6xf32>) -> tensor<4x6xf32>
  %bias = arith.constant dense<[-0.0498, 0.0836, -0.0321, 0.0265, -0.1206, 0.07]> : tensor<6xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%mm, %bias : tensor<4x6xf32>, tensor<6xf32>) outs(%e : tensor<4x6xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<4x6xf32>
  %yq = qat.fake_quant %y {scales = array<f64: 0.0091>, zero_points = array<i64: 4>} : tensor<4x6xf32>
  return %yq : tensor<4x6xf32>
}
