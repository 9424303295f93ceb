// SPDX-License-Identifier: MIT
// The x86 backend's boot-CPU side (src/x86/backend.cpp, apic.cpp) on the
// host, over a fake CPU (fake_x86/smpboot/x86/cpu.hpp) and a fake xAPIC
// register page: what init() hands the trampoline, how IPIs are sent, and
// what send_fixed and wait_off report.
#include <doctest/doctest.h>

#include <smpboot/x86/backend.hpp>
#include <smpboot/x86/cpu.hpp>

#include <array>
#include <cstdlib>
#include <cstring>
#include <map>

using namespace smpboot;
using namespace smpboot::x86;

// The trampoline's symbols: a blob of the right shape, never run here.
asm(R"(
    .section .rodata
    .balign 16
    .globl smpboot_x86_tramp_start, smpboot_x86_tramp_end, smpboot_x86_tramp_pm32
    .globl smpboot_x86_tramp_lm64, smpboot_x86_tramp_park
smpboot_x86_tramp_start:
    .fill 0x100, 1, 0x90
smpboot_x86_tramp_pm32:
    .fill 0x40, 1, 0x90
smpboot_x86_tramp_lm64:
    .fill 0x80, 1, 0x90
smpboot_x86_tramp_park:
    .fill 0x10, 1, 0x90
smpboot_x86_tramp_end:
    .text
    .globl smpboot_x86_ap_entry64, smpboot_x86_park_trap
smpboot_x86_ap_entry64:
smpboot_x86_park_trap:
    ud2
    .bss
    .globl smpboot_x86_park_traps
smpboot_x86_park_traps:
    .long 0
)");
extern "C" [[noreturn]] void smpboot_x86_park(atomic<uint32_t>*, const ap_params*) { std::abort(); }

namespace {

constexpr uint64_t tramp_phys = 0x8000;
constexpr uint32_t boot_apic_id = 5;
constexpr uint64_t kernel_root = 0x100000;
constexpr uint64_t linux_pat = 0x0407050600070106;

// xAPIC registers (Intel SDM Vol. 3A Table 10-1), as word indexes.
constexpr uint32_t icr_lo = 0x300 / 4, icr_hi = 0x310 / 4;
constexpr uint32_t pending = 1u << 12;

struct machine {
    alignas(4096) std::array<char, SMPBOOT_LOW_PAGES * 4096> low{};
    alignas(4096) std::array<uint32_t, 1024> apic{};
    std::map<uint64_t, std::array<uint64_t, 512>> tables;
    uint64_t clock_ns = 0;
    uint32_t clock_calls = 0;
    // What the clock saw while something waited on it.
    uint32_t clear_pending_after = 0;   // clock calls; 0: never set
    uint32_t waits_with_irq_on = 0, hi_writes_while_pending = 0, calls_while_pending = 0;
    uint32_t hi_seen = 0;
    std::vector<uint32_t> delays;

    host_ops ops{};   // the backend keeps a pointer to it

    const host_ops& host() {
        host_ops& h = ops;
        h.ctx = this;
        h.monotonic_ns = [](void* c) {
            auto* m = static_cast<machine*>(c);
            m->tick();
            return m->clock_ns;
        };
        h.delay_us = [](void* c, uint32_t us) { static_cast<machine*>(c)->delays.push_back(us); };
        return h;
    }
    void tick() {
        clock_ns += 1'000'000;   // 1 ms per look at the clock
        ++clock_calls;
        if (apic[icr_lo] & pending) {
            ++calls_while_pending;
            if (fake().irq_on) ++waits_with_irq_on;
            if (apic[icr_hi] != hi_seen) ++hi_writes_while_pending;
            if (clear_pending_after && calls_while_pending >= clear_pending_after) apic[icr_lo] &= ~pending;
        }
        hi_seen = apic[icr_hi];
    }
    config cfg() {
        config c;
        c.trampoline_phys = tramp_phys;
        c.trampoline_virt = low.data();
        c.cr3 = kernel_root | cr3_noflush;
        c.map_mmio = [](void* ctx, uint64_t, size_t) -> void* { return static_cast<machine*>(ctx)->apic.data(); };
        c.read_table = [](void* ctx, uint64_t phys) -> const uint64_t* {
            auto& t = static_cast<machine*>(ctx)->tables;
            auto it = t.find(phys);
            return it == t.end() ? nullptr : it->second.data();
        };
        return c;
    }
    template <class T>
    T& td(uint32_t off) { return *reinterpret_cast<T*>(low.data() + off); }
};

/// A boot CPU: Intel family 6, xAPIC with ID 5, NX on, 5-level paging, the
/// PAT Linux uses, a higher-half kernel's top-level table.
void reset_cpu(machine& m, bool la57 = true) {
    fake() = {};
    auto& f = fake();
    f.msr[msr_apic_base] = 0xfee00900;   // BSP, enabled, xAPIC (SDM Figure 10-5)
    f.msr[msr_efer] = efer_lme | (1u << 10) | efer_nxe;
    f.msr[msr_pat] = linux_pat;
    f.leaf[0] = {0xb, 0x756e6547, 0x6c65746e, 0x49656e69};   // GenuineIntel
    f.leaf[1] = {0x000906ea, boot_apic_id << 24, 0, 0};      // family 6
    f.cr0 = 0x80050033;
    f.cr4 = cr4_pae | (la57 ? cr4_la57 : 0);
    f.gdtr.limit = 0x37;
    f.gdtr.base = 0xffffffff80201000;
    f.sel = {0x10, 0x18, 0x18};
    m.tables[kernel_root][511] = 0x101000 | 3;
}

}  // namespace

