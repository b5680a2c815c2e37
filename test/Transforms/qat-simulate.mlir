// RUN: qat-opt %s -split-input-file -qat-simulate | FileCheck %s

// Per-tensor f32, half_to_even: divide, roundeven, clamp to
// [qmin - z, qmax - z], + 0.0, NaN -> 0, multiply back.
// CHECK-LABEL: func @per_tensor_half_to_even
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK-NOT: qat.fake_quant
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[X]] : tensor<4xf32>)
// CHECK: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK-DAG: %[[S:.*]] = arith.constant 1.000000e-01 : f32
// CHECK-DAG: %[[LO:.*]] = arith.constant -1.310000e+02 : f32
// CHECK-DAG: %[[HI:.*]] = arith.constant 1.240000e+02 : f32
// CHECK: %[[U:.*]] = arith.divf %[[IN]], %[[S]] : f32
// CHECK: %[[R:.*]] = math.roundeven %[[U]] : f32
// CHECK: %[[MAX:.*]] = arith.maximumf %[[R]], %[[LO]] : f32
// CHECK: %[[MIN:.*]] = arith.minimumf %[[MAX]], %[[HI]] : f32
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[K:.*]] = arith.addf %[[MIN]], %[[ZERO]] : f32
// CHECK: %[[ZERO2:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[NAN:.*]] = arith.cmpf uno, %[[IN]], %[[IN]] : f32
// CHECK: %[[SEL:.*]] = arith.select %[[NAN]], %[[ZERO2]], %[[K]] : f32
// CHECK: %[[Y:.*]] = arith.mulf %[[SEL]], %[[S]] : f32
// CHECK: linalg.yield %[[Y]] : f32
func.func @per_tensor_half_to_even(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = qat.fake_quant %x {scales = array<f64: 0.1>, zero_points = array<i64: 3>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Rounding modes: half_away_from_zero is math.round; half_up compares the
// exact fraction (not floor(x + 0.5)); reciprocal_scale multiplies.
// CHECK-LABEL: func @rounding_modes
// CHECK: math.round %
// CHECK: %[[F:.*]] = math.floor %[[U:.*]] : f32
// CHECK: %[[T:.*]] = arith.subf %[[U]], %[[F]] : f32
// CHECK: arith.cmpf oge, %[[T]]
// CHECK: arith.mulf %{{.*}}, %{{.*}} : f32
// CHECK: math.roundeven
func.func @rounding_modes(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %0 = qat.fake_quant %x {rounding = #qat.rounding<half_away_from_zero>, scales = array<f64: 0.1>} : tensor<4xf32>
  %1 = qat.fake_quant %x {rounding = #qat.rounding<half_up>, scales = array<f64: 0.1>} : tensor<4xf32>
  %2 = qat.fake_quant %x {reciprocal_scale, scales = array<f64: 0.1>} : tensor<4xf32>
  return %0, %1, %2 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// Per-channel: parameters are 1-D constants read through the channel
// dimension; f16 computes in f32 and rounds back.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[CH:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func @per_channel_f16
// CHECK-DAG: %[[S:.*]] = arith.constant dense<[5.000000e-01, 2.500000e-01]> : tensor<2xf32>
// CHECK-DAG: %[[LO:.*]] = arith.constant dense<[-1.200000e+01, -7.000000e+00]> : tensor<2xf32>
// CHECK-DAG: %[[HI:.*]] = arith.constant dense<[2.000000e+00, 7.000000e+00]> : tensor<2xf32>
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[CH]], #[[CH]], #[[CH]], #[[ID]]]
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: arith.truncf %{{.*}} : f32 to f16
func.func @per_channel_f16(%x: tensor<3x2xf16>) -> tensor<3x2xf16> {
  %0 = qat.fake_quant %x {axis = 1 : i64, num_bits = 4 : i64, narrow_range,
                          scales = array<f64: 0.5, 0.25>, zero_points = array<i64: 5, 0>} : tensor<3x2xf16>
  return %0 : tensor<3x2xf16>
}

// -----

// f64 tensors compute in f64.
// CHECK-LABEL: func @f64_precision
// CHECK: arith.divf %{{.*}}, %{{.*}} : f64
// CHECK-NOT: arith.extf
func.func @f64_precision(%x: tensor<4xf64>) -> tensor<4xf64> {
  %0 = qat.fake_quant %x {scales = array<f64: 0.1>} : tensor<4xf64>
  return %0 : tensor<4xf64>
}

// -----

// TensorFlow's min/max kernel with the nudged constants of [-1, 2] on
// [0, 255]: scale 3/255, zero point 85, inverse 85, quant_zero 85.
// CHECK-LABEL: func @min_max
// CHECK-DAG: %[[NMIN:.*]] = arith.constant -1.000000e+00 : f32
// CHECK-DAG: %[[NMAX:.*]] = arith.constant 2.000000e+00 : f32
// CHECK-DAG: %[[INV:.*]] = arith.constant 8.500000e+01 : f32
// CHECK: %[[C1:.*]] = arith.minimumf %{{.*}}, %[[NMAX]] : f32
// CHECK: %[[C2:.*]] = arith.maximumf %[[C1]], %[[NMIN]] : f32
// CHECK: %[[T:.*]] = arith.subf %[[C2]], %[[NMIN]] : f32
// CHECK: arith.mulf %[[T]], %[[INV]] : f32
// CHECK: math.floor
func.func @min_max(%x: tensor<?xf32>) -> tensor<?xf32> {
  %0 = qat.fake_quant_min_max %x {mins = array<f64: -1.0>, maxs = array<f64: 2.0>} : tensor<?xf32>
  return %0 : tensor<?xf32>
}
