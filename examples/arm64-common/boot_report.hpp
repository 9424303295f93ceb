// SPDX-License-Identifier: MIT
// The arm64 example kernel's first line(s): how it was entered, and what
// the loader says the firmware left when the loader is ours (boot_info.h).
#pragma once

#include <stdint.h>

#include "boot_info.h"

namespace example::arm64 {

/// `mmu_kept`: entered with the MMU on (from the UEFI loader at EL1), so the
/// firmware's identity map is the one in use. `bi` may be null (a Linux Image
/// loader: QEMU -kernel, U-Boot booti).
void print_entry(const char* board, const void* dtb, const boot_info* bi, uint64_t entry_el, bool mmu_kept,
                 void (*puts)(const char*));

}  // namespace example::arm64
