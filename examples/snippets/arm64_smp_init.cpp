// SPDX-License-Identifier: MIT
// The README's "Using it in a kernel" for ARM64. The arm64 build compiles
// it with every [[nodiscard]] warning an error; the test docs.snippets checks
// that the README shows exactly this file.
#include <smpboot/arm64/backend.hpp>
#include <smpboot/fdt.hpp>
#include <smpboot/hotplug.hpp>

using namespace smpboot;

// The kernel's own (declared here so the snippet compiles on its own).
void report(cpu_id cpu, const result& r);   // prints code, failed_state, rc, detail

namespace {
using arch = arm64::backend<64>;   // the capacity, fixed once: discovery and hotplug follow
}  // namespace

/// Call after the boot CPU's MMU is on: APs load the same MMU registers.
/// `host` must live as long as any AP can run (the backend keeps a pointer).
bool smp_init(const host_ops& host, const void* dtb) {
    fdt::tree tree;
    if (!fdt::tree::open(dtb, fdt::tree::size_hint(dtb), tree)) return false;
    static arch the_arch;
    static arch::discovery found = the_arch.discover(tree);   // /cpus; cpus[0] = this CPU
    if (!found.ok()) return false;

    static arm64::idmap_page idmap[8];      // the identity map APs turn their MMU on through
    arm64::config cfg;
    cfg.mmu = arm64::current_mmu_state();   // any layout; not VA == PA: set virt_to_phys/phys_to_virt
    cfg.idmap_pages = idmap;
    cfg.idmap_page_count = 8;
    if (result r = the_arch.init(cfg, host, found); !r) return report(0, r), false;

    static arch::hotplug<> hp{the_arch, host};
    if (result r = hp.init(found.cpus, found.count); !r) return report(0, r), false;
    const bringup_summary sum = hp.bring_up_all(bringup_mode::parallel);
    for (cpu_id c : hp.present())
        if (!hp.online().test(c)) report(c, hp.last_result(c));
    return sum.online == sum.attempted;
}
