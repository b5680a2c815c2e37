"""One small QDQ model per float op of the importer, for run_qdq_models.py.

Each model fake-quantizes its input, runs the op between a dequantize and a
quantize (on a 4-D tensor a 1x1 Conv left in NHWC, so that every op that
takes an axis is checked on a value qat holds in NHWC, or on a plain 2-D or
3-D tensor) and ends with a dequantized output, the form of ORT-quantized
and PyTorch-QAT models. Run with Debian's python3 (/usr/bin/python3).
"""
import numpy as np
from onnx import TensorProto, checker, helper

from qdq_models import Builder

# (name, op, attributes, output range, input range, opset)
UNARY = [
    ("sigmoid", "Sigmoid", {}, (0.0, 1.0), (-4.0, 4.0), 13),
    ("tanh", "Tanh", {}, (-1.0, 1.0), (-3.0, 3.0), 13),
    ("sqrt", "Sqrt", {}, (0.0, 2.0), (0.0, 4.0), 13),
    ("neg", "Neg", {}, (-3.0, 3.0), (-3.0, 3.0), 13),
    ("erf", "Erf", {}, (-1.0, 1.0), (-2.0, 2.0), 13),
    ("log", "Log", {}, (-3.0, 1.5), (0.05, 4.0), 13),
    ("exp", "Exp", {}, (0.0, 8.0), (-3.0, 2.0), 13),
    ("abs", "Abs", {}, (0.0, 3.0), (-3.0, 3.0), 13),
    ("hardsigmoid", "HardSigmoid", {"alpha": 0.3, "beta": 0.4}, (0.0, 1.0),
     (-3.0, 3.0), 13),
    ("hardswish", "HardSwish", {}, (-0.5, 4.0), (-4.0, 4.0), 14),
    ("leakyrelu", "LeakyRelu", {"alpha": 0.1}, (-0.3, 3.0), (-3.0, 3.0), 13),
    ("softplus", "Softplus", {}, (0.0, 3.5), (-3.0, 3.0), 13),
]


class OpModel:
    def __init__(self, name, seed, opset=13):
        self.g = Builder(np.random.default_rng(seed), name, edge_cases=False)
        self.name = name
        self.opset = opset

    def nhwc_input(self, lo=-3.0, hi=3.0, c=3, f=4, h=5, w=6):
        """x (1 x c x h x w), fake-quantized, through a 1x1 Conv (held in
        NHWC by qat) and fake-quantized on [lo, hi]."""
        g = self.g
        self.inputs = [("x", [1, c, h, w])]
        y = g.qdq("x", -1.0, 1.0)
        if self.opset < 13:
            # DequantizeLinear has no axis before opset 13: per tensor.
            q = g.rng.integers(-127, 128, size=(f, c, 1, 1)).astype(np.int8)
            ws = np.float32(0.01)
            wt = g.node("DequantizeLinear", [g.const("w", q),
                                             g.const("ws", ws)], "wdq")
        else:
            wt, ws = g.weight((f, c, 1, 1), 0)
        y = g.node("Conv", [y, wt, g.bias(f, y, ws)], "conv")
        return g.qdq(y, lo, hi), [1, f, h, w]

    def plain_input(self, shape, lo=-3.0, hi=3.0):
        self.inputs = [("x", shape)]
        return self.g.qdq("x", lo, hi), shape

    def finish(self, y, out_shape, lo, hi):
        g = self.g
        y = g.qdq(y, lo, hi)
        grid = g.grids[y]
        out = g.node("Identity", [y], "y")
        graph = helper.make_graph(
            g.nodes, self.name,
            [helper.make_tensor_value_info(n, TensorProto.FLOAT, s)
             for n, s in self.inputs],
            [helper.make_tensor_value_info(out, TensorProto.FLOAT, out_shape)],
            g.inits)
        model = helper.make_model(
            graph, opset_imports=[helper.make_opsetid("", self.opset)])
        model.ir_version = 8
        # Python's onnx (1.12) knows the schemas up to opset 17.
        if self.opset <= 17:
            checker.check_model(model)
        return model, self.inputs, out, out_shape, grid


