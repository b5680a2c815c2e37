// RUN: qat-opt %s -split-input-file -qat-form-integer-regions -verify-diagnostics | FileCheck %s

// u8 activations (scale 0.5, zero point 10) times per-channel int8 weights
// (scales 0.25, 0.5), bias [1, -2], ReLU, u8 output (scale 1, zero point 5).
// Accumulator scales 0.125 and 0.25; bias on that grid: 8 and -8; weight
// column sums -1 and 8, so the corrections bias - za * colsum are 18 and
// -88; multipliers 0.125 and 0.25; ReLU raises the lower bound to the zero
// point: steps clamp to [5 - 5, 255 - 5].
// CHECK-LABEL: func @matmul_bias_relu
// CHECK-SAME: (%[[A:.*]]: tensor<2x3xi8>)
// CHECK: %[[W:.*]] = arith.constant dense<{{\[}}[1, -2], [3, 4], [-5, 6]]> : tensor<3x2xi8>
// CHECK: %[[AEXT:.*]] = linalg.generic
// CHECK: arith.extui %{{.*}} : i8 to i16
// CHECK: %[[ACC:.*]] = linalg.matmul ins(%[[AEXT]], %[[W]] : tensor<2x3xi16>, tensor<3x2xi8>) outs(%{{.*}} : tensor<2x2xi32>)
// CHECK-DAG: %[[CORR:.*]] = arith.constant dense<[18, -88]> : tensor<2xi32>
// CHECK-DAG: %[[MULT:.*]] = arith.constant dense<[1.250000e-01, 2.500000e-01]> : tensor<2xf32>
// CHECK: linalg.generic {{.*}} ins(%[[ACC]], %[[CORR]], %[[MULT]] : tensor<2x2xi32>, tensor<2xi32>, tensor<2xf32>) outs(%{{.*}} : tensor<2x2xi8>)
// CHECK: %[[T:.*]] = arith.addi
// CHECK: %[[F:.*]] = arith.sitofp %[[T]] : i32 to f32
// CHECK: arith.mulf %[[F]]
// CHECK-DAG: arith.constant 0.000000e+00 : f32
// CHECK-DAG: arith.constant 2.500000e+02 : f32
// CHECK: math.roundeven
// CHECK: arith.fptosi
// CHECK: arith.trunci %{{.*}} : i32 to i8
// CHECK-NOT: linalg.matmul ins(%{{.*}} : tensor<2x3xf32>
func.func @matmul_bias_relu(%aq: tensor<2x3xi8>) -> tensor<2x2xi8> {
  %zero = arith.constant 0.0 : f32
  %a = qat.dequantize %aq {grid = !quant.uniform<u8:f32, 0.5:10>} : tensor<2x3xi8> -> tensor<2x3xf32>
  %wq = arith.constant dense<[[1, -2], [3, 4], [-5, 6]]> : tensor<3x2xi8>
  %w = qat.dequantize %wq {grid = !quant.uniform<i8<-127:127>:f32:1, {0.25, 0.5}>} : tensor<3x2xi8> -> tensor<3x2xf32>
  %e = tensor.empty() : tensor<2x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  %mm = linalg.matmul ins(%a, %w : tensor<2x3xf32>, tensor<3x2xf32>) outs(%z : tensor<2x2xf32>) -> tensor<2x2xf32>
  %bias = arith.constant dense<[1.0, -2.0]> : tensor<2xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%mm, %bias : tensor<2x2xf32>, tensor<2xf32>) outs(%e : tensor<2x2xf32>) {
  ^bb0(%acc: f32, %b: f32, %o: f32):
    %s = arith.addf %acc, %b : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  } -> tensor<2x2xf32>
  %q = qat.quantize %y {grid = !quant.uniform<u8:f32, 1.0:5>} : tensor<2x2xf32> -> tensor<2x2xi8>
  return %q : tensor<2x2xi8>
}

// -----

