// Dynamic sizes end to end: one program, inputs of several sizes (0, 1, 7
// and 33 rows), compiled to integer code and checked against the
// simulation; sizes that break the program's own constraints stop with a
// located run-time error; ops with no integer lowering still run (float).
// RUN: rm -rf %t && mkdir -p %t
// RUN: qat-run %s -e rows0 --output %t/x0.npy
// RUN: qat-run %s -e rows1 --output %t/x1.npy
// RUN: qat-run %s -e rows7 --output %t/x7.npy
// RUN: qat-run %s -e rows33 --output %t/x33.npy
// RUN: qat-run %s -e cols5 --output %t/y5.npy
// RUN: qat-run %s -e dense --input %t/x0.npy --check
// RUN: qat-run %s -e dense --input %t/x1.npy --check
// RUN: qat-run %s -e dense --input %t/x7.npy --check
// RUN: qat-run %s -e dense --input %t/x33.npy --check
// RUN: qat-run %s -e dense --input %t/x33.npy --check --requant=fixed-point
// RUN: qat-run %s -e dense --input %t/x7.npy --check --isa=avx2
// RUN: qat-run %s -e add --input %t/x7.npy --input %t/x7.npy --check
// RUN: qat-run %s -e add --input %t/x0.npy --input %t/x0.npy --check
// The integer program's rows follow the input: 7 rows of 5 printed.
// RUN: qat-run %s -e dense --input %t/x7.npy | FileCheck %s --check-prefix=ROWS
// ROWS: tensor<7x5xf32>
// ROWS-COUNT-7: {{^[-0-9.e]+ [-0-9.e]+ [-0-9.e]+ [-0-9.e]+ [-0-9.e]+$}}
// ROWS-NOT: {{.}}
// Empty tensors: nothing to compute; the regions stay float with a remark.
// RUN: qat-run %s -e no_columns --check 2>&1 | FileCheck %s --check-prefix=EMPTY
// RUN: qat-run %s -e no_depth --print 2>/dev/null | FileCheck %s --check-prefix=NODEPTH
// EMPTY: remark: 'linalg.matmul' runs in float between dequantize and quantize: a tensor with no elements (nothing to compute)
// NODEPTH: tensor<2x3xf32>
// NODEPTH-NEXT: 0 0 0
// NODEPTH-NEXT: 0 0 0
// An addition of a 7x3 and a 7x5 tensor, both ?x?: a located error at run
// time instead of a read past the smaller buffer.
// RUN: not qat-run %s -e add --input %t/x7.npy --input %t/y5.npy 2>&1 | FileCheck %s --check-prefix=MISMATCH
// MISMATCH: error: {{.*}}qat-run-dynamic.mlir:[[# @LINE + 26]]:8: run-time shape check failed: 'linalg.generic' dimension #1 of input/output operand #1 is incompatible

func.func @dense(%a: tensor<?x3xf32>) -> tensor<?x5xf32> {
  %w = arith.constant dense<[[0.5, -0.25, 0.1, 0.3, -0.7], [0.2, 0.1, -0.4, 0.6, 0.0], [-0.3, 0.8, 0.25, -0.1, 0.4]]> : tensor<3x5xf32>
  %b = arith.constant dense<[0.1, -0.2, 0.3, 0.0, 0.05]> : tensor<5xf32>
  %cst = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %aq = qat.fake_quant %a {scales = array<f64: 0.05>, zero_points = array<i64: 7>, is_signed = false} : tensor<?x3xf32>
  %wq = qat.fake_quant %w {axis = 1 : i64, scales = array<f64: 0.01, 0.02, 0.01, 0.01, 0.02>, narrow_range} : tensor<3x5xf32>
  %m0 = tensor.dim %a, %c0 : tensor<?x3xf32>
  %e = tensor.empty(%m0) : tensor<?x5xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<?x5xf32>) -> tensor<?x5xf32>
  %m = linalg.matmul ins(%aq, %wq : tensor<?x3xf32>, tensor<3x5xf32>) outs(%z : tensor<?x5xf32>) -> tensor<?x5xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%m, %b : tensor<?x5xf32>, tensor<5xf32>) outs(%e : tensor<?x5xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    %t = arith.maximumf %s, %cst : f32
    linalg.yield %t : f32
  } -> tensor<?x5xf32>
  %o = qat.fake_quant %r {scales = array<f64: 0.03>, zero_points = array<i64: -100>} : tensor<?x5xf32>
  return %o : tensor<?x5xf32>
}

func.func @add(%x: tensor<?x?xf32>, %y: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %xq = qat.fake_quant %x {scales = array<f64: 0.05>, zero_points = array<i64: 3>} : tensor<?x?xf32>
  %yq = qat.fake_quant %y {scales = array<f64: 0.03>} : tensor<?x?xf32>
  %s = arith.addf %xq, %yq : tensor<?x?xf32>
  %o = qat.fake_quant %s {scales = array<f64: 0.07>} : tensor<?x?xf32>
  return %o : tensor<?x?xf32>
}

