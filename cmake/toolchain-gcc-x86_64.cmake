# SPDX-License-Identifier: MIT
# x86-64 freestanding with the host's GCC; the same flags as the clang
# toolchain (toolchain-x86_64.cmake), plus no CET instrumentation.
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(SMPBOOT_ARCH x86_64 CACHE STRING "")
set(SMPBOOT_GCC_PREFIX "")
set(SMPBOOT_ARCH_FLAGS "-m64 -mno-sse -mno-sse2 -mno-mmx -mno-80387 -mno-red-zone -mcmodel=kernel -fcf-protection=none")
include(${CMAKE_CURRENT_LIST_DIR}/toolchain-gcc-common.cmake)