// Asymmetric per-channel weights (zero points 1, -2) need the activation's
// row sums: acc - zw[n] * rowsum[m]; corrections K * za * zw = 3 * 0 * zw
// vanish here (za = 0). ReLU6 with output scale 0.5 caps at 12 steps.
// CHECK-LABEL: func @matmul_asymmetric_weights_relu6
// CHECK: %[[ACC:.*]] = linalg.matmul
// CHECK: %[[ROW:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: %[[ZW:.*]] = arith.constant dense<[1, -2]> : tensor<2xi32>
// CHECK: linalg.generic {{.*}} ins(%[[ACC]], %{{.*}}, %[[ZW]], %[[ROW]], %{{.*}} :
// CHECK: arith.muli
// CHECK: arith.subi
// CHECK-DAG: arith.constant 1.200000e+01 : f32
func.func @matmul_asymmetric_weights_relu6(%aq: tensor<4x3xi8>) -> tensor<4x2xi8> {
  %zero = arith.constant 0.0 : f32
  %six = arith.constant 6.0 : f32
  %a = qat.dequantize %aq {grid = !quant.uniform<i8:f32, 0.1>} : tensor<4x3xi8> -> tensor<4x3xf32>
  %wq = arith.constant dense<[[1, -2], [3, 4], [-5, 6]]> : tensor<3x2xi8>
  %w = qat.dequantize %wq {grid = !quant.uniform<i8:f32:1, {0.25:1, 0.5:-2}>} : tensor<3x2xi8> -> tensor<3x2xf32>
  %e = tensor.empty() : tensor<4x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %mm = linalg.matmul ins(%a, %w : tensor<4x3xf32>, tensor<3x2xf32>) outs(%z : tensor<4x2xf32>) -> tensor<4x2xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%mm : tensor<4x2xf32>) outs(%e : tensor<4x2xf32>) {
  ^bb0(%acc: f32, %o: f32):
    %lo = arith.maximumf %acc, %zero : f32
    %hi = arith.minimumf %lo, %six : f32
    linalg.yield %hi : f32
  } -> tensor<4x2xf32>
  %q = qat.quantize %y {grid = !quant.uniform<i8:f32, 0.5>} : tensor<4x2xf32> -> tensor<4x2xi8>
  return %q : tensor<4x2xi8>
}

// -----

// A bare matmul (no bias, no activation), dynamic batch size.
// CHECK-LABEL: func @matmul_only_dynamic_rows
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<?x3xi8>, tensor<3x2xi8>) outs(%{{.*}} : tensor<?x2xi32>)
// CHECK: -> tensor<?x2xi8>
func.func @matmul_only_dynamic_rows(%aq: tensor<?x3xi8>) -> tensor<?x2xi8> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %a = qat.dequantize %aq {grid = !quant.uniform<i8:f32, 0.1>} : tensor<?x3xi8> -> tensor<?x3xf32>
  %wq = arith.constant dense<[[1, -2], [3, 4], [-5, 6]]> : tensor<3x2xi8>
  %w = qat.dequantize %wq {grid = !quant.uniform<i8:f32, 0.25>} : tensor<3x2xi8> -> tensor<3x2xf32>
  %m = tensor.dim %a, %c0 : tensor<?x3xf32>
  %e = tensor.empty(%m) : tensor<?x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x2xf32>) -> tensor<?x2xf32>
  %mm = linalg.matmul ins(%a, %w : tensor<?x3xf32>, tensor<3x2xf32>) outs(%z : tensor<?x2xf32>) -> tensor<?x2xf32>
  %q = qat.quantize %mm {grid = !quant.uniform<i8:f32, 0.5>} : tensor<?x2xf32> -> tensor<?x2xi8>
  return %q : tensor<?x2xi8>
}

// -----

// A product of two activations (attention's scores, a batch of heads):
// both operands centered in i32 (q - z), an i32 batch matmul, then the one
// multiplier f32(0.1) * f32(0.05) / 0.5 and the output's bounds.
// CHECK-LABEL: func @activation_product
// CHECK: %[[A:.*]] = linalg.generic {{.*}} ins(%arg0 : tensor<2x2x3xi8>) outs(%{{.*}} : tensor<2x2x3xi32>)
// CHECK: arith.extui
// CHECK: arith.constant 128 : i32
// CHECK: %[[B:.*]] = linalg.generic {{.*}} ins(%arg1 : tensor<2x3x4xi8>) outs(%{{.*}} : tensor<2x3x4xi32>)
// CHECK: arith.extsi
// CHECK: %[[ACC:.*]] = linalg.batch_matmul ins(%[[A]], %[[B]] : tensor<2x2x3xi32>, tensor<2x3x4xi32>) outs(%{{.*}} : tensor<2x2x4xi32>)
// CHECK: linalg.generic {{.*}} ins(%[[ACC]] : tensor<2x2x4xi32>) outs(%{{.*}} : tensor<2x2x4xi8>)
// CHECK: arith.constant 0.0100000007 : f32
// CHECK: math.roundeven
// CHECK-NOT: qat.dequantize
func.func @activation_product(%aq: tensor<2x2x3xi8>, %bq: tensor<2x3x4xi8>) -> tensor<2x2x4xi8> {
  %zero = arith.constant 0.0 : f32
  %a = qat.dequantize %aq {grid = !quant.uniform<u8:f32, 0.1:128>} : tensor<2x2x3xi8> -> tensor<2x2x3xf32>
  %b = qat.dequantize %bq {grid = !quant.uniform<i8:f32, 0.05:-3>} : tensor<2x3x4xi8> -> tensor<2x3x4xf32>
  %e = tensor.empty() : tensor<2x2x4xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<2x2x4xf32>) -> tensor<2x2x4xf32>
  %mm = linalg.batch_matmul ins(%a, %b : tensor<2x2x3xf32>, tensor<2x3x4xf32>) outs(%z : tensor<2x2x4xf32>) -> tensor<2x2x4xf32>
  %q = qat.quantize %mm {grid = !quant.uniform<i8:f32, 0.5>} : tensor<2x2x4xf32> -> tensor<2x2x4xi8>
  return %q : tensor<2x2x4xi8>
}

