// RUN: qat-opt %s -split-input-file -qat-expand-pow | FileCheck %s

// pow by the constants LLVM replaces in scalar code (and not in vector
// code) becomes that replacement everywhere.
// CHECK-LABEL: func @exponents
// CHECK-SAME: (%[[X:.*]]: f32)
// CHECK-DAG: %[[SQ:.*]] = arith.mulf %[[X]], %[[X]] : f32
// CHECK-DAG: %[[INV:.*]] = arith.divf %{{.*}}, %[[X]] : f32
// CHECK-DAG: %[[ROOT:.*]] = math.sqrt %[[X]] : f32
// CHECK-DAG: %[[ABS:.*]] = math.absf %[[ROOT]] : f32
// CHECK-DAG: %[[NINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK-DAG: %[[ISNINF:.*]] = arith.cmpf oeq, %[[X]], %[[NINF]] : f32
// CHECK-DAG: %[[INF:.*]] = arith.constant 0x7F800000 : f32
// CHECK-DAG: %[[HALF:.*]] = arith.select %[[ISNINF]], %[[INF]], %[[ABS]] : f32
// CHECK-DAG: %[[THREE:.*]] = math.powf %[[X]], %{{.*}} : f32
// CHECK: return %cst{{(_[0-9]+)?}}, %[[X]], %[[SQ]], %[[INV]], %[[HALF]], %[[THREE]]
func.func @exponents(%x: f32) -> (f32, f32, f32, f32, f32, f32) {
  %c0 = arith.constant 0.0 : f32
  %c1 = arith.constant 1.0 : f32
  %c2 = arith.constant 2.0 : f32
  %cm1 = arith.constant -1.0 : f32
  %ch = arith.constant 0.5 : f32
  %c3 = arith.constant 3.0 : f32
  %0 = math.powf %x, %c0 : f32
  %1 = math.powf %x, %c1 : f32
  %2 = math.powf %x, %c2 : f32
  %3 = math.powf %x, %cm1 : f32
  %4 = math.powf %x, %ch : f32
  %5 = math.powf %x, %c3 : f32
  return %0, %1, %2, %3, %4, %5 : f32, f32, f32, f32, f32, f32
}

// -----

// Powers of two as the base: exp2(n * x); one as the base: 1. A negative
// base stays pow.
// CHECK-LABEL: func @bases
// CHECK-SAME: (%[[X:.*]]: f64)
// CHECK-DAG: %[[N:.*]] = arith.constant -3.000000e+00 : f64
// CHECK-DAG: %[[P:.*]] = arith.mulf %[[N]], %[[X]] : f64
// CHECK-DAG: %[[E:.*]] = math.exp2 %[[P]] : f64
// CHECK-DAG: %[[NEG:.*]] = math.powf %{{.*}}, %[[X]] : f64
// CHECK: return %[[E]], %cst{{(_[0-9]+)?}}, %[[NEG]]
func.func @bases(%x: f64) -> (f64, f64, f64) {
  %eighth = arith.constant 0.125 : f64
  %one = arith.constant 1.0 : f64
  %m2 = arith.constant -2.0 : f64
  %0 = math.powf %eighth, %x : f64
  %1 = math.powf %one, %x : f64
  %2 = math.powf %m2, %x : f64
  return %0, %1, %2 : f64, f64, f64
}

// -----

// On tensors with a splat exponent, and in a generic whose exponent is a
// splat input: x * x.
// CHECK-LABEL: func @splats
// CHECK: arith.mulf %{{.*}}, %{{.*}} : tensor<4xf32>
// CHECK: linalg.generic
// CHECK: ^bb0(%[[A:.*]]: f32, %{{.*}}: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[S:.*]] = arith.mulf %[[A]], %[[A]] : f32
// CHECK-NEXT: linalg.yield %[[S]]
// CHECK-NOT: math.powf
func.func @splats(%t: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %two = arith.constant dense<2.0> : tensor<4xf32>
  %0 = math.powf %t, %two : tensor<4xf32>
  %e = tensor.empty() : tensor<4xf32>
  %1 = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%t, %two : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = math.powf %a, %b : f32
    linalg.yield %p : f32
  } -> tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}
