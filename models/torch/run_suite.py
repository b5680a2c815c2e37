"""The "PyTorch QAT exports" suite: real torch QAT models through qat.

  /usr/bin/python3 run_suite.py BUILD_DIR [--models a,b,...] [--work DIR]
                   [--seconds S] [--no-check] [--steps N] [--batch B]
                   [--size S]

Per model (torch_qat.py builds, trains, exports it and runs PyTorch's own
int8 conversion, in a process of its own):
  1. import: qat-translate --import-onnx; a refusal is the model's first
     blocking error (reported, not a failure);
  2. qat-run: the integer program, the f64 simulation of the fake-quant
     graph (--mode=simulate-f64) and, unless --no-check, qat-run --check's
     per-layer verdict;
  3. ONNX Runtime (npm onnxruntime-node, test/ONNX/ort_run.mjs) with graph
     optimizations disabled and all. Its optimizer refuses the grid
     parameters of shape [1] torch writes (QLinearAdd "Scale and Zero-point
     must be a scalar"), so level all and the timing run on a copy whose
     [1]-shaped scales and zero points are scalars (same values);
  4. differences in steps of the output grid (the output DequantizeLinear's
     scale) against ORT(disabled), the simulation, ORT(all), PyTorch's QAT
     model (fake-quant in f32) and PyTorch's converted int8 model per
     engine; top-1 agreement for the classifiers;
  5. latency, one thread, side by side: qat-run --time, ORT (level all,
     bench/onnx/ort_time.mjs), PyTorch int8 (torch_qat.py); compile time
     of qat-opt --qat-compile and its remarks (what stays in float).

Prints a table and writes results.json into the work folder (default
BUILD_DIR/models/torch). Exits 1 when a model that imports and runs differs
from ORT(disabled) or from the simulation by more than one step
(docs/Semantics.md §8.5) or fails --check; blocked models do not fail it.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

import numpy as np
import onnx
import onnx.helper
import onnx.utils
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
sys.path.insert(0, HERE)
import onnx_compare  # noqa: E402  (output_scale)
import torch_qat  # noqa: E402  (MODELS)

CLASSIFIERS = set(torch_qat.VISION)


TIMEOUT = None  # Seconds per command (--timeout).


def run(command, **kwargs):
    """The command's CompletedProcess; one that runs longer than TIMEOUT is
    stopped and returns code -1 with a message on stderr."""
    try:
        return subprocess.run(command, text=True, capture_output=True,
                              timeout=TIMEOUT, **kwargs)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(
            command, -1, "", f"error: timed out after {TIMEOUT:g} s")


def first_error(stderr):
    """The first diagnostic line of a qat tool's stderr, without the file
    name and position."""
    for line in stderr.splitlines():
        if "error:" in line:
            return line.split("error:", 1)[1].strip()
    lines = [l for l in stderr.splitlines() if l.strip()]
    return lines[-1] if lines else "(no message)"


def scalar_grid_copy(model_path, out_path):
    """A copy of the model whose QuantizeLinear / DequantizeLinear scales and
    zero points of shape [1] are scalars: same values, a form ORT's
    optimizer (QLinear* fusion) takes. Returns how many were rewritten."""
    model = onnx.load(model_path)
    consumers = {}
    for node in model.graph.node:
        if node.op_type in ("QuantizeLinear", "DequantizeLinear"):
            for name in node.input[1:]:
                consumers.setdefault(name, []).append(node)
    count = 0
    for init in model.graph.initializer:
        if init.name in consumers and list(init.dims) == [1]:
            init.CopyFrom(numpy_helper.from_array(
                numpy_helper.to_array(init).reshape(()), init.name))
            count += 1
    for node in model.graph.node:
        if node.op_type != "Constant" or node.output[0] not in consumers:
            continue
        for attr in node.attribute:
            if attr.name == "value" and list(attr.t.dims) == [1]:
                attr.t.CopyFrom(numpy_helper.from_array(
                    numpy_helper.to_array(attr.t).reshape(()), attr.t.name))
                count += 1
    onnx.save(model, out_path)
    return count


def output_scale(model_path):
    """The output's grid step: onnx_compare.output_scale, which also looks
    through Constant nodes here (torch writes some scales as Constants)."""
    model = onnx.load(model_path)
    out = model.graph.output[0].name
    scale = onnx_compare.output_scale(model, out)
    if scale:
        return scale
    producers = {o: n for n in model.graph.node for o in n.output}
    node = producers.get(out)
    while node is not None and node.op_type == "Identity":
        node = producers.get(node.input[0])
    if node is not None and node.op_type == "DequantizeLinear":
        src = producers.get(node.input[1])
        if src is not None and src.op_type == "Constant":
            value = numpy_helper.to_array(src.attribute[0].t)
            if value.size == 1:
                return float(value.reshape(()))
    return None


def compare(a, b, scale):
    """(max difference in steps of `scale` (absolute without), fraction
    of equal elements)."""
    diff = np.abs(a.astype(np.float64) - b.astype(np.float64).reshape(a.shape))
    if scale:
        diff = np.round(diff / scale)
    return float(diff.max()), float(np.count_nonzero(diff == 0) / diff.size)


def top1(a, b):
    a = a.reshape(a.shape[0], -1)
    b = b.reshape(a.shape)
    return float(np.mean(a.argmax(-1) == b.argmax(-1)))


def remarks(stderr):
    """{"op: reason": count} of qat's "runs in float" / "continues in f32"
    remarks."""
    counts = {}
    for line in stderr.splitlines():
        m = re.search(r"remark: '([^']+)' (.*)", line)
        if m:
            key = f"{m[1]} {m[2]}"
            counts[key] = counts.get(key, 0) + 1
    return counts


def ort(args, manifest_entry, level, work, name):
    path = os.path.join(work, f"{name}.manifest.{level}.json")
    with open(path, "w") as f:
        json.dump([manifest_entry], f)
    for o in manifest_entry["outputs"]:
        stale = o["file"] + "." + level
        if os.path.exists(stale):
            os.remove(stale)
    r = run(["nice", "node", os.path.join(ROOT, "test", "ONNX", "ort_run.mjs"),
             os.path.join(args.build, "ort"), path, level, "1"])
    out = manifest_entry["outputs"][0]["file"] + "." + level
    if not os.path.exists(out):
        return None, (r.stderr.strip().splitlines() or ["no output"])[-1]
    return np.fromfile(out, np.float32), None


def activation_dqs(model):
    """Names of the DequantizeLinear outputs of activations (not of
    weights: those whose QuantizeLinear reads an initializer or a
    Constant), in graph order, with their scales."""
    consts = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type == "Constant" and node.attribute[0].name == "value":
            consts[node.output[0]] = numpy_helper.to_array(node.attribute[0].t)
    producers = {o: n for n in model.graph.node for o in n.output}
    found = []
    for node in model.graph.node:
        if node.op_type != "DequantizeLinear" or node.input[0] in consts:
            continue
        src = producers.get(node.input[0])
        while src is not None and src.op_type in ("Clip", "Identity"):
            src = producers.get(src.input[0])
        if src is None or src.op_type != "QuantizeLinear" or src.input[0] in consts:
            continue
        scale = consts.get(node.input[1])
        if scale is not None and scale.size == 1:
            found.append((node.output[0], float(scale.reshape(()))))
    return found


def first_divergence(args, name, onnx_path, x_bin, x_shape, x_npy):
    """Where ONNX Runtime (optimizations disabled) first leaves qat's f64
    simulation: one ORT run with every activation DequantizeLinear as an
    extra output, then a bisection over prefixes of the graph (cut with
    onnx.utils.extract_model, imported and simulated by qat). Returns
    {"layer", "of", "tensor", "max_steps", "equal"} of the first activation
    that differs, or None. A difference of one step there, growing to more
    at the output, is ORT's f32 arithmetic meeting a rounding boundary and
    the layers after it carrying the difference, not qat's."""
    work, bin_dir = args.work, os.path.join(args.build, "bin")
    base = os.path.join(work, name + ".div")
    model = onnx.load(onnx_path)
    acts = activation_dqs(model)
    if not acts:
        return None
    known = {o.name for o in model.graph.output}
    for tensor, _ in acts:
        if tensor not in known:
            model.graph.output.append(onnx.helper.make_tensor_value_info(
                tensor, onnx.TensorProto.FLOAT, None))
    exposed = base + ".all_outputs.onnx"
    onnx.save(model, exposed)
    entry = {"model": exposed,
             "inputs": [{"name": "x", "file": x_bin, "shape": x_shape}],
             "outputs": [{"name": t, "file": f"{base}.{k}"}
                         for k, (t, _) in enumerate(acts)]}
    manifest = base + ".manifest.json"
    with open(manifest, "w") as f:
        json.dump([entry], f)
    run(["nice", "node", os.path.join(ROOT, "test", "ONNX", "ort_run.mjs"),
         os.path.join(args.build, "ort"), manifest, "disabled", "1"])

    def differs(k):
        tensor, scale = acts[k]
        cut, mlir, out = (f"{base}.cut.onnx", f"{base}.cut.mlir",
                          f"{base}.cut.npy")
        onnx.utils.extract_model(onnx_path, cut, ["x"], [tensor])
        if run([os.path.join(bin_dir, "qat-translate"), "--import-onnx", cut,
                "-o", mlir]).returncode:
            return None
        if run(["nice", os.path.join(bin_dir, "qat-run"), mlir,
                "--mode=simulate-f64", "--input", x_npy, "--output",
                out]).returncode:
            return None
        sim = np.load(out)
        theirs = np.fromfile(f"{base}.{k}.disabled", np.float32)
        return compare(sim, theirs, scale)

    lo, hi = 0, len(acts) - 1
    last = differs(hi)
    if last is None or last[0] == 0:
        return None
    found = (hi, last)
    while lo < hi:
        mid = (lo + hi) // 2
        d = differs(mid)
        if d is None:
            return None
        if d[0] > 0:
            hi, found = mid, (mid, d)
        else:
            lo = mid + 1
    k, (steps, equal) = found
    return {"layer": k, "of": len(acts), "tensor": acts[k][0],
            "max_steps": steps, "equal": equal}


