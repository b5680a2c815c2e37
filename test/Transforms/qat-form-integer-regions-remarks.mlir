// RUN: qat-opt %s -split-input-file -qat-form-integer-regions -verify-diagnostics
// Each region the pass finds but cannot lower stays in float, with a remark
// at the float operation that says why.

// Element-wise: a per-channel operand grid.
func.func @add_per_channel(%aq: tensor<2x2xi8>, %bq: tensor<2x2xi8>) -> tensor<2x2xi8> {
  %a = qat.dequantize %aq {grid = !quant.uniform<i8:f32:1, {0.5, 0.25}>} : tensor<2x2xi8> -> tensor<2x2xf32>
  %b = qat.dequantize %bq {grid = !quant.uniform<i8:f32, 0.125>} : tensor<2x2xi8> -> tensor<2x2xf32>
  %e = tensor.empty() : tensor<2x2xf32>
  // expected-remark @+1 {{'linalg.generic' runs in float between dequantize and quantize: per-channel grid}}
  %s = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%a, %b : tensor<2x2xf32>, tensor<2x2xf32>) outs(%e : tensor<2x2xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %t = arith.addf %x, %y : f32
    linalg.yield %t : f32
  } -> tensor<2x2xf32>
  %q = qat.quantize %s {grid = !quant.uniform<i8:f32, 0.25>} : tensor<2x2xf32> -> tensor<2x2xi8>
  return %q : tensor<2x2xi8>
}

// -----

// Element-wise: one operand is a float argument, not a dequantized tensor.
func.func @add_float_operand(%aq: tensor<4xi8>, %b: tensor<4xf32>) -> tensor<4xi8> {
  %a = qat.dequantize %aq {grid = !quant.uniform<i8:f32, 0.5>} : tensor<4xi8> -> tensor<4xf32>
  %e = tensor.empty() : tensor<4xf32>
  // expected-remark @+1 {{'linalg.generic' runs in float between dequantize and quantize: an operand is not dequantized}}
  %s = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%a, %b : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %t = arith.addf %x, %y : f32
    linalg.yield %t : f32
  } -> tensor<4xf32>
  %q = qat.quantize %s {grid = !quant.uniform<i8:f32, 0.25>} : tensor<4xf32> -> tensor<4xi8>
  return %q : tensor<4xi8>
}

// -----

// A product of two 16-bit unsigned values: 65535 * 65535 > 2^31 - 1.
func.func @mul_wide(%aq: tensor<4xi16>, %bq: tensor<4xi16>) -> tensor<4xi8> {
  %a = qat.dequantize %aq {grid = !quant.uniform<u16:f32, 0.5>} : tensor<4xi16> -> tensor<4xf32>
  %b = qat.dequantize %bq {grid = !quant.uniform<u16:f32, 0.5>} : tensor<4xi16> -> tensor<4xf32>
  %e = tensor.empty() : tensor<4xf32>
  // expected-remark @+1 {{'linalg.generic' runs in float between dequantize and quantize: the i32 product of the storage values may overflow}}
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

// Average pooling whose window sum is also used elsewhere.
func.func @pool_sum_shared(%aq: tensor<1x4x4x2xi8>) -> (tensor<1x1x1x2xi8>, tensor<1x1x1x2xf32>) {
  %zero = arith.constant 0.0 : f32
  %inv = arith.constant 0.0625 : f32
  %a = qat.dequantize %aq {grid = !quant.uniform<i8:f32, 0.5>} : tensor<1x4x4x2xi8> -> tensor<1x4x4x2xf32>
  %win = tensor.empty() : tensor<4x4xf32>
  %e = tensor.empty() : tensor<1x1x1x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x1x1x2xf32>) -> tensor<1x1x1x2xf32>
  // expected-remark @+1 {{'linalg.pooling_nhwc_sum' runs in float between dequantize and quantize: intermediate results have other users}}
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
  return %q, %s : tensor<1x1x1x2xi8>, tensor<1x1x1x2xf32>
}

// -----

