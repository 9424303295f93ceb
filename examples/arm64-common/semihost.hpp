// SPDX-License-Identifier: MIT
// How the arm64 examples end QEMU with a status: semihosting
// SYS_EXIT_EXTENDED (0x20) with ADP_Stopped_ApplicationExit (0x20026), Arm
// "Semihosting for AArch32 and AArch64" 2.0. QEMU honours it with
// -semihosting-config enable=on,target=native, at EL1 or EL2, firmware or not.
#pragma once

#include <stdint.h>

namespace example::arm64 {

[[noreturn]] inline void semihost_exit(uint32_t code) {
    volatile uint64_t block[2] = {0x20026, code};
    register uint64_t x0 asm("x0") = 0x20;
    register uint64_t x1 asm("x1") = uint64_t(uintptr_t(block));
    asm volatile("hlt #0xf000" ::"r"(x0), "r"(x1) : "memory");
    for (;;) asm volatile("wfe");
}

}  // namespace example::arm64
