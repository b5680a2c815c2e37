#!/usr/bin/python3
# Builds the ONNX model qat-bench times ONNX Runtime on: one integer layer
# (QLinearMatMul, or QLinearConv for convolutions) computing the problem
# qat-bench dumped into DIR (meta.json, w.bin: int8 K x N, the convolution's
# weight HWCF or a depthwise HWC; mult.bin: float32 per column), with u8
# activations of zero point 128, scales 1, and per-column weight scales
# equal to the requantization multipliers: round(acc * mult[c]), the output
# qat's program defines, as u8 with zero point 128 (ONNX Runtime's kernels
# want the output type of the input; its value minus 128 is the s8 one). Writes DIR/model.onnx; with --unit, a
# 1 x 1 x 1 QLinearMatMul (the per-call overhead) to DIR/unit.onnx.
# Runs with Debian's python3-onnx: /usr/bin/python3.
import json
import sys

import numpy as np
from onnx import TensorProto, checker, helper, numpy_helper, save


def tensor(name, array):
    return numpy_helper.from_array(np.ascontiguousarray(array), name)


def model(node, inputs, outputs, initializers):
    graph = helper.make_graph([node], "layer", inputs, outputs, initializers)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    checker.check_model(m)
    return m


def matmul(m, k, n, w, mult):
    init = [
        tensor("a_scale", np.float32(1)), tensor("a_zp", np.uint8(128)),
        tensor("b", w.reshape(k, n)), tensor("b_scale", mult),
        tensor("b_zp", np.zeros(n, np.int8)),
        tensor("y_scale", np.float32(1)), tensor("y_zp", np.uint8(128)),
    ]
    node = helper.make_node(
        "QLinearMatMul",
        ["x", "a_scale", "a_zp", "b", "b_scale", "b_zp", "y_scale", "y_zp"],
        ["y"])
    return model(node,
                 [helper.make_tensor_value_info("x", TensorProto.UINT8, [m, k])],
                 [helper.make_tensor_value_info("y", TensorProto.UINT8, [m, n])],
                 init)


def conv(meta, w, mult):
    h, wd, c, f = meta["h"], meta["w"], meta["c"], meta["n"]
    ks, pad, depthwise = meta["kernel"], meta["pad"], meta["depthwise"]
    if depthwise:
        # HWC -> (C, 1, kh, kw), one group per channel.
        weight = w.reshape(ks, ks, c).transpose(2, 0, 1)[:, None, :, :]
    else:
        # HWCF -> (F, C, kh, kw).
        weight = w.reshape(ks, ks, c, f).transpose(3, 2, 0, 1)
    oh, ow = h + 2 * pad - ks + 1, wd + 2 * pad - ks + 1
    init = [
        tensor("x_scale", np.float32(1)), tensor("x_zp", np.uint8(128)),
        tensor("w", weight), tensor("w_scale", mult),
        tensor("w_zp", np.zeros(f, np.int8)),
        tensor("y_scale", np.float32(1)), tensor("y_zp", np.uint8(128)),
    ]
    node = helper.make_node(
        "QLinearConv",
        ["x", "x_scale", "x_zp", "w", "w_scale", "w_zp", "y_scale", "y_zp"],
        ["y"], pads=[pad] * 4, group=c if depthwise else 1)
    return model(
        node,
        [helper.make_tensor_value_info("x", TensorProto.UINT8, [1, c, h, wd])],
        [helper.make_tensor_value_info("y", TensorProto.UINT8, [1, f, oh, ow])],
        init)


def main():
    directory = sys.argv[1]
    if "--unit" in sys.argv:
        save(matmul(1, 1, 1, np.ones(1, np.int8), np.ones(1, np.float32)),
             directory + "/unit.onnx")
        return
    with open(directory + "/meta.json") as f:
        meta = json.load(f)
    w = np.fromfile(directory + "/w.bin", np.int8)
    mult = np.fromfile(directory + "/mult.bin", np.float32)
    if meta["kernel"] > 0:
        m = conv(meta, w, mult)
    else:
        m = matmul(meta["m"], meta["k"], meta["n"], w, mult)
    save(m, directory + "/model.onnx")


main()
