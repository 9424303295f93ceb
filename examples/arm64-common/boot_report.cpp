// SPDX-License-Identifier: MIT
#include "boot_report.hpp"

#include <smpboot/format.hpp>

namespace example::arm64 {

namespace {
const char* text(uint64_t p) { return p ? reinterpret_cast<const char*>(p) : "?"; }
}  // namespace

void print_entry(const char* board, uint64_t dtb_phys, const boot_info* bi, uint64_t entry_el, bool mmu_kept,
                 uint64_t va_offset, void (*puts)(const char*)) {
    smpboot::line<256> l;
    l.str(board).str(": entered at EL").dec(entry_el);
    if (mmu_kept) {
        uint64_t ttbr0, tcr, mair;
        asm volatile("mrs %0, ttbr0_el1\n\tmrs %1, tcr_el1\n\tmrs %2, mair_el1" : "=r"(ttbr0), "=r"(tcr), "=r"(mair));
        l.str(", MMU on: kept the firmware's identity map (TTBR0_EL1 ").hex(ttbr0);
        l.str(", TCR_EL1 ").hex(tcr).str(", MAIR_EL1 ").hex(mair).chr(')');
    } else {
        l.str(va_offset ? ", MMU off: own higher-half map" : ", MMU off: own identity map");
    }
    if (dtb_phys) l.str("; DTB at ").hex(dtb_phys).str(bi ? "" : " from x0; cmdline from /chosen/bootargs");
    else l.str("; no DTB, ACPI RSDP at ").hex(bi ? bi->rsdp : 0);
    puts(l.c_str());
    if (!bi) return;
    l.clear();
    l.str(board).str(": loader ").str(text(bi->loader)).str(": firmware at EL").dec(bi->fw_el);
    l.str(" (SCTLR ").hex(bi->fw_sctlr).str(", TTBR0 ").hex(bi->fw_ttbr0).str("); DTB from ");
    l.str(text(bi->dtb_source)).str(!bi->rsdp ? "; no ACPI" : bi->dtb ? "; ACPI RSDP too" : "; ACPI RSDP from the EFI configuration table").str("; cmdline from ");
    l.str(text(bi->cmdline_source)).str("; ExitBootServices calls ").dec(bi->exit_attempts);
    puts(l.c_str());
}

}  // namespace example::arm64
