# SPDX-License-Identifier: MIT
# x86-64 freestanding. No SSE/x87 in kernel code (-mno-sse keeps <stdint.h>
# and friends compiling, docs/toolchain.md); -mno-red-zone because the example
# kernels take interrupts on the same stack.
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(SMPBOOT_ARCH x86_64 CACHE STRING "")
set(SMPBOOT_TRIPLE x86_64-unknown-none-elf)
set(SMPBOOT_ARCH_FLAGS "-mno-sse -mno-sse2 -mno-mmx -mno-80387 -mno-red-zone -mcmodel=kernel")
include(${CMAKE_CURRENT_LIST_DIR}/toolchain-common.cmake)
