// SPDX-License-Identifier: MIT
// The few x86 instructions the backend needs, as inline functions (the bits
// they move are in regs.hpp). Cross builds only; the host tests put a fake
// of this header first in the include path (tests/unit/fake_x86/).
#pragma once

#include <smpboot/x86/regs.hpp>

namespace smpboot::x86 {

inline uint64_t rdmsr(uint32_t msr) {
    uint32_t lo, hi;
    asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return uint64_t(hi) << 32 | lo;
}
inline void wrmsr(uint32_t msr, uint64_t v) {
    asm volatile("wrmsr" ::"c"(msr), "a"(uint32_t(v)), "d"(uint32_t(v >> 32)) : "memory");
}

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
inline selectors read_selectors() {
    selectors s;
    asm volatile("mov %%cs, %0; mov %%ss, %1; mov %%ds, %2" : "=r"(s.cs), "=r"(s.ss), "=r"(s.ds));
    return s;
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
