// RUN: qat-opt %s -qat-form-integer-regions | FileCheck %s --check-prefix=FLOAT
// RUN: qat-opt %s -qat-form-integer-regions="requant=fixed-point double-round=true" | FileCheck %s --check-prefixes=FIXED,DOUBLE
// RUN: qat-opt %s -qat-form-integer-regions=requant=fixed-point | FileCheck %s --check-prefixes=FIXED,SINGLE
// RUN: qat-opt %s -qat-form-integer-regions=requant=fixed-point -o /dev/null 2>&1 | FileCheck %s --check-prefix=COARSE
// RUN: not qat-opt %s -qat-form-integer-regions=requant=exact 2>&1 | FileCheck %s --check-prefix=BADOPT --implicit-check-not=func

// i8 activations (scale 0.5) times int8 weights (scale 0.25): accumulator
// scale 0.125, coarser than the output step 0.01. The bias 0.3 is not exact
// on that grid, so it is placed on the grid refined by 2^10 (the first at
// most 0.01 / 64): round(0.3 / 2^-13) = 2458, and the accumulator is
// multiplied by 1024 before the bias is added (|acc| <= 128 * 6, so
// 1024 * 768 + 2458 fits in i32). Semantics.md §8.2.
// FLOAT-LABEL: func @refined_bias
// FLOAT-DAG: %[[CORR:.*]] = arith.constant dense<0> : tensor<1xi32>
// FLOAT-DAG: %[[FACTOR:.*]] = arith.constant dense<1024> : tensor<1xi32>
// FLOAT-DAG: %[[BIAS:.*]] = arith.constant dense<2458> : tensor<1xi32>
// FLOAT-DAG: %[[MULT:.*]] = arith.constant dense<0.0122070313> : tensor<1xf32>
// FLOAT: linalg.generic {{.*}} ins(%{{.*}}, %[[CORR]], %[[FACTOR]], %[[BIAS]], %[[MULT]] :
// FLOAT: %[[T:.*]] = arith.addi
// FLOAT: %[[S:.*]] = arith.muli %[[T]]
// FLOAT: %[[B:.*]] = arith.addi %[[S]]
// FLOAT: arith.sitofp %[[B]] : i32 to f32
// FLOAT: math.roundeven

// Fixed point: the real multiplier 0.125 / f32(0.01) / 1024 =
// 1677721638 * 2^-37, applied by tosa.apply_scale; the zero point is added
// after a clamp to [-128, 127] - 0.
// FIXED-LABEL: func @refined_bias
// FIXED-DAG: %[[M:.*]] = arith.constant dense<1677721638> : tensor<1xi32>
// FIXED-DAG: %[[SH:.*]] = arith.constant dense<37> : tensor<1xi8>
// FIXED: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[M]], %[[SH]] :
// FIXED: ^bb0(%{{.*}}: i32, %{{.*}}: i32, %{{.*}}: i32, %{{.*}}: i32, %[[MA:.*]]: i32, %[[SA:.*]]: i8, %{{.*}}: i8):
// DOUBLE: tosa.apply_scale %{{.*}}, %[[MA]], %[[SA]] {rounding_mode = DOUBLE_ROUND}
// SINGLE: tosa.apply_scale %{{.*}}, %[[MA]], %[[SA]] {rounding_mode = SINGLE_ROUND}
// FIXED: arith.maxsi
// FIXED: arith.minsi
// FIXED: arith.trunci %{{.*}} : i32 to i8
// FIXED-NOT: sitofp

