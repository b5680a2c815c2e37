"""Generated QDQ models through qat, checked against ONNX Runtime.

  /usr/bin/python3 run_qdq_models.py BIN_DIR ORT_DIR WORK_DIR COUNT [qat-run args]

Builds COUNT seeded models (qdq_models.py; COUNT "saturating" for the model
whose int16 pair sums overflow, "torch:N" for N models in PyTorch's QAT
export forms, "ops" for the one-op models of op_models.py), runs each with ONNX Runtime
(npm onnxruntime-node through node, graph optimizations disabled and all,
one thread) and with qat (`qat-translate --import-onnx`, then `qat-run`:
the integer program, and `--mode=simulate`, the fake-quant graph in f32).
Differences are counted in steps of the output grid. Prints one line per
model and a summary; exits non-zero when qat's integer program differs from
ORT with optimizations disabled or from its own simulation by more than the
one step docs/Semantics.md §8.5 allows next to rounding boundaries.
"""
import json
import os
import subprocess
import sys

import numpy as np
import onnx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import op_models  # noqa: E402
import qdq_models  # noqa: E402


def steps(a, b, scale):
    return np.round(np.abs(a.astype(np.float64) - b.astype(np.float64)) /
                    scale).astype(np.int64)


def main():
    bin_dir, ort_dir, work, count = sys.argv[1:5]
    run_args = sys.argv[5:]
    os.makedirs(work, exist_ok=True)
    here = os.path.dirname(os.path.abspath(__file__))
    models, manifest = [], []
    # COUNT "saturating": the one model of qdq_models.saturating(), with
    # inputs near the top of the activation grid.
    if count == "saturating":
        builders = [qdq_models.saturating]
    elif count == "ops":
        builders = op_models.builders()
    else:
        torch = count.startswith("torch:")
        builders = [lambda seed=seed: qdq_models.build(seed, torch)
                    for seed in range(int(count.removeprefix("torch:")))]
    for seed, builder in enumerate(builders):
        model, inputs, out, out_shape, grid = builder()
        name = model.graph.name
        path = os.path.join(work, name + ".onnx")
        onnx.save(model, path)
        rng = np.random.default_rng(1000 + seed)
        entry = {"model": path, "inputs": [], "outputs": []}
        for input_name, shape in inputs:
            low = 0.9 if count == "saturating" else -1
            x = rng.uniform(low, 1, size=shape).astype(np.float32)
            np.save(os.path.join(work, f"{name}.{input_name}.npy"), x)
            raw = os.path.join(work, f"{name}.{input_name}.bin")
            x.tofile(raw)
            entry["inputs"].append({"name": input_name, "file": raw,
                                    "shape": shape})
        entry["outputs"].append({"name": out,
                                 "file": os.path.join(work, name + ".ort")})
        manifest.append(entry)
        models.append((name, path, inputs, out_shape, grid))
    manifest_path = os.path.join(work, "manifest.json")
    with open(manifest_path, "w") as f:
        json.dump(manifest, f)
    for level in ("disabled", "all"):
        for entry in manifest:
            stale = entry["outputs"][0]["file"] + "." + level
            if os.path.exists(stale):
                os.remove(stale)
        subprocess.run(["node", os.path.join(here, "ort_run.mjs"), ort_dir,
                        manifest_path, level, "1"], check=True)

    totals = {"elements": 0, "int_vs_disabled": 0, "int_vs_sim": 0,
              "all_vs_sim": 0}
    worst = {"int_vs_disabled": 0, "int_vs_sim": 0, "all_vs_sim": 0}
    failed = refused = 0
    in_float = {}
    for name, path, inputs, out_shape, (scale, _) in models:
        mlir = os.path.join(work, name + ".mlir")
        subprocess.run([os.path.join(bin_dir, "qat-translate"),
                        "--import-onnx", path, "-o", mlir], check=True)
        results = {}
        for mode, extra in (("int", run_args), ("simulate", ["--mode=simulate"])):
            out = os.path.join(work, f"{name}.{mode}.npy")
            command = [os.path.join(bin_dir, "qat-run"), mlir, "--output", out]
            for input_name, _ in inputs:
                command += ["--input",
                            os.path.join(work, f"{name}.{input_name}.npy")]
            run = subprocess.run(command + extra, check=True, text=True,
                                 stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE)
            # Ops qat could not turn into integers say so in a remark.
            for line in run.stderr.splitlines():
                if mode == "int" and "runs in float between" in line:
                    op = line.split("remark: '")[1].split("'")[0]
                    in_float[op] = in_float.get(op, 0) + 1
            results[mode] = np.load(out).reshape(out_shape)
        for level in ("disabled", "all"):
            ort_out = os.path.join(work, f"{name}.ort.{level}")
            if os.path.exists(ort_out):
                results[level] = np.fromfile(ort_out,
                                             np.float32).reshape(out_shape)
        if "disabled" not in results:
            failed += 1
            print(f"FAIL {name}: ONNX Runtime (optimizations disabled) "
                  "failed on it")
            continue
        # ORT's optimized kernels refuse some edge-case grids.
        if "all" not in results:
            refused += 1
            results["all"] = results["simulate"]
        d = {
            "int_vs_disabled": steps(results["int"], results["disabled"], scale),
            "int_vs_sim": steps(results["int"], results["simulate"], scale),
            "all_vs_sim": steps(results["all"], results["simulate"], scale),
        }
        totals["elements"] += results["int"].size
        for key, diff in d.items():
            totals[key] += int(np.count_nonzero(diff == 0))
            worst[key] = max(worst[key], int(diff.max()))
        # One step next to a rounding boundary is the documented difference
        # between float and integer evaluation (docs/Semantics.md §8.5).
        bad = d["int_vs_disabled"].max() > 1 or d["int_vs_sim"].max() > 1
        failed += bool(bad)
        print(f"{'FAIL' if bad else 'PASS'} {name}: {results['int'].size} "
              f"outputs; qat vs ORT(disabled) max {d['int_vs_disabled'].max()} "
              f"steps, vs simulation max {d['int_vs_sim'].max()}; ORT(all) vs "
              f"simulation max {d['all_vs_sim'].max()}")
    n = totals["elements"]
    print(f"models: {len(models)}, outputs: {n}")
    print(f"qat == ORT(disabled): {totals['int_vs_disabled']} of {n} "
          f"(max {worst['int_vs_disabled']} steps)")
    print(f"qat == simulation: {totals['int_vs_sim']} of {n} "
          f"(max {worst['int_vs_sim']} steps)")
    print(f"ORT(all) == simulation: {totals['all_vs_sim']} of {n} "
          f"(max {worst['all_vs_sim']} steps)")
    print(f"ORT(all) refused {refused} models")
    print("left in float: " + (", ".join(f"{op} x{n}" for op, n in
                                         sorted(in_float.items())) or "none"))
    print(f"{len(models) - failed} of {len(models)} models passed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
