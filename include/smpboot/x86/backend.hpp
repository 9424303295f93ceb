// SPDX-License-Identifier: MIT
// The x86-64 backend: ACPI discovery, the local APIC, the SIPI trampoline and
// INIT-SIPI-SIPI wake-up, behind smpboot::backend.
//
//   using arch = smpboot::x86::backend<64>;           // the one capacity
//   arch be;
//   arch::discovery d = be.discover(reader, rsdp_phys);
//   smpboot::x86::config cfg;
//   cfg.trampoline_phys = 0x8000;                     // a free page below 1 MiB
//   cfg.trampoline_virt = phys_to_virt(0x8000);
//   cfg.cr3 = my_cr3;                                 // see config::cr3
//   cfg.lapic_phys = d.madt.lapic_phys;               // honour the MADT
//   cfg.map_mmio = my_map_uncached;
//   be.init(cfg, host);
//   arch::hotplug<> hp{be, host};
//   hp.init(d.cpus, d.count);
//
// What the host must provide beyond host_ops is all in `config`.
#pragma once

#include <smpboot/backend.hpp>
#include <smpboot/capacity.hpp>
#include <smpboot/host.hpp>
#include <smpboot/hotplug.hpp>
#include <smpboot/x86/acpi.hpp>
#include <smpboot/x86/apic.hpp>
#include <smpboot/x86/trampoline_layout.h>

namespace smpboot::x86 {

/// How INIT-SIPI-SIPI is paced (Intel SDM Vol. 3A 8.4.4.1).
enum class delay_policy : uint8_t {
    /// No fixed delays: INIT, SIPI, and a second SIPI only for an AP that has
    /// not reached the trampoline by `config::sipi_retry_ns`. For CPUs and
    /// hypervisors that need no settling time (what Linux does on modern
    /// Intel/AMD and under KVM).
    modern,
    /// The SDM's universal algorithm: INIT, 10 ms, SIPI, 200 us, SIPI, 200 us.
    legacy,
};

struct config {
    /// A 4 KiB-aligned page below 1 MiB, outside 0xA0000-0xBFFFF (the SIPI
    /// vector is its page number, SDM 10.6.1), owned by the backend from
    /// init() on for as long as CPUs may be brought up.
    uint64_t trampoline_phys = 0;
    /// Where the boot CPU can write that page.
    void* trampoline_virt = nullptr;
    /// The page-table root every AP loads, below 4 GiB (it is loaded in
    /// 32-bit mode). It must identity-map the trampoline page (the AP turns
    /// paging on while running there) and map the kernel, the slot array and
    /// the AP stacks as the boot CPU sees them; for hotplug::start_image also
    /// the image's entry at its physical address. 4-level paging with 4 KiB or
    /// 2 MiB pages only: the AP gets CR4.PAE and nothing else; EFER.NXE only
    /// if the boot CPU has it set when init() runs.
    uint64_t cr3 = 0;
    delay_policy delays = delay_policy::modern;
    /// Physical address of the xAPIC registers: pass madt_info::lapic_phys to
    /// honour the MADT (and its address override); 0 reads IA32_APIC_BASE.
    uint64_t lapic_phys = 0;
    /// modern: how long to wait for an AP to reach the trampoline before the
    /// second SIPI. A SIPI to a running CPU is ignored (SDM 8.4.4.1), so a
    /// short wait is harmless.
    uint64_t sipi_retry_ns = 1'000'000;
    /// xAPIC: how long the ICR may stay busy before errc::hw_timeout.
    uint64_t ipi_timeout_ns = 100'000'000;
    /// Maps the xAPIC page uncached (called with host_ops::ctx). Required
    /// unless the boot CPU runs in x2APIC mode, which has no MMIO.
    map_mmio_fn map_mmio = nullptr;
    /// Spurious-interrupt vector programmed on every AP (SDM 10.9).
    uint8_t spurious_vector = 0xff;
};

/// What discovery found: the list hotplug::init() takes (boot CPU first),
/// the MADT's facts, and whether the tables could be read.
template <uint32_t MaxCpus>
struct discovery {
    acpi::status status{};
    acpi::madt_info madt{};
    uint32_t count = 0;
    cpu_desc cpus[MaxCpus];