// -----

// An epilogue that is not act(acc + bias) stays in float, but the matmul
// accumulates in i32: its exact result times s_a * s_w (f32(0.1)^2, exact
// in f64), rounded to f32, is what the epilogue reads (§8.12).
// CHECK-LABEL: func @float_epilogue
// CHECK: %[[ACC:.*]] = linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<2x3xi8>, tensor<3x2xi8>) outs(%{{.*}} : tensor<2x2xi32>)
// CHECK: %[[S:.*]] = arith.constant dense<0.010000000298023226> : tensor<2xf64>
// CHECK: %[[X:.*]] = linalg.generic {{.*}} ins(%[[ACC]], %{{.*}}, %[[S]] : tensor<2x2xi32>, tensor<2xi32>, tensor<2xf64>)
// CHECK: arith.sitofp %{{.*}} : i32 to f64
// CHECK: arith.mulf %{{.*}} : f64
// CHECK: arith.truncf %{{.*}} : f64 to f32
// CHECK: linalg.generic {{.*}} ins(%[[X]] :
// CHECK: math.tanh
// CHECK-NOT: linalg.matmul
func.func @float_epilogue(%aq: tensor<2x3xi8>) -> tensor<2x2xi8> {
  %zero = arith.constant 0.0 : f32
  %a = qat.dequantize %aq {grid = !quant.uniform<i8:f32, 0.1>} : tensor<2x3xi8> -> tensor<2x3xf32>
  %wq = arith.constant dense<1> : tensor<3x2xi8>
  %w = qat.dequantize %wq {grid = !quant.uniform<i8:f32, 0.1>} : tensor<3x2xi8> -> tensor<3x2xf32>
  %e = tensor.empty() : tensor<2x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  // expected-remark @+1 {{'linalg.matmul' accumulates in i32, its result continues in f32: epilogue is not act(acc + bias)}}
  %mm = linalg.matmul ins(%a, %w : tensor<2x3xf32>, tensor<3x2xf32>) outs(%z : tensor<2x2xf32>) -> tensor<2x2xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%mm : tensor<2x2xf32>) outs(%e : tensor<2x2xf32>) {
  ^bb0(%acc: f32, %o: f32):
    %t = math.tanh %acc : f32
    linalg.yield %t : f32
  } -> tensor<2x2xf32>
  %q = qat.quantize %y {grid = !quant.uniform<i8:f32, 0.01>} : tensor<2x2xf32> -> tensor<2x2xi8>
  return %q : tensor<2x2xi8>
}

// -----

// A 2x2 convolution, stride 2, of a zero-padded u8 input (zero point 3)
// with asymmetric per-channel HWCF weights: the integer input is padded
// with the zero point, the raw products are accumulated by an i32
// convolution with the same strides, the weight-side constants are folded
// (K = 2*2*1 = 4; column sums 4 and -2: corrections K*za*zw - za*colsum =
// 4*3*1 - 3*4 = 0 and 4*3*(-1) - 3*(-2) = -6), and the window sums for the
// weight zero points come from a convolution with an all-ones filter.
// CHECK-LABEL: func @conv_padded_asymmetric
// CHECK: %[[EXT:.*]] = linalg.generic
// CHECK: %[[ZA:.*]] = arith.constant 3 : i16
// CHECK: %[[PAD:.*]] = tensor.pad %[[EXT]] low[0, 1, 1, 0] high[0, 1, 1, 0]
// CHECK: tensor.yield %[[ZA]] : i16
// CHECK: %[[ACC:.*]] = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%[[PAD]], %{{.*}} : tensor<1x6x6x1xi16>, tensor<2x2x1x2xi8>) outs(%{{.*}} : tensor<1x3x3x2xi32>)
// CHECK: %[[ONES:.*]] = arith.constant dense<1> : tensor<2x2x1x1xi16>
// CHECK: %[[SUM:.*]] = linalg.conv_2d_nhwc_hwcf {{.*}} ins(%[[PAD]], %[[ONES]] : {{.*}}) outs(%{{.*}} : tensor<1x3x3x1xi32>)
// CHECK: %[[CORR:.*]] = arith.constant dense<[0, -6]> : tensor<2xi32>
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}, #[[SUMMAP:.*]], #{{.*}}, #{{.*}}], {{.*}} ins(%[[ACC]], %[[CORR]], %{{.*}}, %[[SUM]], %{{.*}} :
// CHECK-NOT: linalg.conv_2d_nhwc_hwcf {{.*}}f32
func.func @conv_padded_asymmetric(%aq: tensor<1x4x4x1xi8>) -> tensor<1x3x3x2xi8> {
  %zero = arith.constant 0.0 : f32
  %a = qat.dequantize %aq {grid = !quant.uniform<u8:f32, 0.5:3>} : tensor<1x4x4x1xi8> -> tensor<1x4x4x1xf32>
  %ap = tensor.pad %a low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x4x4x1xf32> to tensor<1x6x6x1xf32>
  %wq = arith.constant dense<[[[[1, -1]], [[2, 0]]], [[[0, -2]], [[1, 1]]]]> : tensor<2x2x1x2xi8>
  %w = qat.dequantize %wq {grid = !quant.uniform<i8:f32:3, {0.25:1, 0.5:-1}>} : tensor<2x2x1x2xi8> -> tensor<2x2x1x2xf32>
  %e = tensor.empty() : tensor<1x3x3x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x3x3x2xf32>) -> tensor<1x3x3x2xf32>
  %c = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%ap, %w : tensor<1x6x6x1xf32>, tensor<2x2x1x2xf32>) outs(%z : tensor<1x3x3x2xf32>) -> tensor<1x3x3x2xf32>
  %q = qat.quantize %c {grid = !quant.uniform<i8:f32, 0.5>} : tensor<1x3x3x2xf32> -> tensor<1x3x3x2xi8>
  return %q : tensor<1x3x3x2xi8>
}

