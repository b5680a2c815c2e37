"""Prints a QAT graph with a matmul whose activations (600 x 512 bytes)
exceed the kernels' L2 block, so that qat-vectorize-matmul splits the rows
into blocks outside the panels. Seeded weights, per-channel grid, bias,
ReLU. Run with /usr/bin/python3 (numpy)."""
import numpy as np

m, k, n = 600, 512, 48
rng = np.random.default_rng(5)
w = rng.normal(0, 0.05, size=(k, n)).astype(np.float32)
scales = np.abs(w).max(axis=0) / 127
b = rng.normal(0, 0.1, size=n).astype(np.float32)
fmt = lambda a: str(np.round(a, 5).tolist())
print(f"""#row = affine_map<(d0, d1) -> (d0, d1)>
#col = affine_map<(d0, d1) -> (d1)>
func.func @main(%x: tensor<{m}x{k}xf32>) -> tensor<{m}x{n}xf32> {{
  %zero = arith.constant 0.0 : f32
  %xq = qat.fake_quant %x {{is_signed = false, scales = array<f64: 0.01>,
                           zero_points = array<i64: 120>}} : tensor<{m}x{k}xf32>
  %w = arith.constant dense<{fmt(w)}> : tensor<{k}x{n}xf32>
  %wq = qat.fake_quant %w {{axis = 1 : i64, narrow_range,
      scales = array<f64: {", ".join(f"{s:.8g}" for s in scales)}>}} : tensor<{k}x{n}xf32>
  %b = arith.constant dense<{fmt(b)}> : tensor<{n}xf32>
  %e = tensor.empty() : tensor<{m}x{n}xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<{m}x{n}xf32>) -> tensor<{m}x{n}xf32>
  %mm = linalg.matmul ins(%xq, %wq : tensor<{m}x{k}xf32>, tensor<{k}x{n}xf32>)
                      outs(%z : tensor<{m}x{n}xf32>) -> tensor<{m}x{n}xf32>
  %y = linalg.generic {{indexing_maps = [#row, #col, #row],
                       iterator_types = ["parallel", "parallel"]}}
      ins(%mm, %b : tensor<{m}x{n}xf32>, tensor<{n}xf32>) outs(%e : tensor<{m}x{n}xf32>) {{
  ^bb0(%a: f32, %c: f32, %o: f32):
    %s = arith.addf %a, %c : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  }} -> tensor<{m}x{n}xf32>
  %yq = qat.fake_quant %y {{is_signed = false, scales = array<f64: 0.02>}} : tensor<{m}x{n}xf32>
  return %yq : tensor<{m}x{n}xf32>
}}""")
