// SPDX-License-Identifier: MIT
// What the example kernel and the guest image share: one mailbox in physical
// memory, its address in the guest's first argument register.
#pragma once

#include <stdint.h>

namespace guest {

inline constexpr uint64_t load_phys = 0x1000000;   // guest.ld links it here
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
