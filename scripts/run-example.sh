#!/usr/bin/env bash
# Runs qat on the bundled example QAT graph (examples/qat_mlp_cnn.mlir) or on
# the .mlir file given as the first argument. On a fresh Debian 12 machine it
# first installs the packages it needs and builds qat.
#
# Until the lowering to integer code exists, it verifies the graph, folds
# its learned quantization parameters (all must be compile-time constants),
# canonicalizes it and prints the result.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

input="${1:-$QAT_ROOT/examples/qat_mlp_cnn.mlir}"
qat_setup
qat_build --target qat-opt
qat_log "qat-opt $input"
"$QAT_BUILD_DIR/bin/qat-opt" "$input" \
  --qat-fold-learned-params=require-static --canonicalize
