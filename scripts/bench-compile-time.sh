#!/usr/bin/env bash
# Compile time against chain length (bench/compile-time): prints, for each
# chain of ops, the time per op at each size and the ratio of the largest
# to the smallest (about 1 when compile time is linear). Arguments go to
# bench_compile_time.py (e.g. --sizes 250,1000 --stages compile).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

qat_setup
qat_build --target qat-opt qat-run qat-translate
/usr/bin/python3 "$QAT_ROOT/bench/compile-time/bench_compile_time.py" \
  "$QAT_BUILD_DIR" "$@"
