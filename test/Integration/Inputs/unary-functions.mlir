// Element-wise functions of one 8-bit input, one result per ONNX operator
// family, for qat-run-unary-tables.test: each becomes a table (Semantics.md
// §8.11). @signed reads a signed grid (scale 0.031, zero point 3), @unsigned
// an unsigned one (scale 0.02, zero point 0), so that the test feeds every
// code of the grid to every function with one compilation.

func.func @signed(%x: tensor<256xf32>) -> (tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>) {
  %zero = arith.constant 0.0 : f32
  %half = arith.constant 0.5 : f32
  %one = arith.constant 1.0 : f32
  %two = arith.constant 2.0 : f32
  %three = arith.constant 3.0 : f32
  %six = arith.constant 6.0 : f32
  %sixth = arith.constant 0.16666667 : f32
  %alpha = arith.constant 0.01 : f32
  %rsqrt2 = arith.constant 0.70710678 : f32
  %xq = qat.fake_quant %x {scales = array<f64: 0.031>, zero_points = array<i64: 3>} : tensor<256xf32>
  // tanh
  %f0_e = tensor.empty() : tensor<256xf32>
  %f0_y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%xq : tensor<256xf32>) outs(%f0_e : tensor<256xf32>) {
  ^bb0(%f0_a: f32, %f0_o: f32):
    %f0_t = math.tanh %f0_a : f32
    linalg.yield %f0_t : f32
  } -> tensor<256xf32>
  %f0_yq = qat.fake_quant %f0_y {scales = array<f64: 0.0078125>, zero_points = array<i64: 0>} : tensor<256xf32>
  // sigmoid
  %f1_e = tensor.empty() : tensor<256xf32>
  %f1_y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%xq : tensor<256xf32>) outs(%f1_e : tensor<256xf32>) {
  ^bb0(%f1_a: f32, %f1_o: f32):
    %f1_n = arith.negf %f1_a : f32
    %f1_e1 = math.exp %f1_n : f32
    %f1_d = arith.addf %f1_e1, %one : f32
    %f1_t = arith.divf %one, %f1_d : f32
    linalg.yield %f1_t : f32
  } -> tensor<256xf32>
  %f1_yq = qat.fake_quant %f1_y {is_signed = false, scales = array<f64: 0.00390625>, zero_points = array<i64: 0>} : tensor<256xf32>
  // GELU
  %f2_e = tensor.empty() : tensor<256xf32>
  %f2_y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%xq : tensor<256xf32>) outs(%f2_e : tensor<256xf32>) {
  ^bb0(%f2_a: f32, %f2_o: f32):
    %f2_h = arith.mulf %f2_a, %half : f32
    %f2_s = arith.mulf %f2_a, %rsqrt2 : f32
    %f2_er = math.erf %f2_s : f32
    %f2_p = arith.addf %f2_er, %one : f32
    %f2_t = arith.mulf %f2_h, %f2_p : f32
    linalg.yield %f2_t : f32
  } -> tensor<256xf32>
  %f2_yq = qat.fake_quant %f2_y {scales = array<f64: 0.0173>, zero_points = array<i64: -40>} : tensor<256xf32>
  // HardSigmoid
  %f3_e = tensor.empty() : tensor<256xf32>
  %f3_y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%xq : tensor<256xf32>) outs(%f3_e : tensor<256xf32>) {
  ^bb0(%f3_a: f32, %f3_o: f32):
    %f3_m = arith.mulf %f3_a, %sixth : f32
    %f3_p = arith.addf %f3_m, %half : f32
    %f3_lo = arith.maximumf %f3_p, %zero : f32
    %f3_t = arith.minimumf %f3_lo, %one : f32
    linalg.yield %f3_t : f32
  } -> tensor<256xf32>
  %f3_yq = qat.fake_quant %f3_y {is_signed = false, scales = array<f64: 0.00392157>, zero_points = array<i64: 0>} : tensor<256xf32>
  // HardSwish
  %f4_e = tensor.empty() : tensor<256xf32>
  %f4_y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%xq : tensor<256xf32>) outs(%f4_e : tensor<256xf32>) {
  ^bb0(%f4_a: f32, %f4_o: f32):
    %f4_p = arith.addf %f4_a, %three : f32
    %f4_lo = arith.maximumf %f4_p, %zero : f32
    %f4_hi = arith.minimumf %f4_lo, %six : f32
    %f4_m = arith.mulf %f4_a, %f4_hi : f32
    %f4_t = arith.divf %f4_m, %six : f32
    linalg.yield %f4_t : f32
  } -> tensor<256xf32>
  %f4_yq = qat.fake_quant %f4_y {scales = array<f64: 0.0211>, zero_points = array<i64: -100>} : tensor<256xf32>
  // LeakyRelu
  %f5_e = tensor.empty() : tensor<256xf32>
  %f5_y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%xq : tensor<256xf32>) outs(%f5_e : tensor<256xf32>) {
  ^bb0(%f5_a: f32, %f5_o: f32):
    %f5_c = arith.cmpf ogt, %f5_a, %zero : f32
    %f5_m = arith.mulf %f5_a, %alpha : f32
    %f5_t = arith.select %f5_c, %f5_a, %f5_m : f32
    linalg.yield %f5_t : f32
  } -> tensor<256xf32>
  %f5_yq = qat.fake_quant %f5_y {scales = array<f64: 0.0157>, zero_points = array<i64: 20>} : tensor<256xf32>
  // Neg
  %f6_e = tensor.empty() : tensor<256xf32>
  %f6_y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%xq : tensor<256xf32>) outs(%f6_e : tensor<256xf32>) {
  ^bb0(%f6_a: f32, %f6_o: f32):
    %f6_t = arith.negf %f6_a : f32
    linalg.yield %f6_t : f32
  } -> tensor<256xf32>
  %f6_yq = qat.fake_quant %f6_y {scales = array<f64: 0.029>, zero_points = array<i64: -7>} : tensor<256xf32>
  // Relu6 onto another grid
  %f7_e = tensor.empty() : tensor<256xf32>
  %f7_y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%xq : tensor<256xf32>) outs(%f7_e : tensor<256xf32>) {
  ^bb0(%f7_a: f32, %f7_o: f32):
    %f7_lo = arith.maximumf %f7_a, %zero : f32
    %f7_t = arith.minimumf %f7_lo, %six : f32
    linalg.yield %f7_t : f32
  } -> tensor<256xf32>
  %f7_yq = qat.fake_quant %f7_y {is_signed = false, scales = array<f64: 0.0235>, zero_points = array<i64: 0>} : tensor<256xf32>
  // Pow 2
  %f8_e = tensor.empty() : tensor<256xf32>
  %f8_y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%xq : tensor<256xf32>) outs(%f8_e : tensor<256xf32>) {
  ^bb0(%f8_a: f32, %f8_o: f32):
    %f8_t = math.powf %f8_a, %two : f32
    linalg.yield %f8_t : f32
  } -> tensor<256xf32>
  %f8_yq = qat.fake_quant %f8_y {is_signed = false, scales = array<f64: 0.065>, zero_points = array<i64: 0>} : tensor<256xf32>
  // Pow 3
  %f9_e = tensor.empty() : tensor<256xf32>
  %f9_y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%xq : tensor<256xf32>) outs(%f9_e : tensor<256xf32>) {
  ^bb0(%f9_a: f32, %f9_o: f32):
    %f9_t = math.powf %f9_a, %three : f32
    linalg.yield %f9_t : f32
  } -> tensor<256xf32>
  %f9_yq = qat.fake_quant %f9_y {scales = array<f64: 0.12>, zero_points = array<i64: 0>} : tensor<256xf32>
  // GELU, one op per ONNX node on whole tensors (x used twice): one table replaces the generics
  %f10_sqrt2 = arith.constant dense<1.41421354> : tensor<256xf32>
  %f10_one = arith.constant dense<1.0> : tensor<256xf32>
  %f10_half = arith.constant dense<0.5> : tensor<256xf32>
  %f10_d = arith.divf %xq, %f10_sqrt2 : tensor<256xf32>
  %f10_er = math.erf %f10_d : tensor<256xf32>
  %f10_p = arith.addf %f10_er, %f10_one : tensor<256xf32>
  %f10_m = arith.mulf %xq, %f10_p : tensor<256xf32>
  %f10_y = arith.mulf %f10_m, %f10_half : tensor<256xf32>
  %f10_yq = qat.fake_quant %f10_y {scales = array<f64: 0.0173>, zero_points = array<i64: -40>} : tensor<256xf32>
  // HardSwish, one op per ONNX node
  %f11_three = arith.constant dense<3.0> : tensor<256xf32>
  %f11_zero = arith.constant dense<0.0> : tensor<256xf32>
  %f11_six = arith.constant dense<6.0> : tensor<256xf32>
  %f11_p = arith.addf %xq, %f11_three : tensor<256xf32>
  %f11_lo = arith.maximumf %f11_p, %f11_zero : tensor<256xf32>
  %f11_hi = arith.minimumf %f11_lo, %f11_six : tensor<256xf32>
  %f11_m = arith.mulf %xq, %f11_hi : tensor<256xf32>
  %f11_y = arith.divf %f11_m, %f11_six : tensor<256xf32>
  %f11_yq = qat.fake_quant %f11_y {scales = array<f64: 0.0211>, zero_points = array<i64: -100>} : tensor<256xf32>
  // tanh onto grids with their own rounding (half away from zero, half up) and reciprocal scale
  %f12_t = math.tanh %xq : tensor<256xf32>
  %f12_a = qat.fake_quant %f12_t {rounding = #qat.rounding<half_away_from_zero>, reciprocal_scale, scales = array<f64: 0.1>} : tensor<256xf32>
  %f12_h = qat.fake_quant %f12_t {rounding = #qat.rounding<half_up>, num_bits = 4 : i64, scales = array<f64: 0.125>, zero_points = array<i64: 1>} : tensor<256xf32>
  // sigmoid from a narrow 4-bit grid (codes -7 to 7; the others clamp to them)
  %f13_one = arith.constant dense<1.0> : tensor<256xf32>
  %f13_xq = qat.fake_quant %x {num_bits = 4 : i64, narrow_range, scales = array<f64: 0.5>} : tensor<256xf32>
  %f13_n = arith.negf %f13_xq : tensor<256xf32>
  %f13_e = math.exp %f13_n : tensor<256xf32>
  %f13_d = arith.addf %f13_e, %f13_one : tensor<256xf32>
  %f13_y = arith.divf %f13_one, %f13_d : tensor<256xf32>
  %f13_yq = qat.fake_quant %f13_y {is_signed = false, scales = array<f64: 0.00390625>} : tensor<256xf32>
  // x / 2 onto the input scale: odd codes are ties, which each rounding mode breaks its own way
  %f14_half = arith.constant dense<0.5> : tensor<256xf32>
  %f14_y = arith.mulf %xq, %f14_half : tensor<256xf32>
  %f14_e = qat.fake_quant %f14_y {scales = array<f64: 0.031>} : tensor<256xf32>
  %f14_a = qat.fake_quant %f14_y {rounding = #qat.rounding<half_away_from_zero>, scales = array<f64: 0.031>} : tensor<256xf32>
  %f14_u = qat.fake_quant %f14_y {rounding = #qat.rounding<half_up>, scales = array<f64: 0.031>} : tensor<256xf32>
  return %f0_yq, %f1_yq, %f2_yq, %f3_yq, %f4_yq, %f5_yq, %f6_yq, %f7_yq, %f8_yq, %f9_yq, %f10_yq, %f11_yq, %f12_a, %f12_h, %f13_yq, %f14_e, %f14_a, %f14_u : tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>
}

func.func @unsigned(%x: tensor<256xf32>) -> (tensor<256xf32>, tensor<256xf32>, tensor<256xf32>) {
  %zero = arith.constant 0.0 : f32
  %half = arith.constant 0.5 : f32
  %one = arith.constant 1.0 : f32
  %two = arith.constant 2.0 : f32
  %three = arith.constant 3.0 : f32
  %six = arith.constant 6.0 : f32
  %sixth = arith.constant 0.16666667 : f32
  %alpha = arith.constant 0.01 : f32
  %rsqrt2 = arith.constant 0.70710678 : f32
  %xq = qat.fake_quant %x {is_signed = false, scales = array<f64: 0.02>} : tensor<256xf32>
  // Log
  %f0_e = tensor.empty() : tensor<256xf32>
  %f0_y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%xq : tensor<256xf32>) outs(%f0_e : tensor<256xf32>) {
  ^bb0(%f0_a: f32, %f0_o: f32):
    %f0_t = math.log %f0_a : f32
    linalg.yield %f0_t : f32
  } -> tensor<256xf32>
  %f0_yq = qat.fake_quant %f0_y {scales = array<f64: 0.0371>, zero_points = array<i64: 40>} : tensor<256xf32>
  // Sqrt
  %f1_e = tensor.empty() : tensor<256xf32>
  %f1_y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%xq : tensor<256xf32>) outs(%f1_e : tensor<256xf32>) {
  ^bb0(%f1_a: f32, %f1_o: f32):
    %f1_t = math.sqrt %f1_a : f32
    linalg.yield %f1_t : f32
  } -> tensor<256xf32>
  %f1_yq = qat.fake_quant %f1_y {is_signed = false, scales = array<f64: 0.0091>, zero_points = array<i64: 0>} : tensor<256xf32>
  // Pow 0.5
  %f2_e = tensor.empty() : tensor<256xf32>
  %f2_y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%xq : tensor<256xf32>) outs(%f2_e : tensor<256xf32>) {
  ^bb0(%f2_a: f32, %f2_o: f32):
    %f2_t = math.powf %f2_a, %half : f32
    linalg.yield %f2_t : f32
  } -> tensor<256xf32>
  %f2_yq = qat.fake_quant %f2_y {is_signed = false, scales = array<f64: 0.0091>, zero_points = array<i64: 0>} : tensor<256xf32>
  return %f0_yq, %f1_yq, %f2_yq : tensor<256xf32>, tensor<256xf32>, tensor<256xf32>
}
