// RUN: qat-opt %s -split-input-file -verify-diagnostics

func.func @num_bits_too_small(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'qat.fake_quant' op num_bits must be in [2, 16], got 1}}
  %0 = qat.fake_quant %x {num_bits = 1 : i64, scales = array<f64: 0.1>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @num_bits_too_large(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{num_bits must be in [2, 16], got 17}}
  %0 = qat.fake_quant %x {num_bits = 17 : i64, scales = array<f64: 0.1>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @scale_zero(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{scale 0.000000e+00 at index 0 must be positive and finite in f32 arithmetic}}
  %0 = qat.fake_quant %x {scales = array<f64: 0.0>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @scale_negative_per_channel(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{scale -2.000000e-01 at index 1 must be positive and finite}}
  %0 = qat.fake_quant %x {axis = 1 : i64, scales = array<f64: 0.1, -0.2, 0.3>} : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @scale_nan(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{scale nan at index 0 must be positive and finite}}
  %0 = qat.fake_quant %x {scales = array<f64: 0x7FF8000000000000>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @scale_inf(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{scale INF at index 0 must be positive and finite}}
  %0 = qat.fake_quant %x {scales = array<f64: 0x7FF0000000000000>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// 1e-50 is a valid double but 0 in the f32 arithmetic of an f32 tensor.
func.func @scale_underflows_f32(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{scale 1.000000e-50 at index 0 must be positive and finite in f32 arithmetic}}
  %0 = qat.fake_quant %x {scales = array<f64: 1.0e-50>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @zero_point_out_of_range(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{zero point 128 at index 0 is outside the storage range [-128, 127]}}
  %0 = qat.fake_quant %x {scales = array<f64: 0.1>, zero_points = array<i64: 128>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @zero_point_out_of_narrow_range(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{zero point -8 at index 0 is outside the storage range [-7, 7]}}
  %0 = qat.fake_quant %x {num_bits = 4 : i64, narrow_range, scales = array<f64: 0.1>, zero_points = array<i64: -8>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @zero_point_negative_unsigned(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{zero point -1 at index 0 is outside the storage range [0, 255]}}
  %0 = qat.fake_quant %x {is_signed = false, scales = array<f64: 0.1>, zero_points = array<i64: -1>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// narrow_range on unsigned storage excludes 0, the default zero point.
func.func @narrow_unsigned_without_zero_point(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{the default zero point 0 is outside the storage range [1, 255]; give 'zero_points' explicitly}}
  %0 = qat.fake_quant %x {is_signed = false, narrow_range, scales = array<f64: 0.1>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @axis_out_of_range(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{axis 2 is out of range for a tensor of rank 2}}
  %0 = qat.fake_quant %x {axis = 2 : i64, scales = array<f64: 0.1>} : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @per_channel_count_mismatch(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{expects 3 values in 'scales' for axis 1 of size 3, got 2}}
  %0 = qat.fake_quant %x {axis = 1 : i64, scales = array<f64: 0.1, 0.2>} : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @per_channel_zero_point_count(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{expects 2 values in 'zero_points' for axis 0 of size 2, got 1}}
  %0 = qat.fake_quant %x {axis = 0 : i64, scales = array<f64: 0.1, 0.2>, zero_points = array<i64: 1>} : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// A table of per-channel parameters needs a channel count known at compile
// time: a dynamic axis could disagree with it at run time.
func.func @per_channel_dynamic_axis(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
  // expected-error @+1 {{per-channel axis 0 must have a static size, got 'tensor<?x3xf32>'}}
  %0 = qat.fake_quant %x {axis = 0 : i64, scales = array<f64: 0.1, 0.2>} : tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}

// -----

func.func @per_channel_dynamic_axis_learned(%x: tensor<?x3xf32>, %s: tensor<?xf32>) -> tensor<?x3xf32> {
  // expected-error @+1 {{per-channel axis 0 must have a static size}}
  %0 = qat.fake_quant %x scale(%s : tensor<?xf32>) {axis = 0 : i64} : tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}

// -----

func.func @per_channel_learned_dynamic_count(%x: tensor<2x3xf32>, %s: tensor<?xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{expects 3 values in 'scale' for axis 1 of size 3, got 'tensor<?xf32>'}}
  %0 = qat.fake_quant %x scale(%s : tensor<?xf32>) {axis = 1 : i64} : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @min_max_dynamic_axis(%x: tensor<4x?xf32>) -> tensor<4x?xf32> {
  // expected-error @+1 {{per-channel axis 1 must have a static size}}
  %0 = qat.fake_quant_min_max %x {axis = 1 : i64, mins = array<f64: -1.0>, maxs = array<f64: 1.0>} : tensor<4x?xf32>
  return %0 : tensor<4x?xf32>
}

// -----

func.func @negative_num_bits(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{num_bits must be in [2, 16], got -3}}
  %0 = qat.fake_quant %x {num_bits = -3 : i64, scales = array<f64: 0.1>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @negative_axis(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{axis -1 is out of range for a tensor of rank 1}}
  %0 = qat.fake_quant %x {axis = -1 : i64, scales = array<f64: 0.1>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @per_tensor_with_many_scales(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{expects 1 value in 'scales' for a per-tensor op (set 'axis' for per-channel), got 2}}
  %0 = qat.fake_quant %x {scales = array<f64: 0.1, 0.2>} : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @no_scale(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{expects exactly one of the 'scale' operand and the 'scales' attribute}}
  %0 = qat.fake_quant %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @two_scales(%x: tensor<4xf32>, %s: tensor<f32>) -> tensor<4xf32> {
  // expected-error @+1 {{expects exactly one of the 'scale' operand and the 'scales' attribute}}
  %0 = qat.fake_quant %x scale(%s : tensor<f32>) {scales = array<f64: 0.1>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @two_zero_points(%x: tensor<4xf32>, %z: tensor<i32>) -> tensor<4xf32> {
  // expected-error @+1 {{expects at most one of the 'zero_point' operand and the 'zero_points' attribute}}
  %0 = qat.fake_quant %x zero_point(%z : tensor<i32>) {scales = array<f64: 0.1>, zero_points = array<i64: 0>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @scale_operand_not_scalar(%x: tensor<4xf32>, %s: tensor<2xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{expects a per-tensor 'scale' of shape [] or [1] (set 'axis' for per-channel), got 'tensor<2xf32>'}}
  %0 = qat.fake_quant %x scale(%s : tensor<2xf32>) : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @scale_operand_per_channel_size(%x: tensor<4x3xf32>, %s: tensor<4xf32>) -> tensor<4x3xf32> {
  // expected-error @+1 {{expects 3 values in 'scale' for axis 1 of size 3, got 'tensor<4xf32>'}}
  %0 = qat.fake_quant %x scale(%s : tensor<4xf32>) {axis = 1 : i64} : tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

func.func @zero_point_operand_per_channel_rank(%x: tensor<4x3xf32>, %s: tensor<3xf32>, %z: tensor<1x3xi32>) -> tensor<4x3xf32> {
  // expected-error @+1 {{expects a 1-D per-channel 'zero_point', got 'tensor<1x3xi32>'}}
  %0 = qat.fake_quant %x scale(%s : tensor<3xf32>) zero_point(%z : tensor<1x3xi32>) {axis = 1 : i64} : tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

func.func @integer_input(%x: tensor<4xi8>) -> tensor<4xi8> {
  // expected-error @+1 {{operand #0 must be ranked tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values, but got 'tensor<4xi8>'}}
  %0 = "qat.fake_quant"(%x) <{scales = array<f64: 0.1>, operandSegmentSizes = array<i32: 1, 0, 0>}> : (tensor<4xi8>) -> tensor<4xi8>
  return %0 : tensor<4xi8>
}

// -----

func.func @result_type_differs(%x: tensor<4xf32>) -> tensor<4xf16> {
  // expected-error @+1 {{all of {input, output} have same type}}
  %0 = "qat.fake_quant"(%x) <{scales = array<f64: 0.1>, operandSegmentSizes = array<i32: 1, 0, 0>}> : (tensor<4xf32>) -> tensor<4xf16>
  return %0 : tensor<4xf16>
}

// -----

func.func @unknown_rounding(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+2 {{expected ::mlir::qat::RoundingMode to be one of: half_to_even, half_away_from_zero, half_up}}
  // expected-error @+1 {{failed to parse QAT_RoundingModeAttr parameter 'value'}}
  %0 = qat.fake_quant %x {rounding = #qat.rounding<nearest>, scales = array<f64: 0.1>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @min_max_empty_range(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'qat.fake_quant_min_max' op min 1.000000e+00 must be smaller than max -1.000000e+00 at index 0}}
  %0 = qat.fake_quant_min_max %x {mins = array<f64: 1.0>, maxs = array<f64: -1.0>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @min_max_equal(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{min 0.000000e+00 must be smaller than max 0.000000e+00 at index 0}}
  %0 = qat.fake_quant_min_max %x {mins = array<f64: 0.0>, maxs = array<f64: 0.0>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @min_max_not_finite(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{min -1.000000e+00 and max INF at index 0 must be finite}}
  %0 = qat.fake_quant_min_max %x {mins = array<f64: -1.0>, maxs = array<f64: 0x7FF0000000000000>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @min_max_only_min(%x: tensor<4xf32>, %lo: tensor<f32>) -> tensor<4xf32> {
  // expected-error @+1 {{expects the range either as both 'min' and 'max' operands or as both 'mins' and 'maxs' attributes}}
  %0 = qat.fake_quant_min_max %x min(%lo : tensor<f32>) : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @min_max_mixed(%x: tensor<4xf32>, %lo: tensor<f32>) -> tensor<4xf32> {
  // expected-error @+1 {{expects the range either as both 'min' and 'max' operands or as both 'mins' and 'maxs' attributes}}
  %0 = qat.fake_quant_min_max %x min(%lo : tensor<f32>) {maxs = array<f64: 1.0>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @min_max_count_mismatch(%x: tensor<4x2xf32>) -> tensor<4x2xf32> {
  // expected-error @+1 {{expects 2 values in 'maxs' for axis 1 of size 2, got 1}}
  %0 = qat.fake_quant_min_max %x {axis = 1 : i64, mins = array<f64: -1.0, -2.0>, maxs = array<f64: 1.0>} : tensor<4x2xf32>
  return %0 : tensor<4x2xf32>
}

// -----

func.func @min_max_num_bits(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'qat.fake_quant_min_max' op num_bits must be in [2, 16], got 0}}
  %0 = qat.fake_quant_min_max %x {num_bits = 0 : i64, mins = array<f64: -1.0>, maxs = array<f64: 1.0>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @min_max_axis(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{axis 1 is out of range for a tensor of rank 1}}
  %0 = qat.fake_quant_min_max %x {axis = 1 : i64, mins = array<f64: -1.0>, maxs = array<f64: 1.0>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @min_max_operand_shape(%x: tensor<4xf32>, %lo: tensor<2xf32>, %hi: tensor<2xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{expects a per-tensor 'min' of shape [] or [1] (set 'axis' for per-channel), got 'tensor<2xf32>'}}
  %0 = qat.fake_quant_min_max %x min(%lo : tensor<2xf32>) max(%hi : tensor<2xf32>) : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Finite bounds whose difference overflows f32.
func.func @min_max_scale_overflows(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{range [-3.000000e+38, 3.000000e+38] at index 0 gives no finite positive scale in f32 arithmetic}}
  %0 = qat.fake_quant_min_max %x {mins = array<f64: -3.0e38>, maxs = array<f64: 3.0e38>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @quantize_grid_not_quant(%x: tensor<4xf32>) -> tensor<4xi8> {
  // expected-error @+1 {{'qat.quantize' op expects a !quant.uniform grid (per-tensor or per-axis), got 'f32'}}
  %q = qat.quantize %x {grid = f32} : tensor<4xf32> -> tensor<4xi8>
  return %q : tensor<4xi8>
}

// -----

func.func @quantize_expressed_mismatch(%x: tensor<4xf16>) -> tensor<4xi8> {
  // expected-error @+1 {{expects the grid's expressed type 'f32' to match the float element type 'f16'}}
  %q = qat.quantize %x {grid = !quant.uniform<i8:f32, 0.1>} : tensor<4xf16> -> tensor<4xi8>
  return %q : tensor<4xi8>
}

// -----

func.func @quantize_container_mismatch(%x: tensor<4xf32>) -> tensor<4xi16> {
  // expected-error @+1 {{expects an i8 container for storage 'i8', got 'i16'}}
  %q = qat.quantize %x {grid = !quant.uniform<i8:f32, 0.1>} : tensor<4xf32> -> tensor<4xi16>
  return %q : tensor<4xi16>
}

// -----

func.func @quantize_shape_mismatch(%x: tensor<4xf32>) -> tensor<5xi8> {
  // expected-error @+1 {{expects the float and integer tensors to have the same shape}}
  %q = qat.quantize %x {grid = !quant.uniform<i8:f32, 0.1>} : tensor<4xf32> -> tensor<5xi8>
  return %q : tensor<5xi8>
}

// -----

func.func @dequantize_axis_out_of_range(%q: tensor<4xi8>) -> tensor<4xf32> {
  // expected-error @+1 {{'qat.dequantize' op grid axis 1 is out of range for a tensor of rank 1}}
  %y = qat.dequantize %q {grid = !quant.uniform<i8:f32:1, {0.1, 0.2}>} : tensor<4xi8> -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @dequantize_channel_count(%q: tensor<4x3xi8>) -> tensor<4x3xf32> {
  // expected-error @+1 {{grid has 2 channels but axis 1 has size 3}}
  %y = qat.dequantize %q {grid = !quant.uniform<i8:f32:1, {0.1, 0.2}>} : tensor<4x3xi8> -> tensor<4x3xf32>
  return %y : tensor<4x3xf32>
}

// -----

func.func @dequantize_one_bit(%q: tensor<4xi8>) -> tensor<4xf32> {
  // expected-error @+1 {{expects a grid of at least 2 bits}}
  %y = qat.dequantize %q {grid = !quant.uniform<i8<0:1>:f32, 0.1>} : tensor<4xi8> -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @dequantize_dynamic_axis(%q: tensor<4x?xi8>) -> tensor<4x?xf32> {
  // expected-error @+1 {{grid axis 1 must have a static size, got 'tensor<4x?xf32>'}}
  %y = qat.dequantize %q {grid = !quant.uniform<i8:f32:1, {0.1, 0.2}>} : tensor<4x?xi8> -> tensor<4x?xf32>
  return %y : tensor<4x?xf32>
}
