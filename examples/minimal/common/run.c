/* SPDX-License-Identifier: MIT */
/* The smpboot integration every minimal kernel shares: the host hooks and
 * the AP's entry, bring-up, a hotplug stress run, and the serial contract
 * (README, "The serial contract"). */
#include "run.h"

#include <smpboot/smpboot.h>

#include "console.h"

#define MAX_CPUS 256
#define STACK_SIZE 16384

static _Alignas(16) uint8_t stacks[MAX_CPUS][STACK_SIZE];

static uint64_t host_now(void* ctx) {
    (void)ctx;
    return platform_now_ns();
}
static void host_delay(void* ctx, uint32_t us) {
    (void)ctx;
    platform_delay_us(us);
}
static void host_log(void* ctx, int level, const char* line) {
    (void)level;
    con_printf("%s: %s", (const char*)ctx, line);
}
static smpboot_stack host_stack(void* ctx, smpboot_cpu cpu) {
    (void)ctx;
    smpboot_stack s = {0, 0};
    if (cpu < MAX_CPUS) s.base = stacks[cpu], s.size = STACK_SIZE;
    return s;
}

/* The kernel's per-CPU entry: it is usable now, then it idles. */
static void ap_main(void* ctx, smpboot_cpu cpu) {
    (void)ctx;
    (void)smpboot_ap_ready(cpu);
    for (;;) smpboot_idle_once(cpu, 0, 0);
}

smpboot_host minimal_host(const char* name) {
    smpboot_host host = {0};
    host.ctx = (void*)name;
    host.monotonic_ns = host_now;
    host.delay_us = host_delay;
    host.log = host_log;
    host.alloc_stack = host_stack;
    host.ap_main = ap_main;
    host.waits_for_ready = true;   /* ap_main says ap_ready */
    return host;
}

static uint32_t stress(uint32_t cycles, uint64_t seed) {
    const uint32_t n = smpboot_cpu_count();
    uint32_t downs = 0, ups = 0, errors = 0;
    for (uint32_t i = 0; i < cycles && n > 1; ++i) {
        seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;   /* xorshift64 */
        const smpboot_cpu c = 1 + (smpboot_cpu)(seed % (n - 1));
        if (!smpboot_is_present(c)) continue;
        const bool down = smpboot_is_online(c);
        const smpboot_result r = down ? smpboot_cpu_down(c) : smpboot_cpu_up(c);
        if (r.code != SMPBOOT_OK) {
            char why[96];
            smpboot_describe(&r, why, sizeof why);
            con_printf("stress: cpu %u: %s: %s", c, down ? "cpu_down" : "cpu_up", why);
            ++errors;
        } else {
            *(down ? &downs : &ups) += 1;
        }
    }
    for (smpboot_cpu c = 1; c < n; ++c) {
        if (!smpboot_is_present(c) || smpboot_is_online(c)) continue;
        if (smpboot_cpu_up(c).code == SMPBOOT_OK) ++ups;
        else ++errors;
    }
    con_printf("smpboot: stress cycles=%u downs=%u ups=%u errors=%u", cycles, downs, ups, errors);
    return errors;
}

bool minimal_run(smpboot_result init, const char* name, const char* arch, const char* cmdline) {
    if (init.code != SMPBOOT_OK) {
        char why[96];
        smpboot_describe(&init, why, sizeof why);
        con_printf("%s: smpboot init: %s", name, why);
        return false;
    }
    const bool seq = cmdline_is(cmdline, "smpboot.mode", "seq");
    const smpboot_summary s = smpboot_bring_up_all(seq ? SMPBOOT_SEQUENTIAL : SMPBOOT_PARALLEL);
    const uint64_t bringup_ns = s.last_online_ns > s.first_kick_ns ? s.last_online_ns - s.first_kick_ns : 0;

    /* The contract: one line per present CPU for the bring-up, the stress
     * line if any, the result line last. */
    uint32_t present = 0, online = 0;
    for (smpboot_cpu c = 0; c < smpboot_cpu_count(); ++c) {
        if (!smpboot_is_present(c)) continue;
        ++present;
        if (smpboot_is_online(c)) {
            ++online;
            con_printf("smpboot: cpu %u hwid 0x%lx online", c, smpboot_hwid_of(c));
            continue;
        }
        const smpboot_result r = smpboot_last_result(c);
        char why[96];
        smpboot_describe(&r, why, sizeof why);
        con_printf("smpboot: cpu %u hwid 0x%lx failed: %s", c, smpboot_hwid_of(c), why);
    }
    uint32_t errors = 0;
    if (cmdline_number(cmdline, "smpboot.stress", 0))
        errors = stress((uint32_t)cmdline_number(cmdline, "smpboot.stress", 0),
                        cmdline_number(cmdline, "smpboot.seed", 0x5eed) | 1);
    con_printf("smpboot: result arch=%s online=%u/%u mode=%s bringup_us=%lu", arch, online, present,
               seq ? "seq" : "parallel", bringup_ns / 1000);
    return online == present && errors == 0;
}
