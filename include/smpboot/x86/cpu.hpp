// SPDX-License-Identifier: MIT
// The few x86 instructions the backend needs, as inline functions, and the
// control-register and MSR bits it touches (Intel SDM Vol. 3A 2.5, 2.2.1;
// Vol. 4 Table 2-2). Cross builds only.
#pragma once

#include <smpboot/base.hpp>
#include <smpboot/x86/trampoline_layout.h>

namespace smpboot::x86 {

// Intel SDM Vol. 4, Table 2-2.
inline constexpr uint32_t msr_apic_base = 0x1b;
inline constexpr uint32_t msr_efer = 0xc0000080;
// Intel SDM Vol. 3A 2.2.1, Figure 2-4: IA32_EFER.
inline constexpr uint64_t efer_lme = 1u << 8;
inline constexpr uint64_t efer_nxe = 1u << 11;
// Intel SDM Vol. 3A 2.5, Figure 2-7: CR0 and CR4 bits.
inline constexpr uint64_t cr0_pe = 1u << 0, cr0_mp = 1u << 1, cr0_et = 1u << 4, cr0_ne = 1u << 5,
                          cr0_wp = 1u << 16, cr0_am = 1u << 18, cr0_pg = 1u << 31;
inline constexpr uint64_t cr4_pae = 1u << 5, cr4_la57 = 1u << 12;
// Vol. 3A 4.10.4.1: bit 63 of a MOV to CR3 means "keep the PCID's TLB entries".
inline constexpr uint64_t cr3_noflush = uint64_t(1) << 63;
inline constexpr uint32_t msr_pat = 0x277;   // Vol. 3A 11.12.2

inline uint64_t rdmsr(uint32_t msr) {
    uint32_t lo, hi;
    asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return uint64_t(hi) << 32 | lo;
}
inline void wrmsr(uint32_t msr, uint64_t v) {
    asm volatile("wrmsr" ::"c"(msr), "a"(uint32_t(v)), "d"(uint32_t(v >> 32)) : "memory");
}

struct cpuid_regs {
    uint32_t eax, ebx, ecx, edx;
};
inline cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf = 0) {
    cpuid_regs r;
    asm volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx) : "a"(leaf), "c"(subleaf));
    return r;
}

inline uint64_t read_cr0() {
    uint64_t v;
    asm volatile("mov %%cr0, %0" : "=r"(v));
    return v;
}
inline uint64_t read_cr4() {
    uint64_t v;
    asm volatile("mov %%cr4, %0" : "=r"(v));
    return v;
}
/// The GDTR as SGDT stores it (Intel SDM Vol. 3A 3.5.1).
inline pseudo_desc read_gdtr() {
    pseudo_desc d{};
    asm volatile("sgdt (%0)" ::"r"(&d.limit) : "memory");   // 10 bytes: limit, base
    return d;
}
inline uint16_t read_cs() {
    uint16_t v;
    asm volatile("mov %%cs, %0" : "=r"(v));
    return v;
}
inline uint16_t read_ss() {
    uint16_t v;
    asm volatile("mov %%ss, %0" : "=r"(v));
    return v;
}
inline uint16_t read_ds() {
    uint16_t v;
    asm volatile("mov %%ds, %0" : "=r"(v));
    return v;
}
inline uint64_t read_cr3() {
    uint64_t v;
    asm volatile("mov %%cr3, %0" : "=r"(v));
    return v;
}

inline void cpu_relax() { asm volatile("pause" ::: "memory"); }
inline void irq_disable() { asm volatile("cli" ::: "memory"); }
/// RFLAGS, then interrupts off; irq_restore() puts IF back as it was.
inline uint64_t irq_save() {
    uint64_t flags;
    asm volatile("pushfq; popq %0; cli" : "=r"(flags)::"memory");
    return flags;
}
inline void irq_restore(uint64_t flags) {
    if (flags & (1u << 9)) asm volatile("sti" ::: "memory");   // RFLAGS.IF (SDM Vol. 1 3.4.3)
}
/// Orders earlier stores before a following WRMSR to the x2APIC ICR, which
/// is not serializing (Intel SDM Vol. 3A 10.12.3).
inline void wrmsr_fence() { asm volatile("mfence; lfence" ::: "memory"); }

}  // namespace smpboot::x86
