"""Runs an ONNX model with qat and with ONNX Runtime and compares them.

  /usr/bin/python3 onnx_compare.py BUILD_DIR MODEL.onnx WORK_DIR [IN.npy...]

Imports the model (qat-translate --import-onnx), runs qat's integer program
(qat-run) and ONNX Runtime (graph optimizations disabled and all) on the
same inputs (the given .npy files, one per graph input, or seeded uniform
[-1, 1] data), writes each result as .npy into WORK_DIR and prints, per
output, how many elements agree and the largest difference (in steps of
the output grid when the output is a DequantizeLinear's).
"""
import json
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def output_scale(model, name):
    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    producers = {o: n for n in model.graph.node for o in n.output}
    node = producers.get(name)
    while node is not None and node.op_type == "Identity":
        node = producers.get(node.input[0])
    if node is not None and node.op_type == "DequantizeLinear":
        scale = inits.get(node.input[1])
        if scale is not None and scale.size == 1:
            return float(scale.reshape(()))
    return None


def main():
    build, model_path, work = sys.argv[1:4]
    given = sys.argv[4:]
    os.makedirs(work, exist_ok=True)
    model = onnx.load(model_path)
    inits = {i.name for i in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in inits]
    if given and len(given) != len(inputs):
        sys.exit(f"the model has {len(inputs)} inputs, {len(given)} .npy given")
    rng = np.random.default_rng(0)
    entry = {"model": os.path.abspath(model_path), "inputs": [],
             "outputs": []}
    npys = []
    for k, i in enumerate(inputs):
        shape = [d.dim_value for d in i.type.tensor_type.shape.dim]
        x = (np.load(given[k]) if given else
             rng.uniform(-1, 1, size=shape).astype(np.float32))
        path = os.path.join(work, f"input{k}.npy")
        np.save(path, x)
        npys.append(path)
        raw = os.path.join(work, f"input{k}.bin")
        x.astype(np.float32).tofile(raw)
        entry["inputs"].append({"name": i.name, "file": raw,
                                "shape": list(x.shape)})
    for k, o in enumerate(model.graph.output):
        entry["outputs"].append({"name": o.name,
                                 "file": os.path.join(work, f"ort{k}")})
    manifest = os.path.join(work, "manifest.json")
    with open(manifest, "w") as f:
        json.dump([entry], f)

    mlir = os.path.join(work, "model.mlir")
    bin_dir = os.path.join(build, "bin")
    subprocess.run([os.path.join(bin_dir, "qat-translate"), "--import-onnx",
                    model_path, "-o", mlir], check=True)
    command = [os.path.join(bin_dir, "qat-run"), mlir]
    for path in npys:
        command += ["--input", path]
    for k, _ in enumerate(model.graph.output):
        command += ["--output", os.path.join(work, f"qat{k}.npy")]
    subprocess.run(command, check=True)
    for level in ("disabled", "all"):
        subprocess.run(["node", os.path.join(ROOT, "test", "ONNX", "ort_run.mjs"),
                        os.path.join(build, "ort"), manifest, level, "1"],
                       check=True)
    for k, o in enumerate(model.graph.output):
        ours = np.load(os.path.join(work, f"qat{k}.npy"))
        scale = output_scale(model, o.name)
        unit = f"steps of {scale:g}" if scale else "absolute"
        for level in ("disabled", "all"):
            theirs = np.fromfile(os.path.join(work, f"ort{k}.{level}"),
                                 np.float32).reshape(ours.shape)
            np.save(os.path.join(work, f"ort{k}.{level}.npy"), theirs)
            diff = np.abs(ours.astype(np.float64) - theirs)
            if scale:
                diff = np.round(diff / scale)
            print(f"output '{o.name}' {list(ours.shape)}: qat vs ORT "
                  f"(optimizations {level}): {np.count_nonzero(diff == 0)} of "
                  f"{ours.size} equal, max difference {diff.max():g} ({unit})")


if __name__ == "__main__":
    main()