// -----

// Addition of two quantized tensors with different grids, then ReLU:
// f32(qa - za) * (sa / so) + f32(qb - zb) * (sb / so), requantized
// (Semantics.md §8.6); ReLU raises the lower bound to the zero point 3.
// CHECK-LABEL: func @add_relu
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<4xi8>, tensor<4xi8>) outs(%{{.*}} : tensor<4xi8>)
// CHECK: arith.extui
// CHECK: arith.extsi
// CHECK-DAG: arith.constant 2.000000e+00 : f32
// CHECK-DAG: arith.constant 5.000000e-01 : f32
// CHECK: arith.addf
// CHECK: math.roundeven
// CHECK-NOT: qat.dequantize
func.func @add_relu(%aq: tensor<4xi8>, %bq: tensor<4xi8>) -> tensor<4xi8> {
  %zero = arith.constant 0.0 : f32
  %a = qat.dequantize %aq {grid = !quant.uniform<u8:f32, 0.5:128>} : tensor<4xi8> -> tensor<4xf32>
  %b = qat.dequantize %bq {grid = !quant.uniform<i8:f32, 0.125>} : tensor<4xi8> -> tensor<4xf32>
  %e = tensor.empty() : tensor<4xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%a, %b : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %t = arith.addf %x, %y : f32
    %r = arith.maximumf %t, %zero : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %q = qat.quantize %s {grid = !quant.uniform<u8:f32, 0.25:3>} : tensor<4xf32> -> tensor<4xi8>
  return %q : tensor<4xi8>
}

// -----

// A depthwise 2x2 convolution with asymmetric per-channel weights: the
// integer depthwise convolution, and per-channel window sums of the input
// from sum pooling, read with the identity map.
// CHECK-LABEL: func @depthwise_asymmetric
// CHECK: %[[ACC:.*]] = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%{{.*}}, %{{.*}} : tensor<1x3x3x2xi8>, tensor<2x2x2xi8>) outs(%{{.*}} : tensor<1x2x2x2xi32>)
// CHECK: %[[SUM:.*]] = linalg.pooling_nhwc_sum {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x3x3x2xi8>, tensor<2x2xi32>) outs(%{{.*}} : tensor<1x2x2x2xi32>)
// CHECK: linalg.generic {{.*}} ins(%[[ACC]], %{{.*}}, %{{.*}}, %[[SUM]], %{{.*}} :
func.func @depthwise_asymmetric(%aq: tensor<1x3x3x2xi8>) -> tensor<1x2x2x2xi8> {
  %zero = arith.constant 0.0 : f32
  %a = qat.dequantize %aq {grid = !quant.uniform<i8:f32, 0.5:-3>} : tensor<1x3x3x2xi8> -> tensor<1x3x3x2xf32>
  %wq = arith.constant dense<[[[1, -1], [2, 0]], [[0, -2], [1, 1]]]> : tensor<2x2x2xi8>
  %w = qat.dequantize %wq {grid = !quant.uniform<i8:f32:2, {0.25:1, 0.5:-1}>} : tensor<2x2x2xi8> -> tensor<2x2x2xf32>
  %e = tensor.empty() : tensor<1x2x2x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %c = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%a, %w : tensor<1x3x3x2xf32>, tensor<2x2x2xf32>) outs(%z : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %q = qat.quantize %c {grid = !quant.uniform<i8:f32, 0.5>} : tensor<1x2x2x2xf32> -> tensor<1x2x2x2xi8>
  return %q : tensor<1x2x2x2xi8>
}

