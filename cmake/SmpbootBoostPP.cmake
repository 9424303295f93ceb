# SPDX-License-Identifier: MIT
# Boost.Preprocessor without the rest of /usr/include: Debian ships it only
# inside libboost-dev, and -I/usr/include would expose the host's glibc
# headers to a freestanding cross build (docs/toolchain.md). We link just the
# boost/preprocessor tree into the build directory and add that; install
# copies those two symbolic links (not the headers) to
# include/smpboot-boost-pp, and the exported target smpboot::boost_pp points
# there, so the package config holds targets only.
find_path(SMPBOOT_BOOST_PP_ROOT boost/preprocessor.hpp
  HINTS /usr/include
  DOC "Directory that holds boost/preprocessor.hpp")
if(NOT SMPBOOT_BOOST_PP_ROOT)
  message(FATAL_ERROR "Boost.Preprocessor not found: apt-get install libboost-dev")
endif()
set(SMPBOOT_BOOST_PP_DIR "${CMAKE_BINARY_DIR}/smpboot-boost-pp")
file(MAKE_DIRECTORY "${SMPBOOT_BOOST_PP_DIR}/boost")
if(NOT EXISTS "${SMPBOOT_BOOST_PP_DIR}/boost/preprocessor")
  file(CREATE_LINK "${SMPBOOT_BOOST_PP_ROOT}/boost/preprocessor"
       "${SMPBOOT_BOOST_PP_DIR}/boost/preprocessor" SYMBOLIC)
  file(CREATE_LINK "${SMPBOOT_BOOST_PP_ROOT}/boost/preprocessor.hpp"
       "${SMPBOOT_BOOST_PP_DIR}/boost/preprocessor.hpp" SYMBOLIC)
endif()
add_library(smpboot_boost_pp INTERFACE)
set_target_properties(smpboot_boost_pp PROPERTIES EXPORT_NAME boost_pp)
target_include_directories(smpboot_boost_pp SYSTEM INTERFACE
  "$<BUILD_INTERFACE:${SMPBOOT_BOOST_PP_DIR}>"
  "$<INSTALL_INTERFACE:include/smpboot-boost-pp>")
