// SPDX-License-Identifier: MIT
// The x86 register layouts and the trampoline's shared layout, on the host:
// ICR encodings against the values in Intel SDM Vol. 3A 10.6.1 / 8.4.4.1,
// IA32_APIC_BASE decoding, and the slot/data offsets the assembly uses.
#include <doctest/doctest.h>

#include <smpboot/x86/apic.hpp>
#include <smpboot/x86/backend.hpp>
#include <smpboot/x86/cpuid.hpp>
#include <smpboot/x86/trampoline_layout.h>

#include <cstddef>

using namespace smpboot::x86;

TEST_CASE("ICR: the INIT-SIPI-SIPI commands encode as the SDM's example") {
    // SDM Vol. 3A 8.4.4.1 writes 0x000C4500 (INIT to all excluding self) and
    // 0x000C46XX (STARTUP); we address one CPU, so no shorthand bits.
    CHECK(icr::init().raw() == 0x0000c500);
    CHECK(icr::init_deassert().raw() == 0x00008500);
    CHECK(icr::startup(0x08).raw() == 0x00004608);
    CHECK(icr::startup(0x9f).raw() == 0x0000469f);
    icr all = icr::init();
    all.shorthand = uint64_t(dest_shorthand::all_but_self);
    CHECK(all.raw() == 0x000cc500);
}

TEST_CASE("ICR: destination field position (xAPIC top byte, x2APIC upper half)") {
    icr c = icr::make(delivery_mode::fixed, 0xf0);
    c.dest = 0x12345678;
    CHECK(c.raw() == 0x12345678'000040f0ull);
    c.dest = uint32_t(0x07) << 24;   // how the xAPIC driver would place APIC ID 7
    CHECK((c.raw() >> 56) == 0x07);
    CHECK(icr::make(delivery_mode::nmi).raw() == 0x4400);
}

TEST_CASE("IA32_APIC_BASE decoding") {
    const apic_base_msr bsp_xapic{0xfee00900};
    CHECK(bsp_xapic.bsp());
    CHECK(bsp_xapic.enabled());
    CHECK_FALSE(bsp_xapic.x2apic());
    CHECK(bsp_xapic.base() == 0xfee00000);
    const apic_base_msr ap_x2apic{0x0000000f'fee00c00ull};
    CHECK_FALSE(ap_x2apic.bsp());
    CHECK(ap_x2apic.x2apic());
    CHECK(ap_x2apic.base() == 0xffee00000ull);
}

TEST_CASE("trampoline layout: the offsets the assembly hard-codes") {
    CHECK(SMPBOOT_TD + offsetof(tramp_data, cr3) == SMPBOOT_TD_CR3);
    CHECK(SMPBOOT_TD + offsetof(tramp_data, entry64) == SMPBOOT_TD_ENTRY64);
    CHECK(sizeof(ap_slot) == SMPBOOT_SLOT_SIZE);
    CHECK(alignof(ap_slot) == SMPBOOT_SLOT_SIZE);
    ap_slot slots[2]{};
    CHECK(reinterpret_cast<char*>(&slots[1]) - reinterpret_cast<char*>(&slots[0]) == SMPBOOT_SLOT_SIZE);
    // The GDT selectors index the descriptors the assembly lays down.
    CHECK(SMPBOOT_SEL_CODE64 / 8 == 1);
    CHECK(SMPBOOT_SEL_DATA / 8 == 2);
    CHECK(SMPBOOT_SEL_CODE32 / 8 == 3);
    CHECK(SMPBOOT_TD_GDTR - SMPBOOT_TD_GDT == 4 * 8);
}

TEST_CASE("trampoline GDT: descriptors come with the accessed bit set") {
    // Loading a selector whose descriptor has the accessed bit (type bit 0,
    // descriptor bit 40) clear makes the CPU write the descriptor (Intel SDM
    // Vol. 3A 3.4.5.1): a write into the page every AP executes from.
    const uint64_t descs[] = {SMPBOOT_GDT_CODE64, SMPBOOT_GDT_DATA, SMPBOOT_GDT_CODE32};
    for (uint64_t d : descs) {
        CAPTURE(d);
        CHECK((d >> 40 & 1) == 1);        // accessed
        CHECK((d >> 47 & 1) == 1);        // present
        CHECK((d >> 44 & 1) == 1);        // code/data, not system
        CHECK((d & 0xffff) == 0xffff);    // limit 15:0
    }
    CHECK((SMPBOOT_GDT_CODE64 >> 53 & 1) == 1);   // L: 64-bit code
    CHECK((SMPBOOT_GDT_CODE64 >> 43 & 1) == 1);   // executable
    CHECK((SMPBOOT_GDT_CODE32 >> 54 & 1) == 1);   // D: 32-bit default operand size
    CHECK((SMPBOOT_GDT_DATA >> 41 & 1) == 1);     // writable
    CHECK((SMPBOOT_GDT_DATA >> 43 & 1) == 0);     // data
}

TEST_CASE("INIT pacing: the default follows CPUID as Linux does") {
    // CPUID.0 vendor strings as EBX, EDX, ECX.
    CHECK(vendor_of(0x756e6547, 0x49656e69, 0x6c65746e) == cpu_vendor::intel);   // GenuineIntel
    CHECK(vendor_of(0x68747541, 0x69746e65, 0x444d4163) == cpu_vendor::amd);     // AuthenticAMD
    CHECK(vendor_of(0x6f677948, 0x6e65476e, 0x656e6975) == cpu_vendor::hygon);   // HygonGenuine
    CHECK(vendor_of(0x746e6543, 0x48727561, 0x736c7561) == cpu_vendor::other);   // CentaurHauls
    // CPUID.1:EAX: family 6 (Pentium Pro 0x619), QEMU's qemu64 (0x00060fb1),
    // Zen 3 (0x00a20f10), Pentium 4 (0xf29).
    CHECK(family_of(0x00000619) == 6);
    CHECK(family_of(0x00060fb1) == 0xf);
    CHECK(family_of(0x00a20f10) == 0x19);
    CHECK(family_of(0x00000f29) == 0xf);

    const delay_policy def = config{}.delays;
    CHECK(effective_delays(def, cpu_vendor::intel, 6) == delay_policy::modern);
    CHECK(effective_delays(def, cpu_vendor::intel, 0xf) == delay_policy::modern);
    CHECK(effective_delays(def, cpu_vendor::intel, 5) == delay_policy::legacy);
    CHECK(effective_delays(def, cpu_vendor::amd, 0xf) == delay_policy::modern);
    CHECK(effective_delays(def, cpu_vendor::amd, 0x19) == delay_policy::modern);
    CHECK(effective_delays(def, cpu_vendor::amd, 6) == delay_policy::legacy);   // K7
    CHECK(effective_delays(def, cpu_vendor::hygon, 0x18) == delay_policy::modern);
    CHECK(effective_delays(def, cpu_vendor::hygon, 0x17) == delay_policy::legacy);
    CHECK(effective_delays(def, cpu_vendor::other, 6) == delay_policy::legacy);
    // An explicit choice is kept on any CPU.
    CHECK(effective_delays(delay_policy::modern, cpu_vendor::other, 4) == delay_policy::modern);
    CHECK(effective_delays(delay_policy::legacy, cpu_vendor::intel, 6) == delay_policy::legacy);
}
