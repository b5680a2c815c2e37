// The simulation compiled and executed: ties to even (0.25 / 0.1 and
// 0.35 / 0.1 round to exactly 2.5 and 3.5 in f32), NaN to the zero point,
// infinities and far-out values to the range ends, -0.0 to +0.0.
// RUN: qat-run %s -e ties | FileCheck %s --check-prefix=TIES
// RUN: qat-run %s -e learned | FileCheck %s --check-prefix=LEARNED
// RUN: qat-run %s -e min_max | FileCheck %s --check-prefix=MINMAX

// TIES: tensor<8xf32>
// TIES-NEXT: 0.200000003 -0.200000003 0.400000006 0 12.6999998 -12.8000002 0 -0.100000001
func.func @ties() -> tensor<8xf32> {
  %c = arith.constant dense<[0.25, -0.25, 0.35, 0x7FC00000, 0x7F800000, -1.0e30, -0.0, -0.14]> : tensor<8xf32>
  %0 = qat.fake_quant %c {scales = array<f64: 0.1>} : tensor<8xf32>
  return %0 : tensor<8xf32>
}

// A learned LSQ scale exp(log 0.5) = 0.5 on 4-bit unsigned with zero point 3,
// half_up: 0.25 / 0.5 = 0.5 goes up to 1 step.
// LEARNED: tensor<2x2xf32>
// LEARNED-NEXT: 0.5 -1.5
// LEARNED-NEXT: 6 0
func.func @learned() -> tensor<2x2xf32> {
  %c = arith.constant dense<[[0.25, -5.0], [100.0, 0.2]]> : tensor<2x2xf32>
  %log = arith.constant dense<-0.693147182> : tensor<f32>
  %s = math.exp %log : tensor<f32>
  %z = arith.constant dense<3> : tensor<i32>
  %0 = qat.fake_quant %c scale(%s : tensor<f32>) zero_point(%z : tensor<i32>)
      {num_bits = 4 : i64, is_signed = false, rounding = #qat.rounding<half_up>} : tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// TensorFlow's [-0.1, 25.4] example: scale 0.1, zero point 1.
// MINMAX: tensor<4xf32>
// MINMAX-NEXT: -0.100000001 0 0.100000001 25.3999996
func.func @min_max() -> tensor<4xf32> {
  %c = arith.constant dense<[-7.0, 0.01, 0.1, 30.0]> : tensor<4xf32>
  %0 = qat.fake_quant_min_max %c {mins = array<f64: -0.1>, maxs = array<f64: 25.4>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}
