// SPDX-License-Identifier: MIT
// The README's "Using it in a kernel" for x86-64. The x86_64 build compiles
// it with every [[nodiscard]] warning an error; the test docs.snippets checks
// that the README shows exactly this file.
#include <smpboot/hotplug.hpp>
#include <smpboot/x86/backend.hpp>

using namespace smpboot;

// The kernel's own (declared here so the snippet compiles on its own).
extern uint64_t kernel_cr3;
void* phys_to_virt(uint64_t phys);
void* map_uncached(void* ctx, uint64_t phys, size_t size);
const uint64_t* read_page_table(void* ctx, uint64_t phys);   // a page table, readable
void report(cpu_id cpu, const result& r);   // prints code, failed_state, rc, detail

namespace {
using arch = x86::backend<64>;   // the capacity, fixed once: discovery and hotplug follow
arch the_arch;

int sched_up(cpu_id, void*) { return 0; }     // runs on the new CPU
int sched_down(cpu_id, void*) { return 0; }   // runs on it before it leaves
}  // namespace

/// `host` must live as long as any AP can run (the backend keeps a pointer).
bool smp_init(const host_ops& host, const x86::acpi::phys_reader& mem, uint64_t rsdp) {
    static arch::discovery found = the_arch.discover(mem, rsdp);   // MADT; cpus[0] = this CPU
    if (!found.ok()) return false;

    x86::config cfg;
    cfg.trampoline_phys = 0x8000;                 // 6 free pages below 1 MiB
    cfg.trampoline_virt = phys_to_virt(0x8000);
    cfg.cr3 = kernel_cr3;                         // any CR3: no identity map needed
    cfg.read_table = read_page_table;             // phys -> pointer, for init() only
    cfg.lapic_phys = found.madt.lapic_phys;
    cfg.map_mmio = map_uncached;                  // the xAPIC page (not used in x2APIC mode)
    if (result r = the_arch.init(cfg, host); !r) return report(0, r), false;

    static arch::hotplug<> hp{the_arch, host};
    if (result r = hp.init(found.cpus, found.count); !r) return report(0, r), false;
    if (result r = hp.add_state(section::online, "sched", sched_up, sched_down); !r)
        return report(0, r), false;
    const bringup_summary sum = hp.bring_up_all(bringup_mode::parallel);
    for (cpu_id c : hp.present())
        if (!hp.online().test(c)) report(c, hp.last_result(c));
    return sum.online == sum.attempted;
}
