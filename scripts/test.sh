#!/usr/bin/env bash
# Builds qat and runs the whole test suite (lit + unit tests) with ctest,
# then the sanitizer part of CI: scripts/sanitize.sh --cases 100 (the whole
# suite, which there runs each fuzz target on its committed corpus, and 100
# more random graphs under ASan + UBSan + LSan, in build-asan). CI does not
# fuzz: a new input found by chance would fail a change that did not cause
# it (scripts/fuzz.sh does that, by hand). QAT_TEST_SANITIZE=0 skips the
# sanitizer part. On a fresh Debian 12
# machine it first installs the packages it needs. Exits non-zero on any
# failure. Arguments go to the first ctest.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

qat_setup
# The ONNX import tests compare with ONNX Runtime.
qat_install_ort
qat_build
qat_log "running the test suite"
(cd "$QAT_BUILD_DIR" && ctest --output-on-failure "$@")

if [ "${QAT_TEST_SANITIZE:-1}" = 0 ]; then
  exit 0
fi
# The sanitizer build is a folder of its own (build-asan, beside build/).
asan_dir="$QAT_ROOT/build-asan"
QAT_BUILD_DIR="$asan_dir" "$QAT_ROOT/scripts/sanitize.sh" --cases 100
