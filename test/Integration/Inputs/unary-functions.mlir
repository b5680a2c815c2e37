// Element-wise functions of one 8-bit input, one per ONNX operator family,
// for qat-run-unary-tables.test: each becomes a table (Semantics.md §8.11).
// The @s_* functions read a signed grid (scale 0.031, zero point 3), the
// @u_* ones an unsigned grid (scale 0.02, zero point 0); their bodies use
// the constants below.

func.func @s_tanh(%x: tensor<256xf32>) -> tensor<256xf32> {
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
  %e = tensor.empty() : tensor<256xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%xq : tensor<256xf32>) outs(%e : tensor<256xf32>) {
  ^bb0(%a: f32, %o: f32):
    %t = math.tanh %a : f32
    linalg.yield %t : f32
  } -> tensor<256xf32>
  %yq = qat.fake_quant %y {scales = array<f64: 0.0078125>, zero_points = array<i64: 0>} : tensor<256xf32>
  return %yq : tensor<256xf32>
}

func.func @s_sigmoid(%x: tensor<256xf32>) -> tensor<256xf32> {
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
  %e = tensor.empty() : tensor<256xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%xq : tensor<256xf32>) outs(%e : tensor<256xf32>) {
  ^bb0(%a: f32, %o: f32):
    %n = arith.negf %a : f32
    %e1 = math.exp %n : f32
    %d = arith.addf %e1, %one : f32
    %t = arith.divf %one, %d : f32
    linalg.yield %t : f32
  } -> tensor<256xf32>
  %yq = qat.fake_quant %y {is_signed = false, scales = array<f64: 0.00390625>, zero_points = array<i64: 0>} : tensor<256xf32>
  return %yq : tensor<256xf32>
}

func.func @s_gelu(%x: tensor<256xf32>) -> tensor<256xf32> {
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
  %e = tensor.empty() : tensor<256xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%xq : tensor<256xf32>) outs(%e : tensor<256xf32>) {
  ^bb0(%a: f32, %o: f32):
    %h = arith.mulf %a, %half : f32
    %s = arith.mulf %a, %rsqrt2 : f32
    %er = math.erf %s : f32
    %p = arith.addf %er, %one : f32
    %t = arith.mulf %h, %p : f32
    linalg.yield %t : f32
  } -> tensor<256xf32>
  %yq = qat.fake_quant %y {scales = array<f64: 0.0173>, zero_points = array<i64: -40>} : tensor<256xf32>
  return %yq : tensor<256xf32>
}

func.func @s_hard_sigmoid(%x: tensor<256xf32>) -> tensor<256xf32> {
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
  %e = tensor.empty() : tensor<256xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%xq : tensor<256xf32>) outs(%e : tensor<256xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.mulf %a, %sixth : f32
    %p = arith.addf %m, %half : f32
    %lo = arith.maximumf %p, %zero : f32
    %t = arith.minimumf %lo, %one : f32
    linalg.yield %t : f32
  } -> tensor<256xf32>
  %yq = qat.fake_quant %y {is_signed = false, scales = array<f64: 0.00392157>, zero_points = array<i64: 0>} : tensor<256xf32>
  return %yq : tensor<256xf32>
}

func.func @s_hard_swish(%x: tensor<256xf32>) -> tensor<256xf32> {
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
  %e = tensor.empty() : tensor<256xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%xq : tensor<256xf32>) outs(%e : tensor<256xf32>) {
  ^bb0(%a: f32, %o: f32):
    %p = arith.addf %a, %three : f32
    %lo = arith.maximumf %p, %zero : f32
    %hi = arith.minimumf %lo, %six : f32
    %m = arith.mulf %a, %hi : f32
    %t = arith.divf %m, %six : f32
    linalg.yield %t : f32
  } -> tensor<256xf32>
  %yq = qat.fake_quant %y {scales = array<f64: 0.0211>, zero_points = array<i64: -100>} : tensor<256xf32>
  return %yq : tensor<256xf32>
}

func.func @s_leaky_relu(%x: tensor<256xf32>) -> tensor<256xf32> {
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
  %e = tensor.empty() : tensor<256xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%xq : tensor<256xf32>) outs(%e : tensor<256xf32>) {
  ^bb0(%a: f32, %o: f32):
    %c = arith.cmpf ogt, %a, %zero : f32
    %m = arith.mulf %a, %alpha : f32
    %t = arith.select %c, %a, %m : f32
    linalg.yield %t : f32
  } -> tensor<256xf32>
  %yq = qat.fake_quant %y {scales = array<f64: 0.0157>, zero_points = array<i64: 20>} : tensor<256xf32>
  return %yq : tensor<256xf32>
}

func.func @s_neg(%x: tensor<256xf32>) -> tensor<256xf32> {
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
  %e = tensor.empty() : tensor<256xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%xq : tensor<256xf32>) outs(%e : tensor<256xf32>) {
  ^bb0(%a: f32, %o: f32):
    %t = arith.negf %a : f32
    linalg.yield %t : f32
  } -> tensor<256xf32>
  %yq = qat.fake_quant %y {scales = array<f64: 0.029>, zero_points = array<i64: -7>} : tensor<256xf32>
  return %yq : tensor<256xf32>
}

