/* SPDX-License-Identifier: MIT */
/*
 * arm64-virt-minimal and arm64-raspi3b-minimal: a kernel in C that brings
 * its CPUs up with smpboot's C API (include/smpboot/smpboot.h,
 * libsmpboot_arm64.a), by PSCI on virt and spin-table on raspi3b. Everything
 * here is the integration: host hooks, discovery and init, the idle loop.
 * Boot stub and board: board.c, examples/arm64-common/start.S; bring-up,
 * stress and report shared with x86: ../common/run.c.
 */
#include <smpboot/smpboot.h>

#include "../common/console.h"
#include "../common/run.h"
#include "board.h"

#define MAX_CPUS 256
#define STACK_SIZE 16384

static _Alignas(16) uint8_t stacks[MAX_CPUS][STACK_SIZE];

/* ---- Host hooks ------------------------------------------------------- */

static uint64_t host_now(void* ctx) {
    (void)ctx;
    return board_now_ns();
}
static void host_delay(void* ctx, uint32_t us) {
    (void)ctx;
    board_delay_us(us);
}
static void host_log(void* ctx, int level, const char* line) {
    (void)ctx, (void)level;
    con_printf("%s: %s", BOARD_NAME, line);
}
static smpboot_stack host_stack(void* ctx, smpboot_cpu cpu) {
    (void)ctx;
    smpboot_stack s = {0, 0};
    if (cpu < MAX_CPUS) s.base = stacks[cpu], s.size = STACK_SIZE;
    return s;
}
/* No interrupt controller here: SEV ends the idle CPUs' WFE (wake_by_event). */
static void host_wake(void* ctx, smpboot_cpu cpu) {
    (void)ctx, (void)cpu;
    __asm__ volatile("dsb ish\n\tsev" ::: "memory");
}

/* ---- On each AP ------------------------------------------------------- */

/* The kernel's per-CPU entry: it is usable now, then it idles. */
static void ap_main(void* ctx, smpboot_cpu cpu) {
    (void)ctx;
    (void)smpboot_ap_ready(cpu);
    for (;;) smpboot_idle_once(cpu, 0, 0);
}

/* ---- Boot CPU --------------------------------------------------------- */

_Noreturn void example_main(const void* dtb) {
    board_init();   /* the MMU as APs will see it: init reads it */
    const char* cmdline = smpboot_dt_string(dtb, "/chosen", "bootargs");
    if (!cmdline) cmdline = "";
    con_printf("%s: smpboot C API; cmdline: %s", BOARD_NAME, cmdline);

    smpboot_host host = {0};
    host.monotonic_ns = host_now;
    host.delay_us = host_delay;
    host.log = host_log;
    host.alloc_stack = host_stack;
    host.ap_main = ap_main;
    host.wake = host_wake;
    host.waits_for_ready = true;

    smpboot_arm64_config cfg = {0};
    cfg.dtb = dtb;
    cfg.wake_by_event = true;

    const smpboot_result r = smpboot_arm64_init(&host, &cfg, 0);
    if (r.code != SMPBOOT_OK) {
        char why[96];
        smpboot_describe(&r, why, sizeof why);
        con_printf("%s: smpboot init: %s", BOARD_NAME, why);
        board_exit(1);
    }
    board_exit(minimal_run("arm64", cmdline) ? 0 : 1);
}
