// SPDX-License-Identifier: MIT
// The C API on x86-64: libsmpboot_x86_64.a (include/smpboot/smpboot.h).
#include <smpboot/x86/backend.hpp>
#include <smpboot/x86/idle.hpp>

#include "api.hpp"

namespace smpboot::capi {

struct arch : arch_base<x86::backend<SMPBOOT_C_MAX_CPUS>> {
    template <class Busy>
    static void idle_once(hotplug_t& h, cpu_id cpu, Busy&& busy) {
        x86::idle_once(h, cpu, busy);
    }
};

}  // namespace smpboot::capi

#include "api_ops.hpp"

using namespace smpboot;

static_assert(SMPBOOT_X86_LOW_PAGES == x86::backend<1>::low_memory_pages);

extern "C" smpboot_result smpboot_x86_init(const smpboot_host* h, const smpboot_x86_config* cfg,
                                           const smpboot_timeouts* limits) {
    using capi::arch;
    if (!cfg || !cfg->map_phys) return capi::to_c(capi::not_initialized());
    if (result r = arch::begin(h); !r) return capi::to_c(r);
    arch::backend_t& be = *arch::be.p;
    const x86::acpi::phys_reader mem{cfg->map_phys, h->ctx};
    arch::backend_t::discovery& d = arch::found.make();
    d = be.discover(mem, cfg->rsdp_phys);
    if (!d.ok()) {
        if (h->log) {
            line<160> l;
            x86::acpi::describe(d.status, l);
            h->log(h->ctx, 0, l.c_str());
        }
        return capi::to_c(result::fail(errc::bad_firmware_table, no_cpu));
    }
    x86::config c;
    c.trampoline_phys = cfg->trampoline_phys;
    c.trampoline_virt = cfg->trampoline_virt;
    c.cr3 = cfg->cr3;
    c.read_table = cfg->read_table;
    c.ap_early = cfg->ap_early;
    c.delays = cfg->legacy_delays ? x86::delay_policy::legacy : x86::delay_policy::automatic;
    if (cfg->broadcast_ipis) c.broadcast_cpus = d.madt.all_enabled();
    c.lapic_phys = d.madt.lapic_phys;
    c.map_mmio = cfg->map_mmio;
    if (cfg->spurious_vector) c.spurious_vector = cfg->spurious_vector;
    if (result r = be.init(c, arch::host.ops); !r) return capi::to_c(r);
    return arch::finish(limits);
}

extern "C" smpboot_result smpboot_x86_send_ipi(smpboot_cpu cpu, uint8_t vector) {
    using capi::arch;
    if (!arch::hp.p) return capi::to_c(capi::not_initialized());
    return capi::to_c(arch::be.p->send_fixed(cpu, vector));
}

extern "C" void smpboot_x86_eoi(void) {
    if (capi::arch::be.p) capi::arch::be.p->apic().eoi();
}

extern "C" uint32_t smpboot_x86_broadcast_kicks(void) {
    return capi::arch::be.p ? capi::arch::be.p->broadcast_kicks() : 0;
}
