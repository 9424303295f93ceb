// SPDX-License-Identifier: MIT
// A fake of smpboot/x86/cpu.hpp for the host tests: the same functions over
// a simulated boot CPU (MSRs, CPUID leaves, control registers, RFLAGS.IF),
// so that src/x86/backend.cpp and apic.cpp run unchanged on the host.
// test_x86_backend puts this directory first in its include path.
#pragma once

#include <smpboot/x86/regs.hpp>

#include <map>
#include <utility>
#include <vector>

namespace smpboot::x86 {

struct fake_cpu {
    std::map<uint32_t, uint64_t> msr;
    std::map<uint32_t, cpuid_regs> leaf;
    uint64_t cr0 = 0, cr3 = 0, cr4 = 0;
    pseudo_desc gdtr{};
    selectors sel{};
    bool irq_on = true;
    std::vector<std::pair<uint32_t, uint64_t>> wrmsr_log;
};
inline fake_cpu& fake() {
    static fake_cpu c;
    return c;
}

inline uint64_t rdmsr(uint32_t m) { return fake().msr[m]; }
inline void wrmsr(uint32_t m, uint64_t v) {
    fake().msr[m] = v;
    fake().wrmsr_log.emplace_back(m, v);
}
inline cpuid_regs cpuid(uint32_t leaf, uint32_t = 0) { return fake().leaf[leaf]; }
inline uint64_t read_cr0() { return fake().cr0; }
inline uint64_t read_cr3() { return fake().cr3; }
inline uint64_t read_cr4() { return fake().cr4; }
inline pseudo_desc read_gdtr() { return fake().gdtr; }
inline selectors read_selectors() { return fake().sel; }
inline void cpu_relax() {}
inline void irq_disable() { fake().irq_on = false; }
inline uint64_t irq_save() {
    const uint64_t flags = fake().irq_on ? 1u << 9 : 0;
    fake().irq_on = false;
    return flags;
}
inline void irq_restore(uint64_t flags) {
    if (flags & (1u << 9)) fake().irq_on = true;
}
inline void wrmsr_fence() {}

}  // namespace smpboot::x86
