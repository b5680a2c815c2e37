// A multiplication of two differently quantized tensors with ReLU, then
// 2x2 max pooling of the quantized sum.
#id = affine_map<(n, h, w, c) -> (n, h, w, c)>
func.func @mul_maxpool(%x: tensor<2x8x8x3xf32>, %y: tensor<2x8x8x3xf32>) -> (tensor<2x8x8x3xf32>, tensor<2x4x4x3xf32>) {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %xq = qat.fake_quant %x {is_signed = false, scales = array<f64: 0.0173>, zero_points = array<i64: 131>} : tensor<2x8x8x3xf32>
  %yq = qat.fake_quant %y {scales = array<f64: 0.0291>, zero_points = array<i64: -7>} : tensor<2x8x8x3xf32>
  %e = tensor.empty() : tensor<2x8x8x3xf32>
  %s = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%xq, %yq : tensor<2x8x8x3xf32>, tensor<2x8x8x3xf32>) outs(%e : tensor<2x8x8x3xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %t = arith.mulf %a, %b : f32
    %r = arith.maximumf %t, %zero : f32
    linalg.yield %r : f32
  } -> tensor<2x8x8x3xf32>
  %sq = qat.fake_quant %s {is_signed = false, scales = array<f64: 0.0257>, zero_points = array<i64: 3>} : tensor<2x8x8x3xf32>
  %win = tensor.empty() : tensor<2x2xf32>
  %ep = tensor.empty() : tensor<2x4x4x3xf32>
  %fp = linalg.fill ins(%ninf : f32) outs(%ep : tensor<2x4x4x3xf32>) -> tensor<2x4x4x3xf32>
  %pool = linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%sq, %win : tensor<2x8x8x3xf32>, tensor<2x2xf32>) outs(%fp : tensor<2x4x4x3xf32>) -> tensor<2x4x4x3xf32>
  return %sq, %pool : tensor<2x8x8x3xf32>, tensor<2x4x4x3xf32>
}
