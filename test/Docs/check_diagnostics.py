#!/usr/bin/env python3
"""Every user-facing diagnostic of lib/ and tools/ has a test.

Finds the message of every diagnostic the sources can print -- emitError,
emitOpError, emitWarning, emitRemark (with their `<< "..."` continuations),
the tools' reportError, a pass or pipeline option's errorHandler, the ONNX
importer's error/nodeError helpers, and the reasons that remarks print
(`reason = "..."` in the integer-region matchers, `fail("...")` in the matmul
kernel's matcher) -- and checks that a distinctive fragment of it (the
longest string literal of the statement, at most 40 characters) appears in
an expected-error/-remark/-warning/-note line or a FileCheck line of a test
under test/ or in unittests/. notifyMatchFailure reasons are not printed
and not checked.

A message that no input can reach (an internal failure) is listed in the
allowlist with a one-line reason; an allowlisted message that is now tested,
or no longer exists, is a problem too, so that the list only shrinks.

Usage: check_diagnostics.py <source root> [allowlist]
Prints each problem and a summary line ending in "N problems".
"""

import os
import re
import sys

# The calls whose string literals are diagnostic text.
DIAGNOSTIC_CALL = re.compile(
    r"\b(emitError|emitOpError|emitWarning|emitRemark|reportError|"
    r"errorHandler|nodeError|error|fail)\s*\(|"
    r"\breason\s*=\s*(?=\")")
STRING_LITERAL = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
EXPECTED_LINE = re.compile(
    r"expected-(error|remark|warning|note)|"
    r"^\s*(//|#|;)\s*[A-Za-z0-9_-]+(-NEXT|-SAME|-DAG|-LABEL)?:")
MIN_FRAGMENT = 8
MAX_FRAGMENT = 40


def statement_end(src, start, depth):
    """The index of the `;` (or unmatched `)`/`}`) that ends the statement
    at `start`, inside `depth` open parentheses (the call's own), skipping
    string and character literals."""
    i = start
    while i < len(src):
        c = src[i]
        if c in "\"'":
            j = i + 1
            while j < len(src) and src[j] != c:
                j += 2 if src[j] == "\\" else 1
            i = j + 1
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth < 0:
                return i
        elif c == ";" and depth == 0:
            return i
        i += 1
    return len(src)


def messages(statement):
    """The literal runs of `statement`: adjacent literals joined, as the
    compiler joins them."""
    runs = []
    last_end = None
    for m in STRING_LITERAL.finditer(statement):
        text = m.group(1).replace('\\"', '"').replace("\\'", "'")
        text = text.replace("\\n", " ").replace("\\\\", "\\")
        between = statement[last_end:m.start()] if last_end is not None else None
        if between is not None and re.fullmatch(r"\s*", between):
            runs[-1] += text
        else:
            runs.append(text)
        last_end = m.end()
    return runs


def fragment(statement):
    """The distinctive part of the statement's message, or None."""
    runs = [r.strip() for r in messages(statement)]
    runs = [r for r in runs if len(r) >= MIN_FRAGMENT]
    if not runs:
        return None
    return max(runs, key=len)[:MAX_FRAGMENT].strip()


def diagnostics(root):
    """(path, line, fragment) of every diagnostic with a literal message."""
    for top in ("lib", "tools"):
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            for name in sorted(files):
                if not name.endswith((".cpp", ".h")):
                    continue
                path = os.path.join(dirpath, name)
                src = open(path, encoding="utf-8").read()
                for m in DIAGNOSTIC_CALL.finditer(src):
                    depth = 1 if m.group(0).endswith("(") else 0
                    end = statement_end(src, m.end(), depth)
                    frag = fragment(src[m.start():end])
                    if frag:
                        line = src.count("\n", 0, m.start()) + 1
                        yield os.path.relpath(path, root), line, frag


def expected_lines(root):
    """The lines of the tests that state an expected diagnostic."""
    lines = []
    for top in ("test", "unittests"):
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            for name in files:
                if name.endswith((".py", ".txt")) and top == "test":
                    continue
                path = os.path.join(dirpath, name)
                try:
                    text = open(path, encoding="utf-8").read()
                except (OSError, UnicodeDecodeError):
                    continue
                for line in text.splitlines():
                    if top == "unittests" or EXPECTED_LINE.search(line):
                        lines.append(line)
    # ONNX error models are described in the generator; their messages are
    # checked by import-errors.test, whose lines are read above.
    return "\n".join(lines)


def read_allowlist(path):
    """fragment -> reason."""
    allowed = {}
    if not path or not os.path.exists(path):
        return allowed
    for raw in open(path, encoding="utf-8"):
        line = raw.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        frag, sep, reason = line.partition(" | ")
        if not sep or not reason.strip():
            print(f"allowlist: no reason given: {line}")
            allowed[frag.strip()] = None
            continue
        allowed[frag.strip()] = reason.strip()
    return allowed


def main():
    root = sys.argv[1]
    allowlist_path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        root, "test", "Docs", "diagnostics-allowlist.txt")
    corpus = expected_lines(root)
    allowed = read_allowlist(allowlist_path)
    problems = 0
    checked = 0
    used = set()
    for path, line, frag in diagnostics(root):
        checked += 1
        if frag in corpus:
            continue
        if frag in allowed:
            used.add(frag)
            if allowed[frag] is None:
                problems += 1
            continue
        print(f"{path}:{line}: no test expects \"{frag}\"")
        problems += 1
    for frag in allowed:
        if frag not in used:
            print(f"allowlist: \"{frag}\" is tested or gone: remove it")
            problems += 1
    print(f"{checked} diagnostics checked, {len(used)} allowlisted, "
          f"{problems} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
