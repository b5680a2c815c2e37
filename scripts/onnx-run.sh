#!/usr/bin/env bash
# Imports an ONNX model in QDQ form, runs it with qat and with ONNX Runtime
# on the same inputs and compares the outputs:
#   scripts/onnx-run.sh MODEL.onnx [IN.npy ...]
# Inputs: one .npy per graph input, or seeded data. Results (.npy) and the
# imported QAT graph (model.mlir) go to $QAT_BUILD_DIR/onnx-run/.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

[ $# -ge 1 ] || { echo "usage: $0 MODEL.onnx [IN.npy ...]" >&2; exit 2; }
qat_setup
qat_install_ort
qat_build
/usr/bin/python3 "$QAT_ROOT/scripts/onnx_compare.py" "$QAT_BUILD_DIR" "$1" \
  "$QAT_BUILD_DIR/onnx-run" "${@:2}"