// A sum pooling that accumulates onto its argument, not onto zero.
func.func @pool_sum_not_from_zero(%aq: tensor<1x4x4x2xi8>, %init: tensor<1x1x1x2xf32>) -> tensor<1x1x1x2xi8> {
  %a = qat.dequantize %aq {grid = !quant.uniform<i8:f32, 0.5>} : tensor<1x4x4x2xi8> -> tensor<1x4x4x2xf32>
  %win = tensor.empty() : tensor<4x4xf32>
  // expected-remark @+1 {{'linalg.pooling_nhwc_sum' runs in float between dequantize and quantize: the sum does not start from zero}}
  %s = linalg.pooling_nhwc_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%a, %win : tensor<1x4x4x2xf32>, tensor<4x4xf32>) outs(%init : tensor<1x1x1x2xf32>) -> tensor<1x1x1x2xf32>
  %q = qat.quantize %s {grid = !quant.uniform<i8:f32, 0.25>} : tensor<1x1x1x2xf32> -> tensor<1x1x1x2xi8>
  return %q : tensor<1x1x1x2xi8>
}

// -----

// A sum pooling of a float argument, with a dequantized window (a window
// is only read for its shape).
func.func @pool_float_input(%a: tensor<1x4x4x2xf32>, %wq: tensor<4x4xi8>) -> tensor<1x1x1x2xi8> {
  %zero = arith.constant 0.0 : f32
  %win = qat.dequantize %wq {grid = !quant.uniform<i8:f32, 0.5>} : tensor<4x4xi8> -> tensor<4x4xf32>
  %e = tensor.empty() : tensor<1x1x1x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x1x1x2xf32>) -> tensor<1x1x1x2xf32>
  // expected-remark @+1 {{'linalg.pooling_nhwc_sum' runs in float between dequantize and quantize: the input is not dequantized}}
  %s = linalg.pooling_nhwc_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%a, %win : tensor<1x4x4x2xf32>, tensor<4x4xf32>) outs(%z : tensor<1x1x1x2xf32>) -> tensor<1x1x1x2xf32>
  %q = qat.quantize %s {grid = !quant.uniform<i8:f32, 0.25>} : tensor<1x1x1x2xf32> -> tensor<1x1x1x2xi8>
  return %q : tensor<1x1x1x2xi8>
}

// -----

// A pooling window of run-time size.
func.func @pool_dynamic_window(%aq: tensor<1x4x4x2xi8>, %win: tensor<?x?xf32>) -> tensor<1x1x1x2xi8> {
  %zero = arith.constant 0.0 : f32
  %a = qat.dequantize %aq {grid = !quant.uniform<i8:f32, 0.5>} : tensor<1x4x4x2xi8> -> tensor<1x4x4x2xf32>
  %e = tensor.empty() : tensor<1x1x1x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x1x1x2xf32>) -> tensor<1x1x1x2xf32>
  // expected-remark @+1 {{'linalg.pooling_nhwc_sum' runs in float between dequantize and quantize: dynamic window}}
  %s = linalg.pooling_nhwc_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%a, %win : tensor<1x4x4x2xf32>, tensor<?x?xf32>) outs(%z : tensor<1x1x1x2xf32>) -> tensor<1x1x1x2xf32>
  %q = qat.quantize %s {grid = !quant.uniform<i8:f32, 0.25>} : tensor<1x1x1x2xf32> -> tensor<1x1x1x2xi8>
  return %q : tensor<1x1x1x2xi8>
}

// -----

// A sum pooling of a per-channel input.
func.func @pool_per_channel(%aq: tensor<1x4x4x2xi8>) -> tensor<1x1x1x2xi8> {
  %zero = arith.constant 0.0 : f32
  %a = qat.dequantize %aq {grid = !quant.uniform<i8:f32:3, {0.5, 0.25}>} : tensor<1x4x4x2xi8> -> tensor<1x4x4x2xf32>
  %win = tensor.empty() : tensor<4x4xf32>
  %e = tensor.empty() : tensor<1x1x1x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x1x1x2xf32>) -> tensor<1x1x1x2xf32>
  // expected-remark @+1 {{'linalg.pooling_nhwc_sum' runs in float between dequantize and quantize: per-channel grid}}
  %s = linalg.pooling_nhwc_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%a, %win : tensor<1x4x4x2xf32>, tensor<4x4xf32>) outs(%z : tensor<1x1x1x2xf32>) -> tensor<1x1x1x2xf32>
  %q = qat.quantize %s {grid = !quant.uniform<i8:f32, 0.25>} : tensor<1x1x1x2xf32> -> tensor<1x1x1x2xi8>
  return %q : tensor<1x1x1x2xi8>
}