def unary(index):
    name, op, attrs, (lo, hi), (ilo, ihi), opset = UNARY[index]
    m = OpModel(f"op_{name}", index, opset)
    # Even rows on a tensor held in NHWC, odd ones on a 3-D tensor.
    if index % 2 == 0:
        x, shape = m.nhwc_input(ilo, ihi)
    else:
        x, shape = m.plain_input([2, 3, 7], ilo, ihi)
    return m.finish(m.g.node(op, [x], name, **attrs), shape, lo, hi)


def binary(kind):
    m = OpModel(f"op_{kind}", 100 + len(kind))
    g = m.g
    x, shape = m.nhwc_input()
    def per_channel():
        return g.const("c", np.float32([[[0.5]], [[-1.0]], [[1.5]], [[2.0]]]))

    if kind == "sub":
        # An NHWC value minus a per-channel constant and a plain one.
        other = g.qdq(g.node("Transpose", [x], "t", perm=[0, 1, 2, 3]))
        y = g.node("Sub", [x, per_channel()], "sub")
        y = g.node("Sub", [g.qdq(y), other], "sub")
        return m.finish(y, shape, -6.0, 6.0)
    if kind == "div":
        return m.finish(g.node("Div", [x, per_channel()], "div"), shape, -6, 6)
    if kind == "pow":
        y = g.node("Pow", [x, g.const("e", np.float32(2.0))], "pow")
        return m.finish(y, shape, 0.0, 9.0)
    if kind == "pow_int":
        y = g.node("Pow", [x, g.const("e", np.int64(3))], "pow")
        return m.finish(y, shape, -27.0, 27.0)
    if kind == "max":
        y = g.node("Max", [x, g.const("lo", np.float32(-0.5)),
                           per_channel()], "max")
        return m.finish(y, shape, -0.5, 3.0)
    if kind == "min":
        y = g.node("Min", [x, per_channel()], "min")
        return m.finish(y, shape, -3.0, 2.0)
    raise ValueError(kind)


BINARY = ["sub", "div", "pow", "pow_int", "max", "min"]


def batchnorm(nhwc):
    m = OpModel("op_batchnorm" + ("_nhwc" if nhwc else "_2d"), 200 + nhwc)
    g = m.g
    if nhwc:
        x, shape = m.nhwc_input()
    else:
        x, shape = m.plain_input([3, 4])
    r = np.random.default_rng(5)
    params = [r.uniform(0.5, 2.0, 4), r.normal(0, 0.5, 4), r.normal(0, 0.5, 4),
              r.uniform(0.1, 3.0, 4)]
    names = [g.const(n, np.float32(p))
             for n, p in zip(["scale", "b", "mean", "var"], params)]
    if not nhwc:
        # A scale the quantizer quantized too: DequantizeLinear of uint8
        # codes (read unsigned).
        codes = np.uint8(np.round(params[0] / 0.01) + 10)
        names[0] = g.node("DequantizeLinear",
                          [g.const("sq", codes), g.const("ss", np.float32(0.01)),
                           g.const("sz", np.uint8(10))], "sdq")
    y = g.node("BatchNormalization", [x] + names, "bn", epsilon=1e-3)
    return m.finish(y, shape, -6.0, 6.0)


def softmax(variant):
    if variant == "axis1_nhwc":
        m = OpModel("op_softmax_" + variant, 300)
        x, shape = m.nhwc_input(-4.0, 4.0)
        y = m.g.node("Softmax", [x], "softmax", axis=1)
    elif variant == "last_3d":
        m = OpModel("op_softmax_" + variant, 301)
        x, shape = m.plain_input([2, 3, 9], -4.0, 4.0)
        y = m.g.node("Softmax", [x], "softmax")
    else:
        # Opset 11: the input coerced to 2-D at axis 1, i.e. over C, H, W.
        m = OpModel("op_softmax_" + variant, 302, opset=11)
        x, shape = m.nhwc_input(-4.0, 4.0)
        y = m.g.node("Softmax", [x], "softmax", axis=1)
    return m.finish(y, shape, 0.0, 1.0)