    bool ok() const { return bool(status); }
};

class backend_base {
public:
    backend_base(const backend_base&) = delete;
    backend_base& operator=(const backend_base&) = delete;

    /// Pick the APIC mode, map the xAPIC, install the trampoline. Boot CPU,
    /// before hotplug::init(). Fails (kick_failed, rc = what) on a bad config.
    /// `host` is kept by pointer: it must outlive the backend.
    result init(const config& cfg, const host_ops& host);

    // ---- smpboot::backend ----
    result kick(ap_boot& boot);
    void kick_all(ap_boot* const* batch, uint32_t n, result* outcomes);
    bool abandon(cpu_id cpu);
    result wait_off(cpu_id cpu, uint64_t deadline_ns);
    result ap_init(cpu_id cpu);
    void ap_exit(cpu_id cpu);
    [[noreturn]] void ap_leave(cpu_id cpu);
    void relax();
    /// CPUID's APIC ID (leaf 0xB in x2APIC mode, else leaf 1): no MMIO, so
    /// it works on any CPU at any time (SDM Vol. 3A 10.4.6, 10.12.8.1).
    hwid_t this_hwid() const { return current_apic_id(); }

    // ---- for the host ----
    local_apic& apic() { return apic_; }
    hwid_t boot_apic_id() const;
    /// Size of the trampoline blob in bytes (<= 4096, checked at build time).
    static size_t trampoline_size();
    /// APs that have entered the trampoline so far (diagnostics).
    uint32_t trampoline_entries() const;
    /// Send an IPI with `vector` to an online CPU (e.g. for host_ops.wake).
    result send_fixed(cpu_id cpu, uint8_t vector);

protected:
    constexpr backend_base(ap_slot* slots, uint32_t capacity) : slots_(slots), capacity_(capacity) {}

private:
    result arm(ap_boot& boot);
    result send(icr cmd, hwid_t dest);
    result send_init(hwid_t dest);
    uint64_t now() const { return host_->monotonic_ns(host_->ctx); }
    bool reached(const ap_slot& s) const;

    ap_slot* slots_;
    uint32_t capacity_;
    config cfg_{};
    const host_ops* host_ = nullptr;
    local_apic apic_;
    tramp_data* data_ = nullptr;
    bool ready_ = false;
};

/// The backend with room for `MaxCpus` logical CPUs: the one place a kernel
/// fixes its capacity; discovery and hotplug<> follow from it.
template <uint32_t MaxCpus = default_config::max_cpus>
class backend : public backend_base {
public:
    static_assert(MaxCpus > 0, "a backend needs room for the boot CPU");
    static constexpr uint32_t max_cpus = MaxCpus;
    using discovery = x86::discovery<MaxCpus>;
    /// The state machine for this backend, with `Config`'s capacity set to ours.
    template <class Config = default_config>
    using hotplug = smpboot::hotplug<backend, with_capacity<Config, MaxCpus>>;

    /// constexpr: a kernel can define one as a global without constructors.
    constexpr backend() : backend_base(storage_, MaxCpus) {}

    /// Discovery, on the boot CPU: its own APIC ID (CPUID, in whatever mode
    /// it runs) becomes logical 0; see acpi::discover. `visit` gets the
    /// per-entry listing. CPUs beyond MaxCpus are counted in madt.dropped.
    discovery discover(const acpi::phys_reader& mem, uint64_t rsdp_phys,
                       acpi::entry_visitor visit = nullptr, void* visit_ctx = nullptr) const {
        discovery d;
        d.status = acpi::discover(mem, rsdp_phys, boot_apic_id(), d.cpus, MaxCpus, d.count, d.madt,
                                  visit, visit_ctx);
        return d;
    }

private:
    ap_slot storage_[MaxCpus]{};
};

}  // namespace smpboot::x86
