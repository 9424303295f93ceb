// SPDX-License-Identifier: MIT
// What the UEFI loader (efi_loader.cpp, a PE32+ built for
// x86_64-unknown-windows) hands the kernel (an ELF built for
// x86_64-unknown-none-elf) in RDI at uefi64_start. Both compile this header,
// so it holds fixed-width fields only, no pointers, with checked offsets.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace boot {

struct uefi_handoff {
    static constexpr uint64_t magic_value = 0x4955454642504d53;   // "SMPBUEFI"
    static constexpr uint32_t max_cmdline = 512;
    static constexpr uint32_t max_free = 32;

    /// How the loader found each input.
    enum rsdp_from : uint32_t { rsdp_none = 0, rsdp_acpi20 = 1, rsdp_acpi10 = 2 };
    enum cmdline_from : uint32_t { cmdline_none = 0, cmdline_load_options = 1, cmdline_file = 2 };

    uint64_t magic;
    uint64_t rsdp;              ///< physical, from the EFI configuration table
    uint32_t rsdp_source;       ///< rsdp_from
    uint32_t cmdline_source;    ///< cmdline_from
    uint64_t firmware_cr3;      ///< CR3 as the firmware left it
    uint64_t system_table;      ///< physical address of EFI_SYSTEM_TABLE
    uint32_t firmware_cpus;     ///< EFI_MP_SERVICES: processors (0: no protocol)
    uint32_t firmware_enabled;  ///< ... of which enabled
    uint32_t exit_attempts;     ///< ExitBootServices calls until one succeeded
    uint32_t n_free;            ///< entries of free_low[]
    /// EfiConventionalMemory below 1 MiB in the final memory map (the one
    /// whose key ExitBootServices accepted): [base, base + size).
    struct range {
        uint64_t base, size;
    } free_low[max_free];
    char cmdline[max_cmdline];  ///< NUL-terminated ASCII
};
static_assert(offsetof(uefi_handoff, firmware_cr3) == 24);
static_assert(offsetof(uefi_handoff, free_low) == 56);
static_assert(sizeof(uefi_handoff) == 56 + 32 * 16 + 512);

}  // namespace boot
