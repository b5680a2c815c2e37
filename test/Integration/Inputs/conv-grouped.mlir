// A grouped convolution as torch-mlir emits it: the NCHW input and the
// (G*F) x C x KH x KW weight expanded to NGCHW / GFCHW (G = 2, C = 2,
// F = 3), weights quantized per output channel (axis 0 of the 4-D weight)
// with asymmetric zero points, dilation 2, a G x F bias and ReLU6, and the
// result collapsed back to NCHW.
#id = affine_map<(n, g, f, h, w) -> (n, g, f, h, w)>
#chan = affine_map<(n, g, f, h, w) -> (g, f)>
func.func @conv_grouped(%x: tensor<2x4x7x8xf32>) -> tensor<2x6x3x4xf32> {
  %zero = arith.constant 0.0 : f32
  %six = arith.constant 6.0 : f32
  %xq = qat.fake_quant %x {is_signed = false, scales = array<f64: 0.0213>, zero_points = array<i64: 131>} : tensor<2x4x7x8xf32>
  %xg = tensor.expand_shape %xq [[0], [1, 2], [3], [4]] output_shape [2, 2, 2, 7, 8] : tensor<2x4x7x8xf32> into tensor<2x2x2x7x8xf32>
  %w = arith.constant dense<[[[[-0.1409, -0.2793, 0.1207], [-0.3421, 0.0287, -0.1074], [-0.3536, 0.0059, -0.37]], [[-0.0531, -0.3441, -0.3274], [-0.0604, 0.2615, -0.301], [-0.2214, 0.1019, 0.3582]]], [[[0.0617, -0.0827, 0.381], [-0.3627, 0.2868, -0.1683], [-0.2846, -0.3058, -0.1532]], [[0.2529, -0.2554, 0.0653], [0.1111, -0.1021, 0.0382], [-0.3498, -0.3523, -0.2352]]], [[[0.1443, -0.0579, -0.1487], [0.0684, -0.0375, -0.1602], [0.2355, 0.1592, -0.2047]], [[0.0595, 0.0202, 0.3001], [0.1836, -0.1696, 0.3841], [-0.3055, -0.0655, 0.2057]]], [[[-0.2784, -0.0088, -0.3686], [0.1346, 0.2117, 0.0584], [0.3004, -0.149, 0.1562]], [[0.0755, 0.0639, -0.035], [0.272, 0.3557, -0.0207], [0.1313, -0.3515, 0.1612]]], [[[0.1177, 0.3945, 0.2575], [-0.1723, -0.0914, 0.1349], [-0.3819, -0.0306, -0.2656]], [[-0.3063, -0.3528, 0.2146], [-0.2965, -0.2019, -0.0872], [0.2971, -0.3355, -0.0407]]], [[[0.0396, 0.3067, 0.2554], [0.2912, -0.1773, -0.0678], [-0.113, 0.3074, 0.3662]], [[-0.2793, -0.259, -0.2144], [-0.2133, -0.012, 0.0713], [-0.1898, -0.3967, -0.0648]]]]> : tensor<6x2x3x3xf32>
  %wq = qat.fake_quant %w {axis = 0 : i64, scales = array<f64: 0.002972, 0.00306, 0.003085, 0.00296, 0.003168, 0.003186>, zero_points = array<i64: 1, 1, -2, 4, -4, 3>} : tensor<6x2x3x3xf32>
  %wg = tensor.expand_shape %wq [[0, 1], [2], [3], [4]] output_shape [2, 3, 2, 3, 3] : tensor<6x2x3x3xf32> into tensor<2x3x2x3x3xf32>
  %e = tensor.empty() : tensor<2x2x3x3x4xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<2x2x3x3x4xf32>) -> tensor<2x2x3x3x4xf32>
  %c = linalg.conv_2d_ngchw_gfchw {dilations = dense<2> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%xg, %wg : tensor<2x2x2x7x8xf32>, tensor<2x3x2x3x3xf32>) outs(%z : tensor<2x2x3x3x4xf32>) -> tensor<2x2x3x3x4xf32>
  %bias = arith.constant dense<[[0.1598, 0.112, 0.1498], [0.1191, -0.043, -0.0404]]> : tensor<2x3xf32>
  %y = linalg.generic {indexing_maps = [#id, #chan, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%c, %bias : tensor<2x2x3x3x4xf32>, tensor<2x3xf32>) outs(%e : tensor<2x2x3x3x4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    %r0 = arith.maximumf %s, %zero : f32
    %r = arith.minimumf %r0, %six : f32
    linalg.yield %r : f32
  } -> tensor<2x2x3x3x4xf32>
  %yq = qat.fake_quant %y {is_signed = false, scales = array<f64: 0.0235294>} : tensor<2x2x3x3x4xf32>
  %yc = tensor.collapse_shape %yq [[0], [1, 2], [3], [4]] : tensor<2x2x3x3x4xf32> into tensor<2x6x3x4xf32>
  return %yc : tensor<2x6x3x4xf32>
}
