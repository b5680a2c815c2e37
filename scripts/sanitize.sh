#!/usr/bin/env bash
# scripts/sanitize.sh [--cases N] [ctest arguments]
#
# Builds qat with ASan + UBSan (+ LSan), -fno-sanitize-recover=all, into
# build-asan (QAT_BUILD_DIR overrides it), then runs the whole test suite
# (ctest) and qat-difftest on N random graphs (default 1000) in that build.
# Any sanitizer report fails the run. Exits non-zero on any failure.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export QAT_BUILD_DIR="${QAT_BUILD_DIR:-$here/../build-asan}"
source "$here/common.sh"

cases=1000
if [ "${1:-}" = "--cases" ]; then
  cases="$2"
  shift 2
fi

qat_setup_sanitized
# The ONNX tests' reference: the normal build's copy when there is one.
if [ ! -e "$QAT_ORT_DIR" ] && [ -d "$QAT_ROOT/build/ort" ]; then
  ln -s "$QAT_ROOT/build/ort" "$QAT_ORT_DIR"
fi
qat_install_ort
qat_build
qat_log "running the test suite under ASan + UBSan"
(cd "$QAT_BUILD_DIR" && ctest --output-on-failure "$@")
qat_log "running qat-difftest --cases $cases under ASan + UBSan"
# Seed 2: other graphs than the suite's 200 of seed 1.
"$QAT_BUILD_DIR/bin/qat-difftest" --cases "$cases" --seed 2
