// RUN: qat-opt %s -qat-math-to-libm | FileCheck %s

// The functions convert-math-to-llvm cannot lower (erf) or lowers through
// other functions (expm1 as exp - 1, log1p as log(1 + x)) become calls of
// the C library's, the functions their folders call; a vector op one call
// per element. The others keep their LLVM lowering.
// CHECK-DAG: func.func private @erff(f32) -> f32
// CHECK-DAG: func.func private @expm1f(f32) -> f32
// CHECK-DAG: func.func private @log1p(f64) -> f64
// CHECK-LABEL: func @functions
// CHECK: call @erff(%{{.*}}) : (f32) -> f32
// CHECK: call @expm1f(%{{.*}}) : (f32) -> f32
// CHECK: call @log1p(%{{.*}}) : (f64) -> f64
// CHECK-COUNT-4: call @erff
// CHECK-NOT: math.erf
// CHECK: math.tanh %{{.*}} : f32
// CHECK: math.sqrt %{{.*}} : vector<4xf32>
// CHECK: math.exp %{{.*}} : f32
func.func @functions(%a: f32, %d: f64, %v: vector<4xf32>) -> (f32, f32, f64, vector<4xf32>, f32, vector<4xf32>, f32) {
  %0 = math.erf %a : f32
  %1 = math.expm1 %a : f32
  %2 = math.log1p %d : f64
  %3 = math.erf %v : vector<4xf32>
  %4 = math.tanh %a : f32
  %5 = math.sqrt %v : vector<4xf32>
  %6 = math.exp %a : f32
  return %0, %1, %2, %3, %4, %5, %6 : f32, f32, f64, vector<4xf32>, f32, vector<4xf32>, f32
}
