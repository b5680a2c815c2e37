// RUN: qat-opt %s -split-input-file -qat-scf-to-cf -verify-diagnostics

// Upstream lowers only a bufferized scf.forall.
func.func @forall_on_tensors(%t: tensor<4xf32>, %v: f32) -> tensor<4xf32> {
  // expected-error @below {{cannot lower 'scf.forall' to control flow}}
  %r = scf.forall (%i) in (4) shared_outs(%o = %t) -> tensor<4xf32> {
    %s = tensor.from_elements %v : tensor<1xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %s into %o[%i] [1] [1] : tensor<1xf32> into tensor<4xf32>
    }
  }
  return %r : tensor<4xf32>
}