// -----

// A matmul whose float result is also returned.
func.func @matmul_shared(%aq: tensor<2x3xi8>) -> (tensor<2x2xi8>, tensor<2x2xf32>) {
  %zero = arith.constant 0.0 : f32
  %a = qat.dequantize %aq {grid = !quant.uniform<i8:f32, 0.1>} : tensor<2x3xi8> -> tensor<2x3xf32>
  %wq = arith.constant dense<1> : tensor<3x2xi8>
  %w = qat.dequantize %wq {grid = !quant.uniform<i8:f32, 0.1>} : tensor<3x2xi8> -> tensor<3x2xf32>
  %e = tensor.empty() : tensor<2x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  // expected-remark @+1 {{'linalg.matmul' runs in float between dequantize and quantize: the contraction result has other users}}
  %mm = linalg.matmul ins(%a, %w : tensor<2x3xf32>, tensor<3x2xf32>) outs(%z : tensor<2x2xf32>) -> tensor<2x2xf32>
  %q = qat.quantize %mm {grid = !quant.uniform<i8:f32, 0.5>} : tensor<2x2xf32> -> tensor<2x2xi8>
  return %q, %mm : tensor<2x2xi8>, tensor<2x2xf32>
}

// -----

// A matmul whose epilogue's result is also returned.
func.func @matmul_epilogue_shared(%aq: tensor<2x3xi8>) -> (tensor<2x2xi8>, tensor<2x2xf32>) {
  %zero = arith.constant 0.0 : f32
  %a = qat.dequantize %aq {grid = !quant.uniform<i8:f32, 0.1>} : tensor<2x3xi8> -> tensor<2x3xf32>
  %wq = arith.constant dense<1> : tensor<3x2xi8>
  %w = qat.dequantize %wq {grid = !quant.uniform<i8:f32, 0.1>} : tensor<3x2xi8> -> tensor<3x2xf32>
  %e = tensor.empty() : tensor<2x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  // expected-remark @+1 {{'linalg.matmul' runs in float between dequantize and quantize: intermediate results have other users}}
  %mm = linalg.matmul ins(%a, %w : tensor<2x3xf32>, tensor<3x2xf32>) outs(%z : tensor<2x2xf32>) -> tensor<2x2xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%mm : tensor<2x2xf32>) outs(%e : tensor<2x2xf32>) {
  ^bb0(%acc: f32, %o: f32):
    %r = arith.maximumf %acc, %zero : f32
    linalg.yield %r : f32
  } -> tensor<2x2xf32>
  %q = qat.quantize %y {grid = !quant.uniform<i8:f32, 0.5>} : tensor<2x2xf32> -> tensor<2x2xi8>
  return %q, %y : tensor<2x2xi8>, tensor<2x2xf32>
}

// -----

// A matmul with a transposed activation.
func.func @matmul_transposed_a(%aq: tensor<3x2xi8>) -> tensor<2x2xi8> {
  %zero = arith.constant 0.0 : f32
  %a = qat.dequantize %aq {grid = !quant.uniform<i8:f32, 0.1>} : tensor<3x2xi8> -> tensor<3x2xf32>
  %wq = arith.constant dense<1> : tensor<3x2xi8>
  %w = qat.dequantize %wq {grid = !quant.uniform<i8:f32, 0.1>} : tensor<3x2xi8> -> tensor<3x2xf32>
  %e = tensor.empty() : tensor<2x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  // expected-remark @+1 {{'linalg.matmul' runs in float between dequantize and quantize: transposed-A or broadcast matmul}}
  %mm = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (k, m)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%a, %w : tensor<3x2xf32>, tensor<3x2xf32>) outs(%z : tensor<2x2xf32>) -> tensor<2x2xf32>
  %q = qat.quantize %mm {grid = !quant.uniform<i8:f32, 0.5>} : tensor<2x2xf32> -> tensor<2x2xi8>
  return %q : tensor<2x2xi8>
}

// -----

