// SPDX-License-Identifier: MIT
// The control-register and MSR bits the x86 backend touches (Intel SDM Vol.
// 3A 2.5, 2.2.1; Vol. 4 Table 2-2), and CPUID's result, without the
// instructions (cpu.hpp), so that host code can name them too.
#pragma once

#include <smpboot/base.hpp>
#include <smpboot/x86/trampoline_layout.h>

namespace smpboot::x86 {

// Intel SDM Vol. 4, Table 2-2.
inline constexpr uint32_t msr_apic_base = 0x1b;
inline constexpr uint32_t msr_efer = SMPBOOT_MSR_EFER;
// Intel SDM Vol. 3A 2.2.1, Figure 2-4: IA32_EFER.
inline constexpr uint64_t efer_lme = 1u << 8;
inline constexpr uint64_t efer_nxe = 1u << 11;
// Intel SDM Vol. 3A 2.5, Figure 2-7: CR0 and CR4 bits.
inline constexpr uint64_t cr0_pe = 1u << 0, cr0_mp = 1u << 1, cr0_et = 1u << 4, cr0_ne = 1u << 5,
                          cr0_wp = 1u << 16, cr0_am = 1u << 18, cr0_pg = 1u << 31;
inline constexpr uint64_t cr4_pae = 1u << 5, cr4_la57 = 1u << 12;
// Vol. 3A 4.10.4.1: bit 63 of a MOV to CR3 means "keep the PCID's TLB entries".
inline constexpr uint64_t cr3_noflush = uint64_t(1) << 63;
inline constexpr uint32_t msr_pat = SMPBOOT_MSR_PAT;   // Vol. 3A 11.12.2

struct cpuid_regs {
    uint32_t eax, ebx, ecx, edx;
};
/// Segment selectors of the running code (Intel SDM Vol. 3A 3.4.2).
struct selectors {
    uint16_t cs, ss, ds;
};

}  // namespace smpboot::x86
