// RUN: qat-opt %s -test-qat-quantized-type -verify-diagnostics -o /dev/null

// Static fake-quant parameters read back as upstream !quant types.

func.func @per_tensor(%x: tensor<4xf32>) {
  // expected-remark @+1 {{quantized type: '!quant.uniform<i8:f32, 1.000000e-01:-3>'}}
  %0 = qat.fake_quant %x {scales = array<f64: 0.1>, zero_points = array<i64: -3>} : tensor<4xf32>
  // expected-remark @+1 {{quantized type: '!quant.uniform<u8:f32, 5.000000e-02:128>'}}
  %1 = qat.fake_quant %x {is_signed = false, scales = array<f64: 0.05>, zero_points = array<i64: 128>} : tensor<4xf32>
  // Narrow 4-bit storage in an i8 container.
  // expected-remark @+1 {{quantized type: '!quant.uniform<i8<-7:7>:f32, 2.500000e-01>'}}
  %2 = qat.fake_quant %x {num_bits = 4 : i64, narrow_range, scales = array<f64: 0.25>} : tensor<4xf32>
  // 9 to 16 bits use an i16 container.
  // expected-remark @+1 {{quantized type: '!quant.uniform<u16<0:1023>:f32, 1.000000e+00:512>'}}
  %3 = qat.fake_quant %x {num_bits = 10 : i64, is_signed = false, scales = array<f64: 1.0>, zero_points = array<i64: 512>} : tensor<4xf32>
  return
}

func.func @per_axis(%w: tensor<2x3xf16>) {
  // expected-remark @+1 {{quantized type: '!quant.uniform<i8<-127:127>:f16:1, {1.000000e-01,2.000000e-01,3.000000e-01}>'}}
  %0 = qat.fake_quant %w {axis = 1 : i64, narrow_range, scales = array<f64: 0.1, 0.2, 0.3>} : tensor<2x3xf16>
  return
}

// The min/max form reads back with TensorFlow's nudged scale and zero point.
func.func @min_max(%x: tensor<4xf32>, %y: tensor<2x4xf32>) {
  // expected-remark @+1 {{quantized type: '!quant.uniform<u8:f32, 0.10000000149011612:1>'}}
  %0 = qat.fake_quant_min_max %x {mins = array<f64: -0.1>, maxs = array<f64: 25.4>} : tensor<4xf32>
  // expected-remark @+1 {{quantized type: '!quant.uniform<u8<1:255>:f32:0, {0.0078120157122612:129,0.015686031430959702:1}>'}}
  %1 = qat.fake_quant_min_max %y {axis = 0 : i64, narrow_range, mins = array<f64: -1.0, 0.0>, maxs = array<f64: 0.984251976, 3.984251976>} : tensor<2x4xf32>
  return
}

func.func @dynamic(%x: tensor<4xf32>, %s: tensor<f32>, %z: tensor<i32>) {
  // expected-remark @+1 {{no static quantized type}}
  %0 = qat.fake_quant %x scale(%s : tensor<f32>) : tensor<4xf32>
  // expected-remark @+1 {{no static quantized type}}
  %1 = qat.fake_quant %x zero_point(%z : tensor<i32>) {scales = array<f64: 0.1>} : tensor<4xf32>
  return
}
