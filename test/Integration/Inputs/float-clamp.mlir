// A ReLU6 written as tosa.clamp between two fake-quants whose input grid
// has 16 bits: too many storage values for a table (8-bit inputs become
// one, Semantics.md §8.11), so it stays in float (with a remark, or an
// error with fallback=error).
func.func @clamp(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %xq = qat.fake_quant %x {num_bits = 16 : i64, scales = array<f64: 0.05>} : tensor<2x4xf32>
  %r = tosa.clamp %xq {min_val = 0.0 : f32, max_val = 6.0 : f32} : (tensor<2x4xf32>) -> tensor<2x4xf32>
  %rq = qat.fake_quant %r {is_signed = false, scales = array<f64: 0.025>} : tensor<2x4xf32>
  return %rq : tensor<2x4xf32>
}
