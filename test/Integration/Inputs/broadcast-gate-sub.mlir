// A squeeze-and-excitation gate (the activation times a per-image,
// per-channel gate broadcast over H and W) and a subtraction of a
// per-channel row broadcast over N, H and W, written in the body in the
// reverse order of the generic's inputs (x - m with m first).
#id = affine_map<(n, h, w, c) -> (n, h, w, c)>
#nc = affine_map<(n, h, w, c) -> (n, c)>
#c = affine_map<(n, h, w, c) -> (c)>
func.func @gate_sub(%x: tensor<2x4x4x3xf32>, %g: tensor<2x3xf32>, %m: tensor<3xf32>) -> (tensor<2x4x4x3xf32>, tensor<2x4x4x3xf32>) {
  %xq = qat.fake_quant %x {is_signed = false, scales = array<f64: 0.0173>, zero_points = array<i64: 131>} : tensor<2x4x4x3xf32>
  %gq = qat.fake_quant %g {is_signed = false, scales = array<f64: 0.00390625>} : tensor<2x3xf32>
  %mq = qat.fake_quant %m {scales = array<f64: 0.0291>, zero_points = array<i64: -7>} : tensor<3xf32>
  %e = tensor.empty() : tensor<2x4x4x3xf32>
  %p = linalg.generic {indexing_maps = [#id, #nc, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%xq, %gq : tensor<2x4x4x3xf32>, tensor<2x3xf32>) outs(%e : tensor<2x4x4x3xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %t = arith.mulf %a, %b : f32
    linalg.yield %t : f32
  } -> tensor<2x4x4x3xf32>
  %pq = qat.fake_quant %p {is_signed = false, scales = array<f64: 0.0111>, zero_points = array<i64: 3>} : tensor<2x4x4x3xf32>
  %d = linalg.generic {indexing_maps = [#c, #id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%mq, %xq : tensor<3xf32>, tensor<2x4x4x3xf32>) outs(%e : tensor<2x4x4x3xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %t = arith.subf %b, %a : f32
    linalg.yield %t : f32
  } -> tensor<2x4x4x3xf32>
  %dq = qat.fake_quant %d {scales = array<f64: 0.0257>, zero_points = array<i64: -2>} : tensor<2x4x4x3xf32>
  return %pq, %dq : tensor<2x4x4x3xf32>, tensor<2x4x4x3xf32>
}
