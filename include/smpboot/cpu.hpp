// SPDX-License-Identifier: MIT
// The words for "a CPU" that every part of smpboot shares: table parsers,
// backends and the state machine. Includes nothing but <stdint.h>, so a
// MADT or device-tree parser can use it without the state machine.
#pragma once

#include <stdint.h>

namespace smpboot {

/// A logical CPU number: 0 is the boot CPU, the rest follow firmware order.
using cpu_id = uint32_t;
/// A CPU's hardware identifier: APIC / x2APIC ID on x86, MPIDR affinity on arm64.
using hwid_t = uint64_t;

inline constexpr cpu_id no_cpu = ~cpu_id{0};

/// One CPU as discovery found it. Entry 0 must be the boot CPU.
struct cpu_desc {
    hwid_t hwid = 0;
    bool present = true;   ///< false: possible only (ACPI online-capable)
};

}  // namespace smpboot
