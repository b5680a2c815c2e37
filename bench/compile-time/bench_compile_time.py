"""Compile time against chain length: is it linear?

  /usr/bin/python3 bench_compile_time.py BUILD_DIR [--sizes 1000,10000]
      [--kinds fake-quant,relu,matmul,onnx-relu] [--stages compile,run]

For each chain of make_chain.py and each size, times one stage:
  parse    qat-opt without passes (parse and print): the control, linear
           by construction; a pipeline's ratio is comparable to this one's
           (larger inputs miss caches more, whatever the algorithm)
  compile  qat-opt --qat-compile (ONNX chains: qat-translate --import-onnx
           first, included)
  run      qat-run (qat-compile, LLVM's optimizer and JIT, one call)
and prints a table of the time per op; the last column is the time per op
at each size over that at the smallest size: about 1 when compile time is
linear in the chain's length. Wall-clock times, one process at a time (the
ratio of two sizes measured in one run is what to compare across runs).
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def timed(commands):
    start = time.perf_counter()
    for command in commands:
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def stage_commands(bin_dir, stage, kind, source, work):
    commands = []
    if kind == "onnx-relu":
        imported = os.path.join(work, "imported.mlir")
        commands.append([os.path.join(bin_dir, "qat-translate"),
                         "--import-onnx", source, "-o", imported])
        source = imported
    if stage in ("parse", "compile"):
        passes = ["--qat-compile"] if stage == "compile" else []
        commands.append([os.path.join(bin_dir, "qat-opt"), *passes, source,
                         "-o", os.devnull])
    else:
        commands.append([os.path.join(bin_dir, "qat-run"), source, "--seed",
                         "1"])
    return commands


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("build_dir")
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--kinds", default="fake-quant,relu,matmul,onnx-relu")
    parser.add_argument("--stages", default="parse,compile,run")
    args = parser.parse_args()
    bin_dir = os.path.join(args.build_dir, "bin")
    sizes = [int(n) for n in args.sizes.split(",")]
    print(f"| chain | stage | {' | '.join(f'N={n} s (ms/op)' for n in sizes)}"
          f" | ratio {sizes[-1]}/{sizes[0]} per op |")
    print("|---|---|" + "---|" * (len(sizes) + 1))
    with tempfile.TemporaryDirectory() as work:
        for kind in args.kinds.split(","):
            sources = {}
            for n in sizes:
                suffix = ".onnx" if kind == "onnx-relu" else ".mlir"
                sources[n] = os.path.join(work, f"{kind}-{n}{suffix}")
                subprocess.run([sys.executable,
                                os.path.join(HERE, "make_chain.py"), kind,
                                str(n), sources[n]], check=True)
            for stage in args.stages.split(","):
                cells, per_op = [], []
                for n in sizes:
                    seconds = timed(stage_commands(bin_dir, stage, kind,
                                                   sources[n], work))
                    per_op.append(seconds / n)
                    cells.append(f"{seconds:.2f} ({1000 * seconds / n:.2f})")
                print(f"| {kind} | {stage} | {' | '.join(cells)} | "
                      f"{per_op[-1] / per_op[0]:.2f} |", flush=True)


if __name__ == "__main__":
    main()
