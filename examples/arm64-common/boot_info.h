/* SPDX-License-Identifier: MIT */
/*
 * What a loader of the arm64 example kernels hands over besides the DTB: the
 * one structure shared by the UEFI loader (efi_loader.cpp, built for a
 * PE32+ target where `long` is 32 bits: hence fixed-width fields only) and
 * the kernel (kernel.cpp). start.S passes it on from x1; loaders that follow
 * the Linux arm64 booting protocol (QEMU -kernel, U-Boot booti) leave x1 = 0
 * (Documentation/arch/arm64/booting.rst: "x1 = 0 (reserved for future use)").
 */
#pragma once

#include <stdint.h>

namespace example::arm64 {

constexpr uint64_t boot_info_magic = 0x6f666e49746f6f42ull;   // "BootInfo"

struct boot_info {
    uint64_t magic;          ///< boot_info_magic
    uint64_t dtb;            ///< physical address of the device tree, 0 if none
    uint64_t rsdp;           ///< physical address of the ACPI RSDP, 0 if none
    uint64_t cmdline;        ///< NUL-terminated command line (overrides /chosen/bootargs)
    uint64_t loader;         ///< NUL-terminated name of the loader, e.g. "UEFI"
    uint64_t dtb_source;     ///< NUL-terminated: where the loader found the DTB
    uint64_t cmdline_source; ///< NUL-terminated: where the command line came from
    uint64_t fw_el;          ///< exception level the firmware ran the loader at
    uint64_t fw_sctlr;       ///< SCTLR_ELx (x = fw_el) as the firmware left it
    uint64_t fw_ttbr0;       ///< TTBR0_ELx as the firmware left it
    uint64_t exit_attempts;  ///< ExitBootServices calls it took (1 unless the map changed)
};
static_assert(sizeof(boot_info) == 11 * 8, "boot_info is shared by LP64 and LLP64 builds");
static_assert(__builtin_offsetof(boot_info, exit_attempts) == 10 * 8, "boot_info layout");

}  // namespace example::arm64
