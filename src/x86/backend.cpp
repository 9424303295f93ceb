// SPDX-License-Identifier: MIT
// The x86-64 backend: trampoline and transition tables install, INIT-SIPI-
// SIPI, and the AP's way out (park, then INIT from the boot CPU). The AP's
// way in is all in trampoline.S, up to the core's own AP entry.
#include <smpboot/states.hpp>
#include <smpboot/x86/backend.hpp>
#include <smpboot/x86/cpu.hpp>

extern "C" {
extern const char smpboot_x86_tramp_start[];
extern const char smpboot_x86_tramp_end[];
extern const char smpboot_x86_tramp_pm32[];
extern const char smpboot_x86_tramp_lm64[];
extern const char smpboot_x86_tramp_park[];
extern const char smpboot_x86_tramp_wake64[];
extern const char smpboot_x86_tramp_wake32[];
extern const char smpboot_x86_ap_entry64[];
extern const char smpboot_x86_park_trap[];
extern uint32_t smpboot_x86_park_traps;
[[noreturn]] void smpboot_x86_park(smpboot::atomic<uint32_t>* parked, const smpboot::x86::ap_params* params);
[[noreturn]] void smpboot_x86_park_poll(smpboot::x86::ap_slot* slot, const smpboot::x86::ap_params* params);
}

