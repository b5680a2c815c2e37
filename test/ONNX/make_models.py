"""Writes the small ONNX models the import tests read, into DIR.

  /usr/bin/python3 make_models.py DIR

Well-formed models whose import the tests check with FileCheck, and
malformed ones (truncated, not protobuf, unsupported op, missing
initializer, wrong data type, inconsistent shapes, dynamic sizes, external
data) whose import must fail with a clear error.
"""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)


def const(name, value):
    return numpy_helper.from_array(np.array(value), name)


def save(name, nodes, inputs, outputs, inits, opset=13, check=True):
    graph = helper.make_graph(nodes, name, inputs, outputs, inits)
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 7
    data = model.SerializeToString()
    with open(os.path.join(OUT, name + ".onnx"), "wb") as f:
        f.write(data)
    return data


def value(name, dtype, shape):
    return helper.make_tensor_value_info(name, dtype, shape)


def qdq(x, stem, scale, zp, nodes, inits):
    inits += [const(stem + "_s", np.float32(scale)),
              const(stem + "_zp", np.uint8(zp))]
    nodes += [helper.make_node("QuantizeLinear", [x, stem + "_s", stem + "_zp"],
                               [stem + "_q"]),
              helper.make_node("DequantizeLinear",
                               [stem + "_q", stem + "_s", stem + "_zp"],
                               [stem + "_dq"])]
    return stem + "_dq"


# A conv block as PyTorch exports it: QDQ input, per-channel int8 weight,
# int32 bias, Relu, QDQ output, max pooling.
nodes, inits = [], []
x = qdq("x", "in", 0.02, 128, nodes, inits)
w = np.arange(-36, 36, dtype=np.int8).reshape(4, 2, 3, 3)
inits += [const("w", w), const("w_s", np.float32([0.01, 0.02, 0.03, 0.04])),
          const("w_zp", np.zeros(4, np.int8)),
          const("b", np.int32([100, -200, 300, 0])),
          const("b_s", np.float32([0.0002, 0.0004, 0.0006, 0.0008]))]
nodes += [helper.make_node("DequantizeLinear", ["w", "w_s", "w_zp"], ["w_dq"],
                           axis=0),
          helper.make_node("DequantizeLinear", ["b", "b_s"], ["b_dq"], axis=0),
          helper.make_node("Conv", [x, "w_dq", "b_dq"], ["conv"], name="conv1",
                           pads=[1, 1, 1, 1]),
          helper.make_node("Relu", ["conv"], ["relu"])]
y = qdq("relu", "out", 0.05, 0, nodes, inits)
nodes.append(helper.make_node("MaxPool", [y], ["y"], kernel_shape=[2, 2],
                              strides=[2, 2]))
conv_block = save("conv_block", nodes, [value("x", TensorProto.FLOAT,
                                              [1, 2, 6, 6])],
                  [value("y", TensorProto.FLOAT, [1, 4, 3, 3])], inits)

# Gemm with transB and a float bias, then Clip (input form) and Flatten of
# a depthwise convolution's output.
nodes, inits = [], []
x = qdq("x", "in", 0.02, 128, nodes, inits)
inits += [const("dw", np.int8([[[[1, -2, 3]]], [[[4, 5, -6]]], [[[7, 8, 9]]]])),
          const("dw_s", np.float32([0.1, 0.2, 0.3])),
          const("dw_zp", np.zeros(3, np.int8)),
          const("gw", np.arange(-12, 12, dtype=np.int8).reshape(2, 12)),
          const("gw_s", np.float32(0.01)), const("gw_zp", np.int8(0)),
          const("gb", np.float32([0.5, -0.5])),
          const("lo", np.float32(0)), const("hi", np.float32(6))]
nodes += [helper.make_node("DequantizeLinear", ["dw", "dw_s", "dw_zp"],
                           ["dw_dq"], axis=0),
          helper.make_node("Conv", [x, "dw_dq"], ["dconv"], group=3,
                           strides=[1, 2], auto_pad="SAME_UPPER"),
          helper.make_node("Clip", ["dconv", "lo", "hi"], ["clip"])]
y = qdq("clip", "mid", 0.03, 0, nodes, inits)
nodes += [helper.make_node("Flatten", [y], ["flat"], axis=1),
          helper.make_node("DequantizeLinear", ["gw", "gw_s", "gw_zp"],
                           ["gw_dq"]),
          helper.make_node("Gemm", ["flat", "gw_dq", "gb"], ["gemm"],
                           transB=1)]
qdq("gemm", "out", 0.1, 100, nodes, inits)
nodes.append(helper.make_node("Identity", ["out_dq"], ["y"]))
save("depthwise_gemm", nodes, [value("x", TensorProto.FLOAT, [1, 3, 2, 4])],
     [value("y", TensorProto.FLOAT, [1, 2])], inits)

# A grouped convolution (2 groups) with a bias and Relu.
nodes, inits = [], []
x = qdq("x", "in", 0.02, 128, nodes, inits)
inits += [const("w", np.arange(-16, 16, dtype=np.int8).reshape(4, 2, 2, 2)),
          const("w_s", np.float32([0.01, 0.02, 0.03, 0.04])),
          const("w_zp", np.zeros(4, np.int8)),
          const("b", np.float32([0.1, 0.2, 0.3, 0.4]))]
nodes += [helper.make_node("DequantizeLinear", ["w", "w_s", "w_zp"], ["w_dq"],
                           axis=0),
          helper.make_node("Conv", [x, "w_dq", "b"], ["conv"], group=2),
          helper.make_node("Relu", ["conv"], ["relu"])]