// -----

// Global average pooling: integer window sums, minus 16 * z = 16 * 2, then
// the multiplier f32(0.5 * 0.0625) / 0.25 = 0.125.
// CHECK-LABEL: func @average_pool
// CHECK: %[[S:.*]] = linalg.pooling_nhwc_sum {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x4x4x2xi8>, tensor<4x4xf32>) outs(%{{.*}} : tensor<1x1x1x2xi32>)
// CHECK: linalg.generic {{.*}} ins(%[[S]] : tensor<1x1x1x2xi32>) outs(%{{.*}} : tensor<1x1x1x2xi8>)
// CHECK: arith.constant -32 : i32
// CHECK: arith.constant 1.250000e-01 : f32
// CHECK-NOT: pooling_nhwc_sum {{.*}}f32>)
func.func @average_pool(%aq: tensor<1x4x4x2xi8>) -> tensor<1x1x1x2xi8> {
  %zero = arith.constant 0.0 : f32
  %inv = arith.constant 0.0625 : f32
  %a = qat.dequantize %aq {grid = !quant.uniform<i8:f32, 0.5:2>} : tensor<1x4x4x2xi8> -> tensor<1x4x4x2xf32>
  %win = tensor.empty() : tensor<4x4xf32>
  %e = tensor.empty() : tensor<1x1x1x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x1x1x2xf32>) -> tensor<1x1x1x2xf32>
  %s = linalg.pooling_nhwc_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%a, %win : tensor<1x4x4x2xf32>, tensor<4x4xf32>) outs(%z : tensor<1x1x1x2xf32>) -> tensor<1x1x1x2xf32>
  %m = linalg.generic {indexing_maps = [affine_map<(a, b, c, d) -> (a, b, c, d)>, affine_map<(a, b, c, d) -> (a, b, c, d)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s : tensor<1x1x1x2xf32>) outs(%e : tensor<1x1x1x2xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.mulf %x, %inv : f32
    linalg.yield %y : f32
  } -> tensor<1x1x1x2xf32>
  %q = qat.quantize %m {grid = !quant.uniform<i8:f32, 0.25>} : tensor<1x1x1x2xf32> -> tensor<1x1x1x2xi8>
  return %q : tensor<1x1x1x2xi8>
}

// -----

// A matmul with a transposed (N x K) constant weight, channels on axis 0:
// the integer matmul reads the weight transposed at compile time.
// CHECK-LABEL: func @matmul_transposed_weight
// CHECK: %[[WT:.*]] = arith.constant dense<{{\[}}[1, 4], [2, 5], [3, 6]]> : tensor<3x2xi8>
// CHECK: linalg.matmul ins(%{{.*}}, %[[WT]] : tensor<2x3xi8>, tensor<3x2xi8>) outs(%{{.*}} : tensor<2x2xi32>)
func.func @matmul_transposed_weight(%aq: tensor<2x3xi8>) -> tensor<2x2xi8> {
  %zero = arith.constant 0.0 : f32
  %a = qat.dequantize %aq {grid = !quant.uniform<i8:f32, 0.5>} : tensor<2x3xi8> -> tensor<2x3xf32>
  %wq = arith.constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi8>
  %w = qat.dequantize %wq {grid = !quant.uniform<i8:f32:0, {0.25, 0.5}>} : tensor<2x3xi8> -> tensor<2x3xf32>
  %e = tensor.empty() : tensor<2x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  %mm = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%a, %w : tensor<2x3xf32>, tensor<2x3xf32>) outs(%z : tensor<2x2xf32>) -> tensor<2x2xf32>
  %q = qat.quantize %mm {grid = !quant.uniform<i8:f32, 0.5>} : tensor<2x2xf32> -> tensor<2x2xi8>
  return %q : tensor<2x2xi8>
}

// -----

