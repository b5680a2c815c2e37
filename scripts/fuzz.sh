#!/usr/bin/env bash
# scripts/fuzz.sh TARGET MINUTES [JOBS]
#
# Runs libFuzzer target TARGET (qat-fuzz-parse, qat-fuzz-compile,
# qat-fuzz-onnx; fuzz/) for MINUTES minutes in JOBS processes (default 1),
# starting from its committed corpus fuzz/corpus/TARGET. Builds it first in
# the sanitizer build (build-asan, as scripts/sanitize.sh; QAT_BUILD_DIR
# overrides it). New inputs go to build-asan/fuzz/corpus/TARGET, crashes,
# timeouts and out-of-memory inputs to build-asan/fuzz/findings/TARGET
# (QAT_FUZZ_FINDINGS overrides it); the run continues past them and exits
# non-zero if it found any.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export QAT_BUILD_DIR="${QAT_BUILD_DIR:-$here/../build-asan}"
source "$here/common.sh"

if [ $# -lt 2 ]; then
  echo "usage: scripts/fuzz.sh TARGET MINUTES [JOBS]" >&2
  exit 2
fi
target="$1" minutes="$2" jobs="${3:-1}"
# Per target: the largest input and the time one input may take (a slower
# one is a finding: a hang or super-linear growth). qat-fuzz-compile JIT-runs
# four compilations of each graph.
case "$target" in
  qat-fuzz-parse) max_len=16384 timeout=30 ;;
  qat-fuzz-compile) max_len=4096 timeout=120 ;;
  qat-fuzz-onnx) max_len=65536 timeout=30 ;;
  *) echo "error: unknown fuzz target '$target'" >&2; exit 2 ;;
esac

qat_setup_sanitized
qat_build --target "$target"

work="$QAT_BUILD_DIR/fuzz/corpus/$target"
findings="${QAT_FUZZ_FINDINGS:-$QAT_BUILD_DIR/fuzz/findings}/$target"
mkdir -p "$work" "$findings"
# A dictionary of the input language's tokens, where the target has one.
dict=()
[ -f "$QAT_ROOT/fuzz/$target.dict" ] && dict=(-dict="$QAT_ROOT/fuzz/$target.dict")
# Findings are crash-, leak-, timeout- and oom- files; slow-unit- files
# (inputs slower than 10 s) are only reported.
count_findings() {
  find "$findings" -maxdepth 1 \( -name 'crash-*' -o -name 'leak-*' \
    -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l
}
before=$(count_findings)
# The committed corpus first, as a regression test: -fork would skip an
# input that crashes.
qat_log "running $target on fuzz/corpus/$target"
"$QAT_BUILD_DIR/bin/$target" -runs=0 -max_len="$max_len" -timeout="$timeout" \
  -rss_limit_mb=4096 -artifact_prefix="$findings/" \
  "$QAT_ROOT/fuzz/corpus/$target"
qat_log "fuzzing $target for $minutes min in $jobs process(es); findings in $findings"
# -fork keeps fuzzing past a finding (each child process runs a while, then
# the parent merges its coverage); the first corpus folder receives new
# inputs, the committed one is only read.
"$QAT_BUILD_DIR/bin/$target" -fork="$jobs" -ignore_crashes=1 \
  -ignore_timeouts=1 -ignore_ooms=1 -max_total_time=$((minutes * 60)) \
  -max_len="$max_len" -timeout="$timeout" -rss_limit_mb=4096 \
  -artifact_prefix="$findings/" -print_final_stats=1 "${dict[@]}" \
  "$work" "$QAT_ROOT/fuzz/corpus/$target" && rc=0 || rc=$?
after=$(count_findings)
if [ "$after" -gt "$before" ]; then
  echo "error: $target found $((after - before)) crashing, hanging or" \
       "exhausting input(s) in $findings" >&2
  exit 1
fi
if [ "$rc" -ne 0 ]; then
  echo "error: $target exited with status $rc" >&2
  exit 1
fi
qat_log "$target: no findings"
