"""Prints a deep QAT MLP: `--layers` times matmul + bias + ReLU, each
activation fake-quantized (unsigned 8-bit), weights per output channel
(narrow-range signed 8-bit), seeded He-initialized weights so that the
activations keep their magnitude through the layers. With --float-output
the last layer has neither ReLU nor fake-quant: the function returns
float. Plain Python (no numpy), so that the graph does not depend on a
library's random numbers."""
import argparse
import math
import random

parser = argparse.ArgumentParser()
parser.add_argument("--layers", type=int, default=64)
parser.add_argument("--width", type=int, default=16)
parser.add_argument("--batch", type=int, default=4)
parser.add_argument("--seed", type=int, default=1)
parser.add_argument("--float-output", action="store_true")
args = parser.parse_args()

rng = random.Random(args.seed)
b, n = args.batch, args.width
act = f"tensor<{b}x{n}xf32>"
fmt = lambda values: ", ".join(f"{v:.6g}" for v in values)

print("#row = affine_map<(d0, d1) -> (d0, d1)>")
print("#col = affine_map<(d0, d1) -> (d1)>")
out_type = act
print(f"func.func @mlp(%x: {act}) -> {out_type} {{")
print("  %zero = arith.constant 0.0 : f32")
print(f"  %e = tensor.empty() : {act}")
print(f"  %z = linalg.fill ins(%zero : f32) outs(%e : {act}) -> {act}")
print(f"  %a0 = qat.fake_quant %x {{is_signed = false, scales = array<f64: 0.05>, "
      f"zero_points = array<i64: 128>}} : {act}")
for l in range(1, args.layers + 1):
    last = l == args.layers
    w = [[rng.gauss(0, math.sqrt(2 / n)) for _ in range(n)] for _ in range(n)]
    scales = [max(abs(w[k][c]) for k in range(n)) / 127 for c in range(n)]
    bias = [rng.gauss(0, 0.05) for _ in range(n)]
    rows = ", ".join(f"[{fmt(row)}]" for row in w)
    print(f"  %w{l} = arith.constant dense<[{rows}]> : tensor<{n}x{n}xf32>")
    print(f"  %wq{l} = qat.fake_quant %w{l} {{axis = 1 : i64, narrow_range, "
          f"scales = array<f64: {fmt(scales)}>}} : tensor<{n}x{n}xf32>")
    print(f"  %b{l} = arith.constant dense<[{fmt(bias)}]> : tensor<{n}xf32>")
    print(f"  %mm{l} = linalg.matmul ins(%a{l - 1}, %wq{l} : {act}, "
          f"tensor<{n}x{n}xf32>) outs(%z : {act}) -> {act}")
    relu = "" if last and args.float_output else (
        "    %r = arith.maximumf %s, %zero : f32\n")
    result = "%s" if not relu else "%r"
    name = f"%y{l}" if not (last and args.float_output) else f"%a{l}"
    print(f"""  {name} = linalg.generic {{indexing_maps = [#row, #col, #row],
      iterator_types = ["parallel", "parallel"]}}
      ins(%mm{l}, %b{l} : {act}, tensor<{n}xf32>) outs(%e : {act}) {{
  ^bb0(%p: f32, %q: f32, %o: f32):
    %s = arith.addf %p, %q : f32
{relu}    linalg.yield {result} : f32
  }} -> {act}""")
    if not (last and args.float_output):
        print(f"  %a{l} = qat.fake_quant %y{l} {{is_signed = false, "
              f"scales = array<f64: 0.05>}} : {act}")
print(f"  return %a{args.layers} : {out_type}")
print("}")
