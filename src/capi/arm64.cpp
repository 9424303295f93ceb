// SPDX-License-Identifier: MIT
// The C API on arm64: libsmpboot_arm64.a (include/smpboot/smpboot.h).
#include <smpboot/arm64/backend.hpp>
#include <smpboot/arm64/idle.hpp>
#include <smpboot/fdt.hpp>

#include "api.hpp"

namespace smpboot::capi {

struct arch : arch_base<arm64::backend<SMPBOOT_C_MAX_CPUS>> {
    static constinit inline arm64::wake_by wake = arm64::wake_by::interrupt;

    template <class Busy>
    static void idle_once(hotplug_t& h, cpu_id cpu, Busy&& busy) {
        arm64::idle_once(h, cpu, wake, busy);
    }
};

}  // namespace smpboot::capi

#include "api_ops.hpp"

using namespace smpboot;

static_assert(sizeof(arm64::idmap_page) == 4096 && alignof(arm64::idmap_page) == 4096);

extern "C" smpboot_result smpboot_arm64_init(const smpboot_host* h, const smpboot_arm64_config* cfg,
                                             const smpboot_timeouts* limits) {
    using capi::arch;
    if (!cfg || !cfg->dtb) return capi::to_c(capi::not_initialized());
    if (result r = arch::begin(h); !r) return capi::to_c(r);
    arch::wake = cfg->wake_by_event ? arm64::wake_by::event : arm64::wake_by::interrupt;
    fdt::tree tree;
    if (!fdt::tree::open(cfg->dtb, fdt::tree::size_hint(cfg->dtb), tree))
        return capi::to_c(result::fail(errc::bad_firmware_table, no_cpu, state::offline, 0, "device tree"));
    arch::backend_t& be = *arch::be.p;
    arch::backend_t::discovery& d = arch::found.make();
    d = be.discover(tree);   // a copy through the stack: the boot CPU's is big enough
    if (!d.ok()) return capi::to_c(result::fail(errc::bad_firmware_table, no_cpu, state::offline, 0, d.status.problem));
    arm64::config c;
    c.mmu = arm64::current_mmu_state();
    c.ctx = cfg->ctx;
    c.virt_to_phys = cfg->virt_to_phys;
    c.phys_to_virt = cfg->phys_to_virt;
    c.idmap_pages = static_cast<arm64::idmap_page*>(cfg->idmap_pages);
    c.idmap_page_count = cfg->idmap_page_count;
    if (result r = be.init(c, arch::host.ops, d); !r) return capi::to_c(r);
    return arch::finish(limits);
}

extern "C" const char* smpboot_dt_string(const void* dtb, const char* node_path, const char* name) {
    fdt::tree tree;
    fdt::property p;
    if (!dtb || !fdt::tree::open(dtb, fdt::tree::size_hint(dtb), tree)) return nullptr;
    const fdt::node n = tree.path(node_path);
    return n && tree.find_property(n, name, p) ? p.str() : nullptr;
}

extern "C" smpboot_result smpboot_arm64_system_off(void) {
    using capi::arch;
    if (!arch::be.p) return capi::to_c(capi::not_initialized());
    return capi::to_c(arch::be.p->system_off());
}
