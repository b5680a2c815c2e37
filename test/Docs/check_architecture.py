#!/usr/bin/env python3
"""Checks docs/Architecture.md against the tree and qat-opt.

Every path the page names must exist, and every qat pass that qat-opt
registers must have a row in its pass table; prints what drifted and exits
non-zero.
"""
import re
import subprocess
import sys
from pathlib import Path


def main(src_root, qat_opt):
    root = Path(src_root)
    page = (root / "docs/Architecture.md").read_text()
    problems = []
    # Paths: lib/..., test/..., unittests/..., docs/..., tools/...; brace
    # lists such as qat-simulate{,-invalid}.mlir name several files.
    for path in set(re.findall(
            r"\b((?:lib|test|unittests|tools|include|bench)/[\w./{},*-]+\w)", page)):
        for expanded in expand_braces(path):
            if not list(root.glob(expanded)):
                problems.append(f"Architecture.md names {expanded}, which does not exist")
    help_text = subprocess.run([qat_opt, "--help"], capture_output=True,
                               text=True, check=True).stdout
    passes = set(re.findall(r"^\s+--((?:qat|convert-qat)-[\w-]+)\s", help_text,
                            re.MULTILINE))
    table = page.split("## Pass → source → test → doc", 1)[-1]
    for name in sorted(passes):
        if f"`{name}`" not in table:
            problems.append(f"pass --{name} has no row in Architecture.md's pass table")
    for p in problems:
        print(p)
    print(f"{len(passes)} passes and the named paths checked, {len(problems)} problems")
    return 1 if problems else 0


def expand_braces(path):
    m = re.search(r"\{([^{}]*)\}", path)
    if not m:
        return [path]
    return [e for alt in m.group(1).split(",")
            for e in expand_braces(path[:m.start()] + alt + path[m.end():])]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