def reduce(variant):
    op = "ReduceMax" if variant.startswith("max") else "ReduceMean"
    m = OpModel("op_reduce_" + variant, 400 + len(variant),
                opset=18 if variant.endswith("input") else 13)
    g = m.g
    x, shape = m.nhwc_input()
    n, c, h, w = shape
    if variant == "mean_hw":
        y = g.node(op, [x], "reduce", axes=[2, 3])
        out = [n, c, 1, 1]
    elif variant == "mean_c_dropped":
        y = g.node(op, [x], "reduce", axes=[1], keepdims=0)
        out = [n, h, w]
    elif variant == "mean_input":
        y = g.node(op, [x, g.const("axes", np.int64([-1, 1]))], "reduce",
                   keepdims=0)
        out = [n, h]
    elif variant == "max_c":
        y = g.node(op, [x], "reduce", axes=[1])
        out = [n, 1, h, w]
    elif variant == "max_all":
        y = g.node(op, [x], "reduce", keepdims=0)
        out = []
    elif variant == "max_input":
        y = g.node(op, [x, g.const("axes", np.int64([3]))], "reduce")
        out = [n, c, h, 1]
    else:
        raise ValueError(variant)
    return m.finish(y, out, -3.0, 3.0)


REDUCE = ["mean_hw", "mean_c_dropped", "mean_input", "max_c", "max_all",
          "max_input"]


