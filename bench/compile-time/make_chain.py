"""Prints a chain of N layers for the compile-time benchmark.

  /usr/bin/python3 make_chain.py KIND N [OUT]

KIND is one of
  fake-quant   N chained qat.fake_quant ops (alternating scales, so that
               no two neighbours fold into one)
  relu         N layers of fake_quant -> linalg.generic ReLU
  matmul       N layers of 16x16 matmul + bias + ReLU, each activation
               fake-quantized, weights per output channel
  onnx-relu    an ONNX model (binary, written to OUT): a QDQ input, then
               N times Relu -> QuantizeLinear -> DequantizeLinear
MLIR kinds print to OUT (or stdout). Plain Python for the MLIR kinds; the
ONNX kind needs the onnx package (as test/ONNX/make_models.py does).
"""
import sys

ROWS, COLS = 4, 16
ACT = f"tensor<{ROWS}x{COLS}xf32>"
SCALES = (0.05, 0.04)


def fake_quant(out, value, step):
    scale = SCALES[step % 2]
    return (f"  {out} = qat.fake_quant {value} {{is_signed = false, "
            f"scales = array<f64: {scale}>, zero_points = array<i64: 3>}} : "
            f"{ACT}")


def fake_quant_chain(n):
    lines = [f"func.func @chain(%a0: {ACT}) -> {ACT} {{"]
    lines += [fake_quant(f"%a{i}", f"%a{i - 1}", i) for i in range(1, n + 1)]
    lines += [f"  return %a{n} : {ACT}", "}"]
    return lines


RELU_BODY = """  ^bb0(%p: f32, %o: f32):
    %r = arith.maximumf %p, %zero : f32
    linalg.yield %r : f32
  }} -> {act}"""


def relu_chain(n):
    lines = ["#map = affine_map<(d0, d1) -> (d0, d1)>",
             f"func.func @chain(%x: {ACT}) -> {ACT} {{",
             "  %zero = arith.constant 0.0 : f32",
             f"  %e = tensor.empty() : {ACT}", "  %a0 = arith.addf %x, %x : "
             f"{ACT}"]
    for i in range(1, n + 1):
        lines.append(fake_quant(f"%q{i}", f"%a{i - 1}", i))
        lines.append(f"""  %a{i} = linalg.generic {{indexing_maps = [#map, #map],
      iterator_types = ["parallel", "parallel"]}}
      ins(%q{i} : {ACT}) outs(%e : {ACT}) {{""")
        lines.append(RELU_BODY.format(act=ACT))
    lines.append(fake_quant("%y", f"%a{n}", n + 1))
    lines += [f"  return %y : {ACT}", "}"]
    return lines


def matmul_chain(n):
    w = COLS
    weight = f"tensor<{w}x{w}xf32>"
    rows = ", ".join("[" + ", ".join(f"{((r * 7 + c * 3) % 11 - 5) / 40:.3f}"
                                     for c in range(w)) + "]"
                     for r in range(w))
    lines = ["#row = affine_map<(d0, d1) -> (d0, d1)>",
             "#col = affine_map<(d0, d1) -> (d1)>",
             f"func.func @chain(%x: {ACT}) -> {ACT} {{",
             "  %zero = arith.constant 0.0 : f32",
             f"  %e = tensor.empty() : {ACT}",
             f"  %z = linalg.fill ins(%zero : f32) outs(%e : {ACT}) -> {ACT}",
             fake_quant("%a0", "%x", 0)]
    for i in range(1, n + 1):
        lines += [
            f"  %w{i} = arith.constant dense<[{rows}]> : {weight}",
            f"  %wq{i} = qat.fake_quant %w{i} {{axis = 1 : i64, narrow_range, "
            f"scales = array<f64: {', '.join(['0.0126'] * w)}>}} : {weight}",
            f"  %b{i} = arith.constant dense<{0.01 * (i % 5 - 2):.2f}> : "
            f"tensor<{w}xf32>",
            f"  %mm{i} = linalg.matmul ins(%a{i - 1}, %wq{i} : {ACT}, {weight})"
            f" outs(%z : {ACT}) -> {ACT}",
            f"""  %y{i} = linalg.generic {{indexing_maps = [#row, #col, #row],
      iterator_types = ["parallel", "parallel"]}}
      ins(%mm{i}, %b{i} : {ACT}, tensor<{w}xf32>) outs(%e : {ACT}) {{
  ^bb0(%p: f32, %q: f32, %o: f32):
    %s = arith.addf %p, %q : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  }} -> {ACT}""",
            fake_quant(f"%a{i}", f"%y{i}", i)]
    lines += [f"  return %a{n} : {ACT}", "}"]
    return lines


def onnx_relu_chain(n, path):
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    inits = [numpy_helper.from_array(np.float32(SCALES[0]), "s"),
             numpy_helper.from_array(np.uint8(3), "zp")]
    nodes = []

    def qdq(value, stem):
        nodes.extend([
            helper.make_node("QuantizeLinear", [value, "s", "zp"],
                             [stem + "_q"]),
            helper.make_node("DequantizeLinear", [stem + "_q", "s", "zp"],
                             [stem + "_dq"])])
        return stem + "_dq"

    value = qdq("x", "in")
    for i in range(1, n + 1):
        nodes.append(helper.make_node("Relu", [value], [f"r{i}"]))
        value = qdq(f"r{i}", f"l{i}")
    nodes.append(helper.make_node("Identity", [value], ["y"]))
    shape = [ROWS, COLS]
    graph = helper.make_graph(
        nodes, "chain",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)], inits)
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    with open(path, "wb") as f:
        f.write(model.SerializeToString())


GENERATORS = {"fake-quant": fake_quant_chain, "relu": relu_chain,
              "matmul": matmul_chain}


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    kind, n = sys.argv[1], int(sys.argv[2])
    out = sys.argv[3] if len(sys.argv) == 4 else None
    if kind == "onnx-relu":
        if out is None:
            sys.exit("onnx-relu needs an output file")
        onnx_relu_chain(n, out)
        return
    if kind not in GENERATORS:
        sys.exit(f"unknown kind '{kind}'; valid: "
                 f"{', '.join(list(GENERATORS) + ['onnx-relu'])}")
    text = "\n".join(GENERATORS[kind](n)) + "\n"
    if out is None:
        sys.stdout.write(text)
    else:
        with open(out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
