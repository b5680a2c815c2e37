# Shared by the README's commands: install what is missing, configure, build.
# Sourced, not run. Honours QAT_BUILD_DIR (default: <repo>/build).

set -euo pipefail

QAT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Absolute, so that tools run from other folders (node for ONNX Runtime)
# find it.
QAT_BUILD_DIR="$(realpath -m "${QAT_BUILD_DIR:-$QAT_ROOT/build}")"

# Debian 12 packages qat builds and tests with (LLVM/MLIR 22 included).
QAT_PACKAGES=(cmake ninja-build ccache g++ python3 llvm-22-dev llvm-22-tools
              libmlir-22-dev mlir-22-tools clang-22 lld-22 libgtest-dev
              libomp5-14 libonnx-dev libprotobuf-dev libonnx-testdata
              python3-onnx)

qat_log() { printf '== %s\n' "$*" >&2; }

# The benchmark's references (scripts/bench.sh).
QAT_BENCH_PACKAGES=(libdnnl-dev libxnnpack-dev libpthreadpool-dev python3-onnx
                    nodejs)

# ONNX Runtime through node (the ONNX import tests' reference and a
# benchmark column): npm's onnxruntime-node, whose package holds the CPU
# binaries; --ignore-scripts skips its install script, which downloads from
# a host that is not reachable here.
QAT_ORT_DIR="$QAT_BUILD_DIR/ort"
qat_install_ort() {
  command -v node > /dev/null || qat_install_deps nodejs
  command -v npm > /dev/null || qat_install_deps npm
  if [ ! -d "$QAT_ORT_DIR/node_modules/onnxruntime-node" ]; then
    qat_log "installing onnxruntime-node into $QAT_ORT_DIR"
    npm install --prefix "$QAT_ORT_DIR" --ignore-scripts --no-audit --no-fund \
      onnxruntime-node@1.30.0
  fi
}

# Installs the missing ones of the given packages (default: QAT_PACKAGES).
qat_install_deps() {
  local missing=() pkg
  local wanted=("$@")
  [ ${#wanted[@]} -eq 0 ] && wanted=("${QAT_PACKAGES[@]}")
  for pkg in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  qat_log "installing Debian packages: ${missing[*]}"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then
      sudo=(sudo)
    else
      echo "error: missing packages ${missing[*]}; run as root: apt-get install ${missing[*]}" >&2
      exit 1
    fi
  fi
  "${sudo[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q \
    --no-install-recommends "${missing[@]}"
}

# Extra arguments are passed to cmake (e.g. -DQAT_SANITIZE=address).
qat_configure() {
  if [ -f "$QAT_BUILD_DIR/build.ninja" ]; then
    return 0
  fi
  qat_log "configuring in $QAT_BUILD_DIR"
  # ccache hits across fresh build folders only with these two set.
  export CCACHE_BASEDIR="$QAT_ROOT" CCACHE_NOHASHDIR=1
  cmake -G Ninja -S "$QAT_ROOT" -B "$QAT_BUILD_DIR" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DLLVM_USE_LINKER=lld \
    -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    "$@"
}

qat_build() {
  export CCACHE_BASEDIR="$QAT_ROOT" CCACHE_NOHASHDIR=1
  qat_log "building $*"
  cmake --build "$QAT_BUILD_DIR" "$@"
}

# The sanitizer and fuzzer build (scripts/sanitize.sh, scripts/fuzz.sh): one
# build folder, by default build-asan, with ASan + UBSan (+ LSan) and
# libFuzzer's coverage (cmake/QATSanitizers.cmake). The suite runs there
# too: the coverage counters change nothing it observes.
QAT_SANITIZE_PACKAGES=(libclang-rt-22-dev)
qat_setup_sanitized() {
  qat_install_deps
  qat_install_deps "${QAT_SANITIZE_PACKAGES[@]}"
  qat_configure "-DQAT_SANITIZE=address;undefined" -DQAT_FUZZ=ON
}

qat_setup() {
  qat_install_deps
  qat_configure
}
