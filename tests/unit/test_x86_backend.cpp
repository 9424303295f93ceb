// SPDX-License-Identifier: MIT
// The x86 backend's boot-CPU side (src/x86/backend.cpp, apic.cpp) on the
// host, over a fake CPU (fake_x86/smpboot/x86/cpu.hpp) and a fake xAPIC
// register page: what init() hands the trampoline, how IPIs are sent, and
// what send_fixed and wait_off report.
#include <doctest/doctest.h>

#include <smpboot/x86/backend.hpp>
#include <smpboot/x86/cpu.hpp>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>

using namespace smpboot;
using namespace smpboot::x86;

// The trampoline's symbols: a blob of the right shape, never run here.
asm(R"(
    .section .rodata
    .balign 16
    .globl smpboot_x86_tramp_start, smpboot_x86_tramp_end, smpboot_x86_tramp_pm32
    .globl smpboot_x86_tramp_lm64, smpboot_x86_tramp_park
    .globl smpboot_x86_tramp_wake64, smpboot_x86_tramp_wake32
smpboot_x86_tramp_start:
    .fill 0x100, 1, 0x90
smpboot_x86_tramp_pm32:
    .fill 0x40, 1, 0x90
smpboot_x86_tramp_lm64:
    .fill 0x80, 1, 0x90
smpboot_x86_tramp_park:
    .fill 0x10, 1, 0x90
smpboot_x86_tramp_wake64:
    .fill 0x20, 1, 0x90
smpboot_x86_tramp_wake32:
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
extern "C" [[noreturn]] void smpboot_x86_park_poll(ap_slot*, const ap_params*) { std::abort(); }

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
    struct icr_pair {
        uint32_t lo, hi;
    };
    std::vector<icr_pair> icr_at_delay;   // the last IPI sent before each delay
    // A firmware's APs on the Multiprocessor Wakeup mailbox (ACPI 6.4
    // 5.2.12.19), run from the clock: each APIC ID in `listening` answers a
    // Wakeup for it by recording it and clearing Command; the others never do.
    alignas(4096) mp_wakeup_mailbox mailbox{};
    std::vector<uint32_t> listening;
    struct wake {
        uint32_t apic_id;
        uint64_t vector;
    };
    std::vector<wake> woken;

    host_ops ops{};   // the backend keeps a pointer to it

    const host_ops& host() {
        host_ops& h = ops;
        h.ctx = this;
        h.monotonic_ns = [](void* c) {
            auto* m = static_cast<machine*>(c);
            m->tick();
            return m->clock_ns;
        };
        h.delay_us = [](void* c, uint32_t us) {
            auto* m = static_cast<machine*>(c);
            m->delays.push_back(us);
            m->icr_at_delay.push_back({m->apic[icr_lo], m->apic[icr_hi]});
        };
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
        if (mailbox.command.load(memory_order::acquire) == uint16_t(mp_wakeup_command::wakeup)) {
            const uint32_t id = mailbox.apic_id.load(memory_order::relaxed);
            for (uint32_t l : listening) {
                if (l != id) continue;
                woken.push_back({id, mailbox.wakeup_vector.load(memory_order::relaxed)});
                // The firmware's side: it never answers twice (the mailbox
                // is used only once per AP).
                listening.erase(std::find(listening.begin(), listening.end(), l));
                mailbox.command.store(uint16_t(mp_wakeup_command::noop), memory_order::release);
                break;
            }
        }
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

namespace {

/// A mailbox machine with CPUs 1-3 at APIC IDs 1-3, slots filled as
/// hotplug::init() would.
struct mailbox_fixture {
    machine m;
    x86::backend<4> be;
    ap_boot boots[4];
    uint8_t stacks[4][64];

    explicit mailbox_fixture(std::vector<uint32_t> listening) {
        reset_cpu(m);
        m.listening = std::move(listening);
        config c = m.cfg();
        c.mp_wakeup = &m.mailbox;
        c.mp_wakeup_ack_ns = 50'000'000;   // 50 looks at the fake clock
        REQUIRE(be.init(c, m.host()));
        for (cpu_id i = 1; i < 4; ++i) {
            boots[i].cpu = i;
            boots[i].hwid = i;
            boots[i].stack_top = uintptr_t(stacks[i] + 64);
        }
    }
    ap_slot* slots() { return reinterpret_cast<ap_slot*>(m.td<uint64_t>(SMPBOOT_TD_SLOTS)); }
    uint64_t vector() const { return tramp_phys + 0x1d0; }   // the stub's wake64
};

}  // namespace

TEST_CASE("mailbox: kick writes ApicId and the page's 64-bit entry, then Wakeup, and waits for the ack") {
    mailbox_fixture f({2});
    CHECK(f.be.kick(f.boots[2]));
    REQUIRE(f.m.woken.size() == 1);
    CHECK(f.m.woken[0].apic_id == 2);
    CHECK(f.m.woken[0].vector == f.vector());
    CHECK(f.slots()[2].armed.load(memory_order::relaxed) == 1);   // for the AP to claim
    CHECK(f.be.method(2) == wake_method::mp_wakeup);
    // No INIT, no SIPI.
    CHECK(f.m.apic[icr_lo] == 0);
    // The way back from the poll park: the transition tables, then that entry.
    const auto* p = reinterpret_cast<const ap_params*>(f.m.td<uint64_t>(SMPBOOT_TD_PARAMS));
    CHECK(p->wake_cr3 == tramp_phys + 4096);
    CHECK(p->wake_vector == f.vector());
    const auto& wake32 = f.m.td<far_ptr32>(SMPBOOT_TD_WAKE32);
    CHECK(wake32.offset == tramp_phys + 0x1f0);
    CHECK(wake32.selector == SMPBOOT_SEL_CODE32);
}

TEST_CASE("mailbox: a CPU that never acknowledges is a hw_timeout naming the mailbox; abandon stops it") {
    mailbox_fixture f({1, 3});
    const result r = f.be.kick(f.boots[2]);
    CHECK(r.code == errc::hw_timeout);
    CHECK(r.cpu == 2);
    CHECK(r.rc == 2);
    REQUIRE(r.detail != nullptr);
    CHECK(std::strstr(r.detail, "Multiprocessor Wakeup mailbox") != nullptr);
    // The command is withdrawn, so it cannot be paired with the next ApicId.
    CHECK(f.m.mailbox.command.load(memory_order::relaxed) == 0);
    CHECK(f.be.method(2) == wake_method::none);
    // Not claimed: abandon takes the slot back and says the CPU is stopped.
    CHECK(f.be.abandon(2));
    CHECK(f.slots()[2].armed.load(memory_order::relaxed) == 0);
    // The next AP still wakes.
    CHECK(f.be.kick(f.boots[3]));
    REQUIRE(f.m.woken.size() == 1);
    CHECK(f.m.woken[0].apic_id == 3);
}

TEST_CASE("mailbox: abandon of a CPU that claimed its slot says it may still run") {
    mailbox_fixture f({1});
    REQUIRE(f.be.kick(f.boots[1]));
    f.slots()[1].armed.store(0, memory_order::relaxed);   // the AP's claim
    f.slots()[1].seen.store(1, memory_order::relaxed);
    CHECK_FALSE(f.be.abandon(1));
    CHECK(f.m.apic[icr_lo] == 0);   // no INIT in this protocol
}

TEST_CASE("mailbox: kick_all serialises the commands and reports each CPU's outcome") {
    mailbox_fixture f({1, 3});
    ap_boot* batch[] = {&f.boots[1], &f.boots[2], &f.boots[3]};
    result outcomes[3];
    f.be.kick_all(batch, 3, outcomes);
    CHECK(outcomes[0]);
    CHECK(outcomes[1].code == errc::hw_timeout);
    CHECK(outcomes[2]);
    REQUIRE(f.m.woken.size() == 2);
    CHECK(f.m.woken[0].apic_id == 1);
    CHECK(f.m.woken[1].apic_id == 3);
    // Each written only after the one before it was acknowledged or withdrawn.
    CHECK(f.m.mailbox.command.load(memory_order::relaxed) == 0);
    // The callins are not waited for: the slots are still armed for the APs.
    CHECK(f.slots()[1].armed.load(memory_order::relaxed) == 1);
    CHECK(f.slots()[3].armed.load(memory_order::relaxed) == 1);
}

TEST_CASE("mailbox: offline is the library's poll park, and cpu_up only re-arms the slot") {
    mailbox_fixture f({2});
    REQUIRE(f.be.kick(f.boots[2]));
    // The AP claims, runs, goes down and parks (smpboot_x86_park_poll).
    f.slots()[2].armed.store(0, memory_order::relaxed);
    f.slots()[2].parked.store(1, memory_order::release);
    CHECK(f.be.wait_off(2, f.m.clock_ns + 10'000'000));
    CHECK(f.m.apic[icr_lo] == 0);   // no INIT: it must keep polling
    // Not parked: offline_timeout, still no INIT.
    f.slots()[3].apic_id = 3;
    CHECK(f.be.wait_off(3, f.m.clock_ns + 10'000'000).code == errc::offline_timeout);
    CHECK(f.m.apic[icr_lo] == 0);
    // Back up: the firmware will not answer again (its AP left the mailbox
    // for good), and need not: the slot is armed for the polling CPU.
    CHECK(f.be.kick(f.boots[2]));
    CHECK(f.m.woken.size() == 1);
    CHECK(f.slots()[2].armed.load(memory_order::relaxed) == 1);
    CHECK(f.slots()[2].parked.load(memory_order::relaxed) == 0);
}

TEST_CASE("without a mailbox the kick is INIT-SIPI-SIPI and says so") {
    machine m;
    reset_cpu(m);
    x86::backend<4> be;
    REQUIRE(be.init(m.cfg(), m.host()));
    ap_boot b;
    b.cpu = 1;
    b.hwid = 1;
    CHECK(be.method(1) == wake_method::none);
    (void)be.kick(b);
    CHECK(be.method(1) == wake_method::init_sipi);
    CHECK(m.woken.empty());
    CHECK(std::strcmp(to_string(wake_method::mp_wakeup), "mp-wakeup") == 0);
}

namespace {
/// kick_all of APs 1..n (APIC IDs 1..n) with legacy pacing, whose delays
/// show the last IPI of each phase: after the INITs, after each STARTUP.
std::vector<machine::icr_pair> kick_aps(machine& m, uint32_t broadcast_cpus, uint32_t n, bool& broadcast) {
    reset_cpu(m);
    config c = m.cfg();
    c.delays = delay_policy::legacy;
    c.broadcast_cpus = broadcast_cpus;
    auto owner = std::make_unique<x86::backend<8>>();
    x86::backend<8>& be = *owner;
    REQUIRE(be.init(c, m.host()));
    ap_boot boots[7];
    ap_boot* batch[7];
    result out[7];
    for (uint32_t i = 0; i < n; ++i) {
        boots[i].cpu = i + 1;
        boots[i].hwid = i + 1;
        batch[i] = &boots[i];
    }
    be.kick_all(batch, n, out);
    for (uint32_t i = 0; i < n; ++i) CHECK(out[i]);
    broadcast = be.broadcast_kicks() == 1;
    return m.icr_at_delay;
}
constexpr uint32_t all_but_self = 3u << 18;   // ICR destination shorthand (SDM Figure 10-12)
}  // namespace

TEST_CASE("broadcast_cpus: a kick_all of every AP there is goes to all excluding self, once per phase") {
    machine m;
    bool broadcast = false;
    const auto seen = kick_aps(m, 4, 3, broadcast);
    CHECK(broadcast);
    REQUIRE(seen.size() == 3);
    CHECK(seen[0].lo == (icr::init_deassert().raw() | all_but_self));
    CHECK(seen[1].lo == (icr::startup(tramp_phys >> 12).raw() | all_but_self));
    CHECK(seen[2].lo == seen[1].lo);
    CHECK(seen[0].hi == 0);   // the destination field is unused
}

TEST_CASE("broadcast_cpus: fewer APs than all of them, or not opted in, get one IPI each") {
    for (uint32_t opt_in : {4u, 0u}) {
        machine m;
        bool broadcast = true;
        // Three APs exist (broadcast_cpus 4) but only two are started.
        const auto seen = kick_aps(m, opt_in, opt_in ? 2 : 3, broadcast);
        CAPTURE(opt_in);
        CHECK(!broadcast);
        REQUIRE(seen.size() == 3);
        CHECK(seen[0].lo == icr::init_deassert().raw());
        CHECK(seen[0].hi == (opt_in ? 2u : 3u) << 24);   // the last AP of the batch
        CHECK(seen[1].lo == icr::startup(tramp_phys >> 12).raw());
    }
}
