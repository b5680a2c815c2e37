// Products of two activations, as attention computes them: scores of a
// batch of heads (an asymmetric unsigned and a signed grid) quantized
// directly, and a matmul whose result is scaled and squashed in float
// before its quantize.
func.func @scores(%q: tensor<2x4x8xf32>, %k: tensor<2x8x5xf32>) -> tensor<2x4x5xf32> {
  %zero = arith.constant 0.0 : f32
  %qq = qat.fake_quant %q {is_signed = false, scales = array<f64: 0.0173>, zero_points = array<i64: 100>} : tensor<2x4x8xf32>
  %kq = qat.fake_quant %k {num_bits = 7 : i64, scales = array<f64: 0.0291>, zero_points = array<i64: -3>} : tensor<2x8x5xf32>
  %e = tensor.empty() : tensor<2x4x5xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4x5xf32>) -> tensor<2x4x5xf32>
  %s = linalg.batch_matmul ins(%qq, %kq : tensor<2x4x8xf32>, tensor<2x8x5xf32>) outs(%z : tensor<2x4x5xf32>) -> tensor<2x4x5xf32>
  %sq = qat.fake_quant %s {scales = array<f64: 0.0257>, zero_points = array<i64: 3>} : tensor<2x4x5xf32>
  return %sq : tensor<2x4x5xf32>
}

func.func @squashed(%q: tensor<4x8xf32>, %k: tensor<8x5xf32>) -> tensor<4x5xf32> {
  %zero = arith.constant 0.0 : f32
  %scale = arith.constant 0.35 : f32
  %qq = qat.fake_quant %q {scales = array<f64: 0.0211>} : tensor<4x8xf32>
  %kq = qat.fake_quant %k {is_signed = false, scales = array<f64: 0.0173>, zero_points = array<i64: 131>} : tensor<8x5xf32>
  %e = tensor.empty() : tensor<4x5xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4x5xf32>) -> tensor<4x5xf32>
  %s = linalg.matmul ins(%qq, %kq : tensor<4x8xf32>, tensor<8x5xf32>) outs(%z : tensor<4x5xf32>) -> tensor<4x5xf32>
  %t = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%s : tensor<4x5xf32>) outs(%e : tensor<4x5xf32>) {
  ^bb0(%x: f32, %o: f32):
    %m = arith.mulf %x, %scale : f32
    %y = math.tanh %m : f32
    linalg.yield %y : f32
  } -> tensor<4x5xf32>
  %tq = qat.fake_quant %t {scales = array<f64: 0.0079>} : tensor<4x5xf32>
  return %tq : tensor<4x5xf32>
}