// The product of two dequantized tensors: (qa - za) * (qb - zb) in i32,
// then the multiplier f32(0.5 * 0.125) / 0.25 = 0.25.
// CHECK-LABEL: func @mul
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<4xi8>, tensor<4xi8>) outs(%{{.*}} : tensor<4xi8>)
// CHECK: %[[P:.*]] = arith.muli %{{.*}}, %{{.*}} : i32
// CHECK: %[[F:.*]] = arith.sitofp %[[P]] : i32 to f32
// CHECK: arith.mulf %[[F]], %{{.*}} : f32
// CHECK: math.roundeven
func.func @mul(%aq: tensor<4xi8>, %bq: tensor<4xi8>) -> tensor<4xi8> {
  %a = qat.dequantize %aq {grid = !quant.uniform<u8:f32, 0.5:128>} : tensor<4xi8> -> tensor<4xf32>
  %b = qat.dequantize %bq {grid = !quant.uniform<i8:f32, 0.125>} : tensor<4xi8> -> tensor<4xf32>
  %e = tensor.empty() : tensor<4xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%a, %b : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %t = arith.mulf %x, %y : f32
    linalg.yield %t : f32
  } -> tensor<4xf32>
  %q = qat.quantize %s {grid = !quant.uniform<i8:f32, 0.25>} : tensor<4xf32> -> tensor<4xi8>
  return %q : tensor<4xi8>
}

// -----

// A grouped convolution (G = 2, F = 2, C = 1, 1x1 kernel) with a per-tensor
// 5-D weight and a G x F bias: the per-channel tables are G x F, read
// through (g, f). Accumulator scale 0.5 * 0.25 = 0.125, so the bias
// [[1, -2], [0.5, 0]] is [[8, -16], [4, 0]] steps; multiplier 0.125 / 0.5.
// CHECK-LABEL: func @grouped_conv
// CHECK: %[[ACC:.*]] = linalg.conv_2d_ngchw_gfchw {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x2x1x2x2xi8>, tensor<2x2x1x1x1xi8>) outs(%{{.*}} : tensor<1x2x2x2x2xi32>)
// CHECK-DAG: %[[BIAS:.*]] = arith.constant dense<{{\[\[}}8, -16], [4, 0]]> : tensor<2x2xi32>
// CHECK-DAG: %[[MULT:.*]] = arith.constant dense<2.500000e-01> : tensor<2x2xf32>
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[GF:map[0-9]*]], #[[GF]], #{{.*}}]{{.*}} ins(%[[ACC]], %[[BIAS]], %[[MULT]] :
#id5 = affine_map<(n, g, f, h, w) -> (n, g, f, h, w)>
#gf = affine_map<(n, g, f, h, w) -> (g, f)>
func.func @grouped_conv(%aq: tensor<1x2x1x2x2xi8>) -> tensor<1x2x2x2x2xi8> {
  %zero = arith.constant 0.0 : f32
  %a = qat.dequantize %aq {grid = !quant.uniform<i8:f32, 0.5>} : tensor<1x2x1x2x2xi8> -> tensor<1x2x1x2x2xf32>
  %wq = arith.constant dense<[[[[[1]]], [[[-2]]]], [[[[3]]], [[[4]]]]]> : tensor<2x2x1x1x1xi8>
  %w = qat.dequantize %wq {grid = !quant.uniform<i8:f32, 0.25>} : tensor<2x2x1x1x1xi8> -> tensor<2x2x1x1x1xf32>
  %e = tensor.empty() : tensor<1x2x2x2x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  %c = linalg.conv_2d_ngchw_gfchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%a, %w : tensor<1x2x1x2x2xf32>, tensor<2x2x1x1x1xf32>) outs(%z : tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  %bias = arith.constant dense<[[1.0, -2.0], [0.5, 0.0]]> : tensor<2x2xf32>
  %y = linalg.generic {indexing_maps = [#id5, #gf, #id5], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%c, %bias : tensor<1x2x2x2x2xf32>, tensor<2x2xf32>) outs(%e : tensor<1x2x2x2x2xf32>) {
  ^bb0(%x: f32, %b: f32, %o: f32):
    %s = arith.addf %x, %b : f32
    linalg.yield %s : f32
  } -> tensor<1x2x2x2x2xf32>
  %q = qat.quantize %y {grid = !quant.uniform<i8:f32, 0.5>} : tensor<1x2x2x2x2xf32> -> tensor<1x2x2x2x2xi8>
  return %q : tensor<1x2x2x2x2xi8>
}

// -----

// A 5-D grouped weight quantized per channel along one axis (here F) does
// not carry per-output-channel parameters over (g, f): it stays in float.
func.func @grouped_conv_axis_weight(%aq: tensor<1x2x1x2x2xi8>) -> tensor<1x2x2x2x2xi8> {
  %zero = arith.constant 0.0 : f32
  %a = qat.dequantize %aq {grid = !quant.uniform<i8:f32, 0.5>} : tensor<1x2x1x2x2xi8> -> tensor<1x2x1x2x2xf32>
  %wq = arith.constant dense<1> : tensor<2x2x1x1x1xi8>
  %w = qat.dequantize %wq {grid = !quant.uniform<i8:f32:1, {0.25, 0.5}>} : tensor<2x2x1x1x1xi8> -> tensor<2x2x1x1x1xf32>
  %e = tensor.empty() : tensor<1x2x2x2x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  // expected-remark @+1 {{'linalg.conv_2d_ngchw_gfchw' runs in float between dequantize and quantize: weight channels are not the output channels}}
  %c = linalg.conv_2d_ngchw_gfchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%a, %w : tensor<1x2x1x2x2xf32>, tensor<2x2x1x1x1xf32>) outs(%z : tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  %q = qat.quantize %c {grid = !quant.uniform<i8:f32, 0.5>} : tensor<1x2x2x2x2xf32> -> tensor<1x2x2x2x2xi8>
  return %q : tensor<1x2x2x2x2xi8>
}

// -----

// A quantize whose result is unused is lowered like any other: its float
// matmul must not be left behind (and reported as running in float).
// CHECK-LABEL: func @unused_quantize
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<2x3xi16>, tensor<3x2xi8>) outs(%{{.*}} : tensor<2x2xi32>)
// CHECK-NOT: linalg.matmul ins(%{{.*}} : tensor<2x3xf32>
func.func @unused_quantize(%aq: tensor<2x3xi8>) -> tensor<2x3xi8> {
  %zero = arith.constant 0.0 : f32
  %a = qat.dequantize %aq {grid = !quant.uniform<u8:f32, 0.5:10>} : tensor<2x3xi8> -> tensor<2x3xf32>
  %wq = arith.constant dense<[[1, -2], [3, 4], [-5, 6]]> : tensor<3x2xi8>
  %w = qat.dequantize %wq {grid = !quant.uniform<i8<-127:127>:f32:1, {0.25, 0.5}>} : tensor<3x2xi8> -> tensor<3x2xf32>
  %e = tensor.empty() : tensor<2x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  %mm = linalg.matmul ins(%a, %w : tensor<2x3xf32>, tensor<3x2xf32>) outs(%z : tensor<2x2xf32>) -> tensor<2x2xf32>
  %q = qat.quantize %mm {grid = !quant.uniform<u8:f32, 1.0:5>} : tensor<2x2xf32> -> tensor<2x2xi8>
  return %aq : tensor<2x3xi8>
}

