// RUN: qat-opt %s -split-input-file -qat-sink-dequantize | FileCheck %s

// Reshapes and transposes move to the storage values; the requantization
// on the same grid folds away.
// CHECK-LABEL: func @reshape_transpose
// CHECK-SAME: (%[[Q:.*]]: tensor<2x6xi8>)
// CHECK: %[[C:.*]] = tensor.collapse_shape %[[Q]] {{.*}} : tensor<2x6xi8> into tensor<12xi8>
// CHECK: %[[E:.*]] = tensor.expand_shape %[[C]] {{.*}} : tensor<12xi8> into tensor<3x4xi8>
// CHECK: %[[T:.*]] = linalg.transpose ins(%[[E]] : tensor<3x4xi8>) outs(%{{.*}} : tensor<4x3xi8>) permutation = [1, 0]
// CHECK: return %[[T]] : tensor<4x3xi8>
func.func @reshape_transpose(%q: tensor<2x6xi8>) -> tensor<4x3xi8> {
  %d = qat.dequantize %q {grid = !quant.uniform<u8:f32, 0.1:7>} : tensor<2x6xi8> -> tensor<2x6xf32>
  %c = tensor.collapse_shape %d [[0, 1]] : tensor<2x6xf32> into tensor<12xf32>
  %r = tensor.expand_shape %c [[0, 1]] output_shape [3, 4] : tensor<12xf32> into tensor<3x4xf32>
  %e = tensor.empty() : tensor<4x3xf32>
  %t = linalg.transpose ins(%r : tensor<3x4xf32>) outs(%e : tensor<4x3xf32>) permutation = [1, 0]
  %o = qat.quantize %t {grid = !quant.uniform<u8:f32, 0.1:7>} : tensor<4x3xf32> -> tensor<4x3xi8>
  return %o : tensor<4x3xi8>
}

// -----

// Zero padding becomes padding with the zero point (200, stored as -56 in
// i8); max pooling from -inf becomes unsigned integer max pooling from 0.
// CHECK-LABEL: func @pad_max_pool
// CHECK-DAG: %[[LOW:.*]] = arith.constant 0 : i8
// CHECK-DAG: %[[Z:.*]] = arith.constant -56 : i8
// CHECK: %[[P:.*]] = tensor.pad %{{.*}} low[0, 1, 1, 0] high[0, 1, 1, 0]
// CHECK: tensor.yield %[[Z]] : i8
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[LOW]] : i8)
// CHECK: %[[M:.*]] = linalg.pooling_nhwc_max_unsigned {{.*}} ins(%[[P]], %{{.*}} : tensor<1x4x4x1xi8>, tensor<2x2xf32>) outs(%[[INIT]] : tensor<1x2x2x1xi8>)
// CHECK: qat.dequantize %[[M]]
func.func @pad_max_pool(%q: tensor<1x2x2x1xi8>) -> tensor<1x2x2x1xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %d = qat.dequantize %q {grid = !quant.uniform<u8:f32, 0.1:200>} : tensor<1x2x2x1xi8> -> tensor<1x2x2x1xf32>
  %p = tensor.pad %d low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x2x2x1xf32> to tensor<1x4x4x1xf32>
  %win = tensor.empty() : tensor<2x2xf32>
  %e = tensor.empty() : tensor<1x2x2x1xf32>
  %f = linalg.fill ins(%ninf : f32) outs(%e : tensor<1x2x2x1xf32>) -> tensor<1x2x2x1xf32>
  %m = linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%p, %win : tensor<1x4x4x1xf32>, tensor<2x2xf32>) outs(%f : tensor<1x2x2x1xf32>) -> tensor<1x2x2x1xf32>
  return %m : tensor<1x2x2x1xf32>
}

// -----

// A concatenation quantized to a new grid: each input is quantized (here:
// requantized from its own grid, which qat-form-integer-regions lowers).
// CHECK-LABEL: func @concat
// CHECK: %[[A:.*]] = qat.quantize %{{.*}} {grid = !quant.uniform<i8:f32, 5.000000e-02:-3>} : tensor<2x2xf32> -> tensor<2x2xi8>
// CHECK: %[[B:.*]] = qat.quantize %{{.*}} {grid = !quant.uniform<i8:f32, 5.000000e-02:-3>} : tensor<2x3xf32> -> tensor<2x3xi8>
// CHECK: tensor.concat dim(1) %[[A]], %[[B]] : (tensor<2x2xi8>, tensor<2x3xi8>) -> tensor<2x5xi8>
func.func @concat(%a: tensor<2x2xi8>, %b: tensor<2x3xi8>) -> tensor<2x5xi8> {
  %da = qat.dequantize %a {grid = !quant.uniform<i8:f32, 0.1>} : tensor<2x2xi8> -> tensor<2x2xf32>
  %db = qat.dequantize %b {grid = !quant.uniform<i8:f32, 0.02:4>} : tensor<2x3xi8> -> tensor<2x3xf32>
  %c = tensor.concat dim(1) %da, %db : (tensor<2x2xf32>, tensor<2x3xf32>) -> tensor<2x5xf32>
  %q = qat.quantize %c {grid = !quant.uniform<i8:f32, 0.05:-3>} : tensor<2x5xf32> -> tensor<2x5xi8>
  return %q : tensor<2x5xi8>
}

