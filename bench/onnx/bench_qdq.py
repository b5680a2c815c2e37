"""End-to-end QDQ models: qat against ONNX Runtime, side by side.

  /usr/bin/python3 bench_qdq.py BUILD_DIR [--seconds S] [--json OUT]

Builds QDQ models shaped like PyTorch-QAT exports of common blocks (a
transformer MLP at M = 1, 16, 128; a ResNet basic block; a MobileNetV2
inverted residual), then per model and thread count (1, 2): qat's compiled
integer program (`qat-run --time`, host kernels) and ONNX Runtime (npm
onnxruntime-node through node, graph optimizations all) on the same input.
Prints the latency of each, the ratio, and each one's output against the
fake-quant graph (the QDQ graph evaluated in f64): elements equal
and the largest difference in output steps. Not a test.
"""
import argparse
import json
import os
import re
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
sys.path.insert(0, os.path.join(ROOT, "test", "ONNX"))
import qdq_models  # noqa: E402


def finish(g, x_shape, out, out_shape):
    graph = helper.make_graph(
        g.nodes, g.name,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
        [helper.make_tensor_value_info(out, TensorProto.FLOAT, out_shape)],
        g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid(
        "", qdq_models.OPSET)])
    model.ir_version = 7
    onnx.checker.check_model(model)
    return model, x_shape, g.grids[out][0]


def mlp(m):
    """Transformer MLP: 768 -> 3072 (Relu) -> 768, Gemm with int32 biases."""
    g = qdq_models.Builder(np.random.default_rng(m), f"mlp_m{m}", False)
    x = g.qdq("x", -1.0, 1.0)
    for k, n, act in ((768, 3072, True), (3072, 768, False)):
        w, ws = g.weight((n, k), 0)
        y = g.node("Gemm", [x, w, g.bias(n, x, ws)], "gemm", transB=1)
        if act:
            y = g.node("Relu", [y], "relu")
        x = g.qdq(y, 0.0 if act else -3.0, 3.0)
    return finish(g, [m, 768], x, [m, 768])


