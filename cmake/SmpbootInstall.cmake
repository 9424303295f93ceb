# SPDX-License-Identifier: MIT
# cmake --install puts headers, the libraries of this build, and a package
# config so that find_package(smpboot) works.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)
install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/smpboot" DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
# Boost.PP: the two symbolic links of the build directory, not its headers.
install(DIRECTORY "${SMPBOOT_BOOST_PP_DIR}/boost" DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/smpboot-boost-pp)
install(TARGETS ${SMPBOOT_INSTALL_TARGETS} smpboot_core smpboot_boost_pp EXPORT smpbootTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(EXPORT smpbootTargets NAMESPACE smpboot:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/smpboot)
configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/smpbootConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/smpbootConfig.cmake"
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/smpboot)
write_basic_package_version_file("${PROJECT_BINARY_DIR}/smpbootConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
# A cross build's C library comes with a Make fragment for Make-built kernels.
if(TARGET smpboot_c)
  set(smpboot_mk_fixed_x18 0)
  if(SMPBOOT_ARM64_FIXED_X18)
    set(smpboot_mk_fixed_x18 1)
  endif()
  configure_file("${PROJECT_SOURCE_DIR}/cmake/smpboot.mk.in" "${PROJECT_BINARY_DIR}/smpboot.mk" @ONLY)
  install(FILES "${PROJECT_BINARY_DIR}/smpboot.mk" DESTINATION ${CMAKE_INSTALL_DATADIR}/smpboot)
endif()
install(FILES "${PROJECT_BINARY_DIR}/smpbootConfig.cmake"
  "${PROJECT_BINARY_DIR}/smpbootConfigVersion.cmake"
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/smpboot)
