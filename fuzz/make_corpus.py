#!/usr/bin/env python3
"""Writes the seed corpora of qat's fuzz targets into OUT/<target>/.

  /usr/bin/python3 fuzz/make_corpus.py OUT

  qat-fuzz-parse    every case of the lit tests' .mlir files (split at
                    `// -----`, comment lines dropped)
  qat-fuzz-compile  the random words qat-difftest --seed 1 draws for its
                    first cases (std::mt19937_64, as RandomSource reads them)
  qat-fuzz-onnx     the models of test/ONNX/make_models.py, 16 of
                    qdq_models.py, and libonnx-testdata's quantization node
                    tests

scripts/fuzz.sh --merge-corpus minimizes the result into fuzz/corpus/ with
libFuzzer's -merge=1 (what is committed).
"""
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = "/usr/bin/python3"


def write(directory, data):
    directory.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    (directory / name).write_bytes(data)


def parse_corpus(out):
    for path in sorted((ROOT / "test").rglob("*.mlir")):
        for case in re.split(r"^// -----\s*$", path.read_text(), flags=re.M):
            lines = [l for l in case.splitlines()
                     if not l.lstrip().startswith("//")]
            text = "\n".join(lines).strip() + "\n"
            if text.strip() and len(text) <= 16 << 10:
                write(out, text.encode())


class MT19937_64:
    """std::mt19937_64."""

    def __init__(self, seed):
        self.mt = [seed & (2**64 - 1)]
        for i in range(1, 312):
            prev = self.mt[-1]
            self.mt.append((6364136223846793005 * (prev ^ (prev >> 62)) + i)
                           & (2**64 - 1))
        self.index = 312

    def __call__(self):
        if self.index >= 312:
            for i in range(312):
                x = ((self.mt[i] & 0xFFFFFFFF80000000)
                     | (self.mt[(i + 1) % 312] & 0x7FFFFFFF))
                xa = x >> 1
                if x & 1:
                    xa ^= 0xB5026F5AA96619E9
                self.mt[i] = self.mt[(i + 156) % 312] ^ xa
            self.index = 0
        y = self.mt[self.index]
        self.index += 1
        y ^= (y >> 29) & 0x5555555555555555
        y ^= (y << 17) & 0x71D67FFFEDA60000
        y ^= (y << 37) & 0xFFF7EEE000000000
        y ^= y >> 43
        return y & (2**64 - 1)


def compile_corpus(out, cases=16, words=384):
    # qat-difftest's case `index` of seed 1 draws from
    # mt19937_64(seed * 1000003 + index).
    for index in range(cases):
        rng = MT19937_64(1 * 1000003 + index)
        write(out, b"".join(rng().to_bytes(8, "little") for _ in range(words)))


def onnx_corpus(out):
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([PYTHON, ROOT / "test/ONNX/make_models.py", tmp],
                       check=True, stdout=subprocess.DEVNULL)
        for seed in range(16):
            subprocess.run([PYTHON, ROOT / "test/ONNX/qdq_models.py",
                            str(seed), f"{tmp}/qdq{seed}.onnx"], check=True)
        for path in sorted(Path(tmp).glob("*.onnx")):
            write(out, path.read_bytes())
    node = Path("/usr/share/libonnx-testdata/data/node")
    for test in sorted(node.glob("test_*")):
        if re.search(r"quantize|qlinear|integer|matmul|conv|gemm|relu|clip|"
                     r"transpose|reshape|squeeze|flatten|pool|concat|add|mul",
                     test.name) and (test / "model.onnx").exists():
            write(out, (test / "model.onnx").read_bytes())


def main(out):
    out = Path(out)
    parse_corpus(out / "qat-fuzz-parse")
    compile_corpus(out / "qat-fuzz-compile")
    onnx_corpus(out / "qat-fuzz-onnx")
    for target in sorted(out.iterdir()):
        print(f"{target.name}: {len(list(target.iterdir()))} inputs")


if __name__ == "__main__":
    main(sys.argv[1])
