/* SPDX-License-Identifier: MIT */
/* The C side of the Make consumer: enough calls that the link pulls in the
 * whole bring-up path of libsmpboot_<arch>.a. It is linked, never run. */
#include <smpboot/smpboot.h>

static uint64_t now(void* ctx) { (void)ctx; return 0; }
static void delay(void* ctx, uint32_t us) { (void)ctx, (void)us; }
static smpboot_stack stack_for(void* ctx, smpboot_cpu cpu) {
    static _Alignas(16) unsigned char stack[4096];
    smpboot_stack s = {stack, sizeof stack};
    (void)ctx, (void)cpu;
    return s;
}
static void ap_main(void* ctx, smpboot_cpu cpu) {
    (void)ctx;
    (void)smpboot_ap_ready(cpu);
    for (;;) smpboot_idle_once(cpu, 0, 0);
}

void consumer_main(void);
void consumer_main(void) {
    static smpboot_host host;
    host.monotonic_ns = now;
    host.delay_us = delay;
    host.alloc_stack = stack_for;
    host.ap_main = ap_main;
#if defined(CONSUMER_ARCH_x86_64)
    static smpboot_x86_config cfg;
    (void)smpboot_x86_init(&host, &cfg, 0);
#else
    static smpboot_arm64_config cfg;
    (void)smpboot_arm64_init(&host, &cfg, 0);
#endif
    (void)smpboot_bring_up_all(SMPBOOT_PARALLEL);
    (void)smpboot_cpu_down(1);
    for (;;) {
    }
}

/* What every freestanding C program provides for the compiler. */
void* memcpy(void* d, const void* s, size_t n) {
    unsigned char* a = d;
    const unsigned char* b = s;
    while (n--) *a++ = *b++;
    return d;
}
void* memset(void* d, int c, size_t n) {
    unsigned char* a = d;
    while (n--) *a++ = (unsigned char)c;
    return d;
}
