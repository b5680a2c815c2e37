// Data movement between fake-quants: reshape, transpose, zero padding, and
// a concatenation of two tensors on different grids requantized to the
// output grid.
func.func @data_movement(%x: tensor<2x6xf32>, %y: tensor<3x5xf32>) -> (tensor<3x4xf32>, tensor<5x3xf32>, tensor<3x6xf32>, tensor<3x9xf32>) {
  %zero = arith.constant 0.0 : f32
  %xq = qat.fake_quant %x {is_signed = false, scales = array<f64: 0.031>, zero_points = array<i64: 120>} : tensor<2x6xf32>
  %yq = qat.fake_quant %y {scales = array<f64: 0.047>, zero_points = array<i64: 5>} : tensor<3x5xf32>
  %flat = tensor.collapse_shape %xq [[0, 1]] : tensor<2x6xf32> into tensor<12xf32>
  %r = tensor.expand_shape %flat [[0, 1]] output_shape [3, 4] : tensor<12xf32> into tensor<3x4xf32>
  %rq = qat.fake_quant %r {is_signed = false, scales = array<f64: 0.031>, zero_points = array<i64: 120>} : tensor<3x4xf32>
  %e = tensor.empty() : tensor<5x3xf32>
  %t = linalg.transpose ins(%yq : tensor<3x5xf32>) outs(%e : tensor<5x3xf32>) permutation = [1, 0]
  %tq = qat.fake_quant %t {scales = array<f64: 0.047>, zero_points = array<i64: 5>} : tensor<5x3xf32>
  %p = tensor.pad %rq low[0, 1] high[0, 1] {
  ^bb0(%i: index, %j: index):
    tensor.yield %zero : f32
  } : tensor<3x4xf32> to tensor<3x6xf32>
  %pq = qat.fake_quant %p {is_signed = false, scales = array<f64: 0.031>, zero_points = array<i64: 120>} : tensor<3x6xf32>
  %c = tensor.concat dim(1) %rq, %yq : (tensor<3x4xf32>, tensor<3x5xf32>) -> tensor<3x9xf32>
  %cq = qat.fake_quant %c {scales = array<f64: 0.05>, zero_points = array<i64: -3>} : tensor<3x9xf32>
  return %rq, %tq, %pq, %cq : tensor<3x4xf32>, tensor<5x3xf32>, tensor<3x6xf32>, tensor<3x9xf32>
}