// A batch matmul with a transposed weight.
func.func @batch_matmul_transposed(%aq: tensor<2x2x3xi8>) -> tensor<2x2x2xi8> {
  %zero = arith.constant 0.0 : f32
  %a = qat.dequantize %aq {grid = !quant.uniform<i8:f32, 0.1>} : tensor<2x2x3xi8> -> tensor<2x2x3xf32>
  %wq = arith.constant dense<1> : tensor<2x2x3xi8>
  %w = qat.dequantize %wq {grid = !quant.uniform<i8:f32, 0.1>} : tensor<2x2x3xi8> -> tensor<2x2x3xf32>
  %e = tensor.empty() : tensor<2x2x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<2x2x2xf32>) -> tensor<2x2x2xf32>
  // expected-remark @+1 {{'linalg.batch_matmul' runs in float between dequantize and quantize: transposed or broadcast batch matmul}}
  %mm = linalg.batch_matmul indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (b, n, k)>, affine_map<(b, m, n, k) -> (b, m, n)>]
      ins(%a, %w : tensor<2x2x3xf32>, tensor<2x2x3xf32>) outs(%z : tensor<2x2x2xf32>) -> tensor<2x2x2xf32>
  %q = qat.quantize %mm {grid = !quant.uniform<i8:f32, 0.5>} : tensor<2x2x2xf32> -> tensor<2x2x2xi8>
  return %q : tensor<2x2x2xi8>
}

// -----

// A convolution whose input is padded with 1.0 (not the zero point).
func.func @conv_padded_with_one(%aq: tensor<1x2x2x1xi8>) -> tensor<1x2x2x1xi8> {
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %a = qat.dequantize %aq {grid = !quant.uniform<i8:f32, 0.5>} : tensor<1x2x2x1xi8> -> tensor<1x2x2x1xf32>
  // expected-remark @+1 {{'tensor.pad' runs in float between dequantize and quantize: the input is padded with a value other than 0.0}}
  %p = tensor.pad %a low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %one : f32
  } : tensor<1x2x2x1xf32> to tensor<1x4x4x1xf32>
  %wq = arith.constant dense<1> : tensor<3x3x1x1xi8>
  %w = qat.dequantize %wq {grid = !quant.uniform<i8:f32, 0.25>} : tensor<3x3x1x1xi8> -> tensor<3x3x1x1xf32>
  %e = tensor.empty() : tensor<1x2x2x1xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x2x1xf32>) -> tensor<1x2x2x1xf32>
  // expected-remark @+1 {{'linalg.conv_2d_nhwc_hwcf' runs in float between dequantize and quantize: the input is padded with a value other than 0.0}}
  %c = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%p, %w : tensor<1x4x4x1xf32>, tensor<3x3x1x1xf32>) outs(%z : tensor<1x2x2x1xf32>) -> tensor<1x2x2x1xf32>
  %q = qat.quantize %c {grid = !quant.uniform<i8:f32, 0.5>} : tensor<1x2x2x1xf32> -> tensor<1x2x2x1xi8>
  return %q : tensor<1x2x2x1xi8>
}

// -----

// Activations quantized per channel along K.
func.func @matmul_per_channel_input(%aq: tensor<2x3xi8>) -> tensor<2x2xi8> {
  %zero = arith.constant 0.0 : f32
  %a = qat.dequantize %aq {grid = !quant.uniform<i8:f32:1, {0.1, 0.2, 0.3}>} : tensor<2x3xi8> -> tensor<2x3xf32>
  %wq = arith.constant dense<1> : tensor<3x2xi8>
  %w = qat.dequantize %wq {grid = !quant.uniform<i8:f32, 0.1>} : tensor<3x2xi8> -> tensor<3x2xf32>
  %e = tensor.empty() : tensor<2x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  // expected-remark @+1 {{'linalg.matmul' runs in float between dequantize and quantize: per-channel activation grid}}
  %mm = linalg.matmul ins(%a, %w : tensor<2x3xf32>, tensor<3x2xf32>) outs(%z : tensor<2x2xf32>) -> tensor<2x2xf32>
  %q = qat.quantize %mm {grid = !quant.uniform<i8:f32, 0.5>} : tensor<2x2xf32> -> tensor<2x2xi8>
  return %q : tensor<2x2xi8>
}

// -----