func.func @rows0() -> tensor<0x3xf32> {
  %c = arith.constant dense<> : tensor<0x3xf32>
  return %c : tensor<0x3xf32>
}

func.func @rows1() -> tensor<1x3xf32> {
  %c = arith.constant dense<[[-1.44, -0.56, 0.33]]> : tensor<1x3xf32>
  return %c : tensor<1x3xf32>
}

func.func @rows7() -> tensor<7x3xf32> {
  %c = arith.constant dense<[[-0.78, 0.11, 1.00], [-1.33, -0.44, 0.44], [1.33, -1.00, -0.11], [0.78, -1.56, -0.67], [0.22, 1.11, -1.22], [-0.33, 0.56, 1.44], [-0.89, 0.00, 0.89]]> : tensor<7x3xf32>
  return %c : tensor<7x3xf32>
}

func.func @rows33() -> tensor<33x3xf32> {
  %c = arith.constant dense<[[-1.11, -0.22, 0.67], [1.56, -0.78, 0.11], [1.00, -1.33, -0.44], [0.44, 1.33, -1.00], [-0.11, 0.78, -1.56], [-0.67, 0.22, 1.11], [-1.22, -0.33, 0.56], [1.44, -0.89, 0.00], [0.89, -1.44, -0.56], [0.33, 1.22, -1.11], [-0.22, 0.67, 1.56], [-0.78, 0.11, 1.00], [-1.33, -0.44, 0.44], [1.33, -1.00, -0.11], [0.78, -1.56, -0.67], [0.22, 1.11, -1.22], [-0.33, 0.56, 1.44], [-0.89, 0.00, 0.89], [-1.44, -0.56, 0.33], [1.22, -1.11, -0.22], [0.67, 1.56, -0.78], [0.11, 1.00, -1.33], [-0.44, 0.44, 1.33], [-1.00, -0.11, 0.78], [-1.56, -0.67, 0.22], [1.11, -1.22, -0.33], [0.56, 1.44, -0.89], [0.00, 0.89, -1.44], [-0.56, 0.33, 1.22], [-1.11, -0.22, 0.67], [1.56, -0.78, 0.11], [1.00, -1.33, -0.44], [0.44, 1.33, -1.00]]> : tensor<33x3xf32>
  return %c : tensor<33x3xf32>
}

func.func @cols5() -> tensor<7x5xf32> {
  %c = arith.constant dense<[[-1.22, -0.33, 0.56, 1.44, -0.89], [0.00, 0.89, -1.44, -0.56, 0.33], [1.22, -1.11, -0.22, 0.67, 1.56], [-0.78, 0.11, 1.00, -1.33, -0.44], [0.44, 1.33, -1.00, -0.11, 0.78], [-1.56, -0.67, 0.22, 1.11, -1.22], [-0.33, 0.56, 1.44, -0.89, 0.00]]> : tensor<7x5xf32>
  return %c : tensor<7x5xf32>
}

func.func @no_columns(%a: tensor<4x3xf32>) -> tensor<4x0xf32> {
  %w = arith.constant dense<0.5> : tensor<3x0xf32>
  %cst = arith.constant 0.0 : f32
  %aq = qat.fake_quant %a {scales = array<f64: 0.1>} : tensor<4x3xf32>
  %wq = qat.fake_quant %w {scales = array<f64: 0.1>} : tensor<3x0xf32>
  %e = tensor.empty() : tensor<4x0xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<4x0xf32>) -> tensor<4x0xf32>
  %m = linalg.matmul ins(%aq, %wq : tensor<4x3xf32>, tensor<3x0xf32>) outs(%z : tensor<4x0xf32>) -> tensor<4x0xf32>
  %o = qat.fake_quant %m {scales = array<f64: 0.2>} : tensor<4x0xf32>
  return %o : tensor<4x0xf32>
}

func.func @no_depth() -> tensor<2x3xf32> {
  %a = arith.constant dense<> : tensor<2x0xf32>
  %w = arith.constant dense<> : tensor<0x3xf32>
  %cst = arith.constant 0.0 : f32
  %aq = qat.fake_quant %a {scales = array<f64: 0.1>} : tensor<2x0xf32>
  %wq = qat.fake_quant %w {scales = array<f64: 0.1>} : tensor<0x3xf32>
  %e = tensor.empty() : tensor<2x3xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  %m = linalg.matmul ins(%aq, %wq : tensor<2x0xf32>, tensor<0x3xf32>) outs(%z : tensor<2x3xf32>) -> tensor<2x3xf32>
  %o = qat.fake_quant %m {scales = array<f64: 0.2>} : tensor<2x3xf32>
  return %o : tensor<2x3xf32>
}
