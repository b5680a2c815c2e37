#!/usr/bin/env bash
# Compiles the bundled example QAT graph (examples/qat_mlp_cnn.mlir), or the
# .mlir file given as the first argument, to an integer program, runs it on
# seeded inputs and prints, for every function, how its outputs agree with
# the fake-quant graph simulated in f32 and in f64. On a fresh Debian 12
# machine it first installs the packages it needs and builds qat.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

input="${1:-$QAT_ROOT/examples/qat_mlp_cnn.mlir}"
qat_setup
qat_build --target qat-run
status=0
for fn in $(grep -o 'func.func @[A-Za-z0-9_]*' "$input" | cut -d@ -f2); do
  qat_log "qat-run $input -e $fn --check"
  "$QAT_BUILD_DIR/bin/qat-run" "$input" -e "$fn" --check || status=1
done
exit $status
