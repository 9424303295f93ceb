/* SPDX-License-Identifier: MIT */
/*
 * The C API's header as a C11 kernel sees it: compiled with -std=c11
 * -pedantic -Werror -ffreestanding (and once as C++). Every declaration is
 * used with the types a kernel would pass, so a mistyped or missing one fails.
 */
#include <smpboot/smpboot.h>

static uint64_t now(void* ctx) { (void)ctx; return 0; }
static void delay(void* ctx, uint32_t us) { (void)ctx; (void)us; }
static void log_line(void* ctx, int level, const char* line) { (void)ctx; (void)level; (void)line; }
static smpboot_stack stack_for(void* ctx, smpboot_cpu cpu) {
    smpboot_stack s = {0, 0};
    (void)ctx; (void)cpu;
    return s;
}
static void ap_main(void* ctx, smpboot_cpu cpu) {
    (void)ctx;
    (void)smpboot_ap_ready(cpu);
    for (;;) smpboot_idle_once(cpu, 0, 0);
}
static int step(smpboot_cpu cpu, void* ctx) { (void)cpu; (void)ctx; return 0; }
static bool busy(void* ctx) { (void)ctx; return false; }

/* Zero-initialised the way both C and C++ accept without a warning. */
static smpboot_host no_host;
static smpboot_timeouts no_timeouts;
static smpboot_arm64_config no_arm64;
static smpboot_x86_config no_x86;

int consume_c_api(int arm);
int consume_c_api(int arm) {
    smpboot_host host = no_host;
    host.monotonic_ns = now;
    host.delay_us = delay;
    host.log = log_line;
    host.alloc_stack = stack_for;
    host.ap_main = ap_main;
    host.waits_for_ready = true;
    smpboot_timeouts t = no_timeouts;
    t.ready_ns = 1000;
    smpboot_result r;
    if (arm) {
        smpboot_arm64_config cfg = no_arm64;
        cfg.wake_by_event = true;
        r = smpboot_arm64_init(&host, &cfg, &t);
        if (!smpboot_dt_string(cfg.dtb, "/chosen", "bootargs")) (void)smpboot_arm64_system_off();
    } else {
        smpboot_x86_config cfg = no_x86;
        cfg.trampoline_phys = 0x8000;
        r = smpboot_x86_init(&host, &cfg, NULL);
        (void)smpboot_x86_send_ipi(1, 0xf0);
        smpboot_x86_eoi();
    }
    char buf[128];
    (void)smpboot_describe(&r, buf, sizeof buf);
    (void)smpboot_add_state(SMPBOOT_SECTION_ONLINE, "sched", step, step, NULL);
    smpboot_summary s = smpboot_bring_up_all(SMPBOOT_PARALLEL);
    smpboot_cpu c = 1;
    if (smpboot_is_online(c) && smpboot_cpu_down(c).code == SMPBOOT_E_WRONG_CPU) return 1;
    (void)smpboot_cpu_up(c);
    smpboot_idle_once(c, busy, NULL);
    smpboot_ap_poll(c);
    const char* why = smpboot_strerror(smpboot_last_result(c).code);
    const char* st = smpboot_state_name(smpboot_state_of(c));
    return (int)(s.online + smpboot_cpu_count() + smpboot_hwid_of(c) + smpboot_is_present(c) +
                 smpboot_is_ready(c) + smpboot_this_cpu() + (why != st) + (r.code == SMPBOOT_OK) +
                 (SMPBOOT_NO_CPU == c) + (SMPBOOT_STATE_OFFLINE == 0));
}
