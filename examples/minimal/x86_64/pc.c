/* SPDX-License-Identifier: MIT */
#include "pc.h"

#include "../common/console.h"

extern char isr_exception_stubs[], isr_wake[], isr_ignore[];   /* isr.S */

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) {
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint64_t rdtsc(void) {
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

/* 16550 on COM1: transmit when LSR bit 5 (THR empty) is set. */
void console_putc(char c) {
    while (!(inb(0x3f8 + 5) & 0x20)) {
    }
    outb(0x3f8, (uint8_t)c);
}

/* TSC ticks per microsecond, measured over 10 ms of PIT channel 2 (1.193182
 * MHz, gated by port 0x61 bit 0, its output at bit 5). */
static uint64_t tsc_per_us = 1000, tsc0;

static void clock_init(void) {
    const uint32_t count = 1193182 / 100;
    outb(0x61, (inb(0x61) & ~0x02) | 0x01);
    outb(0x43, 0xb0);   /* channel 2, lobyte/hibyte, mode 0 */
    outb(0x42, (uint8_t)count);
    outb(0x42, (uint8_t)(count >> 8));
    const uint64_t t0 = rdtsc();
    uint32_t spins = 0;
    while (!(inb(0x61) & 0x20) && ++spins < 100000000u) {
    }
    if (spins < 100000000u) tsc_per_us = (rdtsc() - t0) / 10000;
    if (!tsc_per_us) tsc_per_us = 1;
    tsc0 = rdtsc();
}

uint64_t platform_now_ns(void) { return (rdtsc() - tsc0) * 1000 / tsc_per_us; }

void platform_delay_us(uint32_t us) {
    const uint64_t end = platform_now_ns() + (uint64_t)us * 1000;
    while (platform_now_ns() < end) __asm__ volatile("pause");
}

/* Intel SDM Vol. 3A 3.4.5: null, 64-bit code (0x08), data (0x10); 6.14.1:
 * 64-bit interrupt gates (type 0xe, present). */
static uint64_t gdt[3] = {0, 0x00af9a000000ffffull, 0x00cf92000000ffffull};
static struct { uint64_t lo, hi; } idt[256];
struct __attribute__((packed)) table_ptr {
    uint16_t limit;
    uint64_t base;
};

static void set_gate(unsigned v, const void* handler) {
    const uint64_t a = (uint64_t)(uintptr_t)handler;
    idt[v].lo = (a & 0xffff) | 0x08ull << 16 | 0x8eull << 40 | ((a >> 16) & 0xffff) << 48;
    idt[v].hi = a >> 32;
}

void pc_load_tables(void) {
    const struct table_ptr g = {sizeof gdt - 1, (uint64_t)(uintptr_t)gdt};
    const struct table_ptr i = {sizeof idt - 1, (uint64_t)(uintptr_t)idt};
    /* New GDT, then CS through a far return and the data selectors. */
    __asm__ volatile("lgdt %0\n\t"
                     "pushq $0x08\n\tleaq 1f(%%rip), %%rax\n\tpushq %%rax\n\tlretq\n1:\n\t"
                     "movl $0x10, %%eax\n\tmovl %%eax, %%ds\n\tmovl %%eax, %%es\n\tmovl %%eax, %%ss\n\t"
                     "lidt %1" : : "m"(g), "m"(i) : "rax", "memory");
}

void pc_init(void) {
    outb(0x3f8 + 1, 0x00);   /* no UART interrupts */
    outb(0x3f8 + 3, 0x80);   /* divisor 1: 115200 baud */
    outb(0x3f8 + 0, 0x01);
    outb(0x3f8 + 1, 0x00);
    outb(0x3f8 + 3, 0x03);   /* 8N1 */
    clock_init();
    for (unsigned v = 0; v < 32; ++v) set_gate(v, isr_exception_stubs + 16 * v);
    for (unsigned v = 32; v < 256; ++v) set_gate(v, isr_ignore);
    set_gate(PC_WAKE_VECTOR, isr_wake);
    pc_load_tables();
}

/* The 2 MiB identity page holding `phys` (below 4 GiB), with PCD | PWT
 * (SDM Vol. 3A 4.9), found by walking the boot stub's 4-level tables from
 * CR3 through their own identity map (SDM Vol. 3A 4.5, Figure 4-9). */
void* pc_map_uncached(uint64_t phys) {
    const uint64_t addr = 0x000ffffffffff000ull;
    const uint64_t* pml4 = (const uint64_t*)(uintptr_t)(pc_read_cr3() & addr);
    const uint64_t* pdpt = (const uint64_t*)(uintptr_t)(pml4[0] & addr);
    uint64_t* pd = (uint64_t*)(uintptr_t)(pdpt[phys >> 30] & addr);
    pd[(phys >> 21) & 511] |= 0x18;
    __asm__ volatile("invlpg (%0)" ::"r"((uintptr_t)phys) : "memory");
    return (void*)(uintptr_t)phys;
}

uint64_t pc_read_cr3(void) {
    uint64_t v;
    __asm__ volatile("mov %%cr3, %0" : "=r"(v));
    return v;
}

/* isa-debug-exit at 0xf4: QEMU exits with (code << 1) | 1. */
_Noreturn void pc_exit(uint32_t code) {
    __asm__ volatile("outl %0, %1" ::"a"(code), "Nd"((uint16_t)0xf4));
    for (;;) __asm__ volatile("cli; hlt");
}

/* isr.S: every exception ends the run. */
void on_exception(uint64_t vector, const uint64_t* frame) {
    con_printf("x86_64-minimal: exception %lu at rip 0x%lx", vector, frame[vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 ? 1 : 0]);
    pc_exit(1);
}