// BADOPT: for the --requant option: unknown value 'exact'; valid values: float, fixed-point
func.func @refined_bias(%aq: tensor<2x3xi8>) -> tensor<2x1xi8> {
  %zero = arith.constant 0.0 : f32
  %a = qat.dequantize %aq {grid = !quant.uniform<i8:f32, 0.5>} : tensor<2x3xi8> -> tensor<2x3xf32>
  %wq = arith.constant dense<[[1], [2], [3]]> : tensor<3x1xi8>
  %w = qat.dequantize %wq {grid = !quant.uniform<i8:f32, 0.25>} : tensor<3x1xi8> -> tensor<3x1xf32>
  %e = tensor.empty() : tensor<2x1xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<2x1xf32>) -> tensor<2x1xf32>
  %mm = linalg.matmul ins(%a, %w : tensor<2x3xf32>, tensor<3x1xf32>) outs(%z : tensor<2x1xf32>) -> tensor<2x1xf32>
  %bias = arith.constant dense<[0.3]> : tensor<1xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%mm, %bias : tensor<2x1xf32>, tensor<1xf32>) outs(%e : tensor<2x1xf32>) {
  ^bb0(%acc: f32, %b: f32, %o: f32):
    %s = arith.addf %acc, %b : f32
    linalg.yield %s : f32
  } -> tensor<2x1xf32>
  %q = qat.quantize %y {grid = !quant.uniform<i8:f32, 0.01>} : tensor<2x1xf32> -> tensor<2x1xi8>
  return %q : tensor<2x1xi8>
}

// Fixed-point addition (TFLite's): inputs centered, shifted left by 20,
// scaled to the common grid 2 * max(0.5, 0.125) = 1 (multipliers 0.5 and
// 0.125: 2^30 * 2^-31 and 2^30 * 2^-33), added, then scaled by
// 2^-20 / 0.25 = 2^30 * 2^-48.
// FIXED-LABEL: func @add
// FIXED: arith.shli
// FIXED: tosa.apply_scale
// FIXED: arith.shli
// FIXED: tosa.apply_scale
// FIXED: arith.addi
// FIXED-DAG: arith.constant 1073741824 : i32
// FIXED-DAG: arith.constant 48 : i8
// FIXED: tosa.apply_scale
// FLOAT-LABEL: func @add
// FLOAT: arith.addf
func.func @add(%aq: tensor<4xi8>, %bq: tensor<4xi8>) -> tensor<4xi8> {
  %a = qat.dequantize %aq {grid = !quant.uniform<u8:f32, 0.5:128>} : tensor<4xi8> -> tensor<4xf32>
  %b = qat.dequantize %bq {grid = !quant.uniform<i8:f32, 0.125>} : tensor<4xi8> -> tensor<4xf32>
  %e = tensor.empty() : tensor<4xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%a, %b : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %t = arith.addf %x, %y : f32
    linalg.yield %t : f32
  } -> tensor<4xf32>
  %q = qat.quantize %s {grid = !quant.uniform<u8:f32, 0.25:3>} : tensor<4xf32> -> tensor<4xi8>
  return %q : tensor<4xi8>
}

// An output grid 2^19 times finer than the coarser input: TFLite's common
// grid (2 * 1024 * 2^-20 = 2^-9) is 20 output steps, so rounding onto it
// could move the sum by that much. Fixed point leaves the addition in float
// (the fake-quant graph, exact to the step); float requantization lowers it.
// COARSE: 'linalg.generic' runs in float between dequantize and quantize: requant=fixed-point: the addition's common grid is coarser than a quarter of an output step
// FLOAT-LABEL: func @add_far_finer_output
// FLOAT: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<4xi8>, tensor<4xi8>)
// FLOAT: math.roundeven
// FIXED-LABEL: func @add_far_finer_output
// FIXED: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<4xf32>, tensor<4xf32>)
// FIXED: arith.addf
// FIXED: qat.quantize
func.func @add_far_finer_output(%aq: tensor<4xi8>, %bq: tensor<4xi8>) -> tensor<4xi8> {
  %a = qat.dequantize %aq {grid = !quant.uniform<i8:f32, 1024.0>} : tensor<4xi8> -> tensor<4xf32>
  %b = qat.dequantize %bq {grid = !quant.uniform<i8:f32, 0.0001>} : tensor<4xi8> -> tensor<4xf32>
  %e = tensor.empty() : tensor<4xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%a, %b : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %t = arith.addf %x, %y : f32
    linalg.yield %t : f32
  } -> tensor<4xf32>
  %q = qat.quantize %s {grid = !quant.uniform<i8:f32, 0.0001>} : tensor<4xf32> -> tensor<4xi8>
  return %q : tensor<4xi8>
}
