// A batch matmul with constant per-batch weights (per-channel, asymmetric
// zero points), bias and ReLU: what a TOSA matmul becomes.
#id = affine_map<(b, m, n) -> (b, m, n)>
#chan = affine_map<(b, m, n) -> (n)>
func.func @batch_matmul(%x: tensor<3x4x5xf32>) -> tensor<3x4x6xf32> {
  %zero = arith.constant 0.0 : f32
  %xq = qat.fake_quant %x {is_signed = false, scales = array<f64: 0.031>, zero_points = array<i64: 117>} : tensor<3x4x5xf32>
  %w = arith.constant dense<[[[-0.1762, -0.3492, 0.1509, -0.4276, 0.0359, -0.1343], [-0.442, 0.0074, -0.4625, -0.0664, -0.4301, -0.4093], [-0.0755, 0.3269, -0.3762, -0.2768, 0.1274, 0.4477], [0.0771, -0.1033, 0.4763, -0.4534, 0.3585, -0.2104], [-0.3557, -0.3822, -0.1915, 0.3161, -0.3193, 0.0816]], [[0.1389, -0.1276, 0.0477, -0.4372, -0.4404, -0.294], [0.1804, -0.0724, -0.1859, 0.0856, -0.0468, -0.2002], [0.2944, 0.199, -0.2559, 0.0744, 0.0252, 0.3751], [0.2294, -0.2121, 0.4802, -0.3819, -0.0819, 0.2571], [-0.348, -0.011, -0.4608, 0.1682, 0.2646, 0.073]], [[0.3755, -0.1863, 0.1953, 0.0944, 0.0799, -0.0438], [0.34, 0.4447, -0.0259, 0.1642, -0.4393, 0.2015], [0.1471, 0.4931, 0.3219, -0.2154, -0.1142, 0.1687], [-0.4774, -0.0383, -0.332, -0.3829, -0.441, 0.2682], [-0.3707, -0.2524, -0.1091, 0.3714, -0.4194, -0.0508]]]> : tensor<3x5x6xf32>
  %wq = qat.fake_quant %w {axis = 2 : i64, scales = array<f64: 0.003978, 0.004109, 0.004002, 0.003778, 0.003675, 0.003731>, zero_points = array<i64: 0, 5, 1, -2, -3, -4>} : tensor<3x5x6xf32>
  %e = tensor.empty() : tensor<3x4x6xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<3x4x6xf32>) -> tensor<3x4x6xf32>
  %mm = linalg.batch_matmul ins(%xq, %wq : tensor<3x4x5xf32>, tensor<3x5x6xf32>) outs(%z : tensor<3x4x6xf32>) -> tensor<3x4x6xf32>
  %bias = arith.constant dense<[0.0297, 0.23, 0.1916, 0.2184, -0.1329, -0.0508]> : tensor<6xf32>
  %y = linalg.generic {indexing_maps = [#id, #chan, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%mm, %bias : tensor<3x4x6xf32>, tensor<6xf32>) outs(%e : tensor<3x4x6xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  } -> tensor<3x4x6xf32>
  %yq = qat.fake_quant %y {is_signed = false, scales = array<f64: 0.0123>, zero_points = array<i64: 2>} : tensor<3x4x6xf32>
  return %yq : tensor<3x4x6xf32>
}