TEST_CASE("init: the trampoline's data and the 64-bit entry's block come from the boot CPU") {
    machine m;
    reset_cpu(m);
    x86::backend<4> be;
    REQUIRE(be.init(m.cfg(), m.host()));
    CHECK(m.td<uint32_t>(SMPBOOT_TD_CR3) == tramp_phys + 4096);   // transition tables, not the kernel's
    CHECK(m.td<uint32_t>(SMPBOOT_TD_CR4) == (cr4_pae | cr4_la57));
    CHECK(m.td<uint32_t>(SMPBOOT_TD_EFER) == (efer_lme | efer_nxe));
    CHECK(m.td<uint32_t>(SMPBOOT_TD_ID_LEAF) == 1);
    CHECK(m.td<uint64_t>(SMPBOOT_TD_PAT) == linux_pat);
    CHECK(m.td<uint64_t>(SMPBOOT_TD_IMAGE_CR3) == tramp_phys + 4096);
    CHECK(m.td<uint64_t>(SMPBOOT_TD_SLOTS) != 0);
    // The transition top level: the kernel's, with slot 0 for the trampoline.
    const auto* top = reinterpret_cast<const uint64_t*>(m.low.data() + 4096);
    CHECK(top[511] == (0x101000 | 3));
    CHECK((top[0] & pte_addr) == tramp_phys + 2 * 4096);
    // 5 levels: the PT is the fifth table, and maps the page to itself.
    const auto* pt = reinterpret_cast<const uint64_t*>(m.low.data() + 5 * 4096);
    CHECK(pt[8] == (tramp_phys | pte_present | pte_write));
    // The page's IDT sends everything to the park loop with the page's CS.
    const auto* gate = reinterpret_cast<const idt_gate*>(m.low.data() + SMPBOOT_TRAMP_IDT);
    CHECK(gate[2].selector == SMPBOOT_SEL_CODE64);
    CHECK(gate[2].offset_lo == uint16_t(tramp_phys + 0x1c0));
    CHECK(m.td<uint64_t>(SMPBOOT_TD_IDTR + 2) == tramp_phys + SMPBOOT_TRAMP_IDT);
    // The kernel side: GDT, selectors, CR3 without the no-flush bit.
    const auto* p = reinterpret_cast<const ap_params*>(m.td<uint64_t>(SMPBOOT_TD_PARAMS));
    CHECK(p->cr3 == kernel_root);
    CHECK(p->gdtr.base == 0xffffffff80201000);
    CHECK(p->gdtr.limit == 0x37);
    CHECK(p->cs == 0x10);
    CHECK(p->ss == 0x18);
    CHECK(p->idt[2].selector == 0x10);
    CHECK(be.delays() == delay_policy::modern);
}

TEST_CASE("init: bad low memory and a missing table reader are config errors") {
    machine m;
    reset_cpu(m, false);
    x86::backend<4> be;
    config c = m.cfg();
    c.trampoline_phys = 0x9c000;   // its tables would reach into 0xA0000
    const result refused = be.init(c, m.host());
    CHECK(refused.code == errc::kick_failed);
    CHECK(refused.rc == int32_t(config_problem::bad_trampoline_page));
    REQUIRE(refused.detail != nullptr);   // the readable reason, as the examples print it
    CHECK(std::strcmp(refused.detail, describe_config_problem(refused.rc)) == 0);
    c.trampoline_phys = 0xfc000;   // beyond 1 MiB
    CHECK(be.init(c, m.host()).rc == 10);
    c = m.cfg();
    c.read_table = nullptr;
    CHECK(be.init(c, m.host()).rc == int32_t(config_problem::no_table_reader));
    c = m.cfg();
    c.cr3 = 0x200000;   // a root nobody can read
    CHECK_FALSE(be.init(c, m.host()));
    // 4-level: the PT is the fourth table.
    REQUIRE(be.init(m.cfg(), m.host()));
    CHECK(m.td<uint32_t>(SMPBOOT_TD_CR4) == cr4_pae);
    CHECK(reinterpret_cast<const uint64_t*>(m.low.data() + 4 * 4096)[8] == (tramp_phys | pte_present | pte_write));
}

