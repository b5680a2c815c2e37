"""Runs ONNX backend node tests (Debian's libonnx-testdata) through qat.

  /usr/bin/python3 run_node_tests.py BIN_DIR WORK_DIR [qat-run args] -- TEST_DIR...

For each test directory: the quantization parameters the test feeds as
graph inputs (scales, zero points, a QLinearConv bias) become initializers
(qat compiles static grids); the model is imported with
`qat-translate --import-onnx`, run with `qat-run` on the test's inputs, and
every output must equal the expected one exactly. Prints one line per test
and exits non-zero if any differs or fails.
"""
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import numpy_helper

# Input slots that hold quantization parameters, per op type.
PARAMETER_SLOTS = {
    "QuantizeLinear": (1, 2),
    "DequantizeLinear": (1, 2),
    "QLinearMatMul": (1, 2, 4, 5, 6, 7),
    "QLinearConv": (1, 2, 4, 5, 6, 7, 8),
    "MatMulInteger": (2, 3),
    "ConvInteger": (2, 3),
}


def read_tensor(path):
    proto = onnx.TensorProto()
    with open(path, "rb") as f:
        proto.ParseFromString(f.read())
    return numpy_helper.to_array(proto)


def run_test(bin_dir, work, run_args, test_dir):
    name = os.path.basename(test_dir.rstrip("/"))
    model = onnx.load(os.path.join(test_dir, "model.onnx"))
    data_dir = os.path.join(test_dir, "test_data_set_0")
    graph = model.graph
    initializers = {i.name for i in graph.initializer}
    inputs = [i for i in graph.input if i.name not in initializers]
    values = {i.name: read_tensor(os.path.join(data_dir, f"input_{k}.pb"))
              for k, i in enumerate(inputs)}
    parameters = set()
    for node in graph.node:
        for slot in PARAMETER_SLOTS.get(node.op_type, ()):
            if slot < len(node.input) and node.input[slot]:
                parameters.add(node.input[slot])
    for i in list(graph.input):
        if i.name in parameters and i.name in values:
            graph.initializer.append(
                numpy_helper.from_array(values[i.name], i.name))
            graph.input.remove(i)
    model_path = os.path.join(work, name + ".onnx")
    onnx.save(model, model_path)

    mlir_path = os.path.join(work, name + ".mlir")
    subprocess.run([os.path.join(bin_dir, "qat-translate"), "--import-onnx",
                    model_path, "-o", mlir_path], check=True)
    command = [os.path.join(bin_dir, "qat-run"), mlir_path] + run_args
    for i in graph.input:
        path = os.path.join(work, f"{name}.{i.name}.npy")
        np.save(path, values[i.name])
        command += ["--input", path]
    expected = []
    for k, o in enumerate(graph.output):
        expected.append(read_tensor(os.path.join(data_dir, f"output_{k}.pb")))
        command += ["--output", os.path.join(work, f"{name}.out{k}.npy")]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    for k, want in enumerate(expected):
        got = np.load(os.path.join(work, f"{name}.out{k}.npy"))
        # qat's integers are signless: read them with the expected type.
        if got.dtype != want.dtype and got.dtype.itemsize == want.dtype.itemsize:
            got = got.view(want.dtype)
        if got.shape != want.shape or not np.array_equal(got, want):
            diff = np.abs(got.astype(np.float64) - want.astype(np.float64))
            return f"FAIL {name}: output {k} differs in {np.count_nonzero(diff)} " \
                   f"of {want.size} elements (max {diff.max()})"
    return f"PASS {name}: {sum(w.size for w in expected)} elements equal"


def main():
    bin_dir, work = sys.argv[1], sys.argv[2]
    split = sys.argv.index("--")
    run_args, tests = sys.argv[3:split], sys.argv[split + 1:]
    os.makedirs(work, exist_ok=True)
    failures = 0
    for test in tests:
        try:
            line = run_test(bin_dir, work, run_args, test)
        except subprocess.CalledProcessError as e:
            line = f"FAIL {os.path.basename(test)}: {e}"
        failures += line.startswith("FAIL")
        print(line)
    print(f"{len(tests) - failures} of {len(tests)} passed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