// An output quantized per channel.
func.func @matmul_per_channel_output(%aq: tensor<2x3xi8>) -> tensor<2x2xi8> {
  %zero = arith.constant 0.0 : f32
  %a = qat.dequantize %aq {grid = !quant.uniform<i8:f32, 0.1>} : tensor<2x3xi8> -> tensor<2x3xf32>
  %wq = arith.constant dense<1> : tensor<3x2xi8>
  %w = qat.dequantize %wq {grid = !quant.uniform<i8:f32, 0.1>} : tensor<3x2xi8> -> tensor<3x2xf32>
  %e = tensor.empty() : tensor<2x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  // expected-remark @+1 {{'linalg.matmul' accumulates in i32, its result continues in f32: per-channel output grid}}
  %mm = linalg.matmul ins(%a, %w : tensor<2x3xf32>, tensor<3x2xf32>) outs(%z : tensor<2x2xf32>) -> tensor<2x2xf32>
  %q = qat.quantize %mm {grid = !quant.uniform<i8:f32:1, {0.5, 0.25}>} : tensor<2x2xf32> -> tensor<2x2xi8>
  return %q : tensor<2x2xi8>
}

// -----

// Tables (§8.11): a per-channel input grid has no single table.
func.func @table_per_channel(%q: tensor<2x2xi8>) -> tensor<2x2xi8> {
  %x = qat.dequantize %q {grid = !quant.uniform<i8:f32:1, {0.5, 0.25}>} : tensor<2x2xi8> -> tensor<2x2xf32>
  %e = tensor.empty() : tensor<2x2xf32>
  // expected-remark @+1 {{'linalg.generic' runs in float between dequantize and quantize: per-channel grid}}
  %y = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<2x2xf32>) outs(%e : tensor<2x2xf32>) {
  ^bb0(%a: f32, %o: f32):
    %t = math.tanh %a : f32
    linalg.yield %t : f32
  } -> tensor<2x2xf32>
  %yq = qat.quantize %y {grid = !quant.uniform<i8:f32, 0.01>} : tensor<2x2xf32> -> tensor<2x2xi8>
  return %yq : tensor<2x2xi8>
}

// -----

// Tables: a 16-bit input would need 65536 entries.
func.func @table_16_bit_input(%q: tensor<4xi16>) -> tensor<4xi8> {
  %x = qat.dequantize %q {grid = !quant.uniform<i16:f32, 0.001>} : tensor<4xi16> -> tensor<4xf32>
  %e = tensor.empty() : tensor<4xf32>
  // expected-remark @+1 {{'linalg.generic' runs in float between dequantize and quantize: a function of a 16-bit input (tables cover inputs of at most 8 bits)}}
  %y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %t = math.tanh %a : f32
    linalg.yield %t : f32
  } -> tensor<4xf32>
  %yq = qat.quantize %y {grid = !quant.uniform<i8:f32, 0.01>} : tensor<4xf32> -> tensor<4xi8>
  return %yq : tensor<4xi8>
}

// -----

// Tables: LLVM lowers math.rsqrt as 1 / sqrt(x), not as its folder does.
func.func @table_rsqrt(%q: tensor<4xi8>) -> tensor<4xi8> {
  %x = qat.dequantize %q {grid = !quant.uniform<u8:f32, 0.1>} : tensor<4xi8> -> tensor<4xf32>
  %e = tensor.empty() : tensor<4xf32>
  // expected-remark @+1 {{'linalg.generic' runs in float between dequantize and quantize: 'math.rsqrt' has no compile-time evaluation that matches the compiled code}}
  %y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %t = math.rsqrt %a : f32
    linalg.yield %t : f32
  } -> tensor<4xf32>
  %yq = qat.quantize %y {grid = !quant.uniform<i8:f32, 0.01>} : tensor<4xf32> -> tensor<4xi8>
  return %yq : tensor<4xi8>
}

// -----

// Tables: the body multiplies by a run-time scalar.
func.func @table_runtime_operand(%q: tensor<4xi8>, %s: f32) -> tensor<4xi8> {
  %x = qat.dequantize %q {grid = !quant.uniform<i8:f32, 0.1>} : tensor<4xi8> -> tensor<4xf32>
  %e = tensor.empty() : tensor<4xf32>
  // expected-remark @+1 {{'linalg.generic' runs in float between dequantize and quantize: the body reads a value that is not its input or a constant}}
  %y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %t = arith.mulf %a, %s : f32
    linalg.yield %t : f32
  } -> tensor<4xf32>
  %yq = qat.quantize %y {grid = !quant.uniform<i8:f32, 0.01>} : tensor<4xf32> -> tensor<4xi8>
  return %yq : tensor<4xi8>
}

