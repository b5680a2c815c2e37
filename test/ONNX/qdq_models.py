"""Seeded QDQ models shaped like PyTorch-QAT and ORT-quantizer exports.

Every model takes float inputs, fake-quantizes activations as
QuantizeLinear -> DequantizeLinear pairs (asymmetric uint8, sometimes int8),
keeps weights as int8 initializers under DequantizeLinear (per output
channel or per tensor, symmetric or not) and ends with a dequantized float
output. Families: MLPs (MatMul + Add, Gemm with transB, int32 or float
biases) and small CNNs (Conv with strides, pads, dilations, auto_pad, groups
incl. depthwise; Relu/Clip; MaxPool, AveragePool, GlobalAveragePool;
residual Add; Flatten/Reshape; Concat), with odd shapes and edge-case
scales and zero points. With `torch`, the forms PyTorch's QAT export
(torch.onnx.export of FakeQuantize modules, fbgemm qconfig) writes instead:
activations on the reduce-range grid, QuantizeLinear(u8) -> Clip(0, 127) ->
DequantizeLinear; weights as a QuantizeLinear of the float initializer
(per channel, symmetric int8); float biases; scales and zero points now and
then of shape [1]. Run with Debian's python3 (/usr/bin/python3).
"""
import numpy as np
from onnx import TensorProto, checker, helper, numpy_helper

OPSET = 13