def conv(g, x, c, f, k, group=1, act="relu"):
    w, ws = g.weight((f, c // group, k, k), 0)
    y = g.node("Conv", [x, w, g.bias(f, x, ws)], "conv", group=group,
               pads=[k // 2] * 4)
    if act == "relu":
        y = g.node("Relu", [y], "relu")
    elif act == "relu6":
        y = g.node("Clip", [y, g.const("lo", np.float32(0)),
                            g.const("hi", np.float32(6))], "clip")
    return g.qdq(y, 0.0 if act else -3.0, 6.0 if act == "relu6" else 3.0)


def resnet_block():
    """ResNet basic block at 56 x 56 x 64: two 3x3 convolutions, residual
    Add, Relu."""
    g = qdq_models.Builder(np.random.default_rng(1), "resnet_block", False)
    x = g.qdq("x", -1.0, 1.0)
    y = conv(g, x, 64, 64, 3)
    y = conv(g, y, 64, 64, 3, act=None)
    y = g.qdq(g.node("Relu", [g.node("Add", [x, y], "add")], "relu"), 0.0, 4.0)
    return finish(g, [1, 64, 56, 56], y, [1, 64, 56, 56])


def mobilenet_block():
    """MobileNetV2 inverted residual at 56 x 56: 24 -> 144 (1x1, Relu6),
    depthwise 3x3, 144 -> 24 (1x1), residual Add."""
    g = qdq_models.Builder(np.random.default_rng(2), "mobilenet_block", False)
    x = g.qdq("x", -1.0, 1.0)
    y = conv(g, x, 24, 144, 1, act="relu6")
    y = conv(g, y, 144, 144, 3, group=144, act="relu6")
    y = conv(g, y, 144, 24, 1, act=None)
    y = g.qdq(g.node("Add", [x, y], "add"), -4.0, 4.0)
    return finish(g, [1, 24, 56, 56], y, [1, 24, 56, 56])


def steps(a, b, scale):
    d = np.round(np.abs(a.astype(np.float64) - b.astype(np.float64)) / scale)
    return int(np.count_nonzero(d == 0)), int(d.max())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("build")
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--json")
    args = parser.parse_args()
    args.build = os.path.abspath(args.build)
    bin_dir = os.path.join(args.build, "bin")
    work = os.path.join(args.build, "bench-onnx")
    os.makedirs(work, exist_ok=True)
    models = [mlp(1), mlp(16), mlp(128), resnet_block(), mobilenet_block()]
    rows = []
    print(f"{'model':16} {'thr':>3} {'qat us':>9} {'ORT us':>9} {'ORT/qat':>8}"
          f"   {'qat == ref':>14} {'max':>4}   {'ORT == ref':>14} {'max':>4}")
    for model, x_shape, scale in models:
        name = model.graph.name
        path = os.path.join(work, name + ".onnx")
        onnx.save(model, path)
        x = np.random.default_rng(0).uniform(-1, 1, x_shape).astype(np.float32)
        np.save(os.path.join(work, name + ".x.npy"), x)
        x.tofile(os.path.join(work, name + ".x.bin"))
        mlir = os.path.join(work, name + ".mlir")
        subprocess.run([os.path.join(bin_dir, "qat-translate"),
                        "--import-onnx", path, "-o", mlir], check=True)
        ref_path = os.path.join(work, name + ".ref.npy")
        subprocess.run([os.path.join(bin_dir, "qat-run"), mlir, "--mode=simulate-f64",
                        "--input", os.path.join(work, name + ".x.npy"),
                        "--output", ref_path], check=True)
        ref = np.load(ref_path)
        for threads in (1, 2):
            out = os.path.join(work, f"{name}.qat{threads}.npy")
            run = subprocess.run(
                [os.path.join(bin_dir, "qat-run"), mlir,
                 "--input", os.path.join(work, name + ".x.npy"),
                 "--output", out, "--time", str(args.seconds),
                 "--kernel-threads", str(threads)],
                check=True, capture_output=True, text=True)
            qat_us = float(re.search(r"time: ([0-9.]+) us", run.stdout)[1])
            ort_out = os.path.join(work, f"{name}.ort{threads}.bin")
            ort = subprocess.run(
                ["node", os.path.join(ROOT, "bench", "onnx", "ort_time.mjs"),
                 os.path.join(args.build, "ort"), path,
                 os.path.join(work, name + ".x.bin"), json.dumps(x_shape),
                 str(threads), str(args.seconds), ort_out],
                check=True, capture_output=True, text=True)
            ort_us = json.loads(ort.stdout.strip().splitlines()[-1])["seconds"] * 1e6
            ours = np.load(out)
            theirs = np.fromfile(ort_out, np.float32).reshape(ours.shape)
            qat_eq, qat_max = steps(ours, ref, scale)
            ort_eq, ort_max = steps(theirs, ref, scale)
            n = ours.size
            rows.append({"model": name, "threads": threads, "qat_us": qat_us,
                         "ort_us": ort_us, "outputs": n,
                         "qat_equal": qat_eq, "qat_max_steps": qat_max,
                         "ort_equal": ort_eq, "ort_max_steps": ort_max})
            print(f"{name:16} {threads:3} {qat_us:9.1f} {ort_us:9.1f} "
                  f"{ort_us / qat_us:7.2f}x   {qat_eq:>6}/{n:<7} {qat_max:4}"
                  f"   {ort_eq:>6}/{n:<7} {ort_max:4}", flush=True)
    print("ref: the fake-quant (QDQ) graph evaluated in f64 (qat-run "
          "--mode=simulate-f64); max in output steps. qat us: one call of the compiled function "
          "(qat-run --time; its output allocations included); ORT us: one "
          "session.run through node.")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