// -----

// Tables: the body accumulates into its output element.
func.func @table_reads_output(%q: tensor<4xi8>, %init: tensor<4xf32>) -> tensor<4xi8> {
  %x = qat.dequantize %q {grid = !quant.uniform<i8:f32, 0.1>} : tensor<4xi8> -> tensor<4xf32>
  // expected-remark @+1 {{'linalg.generic' runs in float between dequantize and quantize: the body reads its output element}}
  %y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%x : tensor<4xf32>) outs(%init : tensor<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %t = arith.addf %a, %o : f32
    linalg.yield %t : f32
  } -> tensor<4xf32>
  %yq = qat.quantize %y {grid = !quant.uniform<i8:f32, 0.01>} : tensor<4xf32> -> tensor<4xi8>
  return %yq : tensor<4xi8>
}

// -----

// Tables: the body yields its output element (a copy of the init).
func.func @table_yields_output(%q: tensor<4xi8>, %init: tensor<4xf32>) -> tensor<4xi8> {
  %x = qat.dequantize %q {grid = !quant.uniform<i8:f32, 0.1>} : tensor<4xi8> -> tensor<4xf32>
  // expected-remark @+1 {{'linalg.generic' runs in float between dequantize and quantize: the body yields its output element}}
  %y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%x : tensor<4xf32>) outs(%init : tensor<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %o : f32
  } -> tensor<4xf32>
  %yq = qat.quantize %y {grid = !quant.uniform<i8:f32, 0.01>} : tensor<4xf32> -> tensor<4xi8>
  return %yq : tensor<4xi8>
}

// -----

// Tables: the body yields a run-time scalar.
func.func @table_yields_runtime_value(%q: tensor<4xi8>, %s: f32) -> tensor<4xi8> {
  %x = qat.dequantize %q {grid = !quant.uniform<i8:f32, 0.1>} : tensor<4xi8> -> tensor<4xf32>
  %e = tensor.empty() : tensor<4xf32>
  // expected-remark @+1 {{'linalg.generic' runs in float between dequantize and quantize: the body yields a value that is not its input or a constant}}
  %y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %s : f32
  } -> tensor<4xf32>
  %yq = qat.quantize %y {grid = !quant.uniform<i8:f32, 0.01>} : tensor<4xf32> -> tensor<4xi8>
  return %yq : tensor<4xi8>
}

// -----

// Tables: the logarithm's folder declines negative inputs (the first code
// of the table, 0, is the input -0.5 with zero point 5 and scale 0.1).
func.func @table_log_negative(%q: tensor<4xi8>) -> tensor<4xi8> {
  %x = qat.dequantize %q {grid = !quant.uniform<u8:f32, 0.1:5>} : tensor<4xi8> -> tensor<4xf32>
  %e = tensor.empty() : tensor<4xf32>
  // expected-remark @+1 {{'linalg.generic' runs in float between dequantize and quantize: 'math.log' does not fold on the input -0.5}}
  %y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %t = math.log %a : f32
    linalg.yield %t : f32
  } -> tensor<4xf32>
  %yq = qat.quantize %y {grid = !quant.uniform<i8:f32, 0.01>} : tensor<4xf32> -> tensor<4xi8>
  return %yq : tensor<4xi8>
}

// -----

// Tables: a constant operand that is not a splat holds a different value
// per element, so the function is not one of the input alone (no table,
// and no other kind matches a float operand).
func.func @table_non_splat_constant(%q: tensor<4xi8>) -> tensor<4xi8> {
  %c = arith.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %x = qat.dequantize %q {grid = !quant.uniform<i8:f32, 0.1>} : tensor<4xi8> -> tensor<4xf32>
  %e = tensor.empty() : tensor<4xf32>
  // expected-remark @+1 {{'linalg.generic' runs in float between dequantize and quantize: an operand is not dequantized}}
  %y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%x, %c : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %t = arith.mulf %a, %b : f32
    linalg.yield %t : f32
  } -> tensor<4xf32>
  %yq = qat.quantize %y {grid = !quant.uniform<i8:f32, 0.01>} : tensor<4xf32> -> tensor<4xi8>
  return %yq : tensor<4xi8>
}