qdq("relu", "out", 0.05, 0, nodes, inits)
nodes.append(helper.make_node("Identity", ["out_dq"], ["y"]))
save("grouped_conv", nodes, [value("x", TensorProto.FLOAT, [1, 4, 3, 3])],
     [value("y", TensorProto.FLOAT, [1, 4, 2, 2])], inits)

# Opset 10: per-tensor QDQ only, Clip's bounds as attributes.
nodes, inits = [], []
x = qdq("x", "in", 0.02, 128, nodes, inits)
nodes.append(helper.make_node("Clip", [x], ["clip"], min=-1.0, max=0.5))
qdq("clip", "out", 0.01, 100, nodes, inits)
nodes.append(helper.make_node("Identity", ["out_dq"], ["y"]))
save("opset10_clip", nodes, [value("x", TensorProto.FLOAT, [2, 5])],
     [value("y", TensorProto.FLOAT, [2, 5])], inits, opset=10)

# Pow with a UINT8 exponent of 200 (ONNX allows it, ONNX Runtime has no
# kernel for it): the exponent is converted to FLOAT as unsigned.
save("pow_uint8", [helper.make_node("Pow", ["x", "e"], ["y"])],
     [value("x", TensorProto.FLOAT, [3])], [value("y", TensorProto.FLOAT, [3])],
     [const("e", np.uint8(200))])

# Opset 21: QuantizeLinear without a zero point, output_dtype INT8; the
# pair's DequantizeLinear without one either.
inits = [const("s", np.float32(0.05))]
nodes = [helper.make_node("QuantizeLinear", ["x", "s"], ["q"],
                          output_dtype=TensorProto.INT8),
         helper.make_node("DequantizeLinear", ["q", "s"], ["y"])]
save("opset21_int8", nodes, [value("x", TensorProto.FLOAT, [3])],
     [value("y", TensorProto.FLOAT, [3])], inits, opset=21)

# Malformed files.
with open(os.path.join(OUT, "truncated.onnx"), "wb") as f:
    f.write(conv_block[: len(conv_block) // 2])
with open(os.path.join(OUT, "not_onnx.onnx"), "wb") as f:
    f.write(b"this is not a protobuf\n")
save("unsupported_op", [helper.make_node("LpNormalization", ["x"], ["y"],
                                         name="lpnorm0")],
     [value("x", TensorProto.FLOAT, [2, 3])],
     [value("y", TensorProto.FLOAT, [2, 3])], [])
# The weight's initializer is missing (the ONNX checker objects).
save("missing_initializer",
     [helper.make_node("MatMul", ["x", "w"], ["y"], name="mm0")],
     [value("x", TensorProto.FLOAT, [2, 3])],
     [value("y", TensorProto.FLOAT, [2, 4])], [])
save("wrong_dtype", [helper.make_node("Relu", ["x"], ["y"])],
     [value("x", TensorProto.DOUBLE, [2, 3])],
     [value("y", TensorProto.DOUBLE, [2, 3])], [])
save("inconsistent_shape",
     [helper.make_node("MatMul", ["x", "w"], ["y"], name="mm0")],
     [value("x", TensorProto.FLOAT, [2, 3])],
     [value("y", TensorProto.FLOAT, [2, 4])],
     [const("w", np.zeros((5, 4), np.float32))])
save("dynamic_size", [helper.make_node("Relu", ["x"], ["y"])],
     [value("x", TensorProto.FLOAT, ["batch", 3])],
     [value("y", TensorProto.FLOAT, ["batch", 3])], [])
save("wrong_output_shape", [helper.make_node("Relu", ["x"], ["y"])],
     [value("x", TensorProto.FLOAT, [2, 3])],
     [value("y", TensorProto.FLOAT, [3, 2])], [])
external = const("w", np.zeros((3, 4), np.float32))
external.data_location = TensorProto.EXTERNAL
external.ClearField("raw_data")
entry = external.external_data.add()
entry.key, entry.value = "location", "weights.bin"
save("external_data",
     [helper.make_node("MatMul", ["x", "w"], ["y"], name="mm0")],
     [value("x", TensorProto.FLOAT, [2, 3])],
     [value("y", TensorProto.FLOAT, [2, 4])], [external])
save("bad_scale",
     [helper.make_node("QuantizeLinear", ["x", "s", "zp"], ["y"], name="q0")],
     [value("x", TensorProto.FLOAT, [2, 3])],
     [value("y", TensorProto.UINT8, [2, 3])],
     [const("s", np.float32(-1)), const("zp", np.uint8(0))])
save("bad_bias_scales",
     [helper.make_node("DequantizeLinear", ["b", "bs"], ["y"], name="dq0",
                       axis=0)],
     [], [value("y", TensorProto.FLOAT, [3])],
     [const("b", np.int32([1, 2, 3])), const("bs", np.float32([0.1, 0.2]))])
save("old_opset", [helper.make_node("Relu", ["x"], ["y"])],
     [value("x", TensorProto.FLOAT, [2])],
     [value("y", TensorProto.FLOAT, [2])], [], opset=9)

# Transpose of a scalar graph input (a fuzzer's find: linalg.transpose of
# rank 0 crashed upstream's verifier): the identity, the input itself.
save("transpose_scalar_input",
     [helper.make_node("Transpose", ["x"], ["y"], name="t0")],
     [value("x", TensorProto.FLOAT, [])], [value("y", TensorProto.FLOAT, [])],
     [])