TEST_CASE("INIT pacing: automatic follows the boot CPU's CPUID") {
    machine m;
    reset_cpu(m);
    fake().leaf[1].eax = 0x00000543;   // family 5
    x86::backend<4> be;
    REQUIRE(be.init(m.cfg(), m.host()));
    CHECK(be.delays() == delay_policy::legacy);
}

TEST_CASE("send_fixed: the boot CPU by its own APIC ID; a CPU never armed is refused") {
    machine m;
    reset_cpu(m);
    x86::backend<4> be;
    CHECK(be.send_fixed(0, 0xf0).code == errc::invalid_cpu);   // before init
    REQUIRE(be.init(m.cfg(), m.host()));
    REQUIRE(be.send_fixed(0, 0xf0));
    CHECK(m.apic[icr_hi] == boot_apic_id << 24);
    CHECK(m.apic[icr_lo] == 0x40f0);
    m.apic[icr_hi] = 0;
    CHECK(be.send_fixed(1, 0xf0).code == errc::invalid_cpu);
    CHECK(be.send_fixed(4, 0xf0).code == errc::invalid_cpu);
    CHECK(m.apic[icr_hi] == 0);   // nothing sent
}

TEST_CASE("xAPIC send: waits for the previous IPI with interrupts off, then writes the pair") {
    machine m;
    reset_cpu(m);
    x86::backend<4> be;
    REQUIRE(be.init(m.cfg(), m.host()));
    fake().irq_on = true;
    m.apic[icr_lo] = pending;   // an IPI still being delivered
    m.clear_pending_after = 3;
    m.hi_seen = m.apic[icr_hi];
    REQUIRE(be.send_fixed(0, 0xf0));
    CHECK(m.calls_while_pending == 3);           // it waited ...
    CHECK(m.waits_with_irq_on == 0);             // ... with interrupts off ...
    CHECK(m.hi_writes_while_pending == 0);       // ... before touching the ICR
    CHECK(m.apic[icr_hi] == boot_apic_id << 24);
    CHECK(fake().irq_on);                        // and put IF back
    // A destination register that never goes idle is a hw_timeout naming the
    // ICR, IF restored.
    m.apic[icr_lo] = pending;
    m.clear_pending_after = 0;
    const result stuck = be.send_fixed(0, 0xf0);
    CHECK(stuck.code == errc::hw_timeout);
    // By text: each TU may fold the inline variable to its own copy of the literal.
    REQUIRE(stuck.detail != nullptr);
    CHECK(std::strcmp(stuck.detail, x86::ipi_timeout) == 0);
    CHECK(fake().irq_on);
}

TEST_CASE("wait_off: only a parked CPU is off; one that never parked is offline_timeout") {
    machine m;
    reset_cpu(m);
    x86::backend<4> be;
    REQUIRE(be.init(m.cfg(), m.host()));
    auto* slots = reinterpret_cast<ap_slot*>(m.td<uint64_t>(SMPBOOT_TD_SLOTS));
    slots[2].apic_id = 7;
    result r = be.wait_off(2, m.clock_ns + 10'000'000);
    CHECK(r.code == errc::offline_timeout);
    CHECK(r.cpu == 2);
    CHECK(m.apic[icr_hi] == 7u << 24);          // it was sent INIT all the same
    CHECK((m.apic[icr_lo] & 0x700) == 0x500);
    slots[2].parked.store(1, memory_order::release);
    CHECK(be.wait_off(2, m.clock_ns + 10'000'000));
    CHECK(be.wait_off(9, 0).code == errc::invalid_cpu);
}

TEST_CASE("abandon: a CPU never armed (its kick failed before any IPI) is certainly stopped") {
    machine m;
    reset_cpu(m);
    x86::backend<4> be;
    REQUIRE(be.init(m.cfg(), m.host()));
    m.apic[icr_hi] = m.apic[icr_lo] = 0;
    // APIC ID 0x1ff cannot be an xAPIC destination: arm() refuses it, so no
    // SIPI ever went to this CPU and nothing of ours can run on it. Saying
    // "not stopped" would leave the core waiting for a late AP for good.
    ap_boot b;
    b.cpu = 2;
    b.hwid = 0x1ff;
    CHECK(be.kick(b).code == errc::kick_failed);
    CHECK(be.abandon(2));
    CHECK(m.apic[icr_hi] == 0);   // and nothing was sent
    CHECK(m.apic[icr_lo] == 0);
}