// -----

// Activation products: a bias added to one has no integer form here (the
// matmul still accumulates in i32, its result continues in f32).
func.func @activation_product_bias(%aq: tensor<2x3xi8>, %bq: tensor<3x2xi8>) -> tensor<2x2xi8> {
  %zero = arith.constant 0.0 : f32
  %bias = arith.constant dense<[0.5, -0.25]> : tensor<2xf32>
  %a = qat.dequantize %aq {grid = !quant.uniform<i8:f32, 0.1>} : tensor<2x3xi8> -> tensor<2x3xf32>
  %b = qat.dequantize %bq {grid = !quant.uniform<i8:f32, 0.1>} : tensor<3x2xi8> -> tensor<3x2xf32>
  %e = tensor.empty() : tensor<2x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  // expected-remark @+1 {{'linalg.matmul' accumulates in i32, its result continues in f32: a bias or per-channel factor applied to a product of two activations}}
  %mm = linalg.matmul ins(%a, %b : tensor<2x3xf32>, tensor<3x2xf32>) outs(%z : tensor<2x2xf32>) -> tensor<2x2xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%mm, %bias : tensor<2x2xf32>, tensor<2xf32>) outs(%e : tensor<2x2xf32>) {
  ^bb0(%x: f32, %c: f32, %o: f32):
    %s = arith.addf %x, %c : f32
    linalg.yield %s : f32
  } -> tensor<2x2xf32>
  %q = qat.quantize %y {grid = !quant.uniform<i8:f32, 0.5>} : tensor<2x2xf32> -> tensor<2x2xi8>
  return %q : tensor<2x2xi8>
}

// -----

// A computed weight with per-channel scales.
func.func @activation_product_per_channel(%aq: tensor<2x3xi8>, %bq: tensor<3x2xi8>) -> tensor<2x2xi8> {
  %zero = arith.constant 0.0 : f32
  %a = qat.dequantize %aq {grid = !quant.uniform<i8:f32, 0.1>} : tensor<2x3xi8> -> tensor<2x3xf32>
  %b = qat.dequantize %bq {grid = !quant.uniform<i8:f32:1, {0.1, 0.2}>} : tensor<3x2xi8> -> tensor<3x2xf32>
  %e = tensor.empty() : tensor<2x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  // expected-remark @+1 {{'linalg.matmul' runs in float between dequantize and quantize: per-channel grid of a computed weight}}
  %mm = linalg.matmul ins(%a, %b : tensor<2x3xf32>, tensor<3x2xf32>) outs(%z : tensor<2x2xf32>) -> tensor<2x2xf32>
  %q = qat.quantize %mm {grid = !quant.uniform<i8:f32, 0.5>} : tensor<2x2xf32> -> tensor<2x2xi8>
  return %q : tensor<2x2xi8>
}

// -----

// 16-bit operands: 3 * 32768 * 32768 overflows i32.
func.func @activation_product_overflow(%aq: tensor<2x3xi16>, %bq: tensor<3x2xi16>) -> tensor<2x2xi8> {
  %zero = arith.constant 0.0 : f32
  %a = qat.dequantize %aq {grid = !quant.uniform<i16:f32, 0.001>} : tensor<2x3xi16> -> tensor<2x3xf32>
  %b = qat.dequantize %bq {grid = !quant.uniform<i16:f32, 0.001>} : tensor<3x2xi16> -> tensor<3x2xf32>
  %e = tensor.empty() : tensor<2x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  // expected-remark @+1 {{'linalg.matmul' runs in float between dequantize and quantize: the i32 accumulator of a product of two activations may overflow (K = 3)}}
  %mm = linalg.matmul ins(%a, %b : tensor<2x3xf32>, tensor<3x2xf32>) outs(%z : tensor<2x2xf32>) -> tensor<2x2xf32>
  %q = qat.quantize %mm {grid = !quant.uniform<i8:f32, 0.5>} : tensor<2x2xf32> -> tensor<2x2xi8>
  return %q : tensor<2x2xi8>
}
// -----

