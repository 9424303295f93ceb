// SPDX-License-Identifier: MIT
// The arm64 example kernel's first line(s): how it was entered, and what
// the loader says the firmware left when the loader is ours (boot_info.h).
#pragma once

#include <stdint.h>

#include "boot_info.h"

namespace example::arm64 {

/// `mmu_kept`: entered with the MMU on (from the UEFI loader at EL1), so the
/// firmware's identity map is the one in use. `bi` may be null (a Linux Image
/// loader: QEMU -kernel, U-Boot booti). `va_offset`: where the kernel's own
/// map puts physical addresses (0: identity; only without `mmu_kept`).
void print_entry(const char* board, uint64_t dtb_phys, const boot_info* bi, uint64_t entry_el, bool mmu_kept,
                 uint64_t va_offset, void (*puts)(const char*));

}  // namespace example::arm64
