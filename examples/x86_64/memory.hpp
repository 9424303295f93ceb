// SPDX-License-Identifier: MIT
// The example kernel's memory layout, the way higher-half kernels have it,
// and small enough to copy:
//
//   0xffffffff80000000 (-2 GiB)   the kernel image (-mcmodel=kernel), mapping
//                                 physical 0-1 GiB; the kernel is at 1 MiB
//   0xffff888000000000            the direct map: physical 0 .. max(4 GiB,
//                                 end of RAM) with 2 MiB pages (xAPIC, ACPI,
//                                 low memory for the trampoline, all here)
//   below 0x800000000000          nothing: no identity map
//
// boot.S starts on boot tables that identity-map 0-4 GiB; kernel_main builds
// these tables (above 4 GiB when there is RAM there, e.g. -m 6G) and moves to
// them before it starts smpboot. The boot tables are kept only as the
// address space of the guest image (hotplug::start_image).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace mem {

inline constexpr uint64_t direct_base = 0xffff888000000000;

inline void* phys_to_virt(uint64_t phys) { return reinterpret_cast<void*>(uintptr_t(direct_base + phys)); }
/// For the kernel image only (linked at -2 GiB, loaded at physical 0 + offset).
uint64_t kernel_virt_to_phys(const void* p);

struct layout {
    uint64_t cr3 = 0;           ///< the kernel's tables
    uint64_t boot_cr3 = 0;      ///< boot.S's tables (identity 0-4 GiB)
    uint64_t direct_end = 0;    ///< the direct map covers [0, direct_end)
    uint32_t table_pages = 0;
    bool la57 = false;
};

/// Build the kernel's tables and switch to them. Boot CPU, once, while the
/// boot tables are live; the RAM facts come from the way in's memory map
/// (boot::info::ram_end, ram_from_4g; 0 if it gave none).
layout enter_higher_half(uint64_t ram_end, uint64_t ram_from_4g);
const layout& current();

/// The physical range is in the direct map.
bool in_direct_map(uint64_t phys, size_t len);
/// The 2 MiB direct-map page holding `phys`, uncached (xAPIC registers).
void* map_uncached(uint64_t phys);

}  // namespace mem
