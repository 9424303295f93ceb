// SPDX-License-Identifier: MIT
// What the example kernel and the guest image share: one mailbox in physical
// memory, its address in the guest's first argument register.
#pragma once

#include <stdint.h>

#ifndef SMPBOOT_GUEST_LOAD_PHYS
#error "examples/x86_64/CMakeLists.txt defines SMPBOOT_GUEST_LOAD_PHYS"
#endif

namespace guest {

/// Where the guest is linked and copied to; CMake passes the one value to
/// both the compiler and guest.ld.
inline constexpr uint64_t load_phys = SMPBOOT_GUEST_LOAD_PHYS;
/// The 16550 UART both programs print to (COM1 in the PC/AT I/O map).
inline constexpr uint16_t com1_port = 0x3f8;
inline constexpr uint32_t magic = 0x74736567;      // "gest"

struct mailbox {
    uint32_t magic;      // kernel -> guest
    uint32_t n;          // kernel -> guest: sum 1..n, please
    uint64_t sum;        // guest -> kernel
    uint32_t apic_id;    // guest -> kernel: CPUID's view of who ran it
    uint32_t done;       // guest -> kernel, written last (release)
    uint64_t stack;      // guest -> kernel: RSP it ran on
};

}  // namespace guest