def suite_model(args, name):
    work, bin_dir = args.work, os.path.join(args.build, "bin")
    base = os.path.join(work, name)
    res = {"model": name}
    t0 = time.perf_counter()
    gen = run(["nice", sys.executable, os.path.join(HERE, "torch_qat.py"), name,
               work, "--steps", str(args.steps), "--batch", str(args.batch),
               "--size", str(args.size), "--seconds", str(args.seconds)])
    with open(base + ".torch.log", "w") as f:
        f.write(gen.stdout + gen.stderr)
    if gen.returncode != 0:
        res["status"] = "torch failed"
        res["error"] = first_error(gen.stderr)
        return res
    with open(base + ".json") as f:
        res["torch"] = json.load(f)
    res["torch_seconds"] = time.perf_counter() - t0
    if res["torch"]["export"] != "ok":
        res["status"] = "export failed"
        res["error"] = res["torch"]["export"]
        return res
    onnx_path = base + ".onnx"
    model = onnx.load(onnx_path, load_external_data=False)
    ops = {}
    for node in model.graph.node:
        ops[node.op_type] = ops.get(node.op_type, 0) + 1
    res["onnx_ops"] = ops
    scale = output_scale(onnx_path)
    res["output_scale"] = scale
    x_npy = base + ".x.npy"
    x = np.load(x_npy)
    x.tofile(base + ".x.bin")

    # ORT: disabled on the export as is, all on the scalar-grid copy.
    ort_path = base + ".ort.onnx"
    res["ort_scalar_grids"] = scalar_grid_copy(onnx_path, ort_path)
    results = {}
    for level, path in (("disabled", onnx_path), ("all", ort_path)):
        entry = {"model": path,
                 "inputs": [{"name": "x", "file": base + ".x.bin",
                             "shape": list(x.shape)}],
                 "outputs": [{"name": model.graph.output[0].name,
                              "file": base + ".ort"}]}
        results[f"ort_{level}"], err = ort(args, entry, level, work, name)
        if err:
            res[f"ort_{level}_error"] = err

    # qat: import.
    mlir = base + ".mlir"
    t = time.perf_counter()
    imp = run([os.path.join(bin_dir, "qat-translate"), "--import-onnx",
               onnx_path, "-o", mlir])
    res["import_seconds"] = time.perf_counter() - t
    if imp.returncode != 0:
        res["status"] = "blocked"
        res["error"] = first_error(imp.stderr)
        return res

    # qat: compile (remarks: what stays in float) and run.
    t = time.perf_counter()
    comp = run(["nice", os.path.join(bin_dir, "qat-opt"), "--qat-compile",
                mlir, "-o", os.devnull])
    res["compile_seconds"] = time.perf_counter() - t
    res["remarks"] = remarks(comp.stderr)
    if comp.returncode != 0:
        res["status"] = "compile failed"
        res["error"] = first_error(comp.stderr)
        return res
    for mode in ("int", "simulate-f64"):
        out = f"{base}.{mode}.npy"
        command = ["nice", os.path.join(bin_dir, "qat-run"), mlir,
                   f"--mode={mode}", "--input", x_npy, "--output", out]
        if mode == "int" and args.seconds > 0:
            command += ["--time", str(args.seconds)]
        r = run(command)
        if r.returncode != 0:
            res["status"] = f"qat-run {mode} failed"
            res["error"] = first_error(r.stderr)
            return res
        results[mode] = np.load(out)
        m = re.search(r"time: ([0-9.]+) us", r.stdout)
        if m:
            res["qat_ms"] = float(m[1]) / 1e3
    sim_steps = compare(results["int"], results["simulate-f64"], scale)[0]
    # End to end, a one-step difference in a layer (allowed) moves the
    # later ones; --check's per-layer verdict decides, so it runs when the
    # output is more than one step away even with --no-check.
    if args.check or sim_steps > 1:
        t = time.perf_counter()
        r = run(["nice", os.path.join(bin_dir, "qat-run"), mlir, "--check",
                 "--input", x_npy])
        res["check_seconds"] = time.perf_counter() - t
        res["check"] = "pass" if r.returncode == 0 else first_error(r.stderr)
        with open(base + ".check.txt", "w") as f:
            f.write(r.stdout + r.stderr)
    if "ort_all" in results and results["ort_all"] is not None and args.seconds > 0:
        r = run(["nice", "node", os.path.join(ROOT, "bench", "onnx", "ort_time.mjs"),
                 os.path.join(args.build, "ort"), ort_path, base + ".x.bin",
                 json.dumps(list(x.shape)), "1", str(args.seconds),
                 base + ".ort_time.bin"])
        if r.returncode == 0:
            res["ort_ms"] = json.loads(r.stdout.strip().splitlines()[-1])[
                "seconds"] * 1e3

    ours = results["int"]
    res["outputs"] = int(ours.size)
    refs = {"ort_disabled": results.get("ort_disabled"),
            "simulation": results["simulate-f64"],
            "ort_all": results.get("ort_all"),
            "torch_qat": np.load(base + ".qat.npy")}
    for engine, entry in res["torch"]["int8"].items():
        path = f"{base}.int8.{engine}.npy"
        if os.path.exists(path):
            refs[f"int8_{engine}"] = np.load(path)
            res[f"int8_{engine}_ms"] = entry["seconds"] * 1e3
    res["vs"] = {}
    for ref, value in refs.items():
        if value is None:
            continue
        steps, equal = compare(ours, value, scale)
        res["vs"][ref] = {"max_steps": steps, "equal": equal}
        if name in CLASSIFIERS:
            res["vs"][ref]["top1"] = top1(ours, value.reshape(ours.shape))
    bad = []
    if res["vs"]["simulation"]["max_steps"] > 1 and res.get("check") == "pass":
        res["note_sim"] = (
            f"{res['vs']['simulation']['max_steps']:g} steps from the "
            "simulation at the output; every layer within one step "
            "(qat-run --check): propagated")
    elif res["vs"]["simulation"]["max_steps"] > 1:
        bad.append(f"{res['vs']['simulation']['max_steps']:g} steps from "
                   "the simulation")
    if res["vs"].get("ort_disabled", {}).get("max_steps", 0) > 1:
        bad.append(f"{res['vs']['ort_disabled']['max_steps']:g} steps from "
                   "ort_disabled")
    if "ort_disabled" not in res["vs"]:
        bad.append("ORT(disabled) failed: " + res.get("ort_disabled_error", ""))
    if "check" in res and res["check"] != "pass":
        bad.append("--check: " + res["check"])
    # End to end, a one-step difference in an early layer moves the later
    # ones: where ORT(disabled) is more than one step away, find the first
    # activation where it leaves the simulation and judge that one.
    ort_steps = res["vs"].get("ort_disabled", {}).get("max_steps", 0)
    if ort_steps > 1:
        div = first_divergence(args, name, onnx_path, base + ".x.bin",
                               list(x.shape), x_npy)
        res["ort_first_divergence"] = div
        if div is not None and div["max_steps"] <= 1:
            bad = [b for b in bad if "from ort_disabled" not in b]
            res["note"] = (
                f"ORT(disabled) {ort_steps:g} steps at the output; it first "
                f"leaves the f64 simulation at activation {div['layer'] + 1} "
                f"of {div['of']} ({div['tensor']}) by {div['max_steps']:g} "
                f"step ({100 * div['equal']:.3f}% equal): propagated")
    res["status"] = "FAIL" if bad else "pass"
    if bad:
        res["error"] = "; ".join(bad)
    return res


