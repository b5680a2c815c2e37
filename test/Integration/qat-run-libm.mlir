// Float functions LLVM has no instruction or intrinsic for (math.erf, from
// ONNX's Erf) are calls to libm: scalar, and vectors unrolled by
// qat-math-to-libm, in every mode and through both code generators.
// RUN: qat-run %s | FileCheck %s
// RUN: qat-run %s --codegen=loops | FileCheck %s
// RUN: qat-run %s --mode=simulate | FileCheck %s
// RUN: qat-run %s --mode=simulate-f64 | FileCheck %s --check-prefix=F64

// erf of -2, -1.5, ..., 1.5 (exact on the input grid of step 0.5).
// CHECK: tensor<1x8xf32>
// CHECK-NEXT: -0.995322{{[0-9]*}} -0.966105{{[0-9]*}} -0.842700{{[0-9]*}} -0.520499{{[0-9]*}} 0 0.520499{{[0-9]*}} 0.842700{{[0-9]*}} 0.966105{{[0-9]*}}
// F64: tensor<1x8xf64>
// F64-NEXT: -0.995322{{[0-9]*}} -0.966105{{[0-9]*}} -0.842700{{[0-9]*}} -0.520499{{[0-9]*}} 0 0.520499{{[0-9]*}} 0.842700{{[0-9]*}} 0.966105{{[0-9]*}}
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @main() -> tensor<1x8xf32> {
  %x = arith.constant dense<[[-2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5]]> : tensor<1x8xf32>
  %q = qat.fake_quant %x {is_signed = true, scales = array<f64: 0.5>, zero_points = array<i64: 0>} : tensor<1x8xf32>
  %e = tensor.empty() : tensor<1x8xf32>
  %y = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%q : tensor<1x8xf32>) outs(%e : tensor<1x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = math.erf %a : f32
    linalg.yield %r : f32
  } -> tensor<1x8xf32>
  return %y : tensor<1x8xf32>
}
