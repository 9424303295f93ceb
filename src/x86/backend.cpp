// SPDX-License-Identifier: MIT
// The x86-64 backend: trampoline install, INIT-SIPI-SIPI, the AP's first C++
// and its way out (park, then INIT from the boot CPU).
#include <smpboot/x86/backend.hpp>
#include <smpboot/x86/cpu.hpp>

extern "C" {
extern const char smpboot_x86_tramp_start[];
extern const char smpboot_x86_tramp_end[];
extern const char smpboot_x86_tramp_pm32[];
extern const char smpboot_x86_tramp_lm64[];
[[noreturn]] void smpboot_x86_park(smpboot::atomic<uint32_t>* parked);
[[noreturn]] void smpboot_x86_ap_entry(smpboot::x86::ap_slot* slot);
}

namespace smpboot::x86 {
namespace {

static_assert(smpboot::backend<x86::backend<>>);

// Intel SDM Vol. 3A 8.4.4.1 (the MP initialization example) and 10.6.1.
constexpr uint32_t legacy_init_delay_us = 10'000;
constexpr uint32_t legacy_sipi_delay_us = 200;
constexpr uint64_t page_size = 4096;
constexpr uint64_t low_mem_limit = 0x100000;
constexpr uint64_t vga_hole_first = 0xa0000, vga_hole_end = 0xc0000;   // reserved vectors A0-BF

uint32_t offset_in_blob(const char* sym) { return uint32_t(sym - smpboot_x86_tramp_start); }

}  // namespace

const char* describe_config_problem(int32_t rc) {
    switch (config_problem(rc)) {
    case config_problem::bad_trampoline_page:
        return "trampoline page not a 4 KiB page below 1 MiB outside 0xA0000-0xBFFFF (SDM Vol. 3A 10.6.1)";
    case config_problem::no_trampoline_mapping: return "no mapping of the trampoline page";
    case config_problem::cr3_above_4g:
        return "CR3 above 4 GiB: the trampoline loads CR3 in 32-bit mode";
    case config_problem::no_clock: return "host_ops has no monotonic_ns or delay_us";
    }
    return nullptr;
}

acpi::status backend_base::discover(const acpi::phys_reader& mem, uint64_t rsdp_phys, cpu_desc* out,
                                    uint32_t cap, uint32_t& count, acpi::madt_info& info,
                                    acpi::entry_visitor visit, void* visit_ctx) const {
    if (cap > capacity_) cap = capacity_;
    return acpi::discover(mem, rsdp_phys, current_apic_id(), out, cap, count, info, visit, visit_ctx);
}

hwid_t backend_base::boot_apic_id() const { return current_apic_id(); }

size_t backend_base::trampoline_size() {
    return size_t(smpboot_x86_tramp_end - smpboot_x86_tramp_start);
}

uint32_t backend_base::trampoline_entries() const {
    return data_ ? __atomic_load_n(&data_->started, __ATOMIC_RELAXED) : 0;
}

result backend_base::init(const config& cfg, const host_ops& host) {
    auto bad = [](config_problem e) { return result::fail(errc::kick_failed, 0, state::offline, int32_t(e)); };
    const uint64_t p = cfg.trampoline_phys;
    if (p == 0 || p % page_size || p + page_size > low_mem_limit ||
        (p >= vga_hole_first && p < vga_hole_end))
        return bad(config_problem::bad_trampoline_page);
    if (!cfg.trampoline_virt) return bad(config_problem::no_trampoline_mapping);
    // The AP loads CR3 before it enables long mode (SDM Vol. 3A 9.8.5), so
    // only the low 32 bits would reach it: refuse rather than let it run on
    // whatever table that truncation names.
    if (cfg.cr3 >> 32) return bad(config_problem::cr3_above_4g);
    if (!host.monotonic_ns || !host.delay_us) return bad(config_problem::no_clock);
    cfg_ = cfg;
    host_ = host;
    result r = apic_.init(host, cfg.lapic_phys);
    if (!r) return r;

    // Copy the blob, then patch what depends on where it landed.
    auto* page = static_cast<char*>(cfg.trampoline_virt);
    const size_t n = trampoline_size();
    for (size_t i = 0; i < n; ++i) page[i] = smpboot_x86_tramp_start[i];
    data_ = reinterpret_cast<tramp_data*>(page + SMPBOOT_TD);
    const uint32_t base = uint32_t(p);
    const uint32_t gdt = base + SMPBOOT_TD_GDT;
    data_->gdt_limit = sizeof(data_->gdt) - 1;
    data_->gdt_base_lo = uint16_t(gdt);
    data_->gdt_base_hi = uint16_t(gdt >> 16);
    data_->pm32 = {base + offset_in_blob(smpboot_x86_tramp_pm32), SMPBOOT_SEL_CODE32, 0};
    data_->lm64 = {base + offset_in_blob(smpboot_x86_tramp_lm64), SMPBOOT_SEL_CODE64, 0};
    // The boot CPU's CR0 minus anything but the baseline bits; caches on.
    data_->cr0 = uint32_t((read_cr0() & (cr0_mp | cr0_et | cr0_ne | cr0_wp | cr0_am)) | cr0_pe | cr0_pg);
    data_->cr3 = uint32_t(cfg.cr3);
    data_->efer = uint32_t(efer_lme | (rdmsr(msr_efer) & efer_nxe));
    data_->id_leaf = apic_.mode() == apic_mode::x2apic ? 0xb : 1;
    data_->slots = uint64_t(uintptr_t(slots_));
    data_->nslots = capacity_;
    data_->started = 0;
    data_->entry64 = uint64_t(uintptr_t(&smpboot_x86_ap_entry));
    for (uint32_t i = 0; i < capacity_; ++i) slots_[i].armed.store(0, memory_order::relaxed);
    // release: the page and the slots are written before any SIPI (whose
    // ICR write is ordered after them: SDM 8.2.2, plus wrmsr_fence for x2APIC).
    __atomic_thread_fence(__ATOMIC_RELEASE);
    ready_ = true;
    return result::success();
}

result backend_base::send(icr cmd, hwid_t dest) { return apic_.send(cmd, dest, cfg_.ipi_timeout_ns); }

result backend_base::send_init(hwid_t dest) {
    result r = send(icr::init(), dest);
    // The de-assert only matters to pre-Pentium 4 APICs and is not defined
    // for x2APIC (SDM 10.12.9).
    if (r && apic_.mode() == apic_mode::xapic) r = send(icr::init_deassert(), dest);
    return r;
}

result backend_base::send_fixed(cpu_id cpu, uint8_t vector) {
    if (cpu >= capacity_) return result::fail(errc::invalid_cpu, cpu);
    return send(icr::make(delivery_mode::fixed, vector), slots_[cpu].apic_id);
}

bool backend_base::reached(const ap_slot& s) const {
    if (s.seen.load(memory_order::acquire)) return true;
    auto* boot = static_cast<const ap_boot*>(s.boot);
    return boot->image_entry == 0 && boot->called_in();
}

/// Fill the slot the AP will look for; after this it may run.
result backend_base::arm(ap_boot& boot) {
    if (!ready_) return result::fail(errc::not_initialized, boot.cpu, state::bp_bringup);
    if (boot.cpu >= capacity_) return result::fail(errc::invalid_cpu, boot.cpu, state::bp_bringup);
    if (!apic_.addressable(boot.hwid))
        return result::fail(errc::kick_failed, boot.cpu, state::bp_bringup, int32_t(boot.hwid));
    ap_slot& s = slots_[boot.cpu];
    s.apic_id = uint32_t(boot.hwid);
    s.stack_top = boot.stack_top;
    s.boot = &boot;
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
    kick_all(&one, 1);
    return boot.status;
}

void backend_base::kick_all(ap_boot* const* batch, uint32_t n) {
    const uint8_t vector = uint8_t(cfg_.trampoline_phys >> 12);
    const bool legacy = cfg_.delays == delay_policy::legacy;
    auto each = [&](auto&& fn) {
        for (uint32_t i = 0; i < n; ++i) {
            ap_boot& b = *batch[i];
            if (!b.status) continue;
            result r = fn(b);
            if (!r) {
                b.status = result::fail(r.code, b.cpu, state::bp_bringup, r.rc);
                slots_[b.cpu % capacity_].armed.store(0, memory_order::relaxed);
            }
        }
    };
    for (uint32_t i = 0; i < n; ++i) batch[i]->status = arm(*batch[i]);

    // Intel SDM Vol. 3A 8.4.4.1: INIT, (10 ms), STARTUP, (200 us), STARTUP.
    each([&](ap_boot& b) { return send_init(b.hwid); });
    if (legacy) host_.delay_us(host_.ctx, legacy_init_delay_us);
    each([&](ap_boot& b) { return send(icr::startup(vector), b.hwid); });
    if (legacy) {
        host_.delay_us(host_.ctx, legacy_sipi_delay_us);
        each([&](ap_boot& b) { return send(icr::startup(vector), b.hwid); });
        host_.delay_us(host_.ctx, legacy_sipi_delay_us);
        return;
    }
    // modern: a second STARTUP only to the CPUs that have not shown up.
    const uint64_t deadline = now() + cfg_.sipi_retry_ns;
    for (;;) {
        bool all = true;
        for (uint32_t i = 0; i < n && all; ++i)
            all = !batch[i]->status || reached(slots_[batch[i]->cpu]);
        if (all) return;
        if (now() >= deadline) break;
        cpu_relax();
    }
    each([&](ap_boot& b) {
        return reached(slots_[b.cpu]) ? result::success(b.cpu) : send(icr::startup(vector), b.hwid);
    });
}

void backend_base::abandon(cpu_id cpu) {
    if (cpu >= capacity_) return;
    ap_slot& s = slots_[cpu];
    s.armed.store(0, memory_order::relaxed);
    // INIT puts it back into wait-for-SIPI whatever it was doing (SDM 8.4.1).
    (void)send_init(s.apic_id);
}

result backend_base::wait_off(cpu_id cpu, uint64_t deadline_ns) {
    if (cpu >= capacity_) return result::fail(errc::invalid_cpu, cpu);
    ap_slot& s = slots_[cpu];
    // acquire: after `parked` the AP no longer touches its stack.
    bool parked;
    while (!(parked = s.parked.load(memory_order::acquire)) && now() < deadline_ns) cpu_relax();
    // Either way INIT stops it; it then waits for a SIPI and can come back.
    result r = send_init(s.apic_id);
    if (!r) return result::fail(r.code, cpu, state::bp_bringup);
    if (!parked && host_.log) {
        line<96> l;
        l.str("x86: cpu ").dec(cpu).str(" did not park in time; sent INIT");
        host_.log(host_.ctx, log_level::warning, l.c_str());
    }
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
    smpboot_x86_park(&s.parked);
}

void backend_base::relax() { cpu_relax(); }

}  // namespace smpboot::x86

/// The AP's first C++, on its own stack with interrupts off (trampoline.S).
extern "C" void smpboot_x86_ap_entry(smpboot::x86::ap_slot* slot) {
    static_cast<const smpboot::ap_boot*>(slot->boot)->enter();
    __builtin_trap();
}