def fmt(v, spec):
    return format(v, spec) if isinstance(v, (int, float)) else "-"


def print_row(res):
    vs = res.get("vs", {})
    def steps(k):
        return fmt(vs[k]["max_steps"], "g") if k in vs else "-"
    def top(k):
        return fmt(100 * vs[k]["top1"], ".0f") if k in vs and "top1" in vs[k] else "-"
    engines = sorted(k for k in vs if k.startswith("int8_"))
    int8 = "/".join(steps(k) for k in engines) or "-"
    int8_top = "/".join(top(k) for k in engines) or "-"
    int8_ms = "/".join(fmt(res.get(k + "_ms"), ".1f") for k in engines) or "-"
    ratio = (f"{res['ort_ms'] / res['qat_ms']:.2f}x"
             if "ort_ms" in res and "qat_ms" in res else "-")
    rem = res.get("remarks", {})
    fl = sum(n for k, n in rem.items() if "runs in float" in k)
    epi = sum(n for k, n in rem.items() if "continues in f32" in k)
    print(f"{res['model']:20} {res['status']:8} {steps('ort_disabled'):>4} "
          f"{steps('simulation'):>4} "
          f"{fmt(100 * vs['ort_disabled']['equal'], '.1f') if 'ort_disabled' in vs else '-':>6} "
          f"{top('ort_disabled'):>5} {steps('torch_qat'):>5} {int8:>9} "
          f"{int8_top:>7} {fmt(res.get('qat_ms'), '.1f'):>8} "
          f"{fmt(res.get('ort_ms'), '.1f'):>8} {ratio:>7} {int8_ms:>11} "
          f"{fmt(res.get('compile_seconds'), '.1f'):>6} {fl:>5} {epi:>4}",
          flush=True)
    for key in ("error", "note_sim", "note"):
        if res.get(key):
            print(f"    {res[key]}", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("build")
    parser.add_argument("--models", default=",".join(torch_qat.MODELS))
    parser.add_argument("--work")
    parser.add_argument("--seconds", type=float, default=2.0,
                        help="timing budget per engine and model (0: none)")
    parser.add_argument("--no-check", dest="check", action="store_false")
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--table", action="store_true",
                        help="only print the table of the work folder's "
                        "results.json")
    parser.add_argument("--timeout", type=float, default=900,
                        help="seconds any one command may take")
    args = parser.parse_args()
    global TIMEOUT
    TIMEOUT = args.timeout
    args.build = os.path.abspath(args.build)
    args.work = os.path.abspath(args.work or os.path.join(
        args.build, "models", "torch"))
    os.makedirs(args.work, exist_ok=True)
    models = [m for m in args.models.split(",") if m]
    for m in models:
        if m not in torch_qat.MODELS:
            sys.exit(f"unknown model {m}; known: {', '.join(torch_qat.MODELS)}")
    print_header()
    results = os.path.join(args.work, "results.json")
    if args.table:
        with open(results) as f:
            rows = json.load(f)
        for res in rows:
            print_row(res)
        sys.exit(summarize(args, rows))
    rows = []
    for m in models:
        res = suite_model(args, m)
        rows.append(res)
        print_row(res)
        with open(results, "w") as f:
            json.dump(rows, f, indent=1)
    sys.exit(summarize(args, rows))