def data(variant):
    """Pad, Slice, Split, Gather, Shape and Cast."""
    opset = {"pad_attr": 10, "split_attr": 11, "pad_axes": 18,
             "split_num": 18, "shape_chain": 15, "pad_wrap": 19}.get(variant,
                                                                     13)
    m = OpModel("op_" + variant, 500 + len(variant), opset)
    g = m.g
    i64 = np.int64
    big = np.iinfo(np.int64).max
    if variant == "pad_nhwc":
        x, _ = m.nhwc_input()
        y = g.node("Pad", [x, g.const("p", i64([0, 1, 1, 2, 0, 0, 2, 1])),
                           g.const("v", np.float32(0.5))], "pad")
        return m.finish(y, [1, 5, 8, 9], -3.0, 3.0)
    if variant == "pad_attr":
        x, _ = m.plain_input([2, 3, 4])
        y = g.node("Pad", [x], "pad", pads=[0, 1, 2, 1, 0, 1], value=-1.0)
        return m.finish(y, [3, 4, 7], -3.0, 3.0)
    if variant == "pad_axes":
        x, _ = m.nhwc_input()
        y = g.node("Pad", [x, g.const("p", i64([2, 1, 0, 3])), "",
                           g.const("a", i64([-1, 1]))], "pad")
        return m.finish(y, [1, 8, 5, 8], -3.0, 3.0)
    if variant == "pad_reflect_nhwc":
        x, _ = m.nhwc_input()
        y = g.node("Pad", [x, g.const("p", i64([0, 0, 2, 1, 0, 0, 1, 3]))],
                   "pad", mode="reflect")
        return m.finish(y, [1, 4, 8, 10], -3.0, 3.0)
    if variant == "pad_edge":
        x, _ = m.plain_input([2, 3, 7])
        y = g.node("Pad", [x, g.const("p", i64([0, 1, 2, 1, 0, 3]))], "pad",
                   mode="edge")
        return m.finish(y, [3, 4, 12], -3.0, 3.0)
    if variant == "pad_wrap":
        x, _ = m.plain_input([2, 3, 7])
        y = g.node("Pad", [x, g.const("p", i64([0, 0, 3, 0, 0, 2]))], "pad",
                   mode="wrap")
        return m.finish(y, [2, 3, 12], -3.0, 3.0)
    if variant == "resize_nhwc":
        # PP-OCR's FPN upsampling: nearest, asymmetric, floor.
        x, _ = m.nhwc_input()
        y = g.node("Resize", [x, "", g.const("s", np.float32([1, 1, 2, 3]))],
                   "resize", mode="nearest",
                   coordinate_transformation_mode="asymmetric",
                   nearest_mode="floor")
        return m.finish(y, [1, 4, 10, 18], -3.0, 3.0)
    if variant == "resize_sizes":
        # PyTorch's nearest upsampling by sizes (half-pixel defaults).
        x, _ = m.plain_input([2, 3, 7])
        y = g.node("Resize", [x, "", "", g.const("z", i64([2, 6, 14]))],
                   "resize", mode="nearest")
        return m.finish(y, [2, 6, 14], -3.0, 3.0)
    if variant == "slice_nhwc":
        # Channels 1 and 3 (step 2), W from 2 to the last but one.
        x, _ = m.nhwc_input()
        y = g.node("Slice", [x, g.const("s", i64([1, -4])),
                             g.const("e", i64([big, -1])),
                             g.const("a", i64([1, 3])),
                             g.const("t", i64([2, 1]))], "slice")
        return m.finish(y, [1, 2, 5, 3], -3.0, 3.0)
    if variant == "slice_reverse_nhwc":
        # H reversed from the last but one, W every second from the end.
        x, _ = m.nhwc_input()
        y = g.node("Slice", [x, g.const("s", i64([-2, big])),
                             g.const("e", i64([-big - 1, 0])),
                             g.const("a", i64([2, 3])),
                             g.const("t", i64([-1, -2]))], "slice")
        return m.finish(y, [1, 4, 4, 3], -3.0, 3.0)
    if variant == "slice_reverse_const":
        # A constant reversed at import time, added to the input.
        x, _ = m.plain_input([2, 3])
        c = g.const("c", np.arange(6, dtype=np.float32).reshape(2, 3) / 4)
        c = g.node("Slice", [c, g.const("s", i64([-1])),
                             g.const("e", i64([-big - 1])),
                             g.const("a", i64([1])), g.const("t", i64([-1]))],
                   "slice")
        return m.finish(g.node("Add", [x, c], "add"), [2, 3], -3.0, 4.5)
    if variant == "slice_clamped":
        x, _ = m.plain_input([2, 3, 7])
        y = g.node("Slice", [x, g.const("s", i64([0, 1, -100])),
                             g.const("e", i64([2, 100, 5]))], "slice")
        return m.finish(y, [2, 2, 5], -3.0, 3.0)
    if variant == "split_nhwc":
        # W split in halves, the halves subtracted.
        x, _ = m.nhwc_input()
        a, b = "half_a", "half_b"
        g.nodes.append(helper.make_node(
            "Split", [x, g.const("sp", i64([3, 3]))], [a, b], name="split",
            axis=3))
        return m.finish(g.node("Sub", [a, b], "sub"), [1, 4, 5, 3], -6, 6)
    if variant == "split_num":
        # Channels 4 -> 2, 2, ... of 5 rows: H split in 2, 2, 1, reordered.
        x, _ = m.nhwc_input()
        parts = ["p0", "p1", "p2"]
        g.nodes.append(helper.make_node("Split", [x], parts, name="split",
                                        axis=2, num_outputs=3))
        y = g.node("Concat", [parts[2], parts[0], parts[1]], "cat", axis=2)
        return m.finish(y, [1, 4, 5, 6], -3.0, 3.0)
    if variant == "split_attr":
        x, _ = m.plain_input([2, 3, 4])
        parts = ["p0", "p1"]
        g.nodes.append(helper.make_node("Split", [x], parts, name="split",
                                        axis=1, split=[2, 1]))
        y = g.node("Concat", [parts[1], parts[0]], "cat", axis=1)
        return m.finish(y, [2, 3, 4], -3.0, 3.0)
    if variant == "gather_nhwc":
        x, _ = m.nhwc_input()
        y = g.node("Gather", [x, g.const("i", i64([3, 0, -1]))], "gather",
                   axis=1)
        return m.finish(y, [1, 3, 5, 6], -3.0, 3.0)
    if variant == "gather_scalar":
        x, _ = m.plain_input([2, 3, 7])
        y = g.node("Gather", [x, g.const("i", i64(1))], "gather", axis=2)
        return m.finish(y, [2, 3], -3.0, 3.0)
    if variant == "shape_chain":
        # Reshape to (first size, -1), the shape computed from Shape.
        x, _ = m.plain_input([2, 3, 7])
        first = g.node("Shape", [x], "shape", end=1)
        rest = g.node("Cast", [g.const("r", np.float32([-1]))], "cast",
                      to=TensorProto.INT64)
        shape = g.node("Concat", [first, rest], "cat", axis=0)
        y = g.node("Reshape", [x, shape], "reshape")
        y = g.node("Cast", [y], "cast", to=TensorProto.FLOAT)
        return m.finish(y, [2, 21], -3.0, 3.0)
    if variant == "shape_arith":
        # (size 0 * 3, -1): Gather of a scalar index, Mul, Unsqueeze, Div
        # and Sub on INT64 constants, folded into the Reshape's shape.
        x, _ = m.plain_input([2, 3, 7])
        first = g.node("Gather", [g.node("Shape", [x], "shape"),
                                  g.const("i", i64(0))], "gather")
        rows = g.node("Mul", [first, g.const("three", i64(3))], "mul")
        rows = g.node("Unsqueeze", [rows, g.const("a", i64([0]))], "unsq")
        shape = g.node("Concat", [rows, g.const("rest", i64([-1]))], "cat",
                       axis=0)
        shape = g.node("Div", [shape, g.const("one", i64([1]))], "div")
        shape = g.node("Sub", [shape, g.const("zero", i64([0, 0]))], "sub")
        y = g.node("Reshape", [x, shape], "reshape")
        return m.finish(y, [6, 7], -3.0, 3.0)
    raise ValueError(variant)