// -----

// A squeeze-and-excitation gate: the activation times a per-image,
// per-channel gate broadcast over H and W (read through the importer's
// numpy-broadcast map with constant 0 results), as one integer generic that
// reads the gate through the same map.
// CHECK-LABEL: func @mul_broadcast_gate
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[GATE:map[0-9]*]], #{{.*}}]{{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x2x2x3xi8>, tensor<1x3x1x1xi8>) outs(%{{.*}} : tensor<1x2x2x3xi8>)
// CHECK: arith.muli
// CHECK-NOT: qat.dequantize
#nhwc = affine_map<(n, h, w, c) -> (n, h, w, c)>
#gate = affine_map<(n, h, w, c) -> (n, c, 0, 0)>
func.func @mul_broadcast_gate(%aq: tensor<1x2x2x3xi8>, %gq: tensor<1x3x1x1xi8>) -> tensor<1x2x2x3xi8> {
  %a = qat.dequantize %aq {grid = !quant.uniform<u8:f32, 0.5:128>} : tensor<1x2x2x3xi8> -> tensor<1x2x2x3xf32>
  %g = qat.dequantize %gq {grid = !quant.uniform<u8:f32, 0.00390625>} : tensor<1x3x1x1xi8> -> tensor<1x3x1x1xf32>
  %e = tensor.empty() : tensor<1x2x2x3xf32>
  %s = linalg.generic {indexing_maps = [#nhwc, #gate, #nhwc], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%a, %g : tensor<1x2x2x3xf32>, tensor<1x3x1x1xf32>) outs(%e : tensor<1x2x2x3xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %t = arith.mulf %x, %y : f32
    linalg.yield %t : f32
  } -> tensor<1x2x2x3xf32>
  %q = qat.quantize %s {grid = !quant.uniform<i8:f32, 0.25>} : tensor<1x2x2x3xf32> -> tensor<1x2x2x3xi8>
  return %q : tensor<1x2x2x3xi8>
}

// -----

// A subtraction whose second input comes first in the body (y - x, a row
// broadcast over a dynamic number of rows): the integer generic takes the
// operands in the op's order, with their maps, and subtracts; its output
// has the dynamic size of the float generic's init.
// CHECK-LABEL: func @sub_broadcast_row
// CHECK: %[[D:.*]] = tensor.dim %{{.*}}, %{{.*}} : tensor<?x3xf32>
// CHECK: %[[INIT:.*]] = tensor.empty(%[[D]]) : tensor<?x3xi8>
// CHECK: linalg.generic {indexing_maps = [#[[ROW:map[0-9]*]], #[[ID:map[0-9]*]], #[[ID]]]{{.*}} ins(%{{.*}}, %arg0 : tensor<3xi8>, tensor<?x3xi8>) outs(%[[INIT]] : tensor<?x3xi8>)
// CHECK: %[[A:.*]] = arith.mulf %{{.*}}, %{{.*}} : f32
// CHECK: %[[B:.*]] = arith.mulf %{{.*}}, %{{.*}} : f32
// CHECK: arith.subf %[[A]], %[[B]] : f32
func.func @sub_broadcast_row(%aq: tensor<?x3xi8>, %bq: tensor<3xi8>) -> tensor<?x3xi8> {
  %c0 = arith.constant 0 : index
  %a = qat.dequantize %aq {grid = !quant.uniform<i8:f32, 0.5:-3>} : tensor<?x3xi8> -> tensor<?x3xf32>
  %b = qat.dequantize %bq {grid = !quant.uniform<i8:f32, 0.125>} : tensor<3xi8> -> tensor<3xf32>
  %n = tensor.dim %aq, %c0 : tensor<?x3xi8>
  %e = tensor.empty(%n) : tensor<?x3xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%a, %b : tensor<?x3xf32>, tensor<3xf32>) outs(%e : tensor<?x3xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %t = arith.subf %y, %x : f32
    linalg.yield %t : f32
  } -> tensor<?x3xf32>
  %q = qat.quantize %s {grid = !quant.uniform<i8:f32, 0.25>} : tensor<?x3xf32> -> tensor<?x3xi8>
  return %q : tensor<?x3xi8>
}