def print_header():
    print(f"{'model':20} {'status':8} {'ORTd':>4} {'sim':>4} {'exact%':>6} "
          f"{'top1%':>5} {'torch':>5} {'int8 o/q':>9} {'top1 oq':>7} "
          f"{'qat ms':>8} {'ORT ms':>8} {'ORT/qat':>7} {'int8 ms o/q':>11} "
          f"{'comp s':>6} {'float':>5} {'epi':>4}", flush=True)


def summarize(args, rows):
    """Prints the legend and the counts; the exit status."""
    print(f"columns: max difference of qat's integer program in output steps "
          f"vs ORT(disabled), its f64 simulation, PyTorch's QAT model "
          f"(float fake-quant) and PyTorch's int8 model (engines "
          f"{'/'.join(sorted({k[5:] for r in rows for k in r.get('vs', {}) if k.startswith('int8_')}))}); "
          f"exact% = equal to ORT(disabled); top1 vs ORT(disabled) and int8; "
          f"latencies on one thread, batch {args.batch}; ORT at level all; "
          f"float / epi = qat-opt --qat-compile's remarks: ops left in "
          f"float / contractions accumulating in i32 with a float epilogue. Results: "
          f"{os.path.join(args.work, 'results.json')}")
    # A crash after a successful import is qat's failure; a refused import
    # (or a model torch cannot export) is a blocker.
    failed = [r for r in rows if r["status"] == "FAIL" or
              r["status"].startswith(("qat-run", "compile"))]
    blocked = [r for r in rows if r["status"] != "pass" and r not in failed]
    print(f"{len(rows) - len(blocked) - len(failed)} passed, {len(failed)} "
          f"failed, {len(blocked)} blocked or not run, of {len(rows)}")
    return 1 if failed else 0


if __name__ == "__main__":
    main()
