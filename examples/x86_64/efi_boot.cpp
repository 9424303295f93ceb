// SPDX-License-Identifier: MIT
// The kernel's side of the UEFI loader's handoff (efi_handoff.hpp).
#include "bootinfo.hpp"
#include "efi_handoff.hpp"

namespace boot {
namespace {
char uefi_cmdline[uefi_handoff::max_cmdline];
}  // namespace

bool read_uefi(uint64_t phys, info& out) {
    out.protocol = "UEFI";
    out.firmware = "UEFI";
    const auto* h = reinterpret_cast<const uefi_handoff*>(uintptr_t(phys));
    if (!h || h->magic != uefi_handoff::magic_value) return false;
    out.rsdp = h->rsdp;
    out.rsdp_source = h->rsdp_source == uefi_handoff::rsdp_acpi20   ? "the EFI configuration table (ACPI 2.0 GUID)"
                      : h->rsdp_source == uefi_handoff::rsdp_acpi10 ? "the EFI configuration table (ACPI 1.0 GUID)"
                                                                    : "none";
    // Copied: the handoff is reachable only through the boot identity map,
    // which is gone once memory.cpp has switched to the kernel's tables.
    copy_string(uefi_cmdline, sizeof uefi_cmdline, h->cmdline);
    out.cmdline = uefi_cmdline;
    out.cmdline_source = h->cmdline_source == uefi_handoff::cmdline_load_options ? "LoadOptions"
                         : h->cmdline_source == uefi_handoff::cmdline_file       ? "\\cmdline.txt"
                                                                                 : "none";
    for (uint32_t i = 0; i < h->n_free && i < uefi_handoff::max_free && out.n_free < info::max_free; ++i)
        out.free_low[out.n_free++] = {h->free_low[i].base, h->free_low[i].size};
    out.firmware_cr3 = h->firmware_cr3;
    out.firmware_cpus = h->firmware_enabled;
    out.extra = h->exit_attempts > 1 ? "ExitBootServices needed a fresh map key" : "";
    return true;
}

}  // namespace boot
