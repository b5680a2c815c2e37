// RUN: qat-opt %s -split-input-file -verify-diagnostics -qat-vectorize-matmul

// Each integer contraction the matmul kernels do not take stays on
// upstream's loops with a remark that says why.

func.func @dynamic_k(%a: tensor<4x?xi8>, %w: tensor<?x16xi8>) -> tensor<4x16xi32> {
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<4x16xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<4x16xi32>) -> tensor<4x16xi32>
  // expected-remark @below {{operands are not i8/i16 with a static weight, or the accumulator is not i32}}
  %acc = linalg.matmul ins(%a, %w : tensor<4x?xi8>, tensor<?x16xi8>) outs(%z : tensor<4x16xi32>) -> tensor<4x16xi32>
  return %acc : tensor<4x16xi32>
}

// -----

func.func @dynamic_k_static_weight(%a: tensor<4x?xi8>) -> tensor<4x16xi32> {
  %zero = arith.constant 0 : i32
  %w = arith.constant dense<1> : tensor<2x16xi8>
  %e = tensor.empty() : tensor<4x16xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<4x16xi32>) -> tensor<4x16xi32>
  // expected-remark @below {{not as a vector kernel: dynamic K}}
  %acc = linalg.matmul ins(%a, %w : tensor<4x?xi8>, tensor<2x16xi8>) outs(%z : tensor<4x16xi32>) -> tensor<4x16xi32>
  return %acc : tensor<4x16xi32>
}

// -----

func.func @transposed(%a: tensor<2x4xi8>) -> tensor<4x16xi32> {
  %zero = arith.constant 0 : i32
  %w = arith.constant dense<1> : tensor<2x16xi8>
  %e = tensor.empty() : tensor<4x16xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<4x16xi32>) -> tensor<4x16xi32>
  // expected-remark @below {{transposed or broadcast operands}}
  %acc = linalg.matmul indexing_maps = [
      affine_map<(m, n, k) -> (k, m)>, affine_map<(m, n, k) -> (k, n)>,
      affine_map<(m, n, k) -> (m, n)>]
      ins(%a, %w : tensor<2x4xi8>, tensor<2x16xi8>) outs(%z : tensor<4x16xi32>) -> tensor<4x16xi32>
  return %acc : tensor<4x16xi32>
}

// -----

func.func @nonzero_start(%a: tensor<4x2xi8>, %init: tensor<4x16xi32>) -> tensor<4x16xi32> {
  %w = arith.constant dense<1> : tensor<2x16xi8>
  // expected-remark @below {{the accumulation does not start from zero}}
  %acc = linalg.matmul ins(%a, %w : tensor<4x2xi8>, tensor<2x16xi8>) outs(%init : tensor<4x16xi32>) -> tensor<4x16xi32>
  return %acc : tensor<4x16xi32>
}

// -----

func.func @batch_dynamic(%a: tensor<?x3x4xi8>) -> tensor<2x3x16xi32> {
  %zero = arith.constant 0 : i32
  %w = arith.constant dense<1> : tensor<2x4x16xi8>
  %e = tensor.empty() : tensor<2x3x16xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<2x3x16xi32>) -> tensor<2x3x16xi32>
  // expected-remark @below {{dynamic K or batch}}
  %acc = linalg.batch_matmul ins(%a, %w : tensor<?x3x4xi8>, tensor<2x4x16xi8>) outs(%z : tensor<2x3x16xi32>) -> tensor<2x3x16xi32>
  return %acc : tensor<2x3x16xi32>
}

// -----

func.func @conv_dynamic(%a: tensor<?x6x6x4xi8>) -> tensor<1x4x4x16xi32> {
  %zero = arith.constant 0 : i32
  %w = arith.constant dense<1> : tensor<3x3x4x16xi8>
  %e = tensor.empty() : tensor<1x4x4x16xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<1x4x4x16xi32>) -> tensor<1x4x4x16xi32>
  // expected-remark @below {{not as a vector kernel: dynamic shapes}}
  %acc = linalg.conv_2d_nhwc_hwcf ins(%a, %w : tensor<?x6x6x4xi8>, tensor<3x3x4x16xi8>) outs(%z : tensor<1x4x4x16xi32>) -> tensor<1x4x4x16xi32>
  return %acc : tensor<1x4x4x16xi32>
}

// -----

func.func @depthwise_dynamic(%a: tensor<?x6x6x16xi8>) -> tensor<1x4x4x16xi32> {
  %zero = arith.constant 0 : i32
  %w = arith.constant dense<1> : tensor<3x3x16xi8>
  %e = tensor.empty() : tensor<1x4x4x16xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<1x4x4x16xi32>) -> tensor<1x4x4x16xi32>
  // expected-remark @below {{not as a vector kernel: dynamic shapes}}
  %acc = linalg.depthwise_conv_2d_nhwc_hwc ins(%a, %w : tensor<?x6x6x16xi8>, tensor<3x3x16xi8>) outs(%z : tensor<1x4x4x16xi32>) -> tensor<1x4x4x16xi32>
  return %acc : tensor<1x4x4x16xi32>
}

// -----

// A padding value that varies with the position (not one value for the
// whole border).
func.func @pad_value_varies(%a: tensor<1x2x2x4xi8>) -> tensor<1x2x2x16xi32> {
  %zero = arith.constant 0 : i32
  %p = tensor.pad %a low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    %v = arith.index_cast %j : index to i8
    tensor.yield %v : i8
  } : tensor<1x2x2x4xi8> to tensor<1x4x4x4xi8>
  %w = arith.constant dense<1> : tensor<3x3x4x16xi8>
  %e = tensor.empty() : tensor<1x2x2x16xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<1x2x2x16xi32>) -> tensor<1x2x2x16xi32>
  // expected-remark @below {{the padding value is not a constant}}
  %c = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%p, %w : tensor<1x4x4x4xi8>, tensor<3x3x4x16xi8>) outs(%z : tensor<1x2x2x16xi32>) -> tensor<1x2x2x16xi32>
  return %c : tensor<1x2x2x16xi32>
}
