/* SPDX-License-Identifier: MIT */
/*
 * x86_64-minimal: a kernel in C that brings its CPUs up with smpboot's C API
 * (include/smpboot/smpboot.h, libsmpboot_x86_64.a). Everything here is the
 * x86 part of the integration: the wake IPI, discovery and init, per-AP
 * setup. Boot stub and PC: pc.c, examples/x86_64/boot.S and isr.S; the host
 * hooks, the AP's entry and idle loop, bring-up, stress and report shared
 * with arm64: ../common/run.c.
 */
#include <smpboot/smpboot.h>

#include "../common/console.h"
#include "../common/run.h"
#include "pc.h"

/* SMPBOOT_X86_LOW_PAGES free pages below 1 MiB: SIPI vector 0x08. */
#define TRAMPOLINE_PHYS 0x8000

static char cmdline[256];

/* ---- Host hooks beyond minimal_host() (../common/run.c) --------------- */

/* The IPI that ends an idle CPU's HLT; isr.S's handler calls on_wake. */
static void host_wake(void* ctx, smpboot_cpu cpu) {
    (void)ctx;
    (void)smpboot_x86_send_ipi(cpu, PC_WAKE_VECTOR);
}
void on_wake(void) { smpboot_x86_eoi(); }

/* ACPI tables, page tables and the xAPIC through the direct map of 0-4 GiB. */
static const void* map_phys(void* ctx, uint64_t phys, size_t len) {
    (void)ctx;
    return phys && phys + len <= (1ull << 32) ? pc_phys_to_virt(phys) : 0;
}
static void* map_mmio(void* ctx, uint64_t phys, size_t len) {
    (void)ctx, (void)len;
    return pc_map_uncached(phys);
}
static const uint64_t* read_table(void* ctx, uint64_t phys) { return map_phys(ctx, phys, 4096); }

/* Each AP, before the library touches its APIC: the kernel's own GDT and
 * IDT instead of the trampoline's, so that a fault from here on is reported. */
static void ap_early(void* ctx, smpboot_cpu cpu) {
    (void)ctx, (void)cpu;
    pc_load_tables();
}

/* ---- Boot CPU --------------------------------------------------------- */

_Noreturn void kernel_main(uint64_t start_info_phys) {
    pc_enter_higher_half();
    pc_init();
    const struct hvm_start_info* si = start_info_phys ? pc_phys_to_virt(start_info_phys) : 0;
    const char* c = si && si->cmdline_paddr ? pc_phys_to_virt(si->cmdline_paddr) : 0;
    for (size_t i = 0; c && c[i] && i + 1 < sizeof cmdline; ++i) cmdline[i] = c[i];
    con_printf("x86_64-minimal: smpboot C API; cmdline: %s", cmdline);

    smpboot_host host = minimal_host("x86_64-minimal");
    host.wake = host_wake;

    smpboot_x86_config cfg = {0};
    cfg.rsdp_phys = si ? si->rsdp_paddr : 0;
    cfg.map_phys = map_phys;
    cfg.trampoline_phys = TRAMPOLINE_PHYS;
    cfg.trampoline_virt = pc_phys_to_virt(TRAMPOLINE_PHYS);
    cfg.cr3 = pc_read_cr3();
    cfg.read_table = read_table;
    cfg.ap_early = ap_early;
    cfg.map_mmio = map_mmio;
    cfg.spurious_vector = PC_SPURIOUS_VECTOR;
    cfg.broadcast_ipis = cmdline_is(cmdline, "smpboot.ipi", "broadcast");

    const smpboot_result r = smpboot_x86_init(&host, &cfg, 0);
    const bool ok = minimal_run(r, "x86_64-minimal", "x86_64", cmdline);
    if (smpboot_x86_broadcast_kicks()) con_printf("x86_64-minimal: %u broadcast INIT-SIPI-SIPI", smpboot_x86_broadcast_kicks());
    pc_exit(ok ? 0 : 1);
}