class Builder:
    def __init__(self, rng, name, edge_cases=True, torch=False):
        # Without edge cases: the grids of an ordinary export (8-bit
        # symmetric per-channel weights, activation grids fitted to the
        # range), as the benchmark wants.
        self.edge_cases = edge_cases
        self.torch = torch
        self.rng = rng
        self.name = name
        self.nodes = []
        self.inits = []
        self.count = 0
        # The grid of the last activation fake-quant, per value name.
        self.grids = {}

    def fresh(self, stem):
        self.count += 1
        return f"{stem}{self.count}"

    def const(self, stem, array):
        name = self.fresh(stem)
        self.inits.append(numpy_helper.from_array(np.array(array),
                                                  name))
        return name

    def node(self, op, inputs, stem, **attrs):
        out = self.fresh(stem)
        self.nodes.append(helper.make_node(op, inputs, [out],
                                           name=self.fresh(op.lower() + "_"),
                                           **attrs))
        return out

    # Grids -------------------------------------------------------------
    def activation_grid(self, lo, hi):
        """An asymmetric uint8 grid covering about [lo, hi], now and then
        an edge case (int8, zero point at an end, tiny or huge scale)."""
        r = self.rng
        kind = r.random() if self.edge_cases else 1.0
        if kind < 0.08:
            return np.float32(r.choice([1e-4, 3e-3])), np.uint8(r.integers(0, 256))
        if kind < 0.14:
            return np.float32(r.choice([0.5, 2.0])), np.uint8(r.choice([0, 128, 255]))
        if kind < 0.3:
            scale = max(hi, -lo) / 127.0
            return np.float32(scale * r.uniform(0.7, 1.3)), np.int8(r.integers(-10, 11))
        scale = max(hi - lo, 1e-3) / 255.0 * r.uniform(0.8, 1.25)
        zp = int(np.clip(np.round(-lo / scale), 0, 255))
        if r.random() < 0.1:
            zp = int(r.choice([0, 255]))
        return np.float32(scale), np.uint8(zp)

    def grid_const(self, stem, value):
        """A scale or zero point: a scalar, or (PyTorch, now and then) of
        shape [1], which is per tensor too."""
        if self.torch and self.rng.random() < 0.3:
            value = np.array([value])
        return self.const(stem, value)

    def torch_qdq(self, x, lo, hi):
        """PyTorch's reduce-range activation fake-quant: u8 codes clipped to
        [0, 127], i.e. a 7-bit unsigned grid."""
        scale = np.float32(max(hi - lo, 1e-3) / 127.0)
        zp = np.uint8(np.clip(np.round(-lo / scale), 0, 127))
        s, z = self.grid_const("s", scale), self.grid_const("zp", zp)
        q = self.node("QuantizeLinear", [x, s, z], "q")
        c = self.node("Clip", [q, self.const("qmin", np.uint8(0)),
                               self.const("qmax", np.uint8(127))], "qclip")
        y = self.node("DequantizeLinear", [c, s, z], "dq")
        self.grids[y] = (float(scale), int(zp))
        return y

    def qdq(self, x, lo=-3.0, hi=3.0):
        if self.torch:
            return self.torch_qdq(x, lo, hi)
        scale, zp = self.activation_grid(lo, hi)
        s, z = self.const("s", scale), self.const("zp", zp)
        q = self.node("QuantizeLinear", [x, s, z], "q")
        y = self.node("DequantizeLinear", [q, s, z], "dq")
        self.grids[y] = (float(scale), int(zp))
        return y

    def weight(self, shape, axis):
        """An int8 weight under DequantizeLinear: per channel along `axis`
        (or per tensor), narrow symmetric, sometimes 7-bit or with a
        non-zero zero point."""
        r = self.rng
        channels = shape[axis]
        fan_in = int(np.prod(shape)) // channels
        w = r.normal(0, 1 / np.sqrt(fan_in), size=shape).astype(np.float32)
        per_channel = r.random() < 0.75 or not self.edge_cases
        limit = 63 if r.random() < 0.2 and self.edge_cases else 127
        moved = np.moveaxis(w, axis, 0).reshape(channels, -1)
        if per_channel:
            scale = (np.abs(moved).max(axis=1) / limit).astype(np.float32)
            scale = np.maximum(scale, np.float32(1e-6))
            zp = np.zeros(channels, np.int8)
            if r.random() < 0.15 and self.edge_cases:
                zp = r.integers(-20, 21, size=channels).astype(np.int8)
            bshape = [1] * len(shape)
            bshape[axis] = channels
            q = np.round(w / scale.reshape(bshape)) + zp.reshape(bshape)
        else:
            scale = np.float32(max(np.abs(w).max() / limit, 1e-6))
            zp = np.int8(r.integers(-5, 6) if r.random() < 0.15 else 0)
            q = np.round(w / scale) + zp
        q = np.clip(q, -128, 127).astype(np.int8)
        if self.torch:
            # The float weight under its fake-quant, as PyTorch exports it.
            qw = self.node("QuantizeLinear",
                           [self.const("w", w), self.const("ws", scale),
                            self.const("wzp", zp)], "wq",
                           **({"axis": axis} if per_channel else {}))
            return self.node("DequantizeLinear",
                             [qw, self.const("ws", scale),
                              self.const("wzp", zp)], "wdq",
                             **({"axis": axis} if per_channel else {})), scale
        inputs = [self.const("w", q), self.const("ws", scale),
                  self.const("wzp", zp)]
        attrs = {"axis": axis} if per_channel else {}
        return self.node("DequantizeLinear", inputs, "wdq", **attrs), scale

    def bias(self, n, x, w_scale):
        """A bias: float, or int32 under DequantizeLinear with scale
        x_scale * w_scale (the ORT quantizer's form)."""
        r = self.rng
        b = r.normal(0, 0.1, size=n).astype(np.float32)
        if x in self.grids and r.random() < 0.5 and not self.torch:
            sx = np.float32(self.grids[x][0])
            sb = (sx * np.asarray(w_scale, np.float32)).astype(np.float32)
            if sb.ndim == 0:
                sb = np.float32(sb)
            q = np.round(b / sb).astype(np.int32)
            return self.node("DequantizeLinear",
                             [self.const("b", q), self.const("bs", sb)], "bdq",
                             **({"axis": 0} if np.ndim(sb) else {}))
        return self.const("b", b)

    def act(self, x):
        r = self.rng.random()
        if r < 0.4:
            return self.node("Relu", [x], "relu"), (0.0, 3.0)
        if r < 0.6:
            return self.node("Clip", [x, self.const("lo", np.float32(0)),
                                      self.const("hi", np.float32(6))],
                             "clip"), (0.0, 6.0)
        return x, (-3.0, 3.0)

    # Layers --------------------------------------------------------------
    def dense(self, x, k, n):
        r = self.rng
        if r.random() < 0.5:
            w, ws = self.weight((n, k), 0)
            # Now and then alpha and beta (from a generator of their own, so
            # that the other draws stay as they were).
            extra = np.random.default_rng(len(self.nodes) + 7 * self.count)
            scales = ({"alpha": float(extra.uniform(0.5, 1.5)),
                       "beta": float(extra.uniform(0.5, 1.5))}
                      if self.edge_cases and extra.random() < 0.2 else {})
            y = self.node("Gemm", [x, w, self.bias(n, x, ws)], "gemm",
                          transB=1, **scales)
        else:
            w, ws = self.weight((k, n), 1)
            y = self.node("MatMul", [x, w], "mm")
            y = self.node("Add", [y, self.bias(n, x, ws)], "add")
        y, (lo, hi) = self.act(y)
        return self.qdq(y, lo, hi)

    def conv(self, x, c, h, w, f, depthwise=False):
        r = self.rng
        k = int(r.choice([1, 3, 3, 5])) if not depthwise else 3
        stride = int(r.choice([1, 1, 2]))
        dilation = int(r.choice([1, 1, 1, 2])) if k > 1 else 1
        extent = dilation * (k - 1) + 1
        attrs = {"strides": [stride, stride], "dilations": [dilation, dilation]}
        if r.random() < 0.2 and dilation == 1:
            # (ONNX Runtime rejects dilations with auto_pad.)
            attrs["auto_pad"] = "SAME_UPPER" if r.random() < 0.5 else "SAME_LOWER"
            oh, ow = -(-h // stride), -(-w // stride)
        else:
            pads = [int(r.integers(0, extent // 2 + 1)) for _ in range(4)]
            attrs["pads"] = pads
            oh = (h + pads[0] + pads[2] - extent) // stride + 1
            ow = (w + pads[1] + pads[3] - extent) // stride + 1
            if oh < 1 or ow < 1:
                attrs["pads"] = [extent // 2] * 4
                attrs["strides"] = [1, 1]
                oh = h + 2 * (extent // 2) - extent + 1
                ow = w + 2 * (extent // 2) - extent + 1
        if depthwise:
            f = c
            attrs["group"] = c
            wt, ws = self.weight((c, 1, k, k), 0)
        elif c % 2 == 0 and f % 2 == 0 and r.random() < 0.3:
            # Grouped (ResNeXt-like), two groups.
            attrs["group"] = 2
            wt, ws = self.weight((f, c // 2, k, k), 0)
        else:
            wt, ws = self.weight((f, c, k, k), 0)
        inputs = [x, wt]
        if r.random() < 0.85:
            inputs.append(self.bias(f, x, ws))
        y = self.node("Conv", inputs, "conv", **attrs)
        # (From a generator of its own, so that the other draws stay.)
        extra = np.random.default_rng(len(self.nodes) + 13 * self.count)
        if self.torch and extra.random() < 0.8:
            y = self.conv_bn(y, f, extra)
        y, (lo, hi) = self.act(y)
        return self.qdq(y, lo, hi), f, oh, ow

    def conv_bn(self, y, f, rng):
        """PyTorch's QAT Conv+BN as exported in eval mode: the convolution
        by the fake-quantized w * factor divided by the factor, then the
        batch normalization with the running statistics."""
        factor = rng.uniform(0.5, 2.0, size=(1, f, 1, 1)).astype(np.float32)
        y = self.node("Div", [y, self.const("bnf", factor)], "div")
        stats = [rng.uniform(0.5, 1.5, f), rng.normal(0, 0.1, f),
                 rng.normal(0, 0.1, f), rng.uniform(0.5, 2.0, f)]
        names = ["gamma", "beta", "mean", "var"]
        return self.node("BatchNormalization",
                         [y] + [self.const(n, v.astype(np.float32))
                                for n, v in zip(names, stats)], "bn")


def mlp(rng, name, torch=False):
    g = Builder(rng, name, torch=torch)
    m = int(rng.choice([1, 2, 3, 7, 16]))
    sizes = [int(rng.integers(1, 48)) for _ in range(int(rng.integers(2, 5)))]
    x = "x"
    y = g.qdq(x, -1.0, 1.0)
    extra = np.random.default_rng(10**6 + int(name.rsplit("_", 1)[1]))
    for i, (k, n) in enumerate(zip(sizes, sizes[1:])):
        y = g.dense(y, k, n)
        if i == 0 and extra.random() < 0.3:
            # A round trip through a leading unit dimension.
            axes = g.const("axes", np.int64([0]))
            grid = g.grids[y]
            y = g.node("Unsqueeze", [y, axes], "unsqueeze")
            y = g.node("Squeeze", [y, axes], "squeeze")
            g.grids[y] = grid
    out = g.node("Identity", [y], "y")
    return g, [("x", [m, sizes[0]])], out, [m, sizes[-1]]


def build(seed, torch=False):
    """The model of `seed` (in PyTorch's export forms with `torch`):
    (ModelProto, [(input name, shape)], output name, output shape, output
    grid (scale, zero point))."""
    rng = np.random.default_rng(seed)
    family = "mlp" if seed % 2 == 0 else "cnn"
    name = f"{'torch_' if torch else ''}{family}_{seed}"
    if family == "mlp":
        g, inputs, out, out_shape = mlp(rng, name, torch)
    else:
        c = int(rng.choice([1, 3, 4, 8]))
        h = int(rng.integers(5, 14))
        w = int(rng.integers(5, 14))
        g = Builder(rng, name, torch=torch)
        y = g.qdq("x", -1.0, 1.0)
        y, f, oh, ow = g.conv(y, c, h, w, int(rng.choice([4, 8, 12])))
        cc, hh, ww = f, oh, ow
        if rng.random() < 0.4:
            y, cc, hh, ww = g.conv(y, cc, hh, ww, cc, depthwise=True)
        if rng.random() < 0.35:
            wt, _ = g.weight((cc, cc, 3, 3), 0)
            branch = g.qdq(g.node("Conv", [y, wt], "conv", pads=[1, 1, 1, 1]))
            y = g.qdq(g.node("Add", [y, branch], "add"), -4.0, 4.0)
        # Data movement and scaling, decided by their own generator so that
        # the rest of the model stays what the seed made before they were
        # added.
        extra = np.random.default_rng(10**6 + seed)
        main_rng, g.rng = g.rng, extra
        if extra.random() < 0.3:
            # Channel concatenation with a 1x1 branch.
            c2 = int(extra.integers(1, 5))
            wt, _ = g.weight((c2, cc, 1, 1), 0)
            branch = g.qdq(g.node("Conv", [y, wt], "conv"))
            y = g.qdq(g.node("Concat", [y, branch], "concat", axis=1))
            cc += c2
        if extra.random() < 0.25:
            # A per-channel scale layer.
            scale = extra.uniform(0.5, 1.5, size=(cc, 1, 1)).astype(np.float32)
            y = g.qdq(g.node("Mul", [y, g.const("m", scale)], "mul"))
        g.rng = main_rng
        pool = rng.random()
        # ceil_mode: windows overhanging the end (stride 2 then).
        ceil = int(extra.random() < 0.3)
        if pool < 0.3 and hh >= 2 and ww >= 2:
            y = g.qdq(g.node("MaxPool", [y], "maxpool", kernel_shape=[2, 2],
                             strides=[2, 2], ceil_mode=ceil), 0.0, 3.0)
            hh, ww = (-(-hh // 2), -(-ww // 2)) if ceil else (hh // 2, ww // 2)
        elif pool < 0.5:
            stride = 2 if ceil else 1
            y = g.qdq(g.node("AveragePool", [y], "avgpool",
                             kernel_shape=[3, 3], strides=[stride, stride],
                             pads=[1, 1, 1, 1], ceil_mode=ceil,
                             count_include_pad=int(rng.random() < 0.5)),
                      0.0, 3.0)
            if ceil:
                def size(n):
                    out = -(-(n + 2 - 3) // 2) + 1
                    return out - 1 if (out - 1) * 2 >= n + 1 else out
                hh, ww = size(hh), size(ww)
        if rng.random() < 0.5:
            y = g.qdq(g.node("GlobalAveragePool", [y], "gap"), 0.0, 2.0)
            hh = ww = 1
        if extra.random() < 0.3:
            # Flatten written as NHWC transpose + reshape.
            y = g.node("Transpose", [y], "transpose", perm=[0, 2, 3, 1])
            flat = g.node("Reshape", [y, g.const("shape", np.int64([1, -1]))],
                          "reshape")
        else:
            flat = g.node("Flatten", [y], "flat", axis=1)
        classes = int(rng.integers(2, 11))
        y = g.dense(flat, cc * hh * ww, classes)
        out = g.node("Identity", [y], "y")
        inputs, out_shape = [("x", [1, c, h, w])], [1, classes]
    grid = g.grids[g.nodes[-1].input[0]]
    graph = helper.make_graph(
        g.nodes, name,
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, s)
         for n, s in inputs],
        [helper.make_tensor_value_info(out, TensorProto.FLOAT, out_shape)],
        g.inits)
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 7
    checker.check_model(model)
    return model, inputs, out, out_shape, grid


def saturating():
    """A QDQ matmul whose adjacent u8 x s8 product pairs leave int16: bright
    activations (near 255) times large same-sign weights. Exact arithmetic
    and ONNX Runtime with optimizations disabled agree; a kernel that adds
    product pairs with int16 saturation (vpmaddubsw, what ORT's optimized
    u8 x s8 path uses on AVX2 CPUs without VNNI) loses most of each sum.
    Returns what build() returns."""
    rng = np.random.default_rng(7)
    g = Builder(rng, "saturating")
    k, n, m = 64, 8, 4
    x = g.qdq("x", 0.0, 1.0)
    g.grids.clear()
    q = rng.integers(90, 128, size=(k, n)) * np.where(np.arange(n) % 2, 1, -1)
    inputs = [g.const("w", q.astype(np.int8)),
              g.const("ws", np.float32(1 / 127)), g.const("wzp", np.int8(0))]
    w = g.node("DequantizeLinear", inputs, "wdq")
    y = g.node("MatMul", [x, w], "mm")
    scale, zp = np.float32(0.5), np.uint8(128)
    s, z = g.const("s", scale), g.const("zp", zp)
    yq = g.node("QuantizeLinear", [y, s, z], "q")
    out = g.node("DequantizeLinear", [yq, s, z], "y")
    graph = helper.make_graph(
        g.nodes, "saturating",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [m, k])],
        [helper.make_tensor_value_info(out, TensorProto.FLOAT, [m, n])],
        g.inits)
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 7
    checker.check_model(model)
    return model, [("x", [m, k])], out, [m, n], (float(scale), int(zp))


if __name__ == "__main__":
    # /usr/bin/python3 qdq_models.py SEED OUT.onnx: writes model SEED (even
    # seeds are MLPs, odd ones CNNs; "saturating" for that model).
    import sys

    from onnx import save

    seed = sys.argv[1]
    built = saturating() if seed == "saturating" else build(int(seed))
    save(built[0], sys.argv[2])