// -----

// QAT Conv+BN as PyTorch exports it: the convolution, a division by the
// per-channel factor, then BatchNormalization (x * s + t) with ReLU. The
// chain is a[c] * x + b[c] with a = s / f = {2, 0.5}, b = t = {1, -1}: the
// factor folds into the weight scales (0.25 * 2, 0.25 * 0.5), so the
// multipliers are 0.5 * 0.5 / 0.5 and 0.5 * 0.125 / 0.5, and the bias is
// {1, -1} on those accumulator grids: {4, -16} steps.
// CHECK-LABEL: func @conv_bn_chain
// CHECK: linalg.conv_2d_nhwc_hwcf {{.*}} outs(%{{.*}} : tensor<1x2x2x2xi32>)
// CHECK-DAG: arith.constant dense<[4, -16]> : tensor<2xi32>
// CHECK-DAG: arith.constant dense<[5.000000e-01, 1.250000e-01]> : tensor<2xf32>
// CHECK-NOT: arith.divf
#nhwc4 = affine_map<(n, h, w, c) -> (n, h, w, c)>
#chan4 = affine_map<(n, h, w, c) -> (c)>
func.func @conv_bn_chain(%aq: tensor<1x3x3x1xi8>) -> tensor<1x2x2x2xi8> {
  %zero = arith.constant 0.0 : f32
  %a = qat.dequantize %aq {grid = !quant.uniform<i8:f32, 0.5>} : tensor<1x3x3x1xi8> -> tensor<1x3x3x1xf32>
  %wq = arith.constant dense<[[[[1, -1]], [[2, 0]]], [[[0, -2]], [[1, 1]]]]> : tensor<2x2x1x2xi8>
  %w = qat.dequantize %wq {grid = !quant.uniform<i8:f32, 0.25>} : tensor<2x2x1x2xi8> -> tensor<2x2x1x2xf32>
  %e = tensor.empty() : tensor<1x2x2x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %c = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%a, %w : tensor<1x3x3x1xf32>, tensor<2x2x1x2xf32>) outs(%z : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %f = arith.constant dense<[0.5, 4.0]> : tensor<2xf32>
  %d = linalg.generic {indexing_maps = [#nhwc4, #chan4, #nhwc4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%c, %f : tensor<1x2x2x2xf32>, tensor<2xf32>) outs(%e : tensor<1x2x2x2xf32>) {
  ^bb0(%x: f32, %k: f32, %o: f32):
    %y = arith.divf %x, %k : f32
    linalg.yield %y : f32
  } -> tensor<1x2x2x2xf32>
  %s = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %t = arith.constant dense<[1.0, -1.0]> : tensor<2xf32>
  %bn = linalg.generic {indexing_maps = [#nhwc4, #chan4, #chan4, #nhwc4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%d, %s, %t : tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>) outs(%e : tensor<1x2x2x2xf32>) {
  ^bb0(%x: f32, %k: f32, %b: f32, %o: f32):
    %m = arith.mulf %x, %k : f32
    %y = arith.addf %m, %b : f32
    %r = arith.maximumf %y, %zero : f32
    linalg.yield %r : f32
  } -> tensor<1x2x2x2xf32>
  %q = qat.quantize %bn {grid = !quant.uniform<i8:f32, 0.5>} : tensor<1x2x2x2xf32> -> tensor<1x2x2x2xi8>
  return %q : tensor<1x2x2x2xi8>
}