namespace smpboot::x86 {
namespace {

static_assert(smpboot::backend<x86::backend<>>);
// trampoline.S tests and clears these by the layout header's names.
static_assert(cr0_pg == SMPBOOT_CR0_PG && cr4_la57 == SMPBOOT_CR4_LA57 && efer_lme == SMPBOOT_EFER_LME);

// Intel SDM Vol. 3A 8.4.4.1 (the MP initialization example) and 10.6.1.
constexpr uint32_t legacy_init_delay_us = 10'000;
constexpr uint32_t legacy_sipi_delay_us = 200;
constexpr uint64_t page_size = SMPBOOT_PAGE;
constexpr uint64_t low_size = SMPBOOT_LOW_PAGES * page_size;
constexpr uint64_t low_mem_limit = 0x100000;
constexpr uint32_t no_apic_id = 0xffffffff;   // a slot whose CPU was never armed
constexpr uint64_t vga_hole_first = 0xa0000, vga_hole_end = 0xc0000;   // reserved vectors A0-BF

uint32_t offset_in_blob(const char* sym) { return uint32_t(sym - smpboot_x86_tramp_start); }

constexpr const char* no_mailbox_ack =
    "no acknowledgement in the Multiprocessor Wakeup mailbox (ACPI 6.4 5.2.12.19)";

}  // namespace

const char* to_string(wake_method m) {
    switch (m) {
    case wake_method::none: return "none";
    case wake_method::init_sipi: return "init-sipi";
    case wake_method::mp_wakeup: return "mp-wakeup";
    }
    return "?";
}

wake_method backend_base::method(cpu_id cpu) const {
    return cpu < capacity_ ? wake_method(slots_[cpu].method) : wake_method::none;
}

const char* describe_config_problem(int32_t rc) {
    switch (config_problem(rc)) {
    case config_problem::bad_trampoline_page:
        return "trampoline pages not all below 1 MiB, page-aligned, outside 0xA0000-0xBFFFF (SDM Vol. 3A 10.6.1)";
    case config_problem::no_trampoline_mapping: return "no mapping of the trampoline pages";
    case config_problem::no_table_reader: return "no page-table reader (config::read_table)";
    case config_problem::unreadable_page_table: return "a page table of config::cr3 could not be read";
    case config_problem::no_clock: return "host_ops has no monotonic_ns or delay_us";
    }
    return nullptr;
}

hwid_t backend_base::boot_apic_id() const { return current_apic_id(); }

size_t backend_base::trampoline_size() {
    return size_t(smpboot_x86_tramp_end - smpboot_x86_tramp_start);
}

uint32_t backend_base::trampoline_entries() const { return params_.started.load(memory_order::relaxed); }

uint32_t backend_base::park_traps() const { return __atomic_load_n(&smpboot_x86_park_traps, __ATOMIC_RELAXED); }

result backend_base::init(const config& cfg, const host_ops& host) {
    auto bad = [](config_problem e) {
        return result::fail(errc::kick_failed, 0, state::offline, int32_t(e), describe_config_problem(int32_t(e)));
    };
    const uint64_t p = cfg.trampoline_phys;
    if (p == 0 || p % page_size || p + low_size > low_mem_limit || (p < vga_hole_end && p + low_size > vga_hole_first))
        return bad(config_problem::bad_trampoline_page);
    if (!cfg.trampoline_virt) return bad(config_problem::no_trampoline_mapping);
    if (!cfg.read_table) return bad(config_problem::no_table_reader);
    if (!host.monotonic_ns || !host.delay_us) return bad(config_problem::no_clock);
    cfg_ = cfg;
    const cpuid_regs v = cpuid(0);
    cfg_.delays = effective_delays(cfg.delays, vendor_of(v.ebx, v.edx, v.ecx), family_of(cpuid(1).eax));
    host_ = &host;
    result r = apic_.init(&host, cfg.lapic_phys, cfg.map_mmio);
    if (!r) return r;

    // The transition tables in pages 1.. of the low memory: the kernel's
    // mappings plus the trampoline page at its own address.
    auto* low = static_cast<char*>(cfg.trampoline_virt);
    const bool la57 = read_cr4() & cr4_la57;
    const uint64_t tables_phys = p + page_size;
    if (build_transition_tables(cfg.cr3, la57 ? 5 : 4, p, reinterpret_cast<uint64_t*>(low + page_size),
                                tables_phys, cfg.read_table, host.ctx) != paging_error::ok)
        return bad(config_problem::unreadable_page_table);

    // Copy the blob, then patch what depends on where it landed.
    const size_t n = trampoline_size();
    for (size_t i = 0; i < n; ++i) low[i] = smpboot_x86_tramp_start[i];
    auto* data = reinterpret_cast<tramp_data*>(low + SMPBOOT_TD);
    const uint32_t base = uint32_t(p);
    const uint32_t gdt = base + SMPBOOT_TD_GDT;
    data->gdt_limit = sizeof(data->gdt) - 1;
    data->gdt_base[0] = uint16_t(gdt);
    data->gdt_base[1] = uint16_t(gdt >> 16);
    data->gdt_base[2] = data->gdt_base[3] = 0;
    data->pm32 = {base + offset_in_blob(smpboot_x86_tramp_pm32), SMPBOOT_SEL_CODE32, 0};
    data->lm64 = {base + offset_in_blob(smpboot_x86_tramp_lm64), SMPBOOT_SEL_CODE64, 0};
    // The boot CPU's CR0 minus anything but the baseline bits; caches on.
    data->cr0 = uint32_t((read_cr0() & (cr0_mp | cr0_et | cr0_ne | cr0_wp | cr0_am)) | cr0_pe | cr0_pg);
    data->cr3 = uint32_t(tables_phys);
    data->cr4 = uint32_t(cr4_pae | (la57 ? cr4_la57 : 0));
    data->efer = uint32_t(efer_lme | (rdmsr(msr_efer) & efer_nxe));
    data->id_leaf = apic_.mode() == apic_mode::x2apic ? 0xb : 1;
    data->nslots = capacity_;
    data->slots = uint64_t(uintptr_t(slots_));
    data->entry64 = uint64_t(uintptr_t(smpboot_x86_ap_entry64));
    data->params = uint64_t(uintptr_t(&params_));
    data->image_cr3 = cfg.image_cr3 ? cfg.image_cr3 & ~cr3_noflush : tables_phys;
    data->pat = rdmsr(msr_pat);
    // Both park IDTs send every exception and the NMI to a halt loop.
    auto* page_idt = reinterpret_cast<idt_gate*>(low + SMPBOOT_TRAMP_IDT);
    for (uint32_t i = 0; i < SMPBOOT_IDT_GATES; ++i)
        page_idt[i] = idt_gate::to(p + offset_in_blob(smpboot_x86_tramp_park), SMPBOOT_SEL_CODE64);
    data->idtr = {{}, uint16_t(SMPBOOT_IDT_GATES * sizeof(idt_gate) - 1), p + SMPBOOT_TRAMP_IDT};
    data->wake32 = {base + offset_in_blob(smpboot_x86_tramp_wake32), SMPBOOT_SEL_CODE32, 0};

    // What the 64-bit entry loads: the kernel's GDT and selectors as the boot
    // CPU has them now, and its CR3 (bit 63 is "no flush" only with PCIDs).
    params_.gdtr = read_gdtr();
    const selectors sel = read_selectors();
    params_.cs = sel.cs;
    params_.ss = sel.ss;
    params_.ds = sel.ds;
    params_.cr3 = cfg.cr3 & ~cr3_noflush;
    params_.early_hook = uint64_t(uintptr_t(cfg.ap_early));
    params_.hook_ctx = uint64_t(uintptr_t(host.ctx));
    for (uint32_t i = 0; i < SMPBOOT_IDT_GATES; ++i)
        params_.idt[i] = idt_gate::to(uint64_t(uintptr_t(smpboot_x86_park_trap)), params_.cs);
    params_.idtr = {{}, uint16_t(sizeof(params_.idt) - 1), uint64_t(uintptr_t(params_.idt))};
    params_.started.store(0, memory_order::relaxed);
    // The mailbox's WakeupVector, and the poll park's way back to it.
    params_.wake_cr3 = tables_phys;
    params_.wake_vector = p + offset_in_blob(smpboot_x86_tramp_wake64);

    for (uint32_t i = 0; i < capacity_; ++i) {
        slots_[i].armed.store(0, memory_order::relaxed);
        slots_[i].apic_id = no_apic_id;   // known once the CPU is first armed
        slots_[i].method = uint32_t(wake_method::none);
    }
    // Logical CPU 0 is the boot CPU (cpu_desc list, hotplug.hpp): never
    // armed, but send_fixed() may address it.
    slots_[0].apic_id = uint32_t(current_apic_id());
    // release: the page and the slots are written before any SIPI (whose
    // ICR write is ordered after them: SDM 8.2.2, plus wrmsr_fence for x2APIC).
    __atomic_thread_fence(__ATOMIC_RELEASE);
    ready_ = true;
    return result::success();
}

result backend_base::send(icr cmd, hwid_t dest) { return apic_.send(cmd, dest, cfg_.ipi_timeout_ns); }

result backend_base::send_init(hwid_t dest, dest_shorthand to) {
    result r = send(icr::init().to(to), dest);
    // The de-assert only matters to pre-Pentium 4 APICs and is not defined
    // for x2APIC (SDM 10.12.9).
    if (r && apic_.mode() == apic_mode::xapic) r = send(icr::init_deassert().to(to), dest);
    return r;
}

result backend_base::send_fixed(cpu_id cpu, uint8_t vector) {
    if (!ready_ || cpu >= capacity_ || slots_[cpu].apic_id == no_apic_id)
        return result::fail(errc::invalid_cpu, cpu);
    return send(icr::make(delivery_mode::fixed, vector), slots_[cpu].apic_id);
}

// The trampoline sets `seen` when it claims the slot, before anything else.
bool backend_base::reached(const ap_slot& s) const { return s.seen.load(memory_order::acquire); }

/// Fill the slot the AP will look for; after this it may run.
result backend_base::arm(ap_boot& boot) {
    if (!ready_) return result::fail(errc::not_initialized, boot.cpu, state::bp_bringup);
    if (boot.cpu >= capacity_) return result::fail(errc::invalid_cpu, boot.cpu, state::bp_bringup);
    if (!apic_.addressable(boot.hwid))
        return result::fail(errc::kick_failed, boot.cpu, state::bp_bringup, int32_t(boot.hwid));
    ap_slot& s = slots_[boot.cpu];
    s.apic_id = uint32_t(boot.hwid);
    s.stack_top = boot.stack_top;
    s.entry = boot.entry;
    s.core = boot.core;
    s.cpu = boot.cpu;
    s.image_entry = boot.image_entry;
    s.image_arg = boot.image_arg;
    s.seen.store(0, memory_order::relaxed);
    s.parked.store(0, memory_order::relaxed);
    // release: the AP reads the fields above after it sees armed == 1.
    s.armed.store(1, memory_order::release);
    return result::success(boot.cpu);
}

result backend_base::kick(ap_boot& boot) {
    ap_boot* one = &boot;
    result outcome;
    kick_all(&one, 1, &outcome);
    return outcome;
}

void backend_base::kick_all(ap_boot* const* batch, uint32_t n, result* outcomes) {
    for (uint32_t i = 0; i < n; ++i) outcomes[i] = arm(*batch[i]);
    if (cfg_.mp_wakeup) mailbox_wake_all(batch, n, outcomes);
    else init_sipi_sipi(batch, n, outcomes);
}

void backend_base::init_sipi_sipi(ap_boot* const* batch, uint32_t n, result* outcomes) {
    const uint8_t vector = uint8_t(cfg_.trampoline_phys >> 12);
    const bool legacy = cfg_.delays == delay_policy::legacy;   // init() resolved `automatic`
    uint32_t armed = 0;
    for (uint32_t i = 0; i < n; ++i) {
        if (!outcomes[i]) continue;
        ++armed;
        slots_[batch[i]->cpu].method = uint32_t(wake_method::init_sipi);
    }
    // Every AP there is, in one batch: one IPI to "all excluding self".
    const bool broadcast = cfg_.broadcast_cpus > 1 && armed == n && n == cfg_.broadcast_cpus - 1;
    broadcast_kicks_ += broadcast;
    const dest_shorthand to = broadcast ? dest_shorthand::all_but_self : dest_shorthand::none;
    // `send` goes once (broadcast) or once per AP still to be started; a
    // failed IPI fails the APs it was for.
    auto each = [&](auto&& send) {
        for (uint32_t i = 0; i < n; ++i) {
            ap_boot& b = *batch[i];
            if (!outcomes[i] || (broadcast && i > 0)) continue;
            result r = send(b, broadcast ? hwid_t{0} : b.hwid);   // a shorthand has no destination
            if (r) continue;
            for (uint32_t j = i; j < (broadcast ? n : i + 1); ++j) {
                outcomes[j] = result::fail(r.code, batch[j]->cpu, state::bp_bringup, r.rc, r.detail);
                slots_[batch[j]->cpu % capacity_].armed.store(0, memory_order::relaxed);
            }
        }
    };
    auto startup = [&](ap_boot&, hwid_t dest) { return send(icr::startup(vector).to(to), dest); };

    // Intel SDM Vol. 3A 8.4.4.1: INIT, (10 ms), STARTUP, (200 us), STARTUP.
    each([&](ap_boot&, hwid_t dest) { return send_init(dest, to); });
    if (legacy) host_->delay_us(host_->ctx, legacy_init_delay_us);
    each(startup);
    if (legacy) {
        host_->delay_us(host_->ctx, legacy_sipi_delay_us);
        each(startup);
        host_->delay_us(host_->ctx, legacy_sipi_delay_us);
        return;
    }
    // modern: a second STARTUP only to the CPUs that have not shown up (a
    // broadcast one if any has not: a running CPU ignores it).
    const uint64_t deadline = now() + cfg_.sipi_retry_ns;
    for (;;) {
        bool all = true;
        for (uint32_t i = 0; i < n && all; ++i)
            all = !outcomes[i] || reached(slots_[batch[i]->cpu]);
        if (all) return;
        if (now() >= deadline) break;
        cpu_relax();
    }
    each([&](ap_boot& b, hwid_t dest) {
        return !broadcast && reached(slots_[b.cpu]) ? result::success(b.cpu) : startup(b, dest);
    });
}

// One mailbox for every AP (ACPI 6.4 5.2.12.19), so one command at a time:
// each is acknowledged before the next is written. The callins are the
// core's to wait for, after all of them.
void backend_base::mailbox_wake_all(ap_boot* const* batch, uint32_t n, result* outcomes) {
    for (uint32_t i = 0; i < n; ++i) {
        if (!outcomes[i]) continue;
        ap_slot& s = slots_[batch[i]->cpu];
        // Woken once already: it polls its slot in smpboot_x86_park_poll
        // (the firmware will not look at the mailbox for it again), and
        // arm() has just given it the signal.
        if (s.method == uint32_t(wake_method::mp_wakeup)) continue;
        result r = mailbox_wake(batch[i]->hwid);
        if (r) s.method = uint32_t(wake_method::mp_wakeup);
        else outcomes[i] = result::fail(r.code, batch[i]->cpu, state::bp_bringup, r.rc, r.detail);
    }
}

result backend_base::mailbox_wake(hwid_t dest) {
    mp_wakeup_mailbox& mb = *cfg_.mp_wakeup;
    // An earlier command that no AP acknowledged is withdrawn first, so that
    // no AP pairs it with the new ApicId; the release orders the withdrawal
    // before the new fields (the vector is the same for every AP anyway).
    mb.command.store(uint16_t(mp_wakeup_command::noop), memory_order::relaxed);
    mb.apic_id.store(uint32_t(dest), memory_order::release);
    mb.wakeup_vector.store(params_.wake_vector, memory_order::relaxed);
    // release: the AP that reads Wakeup reads the fields above, and the
    // slot that arm() filled.
    mb.command.store(uint16_t(mp_wakeup_command::wakeup), memory_order::release);
    const uint64_t deadline = now() + cfg_.mp_wakeup_ack_ns;
    while (mb.command.load(memory_order::acquire) != uint16_t(mp_wakeup_command::noop)) {
        if (now() >= deadline) {
            // Withdraw it, unless the AP took it just now.
            uint16_t expected = uint16_t(mp_wakeup_command::wakeup);
            mb.command.compare_exchange(expected, uint16_t(mp_wakeup_command::noop), memory_order::acq_rel,
                                        memory_order::acquire);
            return result::fail(errc::hw_timeout, no_cpu, state::bp_bringup, int32_t(dest), no_mailbox_ack);
        }
        cpu_relax();
    }
    return result::success();
}

bool backend_base::abandon(cpu_id cpu) {
    if (cpu >= capacity_) return false;
    ap_slot& s = slots_[cpu];
    // Never armed (arm() refused it): no SIPI ever went to it.
    if (s.apic_id == no_apic_id) return true;
    if (cfg_.mp_wakeup) {
        // No INIT in this protocol: the CPU is stopped only if it has not
        // claimed its slot yet. Taking the arm back first means it never
        // will; it then halts in the trampoline page, whose code and data
        // stay as long as the backend.
        uint32_t armed = 1;
        return s.armed.compare_exchange(armed, 0, memory_order::acq_rel, memory_order::acquire);
    }
    s.armed.store(0, memory_order::relaxed);
    // INIT puts it back into wait-for-SIPI whatever it was doing (SDM 8.4.1):
    // once delivered, nothing from an earlier SIPI runs any more.
    return send_init(s.apic_id).ok();
}

result backend_base::wait_off(cpu_id cpu, uint64_t deadline_ns) {
    if (cpu >= capacity_) return result::fail(errc::invalid_cpu, cpu);
    ap_slot& s = slots_[cpu];
    // acquire: after `parked` the AP no longer touches its stack.
    bool parked;
    while (!(parked = s.parked.load(memory_order::acquire)) && now() < deadline_ns) cpu_relax();
    // Mailbox: no INIT. Parked, it polls its slot off its stack (ap_leave).
    if (cfg_.mp_wakeup) return parked ? result::success(cpu) : result::fail(errc::offline_timeout, cpu, state::bp_bringup);
    // Either way INIT stops it; it then waits for a SIPI and can come back.
    result r = send_init(s.apic_id);
    if (!r) return result::fail(r.code, cpu, state::bp_bringup, r.rc, r.detail);
    // Not parked: it may still be using its stack, so it is not off. The
    // INIT may have stopped it, but nothing can tell; the core marks it stuck.
    if (!parked) return result::fail(errc::offline_timeout, cpu, state::bp_bringup);
    return result::success(cpu);
}

result backend_base::ap_init(cpu_id cpu) {
    apic_.enable_this_cpu(cfg_.spurious_vector);
    if (cpu < capacity_ && apic_.id() != slots_[cpu].apic_id)
        return result::fail(errc::kick_failed, cpu, state::ap_starting, int32_t(apic_.id()));
    return result::success(cpu);
}

void backend_base::ap_exit(cpu_id) {}

void backend_base::ap_leave(cpu_id cpu) {
    irq_disable();
    ap_slot& s = slots_[cpu % capacity_];
    s.armed.store(0, memory_order::relaxed);
    // The mailbox cannot take it back (backend.hpp): our own loop, which
    // the next arm() ends. Otherwise a halt until the boot CPU's INIT.
    if (cfg_.mp_wakeup) smpboot_x86_park_poll(&s, &params_);
    smpboot_x86_park(&s.parked, &params_);
}

void backend_base::relax() { cpu_relax(); }

}  // namespace smpboot::x86
