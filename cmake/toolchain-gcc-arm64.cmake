# SPDX-License-Identifier: MIT
# AArch64 freestanding with Debian's gcc-aarch64-linux-gnu; the same flags as
# the clang toolchain (toolchain-arm64.cmake).
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(SMPBOOT_ARCH arm64 CACHE STRING "")
set(SMPBOOT_GCC_PREFIX aarch64-linux-gnu-)
set(SMPBOOT_ARCH_FLAGS "-mgeneral-regs-only -mno-outline-atomics")
include(${CMAKE_CURRENT_LIST_DIR}/toolchain-gcc-common.cmake)
