"""A QDQ quantizer that follows ONNX Runtime's `quantize_static` rules.

  /usr/bin/python3 quantize_static.py ORT_DIR IN.onnx OUT.onnx CALIB.npz...

ONNX Runtime's Python package (onnxruntime.quantization) is not available
here, so this module reproduces what `quantize_static(..., quant_format=QDQ,
per_channel=True, activation_type=QUInt8, weight_type=QInt8)` with MinMax
calibration produces, with python3-onnx and numpy. The float model runs
(calibration, constant folding) on ONNX Runtime itself, through npm's
onnxruntime-node and test/ONNX/ort_run.mjs.

What it does, in ONNX Runtime's order:
  1. Pre-processing, as `quant_pre_process` does through ORT's optimizer:
     fixed input shapes, opset < 13 converted to 13 (per-channel
     DequantizeLinear needs 13; ORT itself only rewrites the opset import of
     a model below 10, which would break an opset-9 Clip), Constant nodes
     to initializers, subgraphs of constants and of Shape of a static shape
     folded (evaluated by ONNX Runtime), BatchNormalization folded into the
     Conv before it.
  2. MinMax calibration: every float tensor that a node reads or writes
     (not initializers) becomes a graph output; the model runs on each
     calibration input; the range of a tensor is its min and max over all.
  3. The op handlers of ORT's registries (QDQRegistry, and QDQOperatorBase
     for the other ops of QLinearOpsRegistry), visited in node order:
     Conv/ConvTranspose/Gemm/MatMul quantize input, output, weight
     (int8 symmetric per channel: axis 0 for Conv, 1 for ConvTranspose, 0
     or 1 for Gemm by transB, 1 for MatMul) and bias (int32, scale
     s_x * s_w, zero point 0); Relu/Clip whose input is quantized are
     removed and their output range given to the producer; Reshape,
     Transpose, Squeeze, Unsqueeze, Slice, AveragePool, MaxPool, Resize,
     Pad, Gather, Split reuse their input's parameters for their output
     when their input is quantized; the other registered ops (Add, Mul,
     Sigmoid, LeakyRelu, GlobalAveragePool, Concat, Softmax, ArgMax,
     Where) get QuantizeLinear/DequantizeLinear on every float input and
     output; everything else stays float. Before that, ORT's
     adjust_tensor_ranges: the input of a Relu/Clip that only it reads takes
     the output's range, a Softmax's output the range [0, 1].
  4. Activations: uint8, asymmetric, range widened to include 0,
     scale = (max - min) / 255, zero point round(-min / scale). A float
     initializer read by a quantized op is quantized with its own range
     (uint8); weights int8 in [-127, 127].
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper, shape_inference

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
ORT_RUN = os.path.join(ROOT, "test", "ONNX", "ort_run.mjs")

FLOAT_TYPES = (TensorProto.FLOAT, TensorProto.FLOAT16)

# ORT's QDQRegistry (onnxruntime/python/tools/quantization/registry.py) by
# handler kind, and the QLinearOpsRegistry ops that quantize_static adds to
# the default op_types_to_quantize, which get QDQOperatorBase.
CONV_LIKE = {"Conv", "ConvTranspose", "Gemm", "MatMul"}
REMOVABLE_ACTIVATIONS = {"Relu", "Clip"}
SAME_AS_INPUT = {"Reshape", "Transpose", "Squeeze", "Unsqueeze", "Slice",
                 "AveragePool", "MaxPool", "Resize", "Pad", "Gather",
                 "GatherElements", "TopK"}
SPLIT = {"Split"}
WHERE = {"Where"}
NORMALIZATION = {"InstanceNormalization", "LayerNormalization",
                 "BatchNormalization"}
ALL_INPUTS_AND_OUTPUTS = {"Add", "Mul", "LeakyRelu", "Sigmoid",
                          "GlobalAveragePool", "Concat", "Softmax", "ArgMax",
                          "CumSum"}
QUANTIZED_OPS = (CONV_LIKE | REMOVABLE_ACTIVATIONS | SAME_AS_INPUT | SPLIT |
                 WHERE | NORMALIZATION | ALL_INPUTS_AND_OUTPUTS)


# --- ONNX Runtime (npm onnxruntime-node) through test/ONNX/ort_run.mjs ---

NUMPY_TO_ORT = {np.dtype(np.float32): "float32", np.dtype(np.int64): "int64",
                np.dtype(np.int32): "int32", np.dtype(np.bool_): "bool"}
ONNX_TO_NUMPY = {TensorProto.FLOAT: np.float32, TensorProto.FLOAT16: np.float16,
                 TensorProto.DOUBLE: np.float64, TensorProto.INT64: np.int64,
                 TensorProto.INT32: np.int32, TensorProto.INT8: np.int8,
                 TensorProto.UINT8: np.uint8, TensorProto.BOOL: np.bool_}


def ort_run(ort_dir, model_path, feeds_list, outputs, level="disabled",
            threads=1, time_seconds=0, work=None):
    """Runs `model_path` once per feed dict of `feeds_list` on ONNX Runtime
    and returns, per run, {name: flat array} for `outputs` ({name: numpy
    dtype}), and the mean latency in seconds per run when `time_seconds`
    (else None). A run ONNX Runtime refuses gives None."""
    own = work is None
    work = work or tempfile.mkdtemp(prefix="qat-ort-")
    manifest = []
    for k, feeds in enumerate(feeds_list):
        entry = {"model": os.path.abspath(model_path), "inputs": [],
                 "outputs": []}
        for name, x in feeds.items():
            x = np.ascontiguousarray(x)
            raw = os.path.join(work, f"run{k}.in.{len(entry['inputs'])}.bin")
            x.tofile(raw)
            entry["inputs"].append({"name": name, "file": raw,
                                    "shape": list(x.shape),
                                    "type": NUMPY_TO_ORT[x.dtype]})
        for j, name in enumerate(outputs):
            entry["outputs"].append({"name": name,
                                     "file": os.path.join(work, f"run{k}.out{j}")})
        if time_seconds:
            entry["time"] = time_seconds
            entry["timeFile"] = os.path.join(work, f"run{k}.time.json")
        manifest.append(entry)
    path = os.path.join(work, "manifest.json")
    with open(path, "w") as f:
        json.dump(manifest, f)
    for entry in manifest:
        for o in entry["outputs"]:
            if os.path.exists(o["file"] + "." + level):
                os.remove(o["file"] + "." + level)
    run = subprocess.run(["node", ORT_RUN, ort_dir, path, level, str(threads)],
                         capture_output=True, text=True)
    if run.returncode:
        raise RuntimeError(f"ort_run.mjs failed: {run.stderr.strip()}")
    results, errors = [], run.stderr.strip()
    for entry in manifest:
        got = {}
        for (name, dtype), o in zip(outputs.items(), entry["outputs"]):
            file = o["file"] + "." + level
            if not os.path.exists(file):
                got = None
                break
            got[name] = np.fromfile(file, dtype)
        seconds = None
        if got is not None and time_seconds:
            with open(entry["timeFile"]) as f:
                seconds = json.load(f)["mean_us"] * 1e-6
        results.append((got, seconds))
    if own:
        subprocess.run(["rm", "-rf", work], check=False)
    if all(r[0] is None for r in results):
        raise RuntimeError(f"ONNX Runtime refused {model_path}: {errors}")
    return results


# --- graph helpers ---

def _initializers(model):
    return {i.name: i for i in model.graph.initializer}


def _consumers(graph):
    result = {}
    for node in graph.node:
        for name in node.input:
            result.setdefault(name, []).append(node)
    return result


def _value_types(model):
    """{tensor name: ONNX element type} for inputs, outputs, value_info."""
    g = model.graph
    types = {}
    for vi in list(g.input) + list(g.output) + list(g.value_info):
        if vi.type.HasField("tensor_type"):
            types[vi.name] = vi.type.tensor_type.elem_type
    for i in g.initializer:
        types[i.name] = i.data_type
    return types


def _value_shapes(model):
    shapes = {}
    for vi in (list(model.graph.input) + list(model.graph.output) +
               list(model.graph.value_info)):
        t = vi.type.tensor_type
        if t.HasField("shape") and all(d.HasField("dim_value")
                                       for d in t.shape.dim):
            shapes[vi.name] = [d.dim_value for d in t.shape.dim]
    for i in model.graph.initializer:
        shapes[i.name] = list(i.dims)
    return shapes


def _infer(model):
    model = shape_inference.infer_shapes(model, strict_mode=False)
    return model


def _attr(node, name, default=None):
    for a in node.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return default


# --- 1. pre-processing ---

def fix_input_shapes(model, shapes):
    """Gives the graph inputs the static `shapes` ({name: shape}) and drops
    the inferred shapes of the intermediate tensors, which may name the old
    dims (the graph outputs keep theirs: ONNX's checker wants one)."""
    inits = _initializers(model)
    for vi in model.graph.input:
        if vi.name in inits or vi.name not in shapes:
            continue
        dims = vi.type.tensor_type.shape.dim
        del dims[:]
        for d in shapes[vi.name]:
            dims.add().dim_value = int(d)
    del model.graph.value_info[:]
    return model


def constants_to_initializers(model):
    g = model.graph
    keep = []
    for node in g.node:
        value = _attr(node, "value") if node.op_type == "Constant" else None
        if value is not None:
            t = onnx.TensorProto()
            t.CopyFrom(value)
            t.name = node.output[0]
            g.initializer.append(t)
        else:
            keep.append(node)
    del g.node[:]
    g.node.extend(keep)
    return model


def fold_constants(model, ort_dir):
    """Evaluates, with ONNX Runtime, the nodes whose inputs are all known
    (initializers, folded results, Shape of a static shape) and replaces
    them by initializers, as ORT's constant folding does in pre-processing.
    Returns the model and the number of nodes folded."""
    g = model.graph
    inits = _initializers(model)
    shapes = _value_shapes(model)
    known = set(inits)
    folded_nodes, shape_values = [], {}
    for node in g.node:
        if node.op_type == "Shape" and node.input[0] in shapes:
            shape = shapes[node.input[0]]
            start, end = _attr(node, "start", 0), _attr(node, "end", None)
            shape_values[node.output[0]] = np.array(shape[start:end], np.int64)
            known.add(node.output[0])
            folded_nodes.append(node)
        elif (node.input and node.op_type not in ("If", "Loop", "Scan")
              and all(i == "" or i in known for i in node.input)
              and node.op_type not in ("RandomNormal", "RandomUniform")):
            known.update(node.output)
            folded_nodes.append(node)
    if not folded_nodes:
        return model, 0
    folded = {n.name or id(n) for n in folded_nodes}
    rest = [n for n in g.node if (n.name or id(n)) not in folded]
    needed = {i for n in rest for i in n.input} | {o.name for o in g.output}
    wanted = [o for n in folded_nodes for o in n.output
              if o in needed and o not in shape_values]
    values = dict(shape_values)
    if wanted:
        types = _value_types(model)
        sub = helper.make_graph(
            [n for n in folded_nodes if n.op_type != "Shape"], "fold", [],
            [helper.make_tensor_value_info(w, types.get(w, TensorProto.FLOAT),
                                           None) for w in wanted],
            initializer=list(g.initializer) +
            [numpy_helper.from_array(v, k) for k, v in shape_values.items()])
        submodel = helper.make_model(sub, opset_imports=model.opset_import)
        submodel.ir_version = model.ir_version
        with tempfile.TemporaryDirectory(prefix="qat-fold-") as work:
            path = os.path.join(work, "fold.onnx")
            onnx.save(submodel, path)
            outputs = {w: ONNX_TO_NUMPY[types.get(w, TensorProto.FLOAT)]
                       for w in wanted}
            (got, _), = ort_run(ort_dir, path, [{}], outputs, work=work)
            sub_shapes = _value_shapes(_infer(submodel))
            for w in wanted:
                values[w] = got[w].reshape(sub_shapes.get(w, [-1]))
    del g.node[:]
    g.node.extend(rest)
    for name, v in values.items():
        if name in needed:
            g.initializer.append(numpy_helper.from_array(np.asarray(v), name))
    return remove_unused_initializers(model), len(folded_nodes)


def remove_unused_initializers(model):
    g = model.graph
    used = {i for n in g.node for i in n.input} | {o.name for o in g.output}
    for n in g.node:  # subgraphs read outer initializers by name
        for a in n.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                used |= {i for sn in a.g.node for i in sn.input}
    keep = [i for i in g.initializer if i.name in used]
    del g.initializer[:]
    g.initializer.extend(keep)
    keep_inputs = [i for i in g.input if i.name in used or
                   i.name not in {t.name for t in keep}]
    del g.input[:]
    g.input.extend(keep_inputs)
    return model


def fold_batch_norm(model):
    """Conv followed by an inference BatchNormalization (its only reader)
    becomes one Conv with scaled weights and a bias (ORT's ConvBNFusion)."""
    g = model.graph
    inits = _initializers(model)
    consumers = _consumers(g)
    producers = {o: n for n in g.node for o in n.output}
    removed, count = set(), 0
    for bn in g.node:
        if bn.op_type != "BatchNormalization" or len(bn.output) != 1:
            continue
        conv = producers.get(bn.input[0])
        if (conv is None or conv.op_type != "Conv" or
                len(consumers.get(conv.output[0], [])) != 1 or
                conv.input[1] not in inits or
                not all(i in inits for i in bn.input[1:5]) or
                (len(conv.input) > 2 and conv.input[2] not in inits)):
            continue
        w = numpy_helper.to_array(inits[conv.input[1]]).astype(np.float32)
        b = (numpy_helper.to_array(inits[conv.input[2]]).astype(np.float32)
             if len(conv.input) > 2 and conv.input[2] else
             np.zeros(w.shape[0], np.float32))
        gamma, beta, mean, var = (numpy_helper.to_array(inits[i]).astype(
            np.float32) for i in bn.input[1:5])
        eps = _attr(bn, "epsilon", 1e-5)
        k = gamma / np.sqrt(var + np.float32(eps))
        w = w * k.reshape([-1] + [1] * (w.ndim - 1))
        b = (b - mean) * k + beta
        wname, bname = conv.output[0] + "_bn_w", conv.output[0] + "_bn_b"
        g.initializer.extend([numpy_helper.from_array(w, wname),
                              numpy_helper.from_array(b, bname)])
        del conv.input[1:]
        conv.input.extend([wname, bname])
        conv.output[0] = bn.output[0]
        removed.add(id(bn))
        count += 1
    keep = [n for n in g.node if id(n) not in removed]
    del g.node[:]
    g.node.extend(keep)
    return remove_unused_initializers(model), count


def preprocess(model, input_shapes, ort_dir):
    """Returns the pre-processed model and what was done (a dict)."""
    info = {}
    opset = next((o.version for o in model.opset_import
                  if o.domain in ("", "ai.onnx")), 13)
    model = fix_input_shapes(model, input_shapes)
    model = constants_to_initializers(model)
    model = _infer(model)
    total = 0
    for _ in range(4):  # Shape folding reveals new static shapes
        model, n = fold_constants(model, ort_dir)
        model = _infer(model)
        total += n
        if not n:
            break
    info["folded"] = total
    if opset < 13:
        # After folding: Softmax's adapter needs the shapes.
        from onnx import version_converter
        model = version_converter.convert_version(model, 13)
        model = _infer(constants_to_initializers(model))
        info["opset"] = f"{opset} -> 13"
    model, info["bn_folded"] = fold_batch_norm(model)
    model = _infer(model)
    return model, info


# --- 2. calibration ---

def calibrate(model, feeds_list, ort_dir):
    """{tensor: (min, max)} over all runs, for every float tensor a node of
    the main graph reads or writes, as ORT's MinMaxCalibrater."""
    types = _value_types(model)
    inits = _initializers(model)
    names = []
    for node in model.graph.node:
        for t in list(node.input) + list(node.output):
            if (t and t not in inits and types.get(t) in FLOAT_TYPES and
                    t not in names):
                names.append(t)
    augmented = onnx.ModelProto()
    augmented.CopyFrom(model)
    present = {o.name for o in augmented.graph.output}
    for t in names:
        if t not in present:
            augmented.graph.output.append(
                helper.make_tensor_value_info(t, types[t], None))
    with tempfile.TemporaryDirectory(prefix="qat-calib-") as work:
        path = os.path.join(work, "augmented.onnx")
        onnx.save(augmented, path)
        outputs = {t: ONNX_TO_NUMPY[types[t]] for t in names}
        results = ort_run(ort_dir, path, feeds_list, outputs, work=work)
    ranges = {}
    for got, _ in results:
        if got is None:
            raise RuntimeError("ONNX Runtime refused a calibration input")
        for t in names:
            x = got[t].astype(np.float32)
            if x.size == 0:
                continue
            lo, hi = np.float32(x.min()), np.float32(x.max())
            if t in ranges:
                lo, hi = min(lo, ranges[t][0]), max(hi, ranges[t][1])
            ranges[t] = (lo, hi)
    return ranges


# --- quantization parameters (ORT's quant_utils) ---

def compute_scale_zp(rmin, rmax, qmin, qmax, symmetric):
    """ORT's compute_scale_zp: the range always includes 0; the scale is
    computed in float64 and stored in float32."""
    rmin = np.minimum(np.float32(rmin), np.float32(0))
    rmax = np.maximum(np.float32(rmax), np.float32(0))
    if symmetric:
        absmax = np.maximum(np.abs(rmin), np.abs(rmax))
        rmin, rmax = -absmax, absmax
    scale = np.float64(rmax - rmin) / (np.float64(qmax) - np.float64(qmin))
    if scale < np.finfo(np.float32).tiny:
        return np.float32(1.0), 0
    if symmetric:
        zp = int(np.round((qmin + qmax) / 2.0))
    else:
        zp = int(np.round(qmin - np.float64(rmin) / scale))
    return np.float32(scale), zp


def quantize_array(x, scale, zp, qmin, qmax, dtype):
    """ORT's quantize_nparray: x / scale in float32, rounded half to even."""
    q = np.asarray(x, np.float32) / np.float32(scale)
    q = np.clip(np.round(q) + zp, qmin, qmax)
    return q.astype(dtype)


U8 = (0, 255, np.uint8, TensorProto.UINT8)
I8_SYMMETRIC = (-127, 127, np.int8, TensorProto.INT8)


# --- 3. the QDQ quantizer ---

class _Tensor:
    """What the quantizer decided for one tensor."""

    def __init__(self, kind, axis=None, provider=None):
        self.kind = kind  # "activation" or "weight"
        self.axis = axis
        self.provider = provider  # quantize with this tensor's parameters


class QDQQuantizer:
    def __init__(self, model, ranges):
        self.model = model
        self.ranges = ranges
        self.inits = _initializers(model)
        self.types = _value_types(model)
        self.graph_inputs = {i.name for i in model.graph.input}
        self.graph_outputs = {o.name for o in model.graph.output}
        self.tensors = {}  # name -> _Tensor, in registration order
        self.biases = {}  # name -> (input name, weight name, beta)
        self.removed = set()
        self.params = {}  # tensor -> (scale, zp) for activations

    # -- ORT's quantizer API, as the op handlers use it --
    def quantizable(self, name):
        if not name:
            return False
        if name in self.inits:
            return self.inits[name].data_type in FLOAT_TYPES
        return self.types.get(name) in FLOAT_TYPES

    def is_quantized(self, name):
        return name in self.tensors or name in self.biases

    def activation(self, name):
        if self.quantizable(name) and name not in self.tensors:
            self.tensors[name] = _Tensor("activation")

    def weight(self, name, axis=None):
        if self.quantizable(name) and name not in self.tensors:
            if axis is not None and name in self.inits:
                rank = len(self.inits[name].dims)
                axis = axis if -rank <= axis < rank else None
                if axis is not None:
                    axis %= rank
            self.tensors[name] = _Tensor("weight", axis)

    def same_as_input(self, output, inp):
        if self.quantizable(output) and output not in self.tensors:
            self.tensors[output] = _Tensor("activation", provider=inp)

    def bias(self, name, inp, weight, beta=1.0):
        if name in self.inits and self.quantizable(name):
            self.biases[name] = (inp, weight, beta)

    # -- the op handlers --
    def visit(self, node, consumers):
        op = node.op_type
        ins, outs = node.input, node.output
        if op in ("Conv", "ConvTranspose"):
            self.activation(ins[0])
            self.activation(outs[0])
            self.weight(ins[1], 0 if op == "Conv" else 1)
            if len(ins) > 2 and ins[2]:
                self.bias(ins[2], ins[0], ins[1])
        elif op == "Gemm":
            self.activation(ins[0])
            self.activation(outs[0])
            self.weight(ins[1], 0 if _attr(node, "transB", 0) else 1)
            if len(ins) > 2 and ins[2] and ins[2] in self.inits:
                self.bias(ins[2], ins[0], ins[1], _attr(node, "beta", 1.0))
                for a in node.attribute:  # ORT's set_default_beta
                    if a.name == "beta":
                        a.f = 1.0
        elif op == "MatMul":
            for t in ins:
                if t in self.inits:
                    self.weight(t, 1)
                else:
                    self.activation(t)
            self.activation(outs[0])
        elif op in REMOVABLE_ACTIVATIONS:
            if not self.is_quantized(ins[0]):
                return
            up = ins[0]
            # Unlike ORT, kept when a subgraph reads its output: that reader
            # would get the producer's unclamped float result.
            if (outs[0] in self.ranges and len(consumers.get(up, [])) == 1 and
                    outs[0] not in self.subgraph_reads and
                    up not in self.graph_outputs and
                    up not in self.graph_inputs):
                # ORT's try_replacing_upstream_output: the producer writes
                # the activation's output, whose range does the clamping.
                for n in self.model.graph.node:
                    for k, o in enumerate(n.output):
                        if o == up:
                            n.output[k] = outs[0]
                self.tensors.pop(up, None)
                self.removed.add(id(node))
            else:
                self.activation(ins[0])
            self.activation(outs[0])
        elif op in SAME_AS_INPUT:
            if op == "MaxPool" and self.opset < 12:
                return
            if self.is_quantized(ins[0]):
                self.same_as_input(outs[0], ins[0])
        elif op in SPLIT:
            self.activation(ins[0])
            for o in outs:
                self.same_as_input(o, ins[0])
        elif op in WHERE:
            for t in ins[1:]:
                self.activation(t)
            self.activation(outs[0])
        elif op in NORMALIZATION:
            self.activation(ins[0])
            if ins[1] in self.inits:
                self.weight(ins[1])
            if op != "BatchNormalization" and len(ins) > 2 and ins[2]:
                self.bias(ins[2], ins[0], ins[1])
            for o in outs:
                self.activation(o)
        elif op in ALL_INPUTS_AND_OUTPUTS:
            for t in list(ins) + list(outs):
                self.activation(t)

    def run(self):
        g = self.model.graph
        self.opset = next((o.version for o in self.model.opset_import
                           if o.domain in ("", "ai.onnx")), 13)
        consumers = _consumers(g)
        self.subgraph_reads = set()
        for node in g.node:
            self.subgraph_reads |= _subgraph_reads(node)
        # ORT's adjust_tensor_ranges: the input of a Clip or Relu read by
        # it alone takes the output's range; Softmax's output is [0, 1].
        for node in g.node:
            if node.op_type in REMOVABLE_ACTIVATIONS:
                i, o = node.input[0], node.output[0]
                if (len(consumers.get(i, [])) == 1 and i in self.ranges and
                        o in self.ranges):
                    self.ranges[i] = self.ranges[o]
            elif node.op_type == "Softmax" and node.output[0] in self.ranges:
                self.ranges[node.output[0]] = (np.float32(0), np.float32(1))
        for node in list(g.node):
            if node.op_type in QUANTIZED_OPS:
                self.visit(node, consumers)
        keep = [n for n in g.node if id(n) not in self.removed]
        del g.node[:]
        g.node.extend(keep)
        # Tensors without a calibrated range (never computed) stay float.
        for name in list(self.tensors):
            t = self.tensors[name]
            if name not in self.inits and name not in self.ranges and (
                    t.provider is None or t.provider not in self.ranges):
                del self.tensors[name]
        for name, t in self.tensors.items():
            if name in self.inits:
                continue
            source = t.provider if t.provider in self.ranges else name
            if t.provider is not None and t.provider in self.params:
                self.params[name] = self.params[t.provider]
            elif source in self.params:
                self.params[name] = self.params[source]
            else:
                lo, hi = self.ranges[source]
                self.params[name] = compute_scale_zp(lo, hi, 0, 255, False)
        new_nodes, new_inits = [], []
        weight_scales = {}
        for name, t in self.tensors.items():
            if name in self.inits:
                scale = self._quantize_initializer(name, t, new_nodes,
                                                   new_inits)
                weight_scales[name] = scale
            else:
                self._quantize_activation(name, new_nodes, new_inits)
        for name, (inp, weight, beta) in self.biases.items():
            if inp not in self.params or weight not in weight_scales:
                continue
            self._quantize_bias(name, self.params[inp][0],
                                weight_scales[weight], beta, new_nodes,
                                new_inits)
        g.initializer.extend(new_inits)
        g.node.extend(new_nodes)
        _topological_sort(g)
        return remove_unused_initializers(self.model)

    def _replace_inputs(self, old, new):
        for n in self.model.graph.node:
            for k, i in enumerate(n.input):
                if i == old:
                    n.input[k] = new

    def _quantize_activation(self, name, nodes, inits):
        scale, zp = self.params[name]
        s, z = name + "_scale", name + "_zero_point"
        inits += [numpy_helper.from_array(np.array(scale, np.float32), s),
                  numpy_helper.from_array(np.array(zp, np.uint8), z)]
        q_in, dq_out = name, name + "_DequantizeLinear_Output"
        if name in self.graph_outputs:
            q_in, dq_out = name + "_QuantizeLinear_Input", name
            for n in self.model.graph.node:
                for k, o in enumerate(n.output):
                    if o == name:
                        n.output[k] = q_in
        else:
            self._replace_inputs(name, dq_out)
        q = name + "_QuantizeLinear_Output"
        nodes += [helper.make_node("QuantizeLinear", [q_in, s, z], [q],
                                   name + "_QuantizeLinear"),
                  helper.make_node("DequantizeLinear", [q, s, z], [dq_out],
                                   name + "_DequantizeLinear")]

    def _quantize_initializer(self, name, t, nodes, inits):
        w = numpy_helper.to_array(self.inits[name]).astype(np.float32)
        weight = t.kind == "weight"
        qmin, qmax, dtype, _ = I8_SYMMETRIC if weight else U8
        if t.axis is not None and weight:
            moved = np.moveaxis(w, t.axis, 0).reshape(w.shape[t.axis], -1)
            pairs = [compute_scale_zp(c.min(), c.max(), qmin, qmax, True)
                     for c in moved]
            scale = np.array([p[0] for p in pairs], np.float32)
            zp = np.array([p[1] for p in pairs], dtype)
            shape = [1] * w.ndim
            shape[t.axis] = -1
            q = np.clip(np.round(w / scale.reshape(shape)) +
                        zp.reshape(shape).astype(np.float32), qmin, qmax)
            q = q.astype(dtype)
        else:
            scale, zp = compute_scale_zp(w.min(), w.max(), qmin, qmax, weight)
            q = quantize_array(w, scale, zp, qmin, qmax, dtype)
            scale, zp = np.array(scale, np.float32), np.array(zp, dtype)
        qn, s, z = name + "_quantized", name + "_scale", name + "_zero_point"
        inits += [numpy_helper.from_array(q, qn),
                  numpy_helper.from_array(scale, s),
                  numpy_helper.from_array(zp, z)]
        out = name + "_DequantizeLinear_Output"
        self._replace_inputs(name, out)
        attrs = {"axis": t.axis} if (t.axis is not None and weight) else {}
        nodes.append(helper.make_node("DequantizeLinear", [qn, s, z], [out],
                                      name + "_DequantizeLinear", **attrs))
        return scale

    def _quantize_bias(self, name, x_scale, w_scale, beta, nodes, inits):
        b = numpy_helper.to_array(self.inits[name]).astype(np.float32)
        scale = (np.float32(x_scale) * np.asarray(w_scale, np.float32) *
                 np.float32(beta)).astype(np.float32)
        q = np.round(b / scale)
        q = np.clip(q, -2**31, 2**31 - 1).astype(np.int32)
        qn, s, z = name + "_quantized", name + "_scale", name + "_zero_point"
        scale = np.broadcast_to(scale, b.shape).astype(np.float32) \
            if scale.size > 1 else np.array(scale.reshape(()), np.float32)
        inits += [numpy_helper.from_array(q, qn),
                  numpy_helper.from_array(scale, s),
                  numpy_helper.from_array(np.zeros(scale.shape, np.int32), z)]
        out = name + "_DequantizeLinear_Output"
        self._replace_inputs(name, out)
        attrs = {"axis": 0} if scale.size > 1 else {}
        nodes.append(helper.make_node("DequantizeLinear", [qn, s, z], [out],
                                      name + "_DequantizeLinear", **attrs))


def _subgraph_reads(node):
    """Names the subgraphs of `node` (If, Loop, Scan) read from outside."""
    reads = set()
    for a in node.attribute:
        if a.type == onnx.AttributeProto.GRAPH:
            inner = {i.name for i in a.g.input} | \
                {i.name for i in a.g.initializer}
            for sn in a.g.node:
                reads |= {i for i in sn.input if i and i not in inner}
                reads |= _subgraph_reads(sn) - inner
                inner |= set(sn.output)
    return reads


def _topological_sort(graph):
    known = {i.name for i in graph.input} | {i.name for i in graph.initializer}
    known.add("")
    produced = {o for n in graph.node for o in n.output}
    pending, ordered = list(graph.node), []
    needs = {id(n): [i for i in list(n.input) +
                     sorted(_subgraph_reads(n) & produced)]
             for n in pending}
    while pending:
        rest = []
        for n in pending:
            if all(i in known for i in needs[id(n)]):
                ordered.append(n)
                known.update(n.output)
            else:
                rest.append(n)
        if len(rest) == len(pending):
            ordered += rest  # a cycle or an outer-scope name: keep order
            break
        pending = rest
    del graph.node[:]
    graph.node.extend(ordered)


def quantize_static(model, feeds_list, ort_dir):
    """Returns (QDQ model, info dict). `feeds_list`: calibration inputs, a
    list of {input name: array}; their shapes become the model's."""
    shapes = {k: v.shape for k, v in feeds_list[0].items()}
    model, info = preprocess(model, shapes, ort_dir)
    ranges = calibrate(model, feeds_list, ort_dir)
    quantizer = QDQQuantizer(model, ranges)
    model = quantizer.run()
    info["activations"] = sum(1 for n, t in quantizer.tensors.items()
                              if n not in quantizer.inits)
    info["weights"] = sum(1 for n, t in quantizer.tensors.items()
                          if n in quantizer.inits)
    info["biases"] = len(quantizer.biases)
    info["activations_removed"] = len(quantizer.removed)
    return model, info


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__.split("\n\n")[1])
    ort_dir, src, dst = sys.argv[1:4]
    feeds_list = [dict(np.load(p)) for p in sys.argv[4:]]
    model, info = quantize_static(onnx.load(src), feeds_list, ort_dir)
    onnx.save(model, dst)
    print(json.dumps(info))


if __name__ == "__main__":
    main()