// -----

// Per-axis grids do not move (a transpose would move the axis).
// CHECK-LABEL: func @negative_per_axis
// CHECK: qat.dequantize
// CHECK: linalg.transpose ins(%{{.*}} : tensor<2x3xf32>)
func.func @negative_per_axis(%q: tensor<2x3xi8>) -> tensor<3x2xf32> {
  %d = qat.dequantize %q {grid = !quant.uniform<i8:f32:1, {0.1, 0.2, 0.3}>} : tensor<2x3xi8> -> tensor<2x3xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %t = linalg.transpose ins(%d : tensor<2x3xf32>) outs(%e : tensor<3x2xf32>) permutation = [1, 0]
  return %t : tensor<3x2xf32>
}

// -----

// A quantize moves above the transpose and reshapes that bring a 1-D
// convolution's result (computed in NHWC as a 2-D one) back to N x C x L,
// so the computation before them ends in it.
// CHECK-LABEL: func @hoist_quantize
// CHECK: %[[Q:.*]] = qat.quantize %arg0 {grid = !quant.uniform<i8:f32, 1.000000e-01>} : tensor<1x1x8x4xf32> -> tensor<1x1x8x4xi8>
// CHECK: %[[T:.*]] = linalg.transpose ins(%[[Q]] : tensor<1x1x8x4xi8>) outs(%{{.*}} : tensor<1x4x1x8xi8>) permutation = [0, 3, 1, 2]
// CHECK: %[[C:.*]] = tensor.collapse_shape %[[T]] {{\[\[}}0, 1, 2, 3]] : tensor<1x4x1x8xi8> into tensor<32xi8>
// CHECK: %[[E:.*]] = tensor.expand_shape %[[C]] {{\[\[}}0, 1, 2]] output_shape [1, 4, 8] : tensor<32xi8> into tensor<1x4x8xi8>
// CHECK: return %[[E]]
func.func @hoist_quantize(%y: tensor<1x1x8x4xf32>) -> tensor<1x4x8xi8> {
  %e = tensor.empty() : tensor<1x4x1x8xf32>
  %t = linalg.transpose ins(%y : tensor<1x1x8x4xf32>) outs(%e : tensor<1x4x1x8xf32>) permutation = [0, 3, 1, 2]
  %c = tensor.collapse_shape %t [[0, 1, 2, 3]] : tensor<1x4x1x8xf32> into tensor<32xf32>
  %x = tensor.expand_shape %c [[0, 1, 2]] output_shape [1, 4, 8] : tensor<32xf32> into tensor<1x4x8xf32>
  %q = qat.quantize %x {grid = !quant.uniform<i8:f32, 0.1>} : tensor<1x4x8xf32> -> tensor<1x4x8xi8>
  return %q : tensor<1x4x8xi8>
}

// -----

// A reshape read elsewhere too stays in float (moving the quantize would
// need the float value twice); so does one under a per-axis grid.
// CHECK-LABEL: func @negative_hoist
// CHECK: tensor.collapse_shape %arg0 {{.*}} : tensor<2x3xf32> into tensor<6xf32>
// CHECK: qat.quantize %{{.*}} : tensor<6xf32> -> tensor<6xi8>
// CHECK: tensor.collapse_shape %arg0 {{.*}} : tensor<2x3xf32> into tensor<6xf32>
// CHECK: qat.quantize %{{.*}} : tensor<6xf32> -> tensor<6xi8>
func.func @negative_hoist(%y: tensor<2x3xf32>) -> (tensor<6xi8>, tensor<6xf32>, tensor<6xi8>) {
  %c = tensor.collapse_shape %y [[0, 1]] : tensor<2x3xf32> into tensor<6xf32>
  %q = qat.quantize %c {grid = !quant.uniform<i8:f32, 0.1>} : tensor<6xf32> -> tensor<6xi8>
  %c2 = tensor.collapse_shape %y [[0, 1]] : tensor<2x3xf32> into tensor<6xf32>
  %q2 = qat.quantize %c2 {grid = !quant.uniform<i8:f32:0, {0.1, 0.1, 0.1, 0.2, 0.2, 0.2}>} : tensor<6xf32> -> tensor<6xi8>
  return %q, %c, %q2 : tensor<6xi8>, tensor<6xf32>, tensor<6xi8>
}

// -----

