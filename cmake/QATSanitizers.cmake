# Sanitizer and fuzzer builds of qat (scripts/sanitize.sh, scripts/fuzz.sh).
#
#   -DQAT_SANITIZE="address;undefined"   every qat target with ASan + UBSan
#                                        (LSan comes with ASan), aborting on
#                                        the first report
#   -DQAT_FUZZ=ON                        also the libFuzzer targets in fuzz/;
#                                        qat's code gets coverage feedback
#
# Only qat's own code is instrumented: LLVM and MLIR come from Debian's
# libLLVM.so/libMLIR.so as they are. ASan still checks every heap block
# (its allocator replaces malloc for the whole process) but not accesses
# made inside those libraries; UBSan checks qat's code only.

set(QAT_SANITIZE "" CACHE STRING
  "Sanitizers to build qat with, e.g. address;undefined (clang)")
option(QAT_FUZZ "Build the libFuzzer targets (fuzz/); needs QAT_SANITIZE" OFF)

if(QAT_FUZZ AND NOT QAT_SANITIZE)
  message(FATAL_ERROR "QAT_FUZZ needs QAT_SANITIZE (e.g. address;undefined): "
    "the fuzzers' coverage callbacks come with the sanitizer runtimes")
endif()

if(QAT_SANITIZE)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "QAT_SANITIZE needs clang (e.g. -DCMAKE_CXX_COMPILER="
      "clang++-22), found ${CMAKE_CXX_COMPILER_ID}")
  endif()
  list(JOIN QAT_SANITIZE "," _qat_sanitizers)
  message(STATUS "qat: building with -fsanitize=${_qat_sanitizers}")
  # No recovery: a report is a failure, in the tests as in the fuzzers. The
  # frame pointers give the reports' stacks through qat's code.
  add_compile_options(-fsanitize=${_qat_sanitizers} -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  set(QAT_SANITIZER_LINK_FLAGS -fsanitize=${_qat_sanitizers})
  add_link_options(${QAT_SANITIZER_LINK_FLAGS})
  if(QAT_FUZZ)
    # Coverage and comparison feedback for libFuzzer in all of qat's code;
    # only the fuzz targets link libFuzzer's main (-fsanitize=fuzzer).
    add_compile_options(-fsanitize=fuzzer-no-link)
  endif()

  # The runtime options every qat executable starts with (the environment's
  # ASAN_OPTIONS etc. still override them), and the leak suppressions of
  # utils/sanitizers/lsan.supp, compiled in so that tools run by lit, ctest
  # and libFuzzer all see them without an environment variable.
  set(_qat_supp ${PROJECT_SOURCE_DIR}/utils/sanitizers/lsan.supp)
  file(READ ${_qat_supp} QAT_LSAN_SUPPRESSIONS)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_qat_supp})
  configure_file(${PROJECT_SOURCE_DIR}/utils/sanitizers/SanitizerDefaults.cpp.in
    ${PROJECT_BINARY_DIR}/utils/sanitizers/SanitizerDefaults.cpp @ONLY)
endif()

# Adds the sanitizer defaults to every executable defined under `dir`, and
# the sanitizer runtimes to what links each library (the installed CMake
# package's users too: test/Install links a host program against them).
# Called once, at the end of the top-level CMakeLists.txt.
function(qat_add_sanitizer_defaults dir)
  if(NOT QAT_SANITIZE)
    return()
  endif()
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  foreach(target IN LISTS targets)
    get_target_property(type ${target} TYPE)
    if(type STREQUAL "EXECUTABLE")
      target_sources(${target} PRIVATE
        ${PROJECT_BINARY_DIR}/utils/sanitizers/SanitizerDefaults.cpp)
    elseif(type STREQUAL "STATIC_LIBRARY")
      target_link_options(${target} INTERFACE ${QAT_SANITIZER_LINK_FLAGS})
    endif()
  endforeach()
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(subdir IN LISTS subdirs)
    qat_add_sanitizer_defaults(${subdir})
  endforeach()
endfunction()
