// RUN: qat-opt %s -split-input-file -qat-form-integer-regions -verify-diagnostics | FileCheck %s
// Element-wise functions of one input with at most 8 bits become a table of
// the output's storage values, one entry per value of the input's i8
// container (Semantics.md §8.11), read by a generic on the storage values.

// tanh from a signed grid (scale 0.5) onto scale 1/64: entry i is the input
// code i, so the table starts with tanh(0), tanh(0.5), tanh(1) = 0, 30, 49
// steps and reaches 1.0 = 64 steps; entries 128 to 255 are the negative
// codes -128 to -1, from -64 steps up to tanh(-0.5) = -30 (0xE2).
// CHECK-LABEL: func @tanh_signed
// CHECK-SAME: (%[[Q:.*]]: tensor<4x8xi8>)
// CHECK: %[[TABLE:.*]] = arith.constant dense<"0x001E313A3E3F4040{{(40)+}}{{(C0)+}}C1C2C6CFE2"> : tensor<256xi8>
// CHECK: linalg.generic {{.*}} ins(%[[Q]] : tensor<4x8xi8>) outs(%{{.*}} : tensor<4x8xi8>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: i8, %{{.*}}: i8):
// CHECK-NEXT: %[[I:.*]] = arith.index_castui %[[IN]] : i8 to index
// CHECK-NEXT: %[[V:.*]] = tensor.extract %[[TABLE]][%[[I]]] : tensor<256xi8>
// CHECK-NEXT: linalg.yield %[[V]] : i8
// CHECK-NOT: math.tanh
func.func @tanh_signed(%q: tensor<4x8xi8>) -> tensor<4x8xi8> {
  %x = qat.dequantize %q {grid = !quant.uniform<i8:f32, 0.5>} : tensor<4x8xi8> -> tensor<4x8xf32>
  %e = tensor.empty() : tensor<4x8xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %t = math.tanh %a : f32
    linalg.yield %t : f32
  } -> tensor<4x8xf32>
  %yq = qat.quantize %y {grid = !quant.uniform<i8:f32, 0.015625>} : tensor<4x8xf32> -> tensor<4x8xi8>
  return %yq : tensor<4x8xi8>
}

// -----

// A sigmoid of several ops with constants inside and outside the body, from
// an unsigned 4-bit grid (scale 1, zero point 8) onto u8 with scale 1/256:
// code 0 is sigmoid(-8) = 0.000335 (0.09 steps), code 2 sigmoid(-6) (0.63,
// 1 step), code 8 is 0.5 (128), code 15 is sigmoid(7) = 0.99909 (255.77,
// 256 clamped to 255). Container values above the 4-bit range are in the
// table too (they dequantize like any other): entries 16 to 255 are 255.
// CHECK-LABEL: func @sigmoid_unsigned_4bit
// CHECK: arith.constant dense<"0x00000102050C1F4580BBE1F4FBFEFFFF{{(FF)+}}"> : tensor<256xi8>
// CHECK: tensor.extract
// CHECK-NOT: math.exp
func.func @sigmoid_unsigned_4bit(%q: tensor<16xi8>) -> tensor<16xi8> {
  %one = arith.constant 1.0 : f32
  %x = qat.dequantize %q {grid = !quant.uniform<u8<0:15>:f32, 1.0:8>} : tensor<16xi8> -> tensor<16xf32>
  %e = tensor.empty() : tensor<16xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%x : tensor<16xf32>) outs(%e : tensor<16xf32>) {
  ^bb0(%a: f32, %o: f32):
    %n = arith.negf %a : f32
    %ex = math.exp %n : f32
    %d = arith.addf %ex, %one : f32
    %s = arith.divf %one, %d : f32
    linalg.yield %s : f32
  } -> tensor<16xf32>
  %yq = qat.quantize %y {grid = !quant.uniform<u8:f32, 0.00390625>} : tensor<16xf32> -> tensor<16xi8>
  return %yq : tensor<16xi8>
}

// -----

// A leaky ReLU (compare and select) whose dequantized input has another
// user: the dequantize stays for it, the generic is replaced. Onto a
// 16-bit grid (scale 0.001) the table holds i16 entries: code 0 (zero point
// -3) is 0.3, 300 steps (0x012C, little-endian in the hex).
// CHECK-LABEL: func @leaky_relu_i16_output
// CHECK: %[[X:.*]] = qat.dequantize
// CHECK: arith.constant dense<"0x2C01{{.*}}"> : tensor<256xi16>
// CHECK: %[[Y:.*]] = linalg.generic
// CHECK: tensor.extract %{{.*}} : tensor<256xi16>
// CHECK-NOT: arith.select
// CHECK: return %[[Y]], %[[X]]
func.func @leaky_relu_i16_output(%q: tensor<8xi8>) -> (tensor<8xi16>, tensor<8xf32>) {
  %zero = arith.constant 0.0 : f32
  %alpha = arith.constant 0.01 : f32
  %x = qat.dequantize %q {grid = !quant.uniform<i8:f32, 0.1:-3>} : tensor<8xi8> -> tensor<8xf32>
  %e = tensor.empty() : tensor<8xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%x : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %c = arith.cmpf ogt, %a, %zero : f32
    %m = arith.mulf %a, %alpha : f32
    %s = arith.select %c, %a, %m : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  %yq = qat.quantize %y {grid = !quant.uniform<i16:f32, 0.001>} : tensor<8xf32> -> tensor<8xi16>
  return %yq, %x : tensor<8xi16>, tensor<8xf32>
}

// -----

