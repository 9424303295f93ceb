// SPDX-License-Identifier: MIT
// What the x86 backend decides from CPUID, as pure functions of the register
// values (so the host tests can feed them any CPU): the vendor, the family,
// and from those the INIT-SIPI-SIPI pacing.
#pragma once

#include <smpboot/base.hpp>

namespace smpboot::x86 {

/// How INIT-SIPI-SIPI is paced (Intel SDM Vol. 3A 8.4.4.1).
enum class delay_policy : uint8_t {
    /// Chosen from the boot CPU's CPUID by default_delays(), as Linux does.
    automatic,
    /// No fixed delays: INIT, SIPI, and a second SIPI only for an AP that has
    /// not reached the trampoline by `config::sipi_retry_ns`.
    modern,
    /// The SDM's universal algorithm: INIT, 10 ms, SIPI, 200 us, SIPI, 200 us.
    legacy,
};

enum class cpu_vendor : uint8_t { other, intel, amd, hygon };

/// The vendor string of CPUID leaf 0 (EBX, EDX, ECX hold it in that order).
constexpr cpu_vendor vendor_of(uint32_t ebx, uint32_t edx, uint32_t ecx) {
    auto is = [&](const char (&s)[13]) {
        auto word = [&](int i) {
            return uint32_t(uint8_t(s[i])) | uint32_t(uint8_t(s[i + 1])) << 8 |
                   uint32_t(uint8_t(s[i + 2])) << 16 | uint32_t(uint8_t(s[i + 3])) << 24;
        };
        return ebx == word(0) && edx == word(4) && ecx == word(8);
    };
    if (is("GenuineIntel")) return cpu_vendor::intel;
    if (is("AuthenticAMD")) return cpu_vendor::amd;
    if (is("HygonGenuine")) return cpu_vendor::hygon;
    return cpu_vendor::other;
}

/// The family from CPUID.1:EAX: the base family, plus the extended family
/// when the base is 0xF (Intel SDM Vol. 2A, CPUID, Figure 3-6).
constexpr uint32_t family_of(uint32_t cpuid1_eax) {
    const uint32_t base = cpuid1_eax >> 8 & 0xf;
    return base == 0xf ? base + (cpuid1_eax >> 20 & 0xff) : base;
}

/// The pacing Linux picks (arch/x86/kernel/smpboot.c, smp_quirk_init_udelay):
/// no INIT delay on Intel family >= 6, AMD family >= 0xF and Hygon family
/// >= 0x18, the SDM's 10 ms everywhere else. Linux does not look at the
/// hypervisor bit (CPUID.1:ECX[31]) there, and neither do we (QEMU's qemu64
/// model is AuthenticAMD family 0xF, so it gets no delays; `-cpu qemu32` or
/// `-cpu pentium` would get the SDM's).
constexpr delay_policy default_delays(cpu_vendor v, uint32_t family) {
    const bool modern = (v == cpu_vendor::intel && family >= 6) ||
                        (v == cpu_vendor::amd && family >= 0xf) ||
                        (v == cpu_vendor::hygon && family >= 0x18);
    return modern ? delay_policy::modern : delay_policy::legacy;
}

/// What a requested policy means on this CPU: `automatic` becomes
/// default_delays(), the others stay as asked.
constexpr delay_policy effective_delays(delay_policy requested, cpu_vendor v, uint32_t family) {
    return requested == delay_policy::automatic ? default_delays(v, family) : requested;
}

}  // namespace smpboot::x86
