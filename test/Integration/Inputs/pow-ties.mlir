// pow(x, 2) where glibc's powf and x * x differ: x = 0.0078144073486328125
// (code 1 of the input grid), x * x = 6.1064958572387695e-05 and powf one
// ulp above. The output scale is 2 * (x * x), so x * x lands on the tie 0.5
// (rounded to the even 0) and powf just above it (1). qat-expand-pow makes
// every pow(x, 2) x * x, in the table (@table: an 8-bit input) and in float
// code (@float: a 16-bit input, no table) alike, optimized or not.
func.func @table(%x: tensor<7xf32>) -> tensor<7xf32> {
  %two = arith.constant dense<2.0> : tensor<7xf32>
  %xq = qat.fake_quant %x {scales = array<f64: 0.0078144073486328125>} : tensor<7xf32>
  %y = math.powf %xq, %two : tensor<7xf32>
  %yq = qat.fake_quant %y {scales = array<f64: 1.2212991714477539e-04>} : tensor<7xf32>
  return %yq : tensor<7xf32>
}

func.func @float(%x: tensor<7xf32>) -> tensor<7xf32> {
  %two = arith.constant 2.0 : f32
  %xq = qat.fake_quant %x {num_bits = 16 : i64, scales = array<f64: 0.0078144073486328125>} : tensor<7xf32>
  %e = tensor.empty() : tensor<7xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%xq : tensor<7xf32>) outs(%e : tensor<7xf32>) {
  ^bb0(%a: f32, %o: f32):
    %t = math.powf %a, %two : f32
    linalg.yield %t : f32
  } -> tensor<7xf32>
  %yq = qat.fake_quant %y {scales = array<f64: 1.2212991714477539e-04>} : tensor<7xf32>
  return %yq : tensor<7xf32>
}
