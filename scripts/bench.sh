#!/usr/bin/env bash
# Builds and runs qat-bench: qat's kernels side by side with oneDNN,
# XNNPACK, ONNX Runtime and upstream MLIR's loops, on 1 and 2 threads.
# Installs what they need first (Debian packages, npm's onnxruntime-node). Arguments go to qat-bench (e.g. --quick); the JSON results go
# to $QAT_BUILD_DIR/bench-results.json.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

qat_setup
qat_install_deps "${QAT_BENCH_PACKAGES[@]}"
# Configure again so that CMake finds oneDNN if it was just installed.
cmake -S "$QAT_ROOT" -B "$QAT_BUILD_DIR" > /dev/null
qat_build --target qat-bench

qat_install_ort
"$QAT_BUILD_DIR/bin/qat-bench" --ort "$QAT_ORT_DIR" \
  --json "$QAT_BUILD_DIR/bench-results.json" "$@"

# End-to-end QDQ models through the ONNX importer, against ONNX Runtime;
# left out when the kernels are limited (ORT cannot be) or with --only.
case " $* " in
  *" --max-isa "*|*" --only "*) ;;
  *) /usr/bin/python3 "$QAT_ROOT/bench/onnx/bench_qdq.py" "$QAT_BUILD_DIR" \
       --json "$QAT_BUILD_DIR/bench-onnx-results.json" ;;
esac
