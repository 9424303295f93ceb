/* SPDX-License-Identifier: MIT */
/*
 * arm64-virt-minimal and arm64-raspi3b-minimal: a kernel in C that brings
 * its CPUs up with smpboot's C API (include/smpboot/smpboot.h,
 * libsmpboot_arm64.a), by PSCI on virt and spin-table on raspi3b. Everything
 * here is the arm64 part of the integration: the wake, discovery and init.
 * Boot stub and board: board.c, examples/arm64-common/start.S; the host
 * hooks, the AP's entry and idle loop, bring-up, stress and report shared
 * with x86: ../common/run.c.
 */
#include <smpboot/smpboot.h>

#include "../common/console.h"
#include "../common/run.h"
#include "board.h"

/* ---- Host hooks beyond minimal_host() (../common/run.c) --------------- */

/* No interrupt controller here: SEV ends the idle CPUs' WFE (wake_by_event). */
static void host_wake(void* ctx, smpboot_cpu cpu) {
    (void)ctx, (void)cpu;
    __asm__ volatile("dsb ish\n\tsev" ::: "memory");
}

/* The library's blocks and entry between the kernel's half and physical. */
static uint64_t virt_to_phys(void* ctx, const void* va) {
    (void)ctx;
    return board_virt_to_phys(va);
}
static void* phys_to_virt(void* ctx, uint64_t pa) {
    (void)ctx;
    return board_phys_to_virt(pa);
}
static _Alignas(4096) uint8_t idmap_pages[SMPBOOT_ARM64_IDMAP_PAGES][4096];

/* ---- Boot CPU --------------------------------------------------------- */

_Noreturn void example_main(uint64_t dtb_phys) {
    board_init();   /* the MMU as APs will see it: init reads it */
    const void* dtb = board_phys_to_virt(dtb_phys);
    const char* cmdline = smpboot_dt_string(dtb, "/chosen", "bootargs");
    if (!cmdline) cmdline = "";
    con_printf("%s: smpboot C API; cmdline: %s", BOARD_NAME, cmdline);

    smpboot_host host = minimal_host(BOARD_NAME);
    host.wake = host_wake;

    smpboot_arm64_config cfg = {0};
    cfg.dtb = dtb;
    cfg.wake_by_event = true;
    cfg.virt_to_phys = virt_to_phys;
    cfg.phys_to_virt = phys_to_virt;
    cfg.idmap_pages = idmap_pages;
    cfg.idmap_page_count = SMPBOOT_ARM64_IDMAP_PAGES;

    const smpboot_result r = smpboot_arm64_init(&host, &cfg, 0);
    board_exit(minimal_run(r, BOARD_NAME, "arm64", cmdline) ? 0 : 1);
}
