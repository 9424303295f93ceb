# SPDX-License-Identifier: MIT
# AArch64 freestanding. -mgeneral-regs-only: no FP/SIMD in kernel code;
# -mno-outline-atomics: atomics inline, not calls into libgcc (docs/toolchain.md).
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(SMPBOOT_ARCH arm64 CACHE STRING "")
set(SMPBOOT_TRIPLE aarch64-unknown-none-elf)
set(SMPBOOT_ARCH_FLAGS "-mgeneral-regs-only -mno-outline-atomics")
include(${CMAKE_CURRENT_LIST_DIR}/toolchain-common.cmake)