func.func @s_relu6(%x: tensor<256xf32>) -> tensor<256xf32> {
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
  %e = tensor.empty() : tensor<256xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%xq : tensor<256xf32>) outs(%e : tensor<256xf32>) {
  ^bb0(%a: f32, %o: f32):
    %lo = arith.maximumf %a, %zero : f32
    %t = arith.minimumf %lo, %six : f32
    linalg.yield %t : f32
  } -> tensor<256xf32>
  %yq = qat.fake_quant %y {is_signed = false, scales = array<f64: 0.0235>, zero_points = array<i64: 0>} : tensor<256xf32>
  return %yq : tensor<256xf32>
}

func.func @s_pow2(%x: tensor<256xf32>) -> tensor<256xf32> {
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
  %e = tensor.empty() : tensor<256xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%xq : tensor<256xf32>) outs(%e : tensor<256xf32>) {
  ^bb0(%a: f32, %o: f32):
    %t = math.powf %a, %two : f32
    linalg.yield %t : f32
  } -> tensor<256xf32>
  %yq = qat.fake_quant %y {is_signed = false, scales = array<f64: 0.065>, zero_points = array<i64: 0>} : tensor<256xf32>
  return %yq : tensor<256xf32>
}

func.func @s_pow3(%x: tensor<256xf32>) -> tensor<256xf32> {
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
  %e = tensor.empty() : tensor<256xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%xq : tensor<256xf32>) outs(%e : tensor<256xf32>) {
  ^bb0(%a: f32, %o: f32):
    %t = math.powf %a, %three : f32
    linalg.yield %t : f32
  } -> tensor<256xf32>
  %yq = qat.fake_quant %y {scales = array<f64: 0.12>, zero_points = array<i64: 0>} : tensor<256xf32>
  return %yq : tensor<256xf32>
}

func.func @u_log(%x: tensor<256xf32>) -> tensor<256xf32> {
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
  %e = tensor.empty() : tensor<256xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%xq : tensor<256xf32>) outs(%e : tensor<256xf32>) {
  ^bb0(%a: f32, %o: f32):
    %t = math.log %a : f32
    linalg.yield %t : f32
  } -> tensor<256xf32>
  %yq = qat.fake_quant %y {scales = array<f64: 0.0371>, zero_points = array<i64: 40>} : tensor<256xf32>
  return %yq : tensor<256xf32>
}

func.func @u_sqrt(%x: tensor<256xf32>) -> tensor<256xf32> {
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
  %e = tensor.empty() : tensor<256xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%xq : tensor<256xf32>) outs(%e : tensor<256xf32>) {
  ^bb0(%a: f32, %o: f32):
    %t = math.sqrt %a : f32
    linalg.yield %t : f32
  } -> tensor<256xf32>
  %yq = qat.fake_quant %y {is_signed = false, scales = array<f64: 0.0091>, zero_points = array<i64: 0>} : tensor<256xf32>
  return %yq : tensor<256xf32>
}

func.func @u_pow_half(%x: tensor<256xf32>) -> tensor<256xf32> {
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
  %e = tensor.empty() : tensor<256xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%xq : tensor<256xf32>) outs(%e : tensor<256xf32>) {
  ^bb0(%a: f32, %o: f32):
    %t = math.powf %a, %half : f32
    linalg.yield %t : f32
  } -> tensor<256xf32>
  %yq = qat.fake_quant %y {is_signed = false, scales = array<f64: 0.0091>, zero_points = array<i64: 0>} : tensor<256xf32>
  return %yq : tensor<256xf32>
}

// The same functions written one op per ONNX node on whole tensors, x used
// twice: qat-tensor-ops-to-linalg makes each a generic, one table replaces
// them all.
func.func @s_gelu_nodes(%x: tensor<256xf32>) -> tensor<256xf32> {
  %sqrt2 = arith.constant dense<1.41421354> : tensor<256xf32>
  %one = arith.constant dense<1.0> : tensor<256xf32>
  %half = arith.constant dense<0.5> : tensor<256xf32>
  %xq = qat.fake_quant %x {scales = array<f64: 0.031>, zero_points = array<i64: 3>} : tensor<256xf32>
  %d = arith.divf %xq, %sqrt2 : tensor<256xf32>
  %er = math.erf %d : tensor<256xf32>
  %p = arith.addf %er, %one : tensor<256xf32>
  %m = arith.mulf %xq, %p : tensor<256xf32>
  %y = arith.mulf %m, %half : tensor<256xf32>
  %yq = qat.fake_quant %y {scales = array<f64: 0.0173>, zero_points = array<i64: -40>} : tensor<256xf32>
  return %yq : tensor<256xf32>
}

func.func @s_hard_swish_nodes(%x: tensor<256xf32>) -> tensor<256xf32> {
  %three = arith.constant dense<3.0> : tensor<256xf32>
  %zero = arith.constant dense<0.0> : tensor<256xf32>
  %six = arith.constant dense<6.0> : tensor<256xf32>
  %xq = qat.fake_quant %x {scales = array<f64: 0.031>, zero_points = array<i64: 3>} : tensor<256xf32>
  %p = arith.addf %xq, %three : tensor<256xf32>
  %lo = arith.maximumf %p, %zero : tensor<256xf32>
  %hi = arith.minimumf %lo, %six : tensor<256xf32>
  %m = arith.mulf %xq, %hi : tensor<256xf32>
  %y = arith.divf %m, %six : tensor<256xf32>
  %yq = qat.fake_quant %y {scales = array<f64: 0.0211>, zero_points = array<i64: -100>} : tensor<256xf32>
  return %yq : tensor<256xf32>
}
