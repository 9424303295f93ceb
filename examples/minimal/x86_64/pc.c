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
    /* What the live CR3 maps at virtual 0 (its top level's first entry). */
    const uint64_t* top = pc_phys_to_virt(pc_read_cr3() & 0x000ffffffffff000ull);
    uint64_t cr4;
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    con_printf("x86_64-minimal: memory: kernel at 0x%lx, direct map at 0x%lx, identity map: %s, %s-level",
               (uint64_t)(uintptr_t)pc_init, PC_DIRECT_BASE, top[0] ? "present" : "none",
               cr4 & 1u << 12 ? "5" : "4");
}

/* The kernel's tables (Intel SDM Vol. 3A 4.5, 2 MiB pages): -2 GiB -> 0-1
 * GiB for the image, PC_DIRECT_BASE + 0-4 GiB for everything physical, no
 * identity map. With CR4.LA57 (the stub chose 5-level) a PML5 on top whose
 * last entry holds both (both addresses have VA[56:48] = 511). */
#define PTE_PW 3ull         /* present, writable */
#define PTE_PS 0x80ull      /* 2 MiB page */
#define PTE_PCD_PWT 0x18ull /* PAT entry 3: UC (SDM Vol. 3A 11.12.3) */
extern const char kernel_vma[];   /* kernel.ld: virtual = physical + kernel_vma */
static _Alignas(4096) uint64_t pml5[512], pml4[512], kpdpt[512], kpd[512], dpdpt[512], dpd[4][512];

static uint64_t image_phys(const void* p) { return (uint64_t)(uintptr_t)p - (uint64_t)(uintptr_t)kernel_vma; }
void* pc_phys_to_virt(uint64_t phys) { return (void*)(uintptr_t)(PC_DIRECT_BASE + phys); }

void pc_enter_higher_half(void) {
    uint64_t cr4;
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    for (uint64_t i = 0; i < 512; ++i) kpd[i] = i << 21 | PTE_PW | PTE_PS;
    for (uint64_t i = 0; i < 4 * 512; ++i) dpd[i / 512][i % 512] = i << 21 | PTE_PW | PTE_PS;
    for (int g = 0; g < 4; ++g) dpdpt[g] = image_phys(dpd[g]) | PTE_PW;
    kpdpt[510] = image_phys(kpd) | PTE_PW;
    pml4[511] = image_phys(kpdpt) | PTE_PW;
    pml4[(PC_DIRECT_BASE >> 39) & 511] = image_phys(dpdpt) | PTE_PW;
    pml5[511] = image_phys(pml4) | PTE_PW;
    const uint64_t cr3 = cr4 & 1u << 12 ? image_phys(pml5) : image_phys(pml4);
    __asm__ volatile("mov %0, %%cr3" ::"r"(cr3) : "memory");
}

/* The direct map's 2 MiB page holding `phys` (below 4 GiB), uncached. */
void* pc_map_uncached(uint64_t phys) {
    if (phys >= 4ull << 30) return 0;
    dpd[phys >> 30][(phys >> 21) & 511] |= PTE_PCD_PWT;
    void* v = pc_phys_to_virt(phys);
    __asm__ volatile("invlpg (%0)" ::"r"(v) : "memory");
    return v;
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
