#!/usr/bin/env bash
# The "PyTorch QAT exports" suite (models/torch/): torchvision's quantizable
# models, a ResNet-18 with learnable (LSQ) fake-quants, a BERT-style layer
# and nn.TransformerEncoderLayer, trained for a few QAT steps with random
# weights and data, exported to ONNX (opset 13), then imported and run by
# qat and compared with ONNX Runtime, qat's f64 simulation and PyTorch's own
# int8 model, with latencies side by side (one thread).
#   scripts/torch-models.sh [--models resnet18,bert_layer] [--no-check]
#                           [--seconds S] [--batch B] [--size S] [--steps N]
# Table on stdout; results.json and the exported models in
# $QAT_BUILD_DIR/models/torch. Exits 1 when a model that imports and runs
# is more than one step from ONNX Runtime (optimizations disabled) or from
# qat's simulation; a model whose import qat refuses is reported as blocked.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

qat_setup
qat_install_deps python3-torch python3-torchvision python3-onnx
qat_install_ort
qat_build -j 2
# One thread everywhere: torch, ONNX Runtime and qat's kernels.
OMP_NUM_THREADS=1 /usr/bin/python3 "$QAT_ROOT/models/torch/run_suite.py" \
  "$QAT_BUILD_DIR" "$@"
