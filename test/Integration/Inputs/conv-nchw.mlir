// A PyTorch-layout convolution: NCHW activations, FCHW weights quantized per
// output channel (axis 0) with asymmetric zero points, zero padding 1,
// bias on the channel dimension 1, ReLU6.
#id = affine_map<(n, c, h, w) -> (n, c, h, w)>
#chan = affine_map<(n, c, h, w) -> (c)>
func.func @conv_nchw(%x: tensor<2x3x6x5xf32>) -> tensor<2x4x6x5xf32> {
  %zero = arith.constant 0.0 : f32
  %six = arith.constant 6.0 : f32
  %xq = qat.fake_quant %x {is_signed = false, scales = array<f64: 0.0213>, zero_points = array<i64: 131>} : tensor<2x3x6x5xf32>
  %xp = tensor.pad %xq low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<2x3x6x5xf32> to tensor<2x3x8x7xf32>
  %w = arith.constant dense<[[[[0.0983, 0.1934, 0.2362], [0.354, 0.1919, 0.3379], [-0.3768, -0.0275, 0.3547]], [[0.1192, 0.3207, -0.3094], [-0.0247, -0.2027, 0.035], [0.0592, -0.3895, -0.2266]], [[-0.1764, 0.3331, 0.2126], [-0.2723, 0.2377, -0.289], [0.094, -0.2986, -0.3986]]], [[[0.2971, -0.2324, -0.2276], [0.3859, 0.2979, -0.1686], [0.3692, 0.0314, 0.1423]], [[-0.2362, 0.3528, 0.1525], [0.3733, 0.315, -0.161], [-0.111, -0.2672, -0.2834]], [[-0.3479, -0.1589, 0.0825], [-0.3973, 0.1423, -0.1297], [-0.152, 0.2548, -0.0154]]], [[[-0.1474, -0.015, 0.1637], [-0.3544, 0.3801, -0.3817], [0.1998, 0.2759, -0.3855]], [[0.2302, -0.1071, 0.0628], [-0.3927, -0.3626, -0.2553], [0.3641, -0.2428, 0.2046]], [[0.3437, 0.3536, -0.1245], [-0.1162, 0.0198, 0.2205], [-0.3136, 0.1987, 0.2378]]], [[[0.2878, -0.3707, 0.3566], [-0.3271, -0.1274, 0.0887], [0.3345, -0.128, 0.3394]], [[0.0361, -0.15, -0.1466], [-0.258, -0.3374, -0.2809], [0.1513, 0.3974, -0.2708]], [[-0.3612, 0.3894, 0.0268], [-0.0753, -0.2101, 0.0752], [0.261, -0.0355, -0.0626]]]]> : tensor<4x3x3x3xf32>
  %wq = qat.fake_quant %w {axis = 0 : i64, scales = array<f64: 0.003322, 0.003311, 0.003272, 0.003312>, zero_points = array<i64: -3, 2, -3, 3>} : tensor<4x3x3x3xf32>
  %e = tensor.empty() : tensor<2x4x6x5xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4x6x5xf32>) -> tensor<2x4x6x5xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%xp, %wq : tensor<2x3x8x7xf32>, tensor<4x3x3x3xf32>) outs(%z : tensor<2x4x6x5xf32>) -> tensor<2x4x6x5xf32>
  %bias = arith.constant dense<[-0.0026, 0.1354, -0.1478, 0.0927]> : tensor<4xf32>
  %y = linalg.generic {indexing_maps = [#id, #chan, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%c, %bias : tensor<2x4x6x5xf32>, tensor<4xf32>) outs(%e : tensor<2x4x6x5xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    %r0 = arith.maximumf %s, %zero : f32
    %r = arith.minimumf %r0, %six : f32
    linalg.yield %r : f32
  } -> tensor<2x4x6x5xf32>
  %yq = qat.fake_quant %y {is_signed = false, scales = array<f64: 0.0235294>} : tensor<2x4x6x5xf32>
  return %yq : tensor<2x4x6x5xf32>
}
