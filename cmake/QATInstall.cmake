# Installs qat as a CMake package: headers (hand-written and generated),
# libraries, qat-opt and QATConfig.cmake, so that a host compiler can
#   find_package(QAT CONFIG)  and link  QAT::QATRegistration
# with ${QAT_INCLUDE_DIRS} on its include path.
include(CMakePackageConfigHelpers)
include(GNUInstallDirs)

set(QAT_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/qat")

install(DIRECTORY ${QAT_SOURCE_DIR}/include/qat
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h" PATTERN "*.td")
install(DIRECTORY ${QAT_BINARY_DIR}/include/qat
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.inc" PATTERN "CMakeFiles" EXCLUDE)

# add_mlir_library files every library into the MLIRTargets export set;
# exported under the QAT:: namespace, that set is qat's.
install(EXPORT MLIRTargets
  FILE QATTargets.cmake
  NAMESPACE QAT::
  DESTINATION ${QAT_INSTALL_CMAKEDIR})

configure_package_config_file(
  ${QAT_SOURCE_DIR}/cmake/QATConfig.cmake.in
  ${QAT_BINARY_DIR}/lib/cmake/qat/QATConfig.cmake
  INSTALL_DESTINATION ${QAT_INSTALL_CMAKEDIR}
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR)
write_basic_package_version_file(
  ${QAT_BINARY_DIR}/lib/cmake/qat/QATConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${QAT_BINARY_DIR}/lib/cmake/qat/QATConfig.cmake
  ${QAT_BINARY_DIR}/lib/cmake/qat/QATConfigVersion.cmake
  DESTINATION ${QAT_INSTALL_CMAKEDIR})
