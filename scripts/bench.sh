#!/usr/bin/env bash
# Builds and runs qat-bench: qat's kernels side by side with oneDNN and
# upstream MLIR's loops, on one core. Installs oneDNN (libdnnl-dev) first
# if needed. Arguments go to qat-bench (e.g. --quick); the JSON results go
# to $QAT_BUILD_DIR/bench-results.json.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

qat_setup
qat_install_deps "${QAT_BENCH_PACKAGES[@]}"
# Configure again so that CMake finds oneDNN if it was just installed.
cmake -S "$QAT_ROOT" -B "$QAT_BUILD_DIR" > /dev/null
qat_build --target qat-bench
"$QAT_BUILD_DIR/bin/qat-bench" --json "$QAT_BUILD_DIR/bench-results.json" "$@"