// A 3-D x 2-D matmul on the collapsed rows, expanded back before its bias:
// the bias folds into the matmul's 2-D shape (upstream's fold of a reshape
// by collapsing), then the quantize moves above the expansion, so the
// region matmul -> bias -> quantize is whole.
// CHECK-LABEL: func @bias_after_rows_expanded
// CHECK: %[[MM:.*]] = linalg.matmul
// CHECK: %[[B:.*]] = linalg.generic {{.*}} ins(%[[MM]], %{{.*}} : tensor<4x3xf32>, tensor<3xf32>) outs(%{{.*}} : tensor<4x3xf32>)
// CHECK: %[[Q:.*]] = qat.quantize %[[B]] {{.*}} : tensor<4x3xf32> -> tensor<4x3xi8>
// CHECK: tensor.expand_shape %[[Q]] {{\[\[}}0, 1], [2]] output_shape [2, 2, 3] : tensor<4x3xi8> into tensor<2x2x3xi8>
func.func @bias_after_rows_expanded(%a: tensor<4x5xf32>, %w: tensor<5x3xf32>) -> tensor<2x2x3xi8> {
  %zero = arith.constant 0.0 : f32
  %bias = arith.constant dense<[0.5, -1.0, 2.0]> : tensor<3xf32>
  %e = tensor.empty() : tensor<4x3xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %mm = linalg.matmul ins(%a, %w : tensor<4x5xf32>, tensor<5x3xf32>) outs(%z : tensor<4x3xf32>) -> tensor<4x3xf32>
  %x = tensor.expand_shape %mm [[0, 1], [2]] output_shape [2, 2, 3] : tensor<4x3xf32> into tensor<2x2x3xf32>
  %e3 = tensor.empty() : tensor<2x2x3xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x, %bias : tensor<2x2x3xf32>, tensor<3xf32>) outs(%e3 : tensor<2x2x3xf32>) {
  ^bb0(%v: f32, %c: f32, %o: f32):
    %s = arith.addf %v, %c : f32
    linalg.yield %s : f32
  } -> tensor<2x2x3xf32>
  %q = qat.quantize %y {grid = !quant.uniform<i8:f32, 0.1>} : tensor<2x2x3xf32> -> tensor<2x2x3xi8>
  return %q : tensor<2x2x3xi8>
}

// -----

// A generic that only copies its input's elements (a nearest-neighbour
// resize by 2, through d floordiv 2) copies the storage values instead.
// CHECK-LABEL: func @copy_generic
// CHECK: %[[C:.*]] = linalg.generic {{.*}} ins(%arg0 : tensor<3xi8>) outs(%{{.*}} : tensor<6xi8>)
// CHECK: qat.dequantize %[[C]] {{.*}} : tensor<6xi8> -> tensor<6xf32>
func.func @copy_generic(%q: tensor<3xi8>) -> tensor<6xf32> {
  %d = qat.dequantize %q {grid = !quant.uniform<i8:f32, 0.1:3>} : tensor<3xi8> -> tensor<3xf32>
  %e = tensor.empty() : tensor<6xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0 floordiv 2)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%d : tensor<3xf32>) outs(%e : tensor<6xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  } -> tensor<6xf32>
  return %r : tensor<6xf32>
}

// -----

// A padded max pooling (ONNX MaxPool with pads): the -inf pad, read only by
// the pooling, pads the storage with its lowest value (0 for u8), and the
// pooling becomes integer.
// CHECK-LABEL: func @maxpool_pad
// CHECK: %[[P:.*]] = tensor.pad %arg0 low[0, 1, 1, 0] high[0, 1, 1, 0]
// CHECK: tensor.yield %c0_i8 : i8
// CHECK: linalg.pooling_nhwc_max_unsigned {{.*}} ins(%[[P]], %{{.*}} : tensor<1x4x4x1xi8>, tensor<3x3xf32>)
func.func @maxpool_pad(%q: tensor<1x2x2x1xi8>) -> tensor<1x2x2x1xf32> {
  %ninf = arith.constant 0xFF800000 : f32
  %d = qat.dequantize %q {grid = !quant.uniform<u8:f32, 0.1:3>} : tensor<1x2x2x1xi8> -> tensor<1x2x2x1xf32>
  %p = tensor.pad %d low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %ninf : f32
  } : tensor<1x2x2x1xf32> to tensor<1x4x4x1xf32>
  %w = tensor.empty() : tensor<3x3xf32>
  %e = tensor.empty() : tensor<1x2x2x1xf32>
  %f = linalg.fill ins(%ninf : f32) outs(%e : tensor<1x2x2x1xf32>) -> tensor<1x2x2x1xf32>
  %m = linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%p, %w : tensor<1x4x4x1xf32>, tensor<3x3xf32>) outs(%f : tensor<1x2x2x1xf32>) -> tensor<1x2x2x1xf32>
  return %m : tensor<1x2x2x1xf32>
}

// -----

// A -inf pad read by anything else stays in float.
// CHECK-LABEL: func @negative_inf_pad
// CHECK: tensor.pad %{{.*}} low[1] high[0]
// CHECK: tensor.yield %{{.*}} : f32
func.func @negative_inf_pad(%q: tensor<2xi8>) -> tensor<3xf32> {
  %ninf = arith.constant 0xFF800000 : f32
  %d = qat.dequantize %q {grid = !quant.uniform<i8:f32, 0.1>} : tensor<2xi8> -> tensor<2xf32>
  %p = tensor.pad %d low[1] high[0] {
  ^bb0(%i: index):
    tensor.yield %ninf : f32
  } : tensor<2xf32> to tensor<3xf32>
  return %p : tensor<3xf32>
}