// A per-channel factor below zero (a negative BatchNormalization gamma)
// leaves no positive weight scale to fold it into: the convolution
// accumulates in i32 and the chain stays in float.
func.func @conv_negative_factor(%aq: tensor<1x2x2x1xi8>) -> tensor<1x1x1x2xi8> {
  %zero = arith.constant 0.0 : f32
  %a = qat.dequantize %aq {grid = !quant.uniform<i8:f32, 0.5>} : tensor<1x2x2x1xi8> -> tensor<1x2x2x1xf32>
  %wq = arith.constant dense<[[[[1, -1]], [[2, 0]]], [[[0, -2]], [[1, 1]]]]> : tensor<2x2x1x2xi8>
  %w = qat.dequantize %wq {grid = !quant.uniform<i8:f32, 0.25>} : tensor<2x2x1x2xi8> -> tensor<2x2x1x2xf32>
  %e = tensor.empty() : tensor<1x1x1x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x1x1x2xf32>) -> tensor<1x1x1x2xf32>
  // expected-remark @+1 {{'linalg.conv_2d_nhwc_hwcf' accumulates in i32, its result continues in f32: a per-channel factor after the contraction leaves no positive f32 weight scale}}
  %c = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%a, %w : tensor<1x2x2x1xf32>, tensor<2x2x1x2xf32>) outs(%z : tensor<1x1x1x2xf32>) -> tensor<1x1x1x2xf32>
  %s = arith.constant dense<[1.0, -2.0]> : tensor<2xf32>
  %bn = linalg.generic {indexing_maps = [affine_map<(n, h, w, c) -> (n, h, w, c)>, affine_map<(n, h, w, c) -> (c)>, affine_map<(n, h, w, c) -> (n, h, w, c)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%c, %s : tensor<1x1x1x2xf32>, tensor<2xf32>) outs(%e : tensor<1x1x1x2xf32>) {
  ^bb0(%x: f32, %k: f32, %o: f32):
    %m = arith.mulf %x, %k : f32
    linalg.yield %m : f32
  } -> tensor<1x1x1x2xf32>
  %q = qat.quantize %bn {grid = !quant.uniform<i8:f32, 0.5>} : tensor<1x1x1x2xf32> -> tensor<1x1x1x2xi8>
  return %q : tensor<1x1x1x2xi8>
}

// -----

// A product of two activations whose channel count is dynamic, under an
// epilogue: no per-channel tables (it used to ask for a table of 2^63
// channels and abort); the batch matmul accumulates in i32.
func.func @activation_product_dynamic_channels(%aq: tensor<2x2x3xi8>, %bq: tensor<2x3x?xi8>) -> tensor<2x2x?xi8> {
  %zero = arith.constant 0.0 : f32
  %c2 = arith.constant 2 : index
  %bias = arith.constant 0.5 : f32
  %a = qat.dequantize %aq {grid = !quant.uniform<u8:f32, 0.1:128>} : tensor<2x2x3xi8> -> tensor<2x2x3xf32>
  %b = qat.dequantize %bq {grid = !quant.uniform<i8:f32, 0.05:-3>} : tensor<2x3x?xi8> -> tensor<2x3x?xf32>
  %n = tensor.dim %bq, %c2 : tensor<2x3x?xi8>
  %e = tensor.empty(%n) : tensor<2x2x?xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<2x2x?xf32>) -> tensor<2x2x?xf32>
  // expected-remark @+1 {{'linalg.batch_matmul' accumulates in i32, its result continues in f32: epilogue is not act(acc + bias)}}
  %mm = linalg.batch_matmul ins(%a, %b : tensor<2x2x3xf32>, tensor<2x3x?xf32>) outs(%z : tensor<2x2x?xf32>) -> tensor<2x2x?xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%mm : tensor<2x2x?xf32>) outs(%e : tensor<2x2x?xf32>) {
  ^bb0(%x: f32, %o: f32):
    %s = arith.addf %x, %bias : f32
    linalg.yield %s : f32
  } -> tensor<2x2x?xf32>
  %q = qat.quantize %y {grid = !quant.uniform<i8:f32, 0.5>} : tensor<2x2x?xf32> -> tensor<2x2x?xi8>
  return %q : tensor<2x2x?xi8>
}