// A body that yields a constant: every
// entry is the constant's storage value, 0.5 / 0.25 = 2.
// CHECK-LABEL: func @constant_body
// CHECK: arith.constant dense<2> : tensor<256xi8>
func.func @constant_body(%q: tensor<8xi8>) -> tensor<8xi8> {
  %half = arith.constant 0.5 : f32
  %x = qat.dequantize %q {grid = !quant.uniform<i8:f32, 0.1>} : tensor<8xi8> -> tensor<8xf32>
  %e = tensor.empty() : tensor<8xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%x : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %half : f32
  } -> tensor<8xf32>
  %yq = qat.quantize %y {grid = !quant.uniform<i8:f32, 0.25>} : tensor<8xf32> -> tensor<8xi8>
  return %yq : tensor<8xi8>
}

// -----

// GELU as an exporter writes it, one generic per ONNX node (Div, Erf, Add,
// Mul, Mul), x used by the first and the fourth, the constants splat
// tensors (one of them rank 0, broadcast): one table replaces all five.
// CHECK-LABEL: func @gelu_unfused
// CHECK: %[[TABLE:.*]] = arith.constant dense<"0x{{[0-9A-F]+}}"> : tensor<256xi8>
// CHECK: %[[Y:.*]] = linalg.generic
// CHECK: tensor.extract %[[TABLE]]
// CHECK-NOT: linalg.generic
// CHECK: return %[[Y]]
#id = affine_map<(d0) -> (d0)>
#scalar = affine_map<(d0) -> ()>
func.func @gelu_unfused(%q: tensor<8xi8>) -> tensor<8xi8> {
  %sqrt2 = arith.constant dense<1.41421354> : tensor<f32>
  %one = arith.constant dense<1.0> : tensor<8xf32>
  %half = arith.constant dense<0.5> : tensor<8xf32>
  %x = qat.dequantize %q {grid = !quant.uniform<i8:f32, 0.05:-20>} : tensor<8xi8> -> tensor<8xf32>
  %e = tensor.empty() : tensor<8xf32>
  %d = linalg.generic {indexing_maps = [#id, #scalar, #id], iterator_types = ["parallel"]}
      ins(%x, %sqrt2 : tensor<8xf32>, tensor<f32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %t = arith.divf %a, %b : f32
    linalg.yield %t : f32
  } -> tensor<8xf32>
  %er = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%d : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %t = math.erf %a : f32
    linalg.yield %t : f32
  } -> tensor<8xf32>
  %p = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%er, %one : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %t = arith.addf %a, %b : f32
    linalg.yield %t : f32
  } -> tensor<8xf32>
  %m = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%x, %p : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %t = arith.mulf %a, %b : f32
    linalg.yield %t : f32
  } -> tensor<8xf32>
  %y = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%m, %half : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %t = arith.mulf %a, %b : f32
    linalg.yield %t : f32
  } -> tensor<8xf32>
  %yq = qat.quantize %y {grid = !quant.uniform<i8:f32, 0.03:-60>} : tensor<8xf32> -> tensor<8xi8>
  return %yq : tensor<8xi8>
}

// -----

// SiLU, x * sigmoid(x), whose sigmoid is also returned: the table replaces
// the product; the sigmoid stays (in float) for its other user.
// CHECK-LABEL: func @silu_shared_sigmoid
// CHECK: %[[SIG:.*]] = linalg.generic
// CHECK: math.exp
// CHECK: %[[Y:.*]] = linalg.generic
// CHECK: tensor.extract
// CHECK-NOT: arith.mulf
// CHECK: return %[[Y]], %[[SIG]]
func.func @silu_shared_sigmoid(%q: tensor<8xi8>) -> (tensor<8xi8>, tensor<8xf32>) {
  %one = arith.constant 1.0 : f32
  %x = qat.dequantize %q {grid = !quant.uniform<i8:f32, 0.05>} : tensor<8xi8> -> tensor<8xf32>
  %e = tensor.empty() : tensor<8xf32>
  // expected-remark @+1 {{'linalg.generic' runs in float between dequantize and quantize: no integer lowering for this operation}}
  %s = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%x : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %n = arith.negf %a : f32
    %ex = math.exp %n : f32
    %d = arith.addf %ex, %one : f32
    %t = arith.divf %one, %d : f32
    linalg.yield %t : f32
  } -> tensor<8xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%x, %s : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %t = arith.mulf %a, %b : f32
    linalg.yield %t : f32
  } -> tensor<8xf32>
  %yq = qat.quantize %y {grid = !quant.uniform<i8:f32, 0.02>} : tensor<8xf32> -> tensor<8xi8>
  return %yq, %s : tensor<8xi8>, tensor<8xf32>
}

// -----

// A constant operand quantized like an activation, as ONNX Runtime's
// quantizer writes hard-swish's 3 (a u8 255 with scale 3/255), is a
// constant of the function: x + 3 from u8 codes with scale 1 onto the same
// grid is the table i + 3, saturating at 255 from code 252 on.
// CHECK-LABEL: func @dequantized_constant_operand
// CHECK: arith.constant dense<"0x030405{{[0-9A-F]*}}FCFDFEFFFFFFFF"> : tensor<256xi8>
// CHECK-NOT: arith.addf
func.func @dequantized_constant_operand(%q: tensor<8xi8>) -> tensor<8xi8> {
  %x = qat.dequantize %q {grid = !quant.uniform<u8:f32, 1.0>} : tensor<8xi8> -> tensor<8xf32>
  %c = arith.constant dense<-1> : tensor<i8>
  %three = qat.dequantize %c {grid = !quant.uniform<u8:f32, 0.011764706112444401>} : tensor<i8> -> tensor<f32>
  %e = tensor.empty() : tensor<8xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> ()>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%x, %three : tensor<8xf32>, tensor<f32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  %yq = qat.quantize %y {grid = !quant.uniform<u8:f32, 1.0>} : tensor<8xf32> -> tensor<8xi8>
  return %yq : tensor<8xi8>
}