DATA = ["pad_nhwc", "pad_attr", "pad_axes", "pad_reflect_nhwc", "pad_edge",
        "pad_wrap", "resize_nhwc", "resize_sizes", "slice_nhwc",
        "slice_reverse_nhwc", "slice_reverse_const", "slice_clamped",
        "split_nhwc", "split_num", "split_attr", "gather_nhwc",
        "gather_scalar", "shape_chain", "shape_arith"]


def composite(variant):
    """Chains of these ops the way exports write them."""
    m = OpModel("op_" + variant, 600 + len(variant),
                14 if variant == "se_hardswish" else 13)
    g = m.g
    r = np.random.default_rng(9)
    f32 = np.float32
    if variant == "layernorm_gelu":
        # PyTorch's opset-13 LayerNorm and GELU decompositions around a
        # QDQ matmul on a 3-D (batch x sequence x features) tensor.
        x, _ = m.plain_input([2, 5, 8])
        mean = g.node("ReduceMean", [x], "mean", axes=[-1])
        d = g.node("Sub", [x, mean], "sub")
        var = g.node("ReduceMean", [g.node("Pow", [d, g.const("two", f32(2))],
                                           "pow")], "var", axes=[-1])
        std = g.node("Sqrt", [g.node("Add", [var, g.const("eps", f32(1e-5))],
                                     "add")], "sqrt")
        y = g.node("Div", [d, std], "div")
        y = g.node("Mul", [y, g.const("gamma", f32(r.uniform(0.5, 1.5, 8)))],
                   "mul")
        y = g.qdq(g.node("Add", [y, g.const("beta", f32(r.normal(0, .2, 8)))],
                         "add"), -4.0, 4.0)
        w, ws = g.weight((8, 6), 1)
        y = g.node("MatMul", [y, w], "mm")
        y = g.qdq(g.node("Add", [y, g.bias(6, y, ws)], "add"), -4.0, 4.0)
        e = g.node("Erf", [g.node("Div", [y, g.const("r2", f32(np.sqrt(2)))],
                                  "div")], "erf")
        e = g.node("Add", [e, g.const("one", f32(1))], "add")
        y = g.node("Mul", [g.node("Mul", [y, e], "mul"),
                           g.const("half", f32(0.5))], "mul")
        y = g.node("Softmax", [g.qdq(y, -0.5, 4.0)], "softmax", axis=-1)
        return m.finish(y, [2, 5, 6], 0.0, 1.0)
    if variant == "se_hardswish":
        # MobileNetV3's squeeze-excitation: a HardSigmoid gate from the
        # pooled channels times the HardSwish of the features.
        x, shape = m.nhwc_input(-4.0, 4.0)
        c = shape[1]
        x = g.qdq(g.node("HardSwish", [x], "hswish"), -0.5, 4.0)
        p = g.qdq(g.node("GlobalAveragePool", [x], "gap"), 0.0, 2.0)
        w1, ws1 = g.weight((2, c, 1, 1), 0)
        h = g.node("Relu", [g.node("Conv", [p, w1, g.bias(2, p, ws1)],
                                   "conv")], "relu")
        h = g.qdq(h, 0.0, 2.0)
        w2, ws2 = g.weight((c, 2, 1, 1), 0)
        gate = g.node("Conv", [h, w2, g.bias(c, h, ws2)], "conv")
        gate = g.qdq(g.node("HardSigmoid", [gate], "hsig", alpha=1 / 6,
                            beta=0.5), 0.0, 1.0)
        return m.finish(g.node("Mul", [x, gate], "mul"), shape, -0.5, 4.0)
    if variant == "qat_conv_bn":
        # PyTorch's QAT Conv+BN export: the convolution's output divided by
        # the per-channel factor, then BatchNormalization.
        x, shape = m.nhwc_input()
        factor = g.const("f", f32(r.uniform(0.5, 2.0, (4, 1, 1))))
        y = g.node("Div", [x, factor], "div")
        params = [r.uniform(0.5, 2.0, 4), r.normal(0, 0.5, 4),
                  r.normal(0, 0.5, 4), r.uniform(0.1, 3.0, 4)]
        names = [g.const(n, f32(v))
                 for n, v in zip(["scale", "b", "mean", "var"], params)]
        y = g.node("BatchNormalization", [y] + names, "bn")
        return m.finish(g.node("Relu", [y], "relu"), shape, 0.0, 6.0)
    if variant == "attention_heads":
        # Multi-head attention as exports write it: per-head Q, K, V by
        # Reshape and Transpose, 4-D MatMuls for the scores and the
        # weighted values, Softmax over the keys.
        x, _ = m.plain_input([2, 5, 8])
        i64 = np.int64

        def heads(stem, perm):
            w, ws = g.weight((8, 8), 1)
            y = g.node("MatMul", [x, w], stem)
            y = g.qdq(g.node("Add", [y, g.bias(8, y, ws)], "add"), -3.0, 3.0)
            y = g.node("Reshape", [y, g.const("shape", i64([2, 5, 2, 4]))],
                       "reshape")
            return g.node("Transpose", [y], "t", perm=perm)

        q = heads("q", [0, 2, 1, 3])
        k = heads("k", [0, 2, 3, 1])
        v = heads("v", [0, 2, 1, 3])
        s = g.qdq(g.node("MatMul", [q, k], "scores"), -6.0, 6.0)
        p = g.qdq(g.node("Softmax", [s], "softmax", axis=-1), 0.0, 1.0)
        y = g.qdq(g.node("MatMul", [p, v], "context"), -3.0, 3.0)
        y = g.node("Transpose", [y], "t", perm=[0, 2, 1, 3])
        y = g.node("Reshape", [y, g.const("shape", i64([2, 5, 8]))],
                   "reshape")
        return m.finish(y, [2, 5, 8], -3.0, 3.0)
    if variant == "conv_transpose":
        # PP-OCR's detection head: 2x2 kernel, stride 2, per-channel weight
        # on its output-channel axis 1.
        x, shape = m.nhwc_input()
        w, ws = g.weight((4, 3, 2, 2), 1)
        y = g.node("ConvTranspose", [x, w, g.bias(3, x, ws)], "deconv",
                   kernel_shape=[2, 2], strides=[2, 2])
        y = g.qdq(g.node("Relu", [y], "relu"), 0.0, 4.0)
        return m.finish(y, [1, 3, 10, 12], 0.0, 4.0)
    if variant == "conv_transpose_pads":
        x, shape = m.nhwc_input()
        w, ws = g.weight((4, 2, 3, 3), 1)
        y = g.node("ConvTranspose", [x, w], "deconv", strides=[2, 2],
                   pads=[1, 1, 1, 1], output_padding=[1, 1])
        return m.finish(y, [1, 2, 10, 12], -3.0, 3.0)
    if variant == "conv1d":
        # Speech front ends: 1-D convolutions (a strided dilated one, a
        # depthwise one) and 1-D poolings on N x C x L.
        x, shape = m.plain_input([1, 3, 17], -1.0, 1.0)
        w, ws = g.weight((4, 3, 3), 0)
        y = g.node("Conv", [x, w, g.bias(4, x, ws)], "conv", pads=[2, 1],
                   strides=[2], dilations=[2])
        y = g.qdq(g.node("Relu", [y], "relu"), 0.0, 4.0)
        y = g.qdq(g.node("MaxPool", [y], "maxpool", kernel_shape=[2],
                         strides=[1]), 0.0, 4.0)
        w, ws = g.weight((4, 1, 3), 0)
        y = g.node("Conv", [y, w, g.bias(4, y, ws)], "dwconv", group=4,
                   pads=[1, 1])
        y = g.qdq(y, -3.0, 3.0)
        y = g.node("AveragePool", [y], "avgpool", kernel_shape=[3],
                   pads=[1, 1], count_include_pad=1)
        return m.finish(y, [1, 4, 7], -3.0, 3.0)
    if variant == "conv1d_global":
        x, shape = m.plain_input([2, 3, 9], -1.0, 1.0)
        w, ws = g.weight((5, 3, 1), 0)
        y = g.qdq(g.node("Conv", [x, w, g.bias(5, x, ws)], "conv"), -2.0, 2.0)
        return m.finish(g.node("GlobalAveragePool", [y], "gap"), [2, 5, 1],
                        -2.0, 2.0)
    raise ValueError(variant)


def builders():
    """The builders of every model; each returns what qdq_models.build()
    returns."""
    out = [lambda i=i: unary(i) for i in range(len(UNARY))]
    out += [lambda k=k: binary(k) for k in BINARY]
    out += [lambda v=v: batchnorm(v) for v in (True, False)]
    out += [lambda v=v: softmax(v)
            for v in ("axis1_nhwc", "last_3d", "coerced_nhwc")]
    out += [lambda v=v: reduce(v) for v in REDUCE]
    out += [lambda v=v: data(v) for v in DATA]
    out += [lambda v=v: composite(v)
            for v in ("layernorm_gelu", "se_hardswish", "qat_conv_bn",
                      "conv1d", "conv1d_global", "attention_heads",
                      "conv_transpose", "conv_transpose_pads")]
    return out
