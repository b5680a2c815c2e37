#!/usr/bin/env bash
# Builds qat and runs the whole test suite (lit + unit tests) with ctest.
# On a fresh Debian 12 machine it first installs the packages it needs.
# Exits non-zero on any failure.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

qat_setup
# The ONNX import tests compare with ONNX Runtime.
qat_install_ort
qat_build
qat_log "running the test suite"
cd "$QAT_BUILD_DIR"
ctest --output-on-failure "$@"
