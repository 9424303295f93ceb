/* SPDX-License-Identifier: MIT */
#include "board.h"

#include "../common/console.h"

#define MRS(reg) ({ uint64_t v_; __asm__ volatile("mrs %0, " #reg : "=r"(v_)); v_; })
#define MSR(reg, v) __asm__ volatile("msr " #reg ", %0" ::"r"((uint64_t)(v)) : "memory")

void* board_phys_to_virt(uint64_t pa) { return (void*)(uintptr_t)(pa + BOARD_VA_OFFSET); }
uint64_t board_virt_to_phys(const void* va) { return (uint64_t)(uintptr_t)va - BOARD_VA_OFFSET; }

/* PL011 (Arm DDI 0183G 3.2): DR at 0x00, FR at 0x18, TXFF = FR bit 5. */
void console_putc(char c) {
    volatile uint32_t* uart = board_phys_to_virt(BOARD_UART);
    if (c == '\n') console_putc('\r');
    while (uart[0x18 / 4] & (1u << 5)) {
    }
    uart[0] = (uint8_t)c;
}

/* The virtual count: the same on every CPU (the EL2 drop sets CNTVOFF_EL2 = 0). */
static uint64_t timer_hz = 62500000;
uint64_t platform_now_ns(void) {
    const uint64_t c = MRS(cntvct_el0);
    return c / timer_hz * 1000000000ull + c % timer_hz * 1000000000ull / timer_hz;
}
void platform_delay_us(uint32_t us) {
    const uint64_t end = platform_now_ns() + (uint64_t)us * 1000;
    while (platform_now_ns() < end) __asm__ volatile("yield");
}

/* Physical 0-4 GiB at BOARD_VA_OFFSET + PA in 2 MiB blocks, 4 KiB granule,
 * 39-bit VA (Arm ARM D8.3): Device-nGnRnE in [BOARD_DEVICE_LO,
 * BOARD_DEVICE_HI), Normal write-back elsewhere; start.S's MAIR (attr0
 * normal, attr1 device) and TCR (T0SZ = T1SZ = 25: level 1 indexes PA[38:30]
 * in either half, so one table serves both). */
static _Alignas(4096) uint64_t l1[512];
static _Alignas(4096) uint64_t l2[4][512];

/* start.S: switch tables from the image's identity alias. */
void example_mmu_switch(uint64_t tcr, uint64_t ttbr0, uint64_t ttbr1, uint64_t va_offset);

void board_init(void) {
    if (MRS(cntfrq_el0)) timer_hz = MRS(cntfrq_el0);
    for (uint64_t i = 0; i < 4 * 512; ++i) {
        const uint64_t pa = i << 21;
        const int device = pa - (uint64_t)BOARD_DEVICE_LO < (uint64_t)BOARD_DEVICE_HI - (uint64_t)BOARD_DEVICE_LO;
        /* block, AF; normal: inner shareable; device: never executable */
        l2[i / 512][i % 512] = pa | 1 | 1 << 10 | (device ? 1 << 2 | 3ull << 53 : 3 << 8);
    }
    for (int g = 0; g < 4; ++g) l1[g] = board_virt_to_phys(l2[g]) | 3;
    const uint64_t tcr = MRS(tcr_el1), table = board_virt_to_phys(l1);
    __asm__ volatile("dsb sy" ::: "memory");
    /* Both halves while the switch returns through the identity alias; then
     * the kernel's half alone: TCR_EL1.EPD0 (bit 7) or EPD1 (bit 23). */
    example_mmu_switch(tcr, table, table, BOARD_VA_OFFSET);
    if (BOARD_VA_OFFSET) {
        MSR(tcr_el1, tcr | 1ull << 7);
        MSR(ttbr0_el1, 0);
    } else {
        MSR(tcr_el1, tcr | 1ull << 23);
        MSR(ttbr1_el1, 0);
    }
    __asm__ volatile("isb\n\ttlbi vmalle1\n\tdsb nsh\n\tisb" ::: "memory");
    con_printf("%s: memory: kernel at 0x%lx, TTBR0_EL1 0x%lx, TCR_EL1.EPD0 %lu", BOARD_NAME,
               (uint64_t)(uintptr_t)board_init, MRS(ttbr0_el1), (MRS(tcr_el1) >> 7) & 1);
}

/* Semihosting SYS_EXIT_EXTENDED (0x20) with ADP_Stopped_ApplicationExit. */
_Noreturn void board_exit(uint32_t code) {
    volatile uint64_t block[2] = {0x20026, code};
    register uint64_t x0 __asm__("x0") = 0x20;
    register uint64_t x1 __asm__("x1") = (uint64_t)(uintptr_t)block;
    __asm__ volatile("hlt #0xf000" ::"r"(x0), "r"(x1) : "memory");
    for (;;) __asm__ volatile("wfe");
}

/* start.S's vectors: every exception ends the run. */
_Noreturn void example_exception(uint64_t index) {
    con_printf("%s: exception %lu esr 0x%lx elr 0x%lx far 0x%lx", BOARD_NAME, index, MRS(esr_el1),
               MRS(elr_el1), MRS(far_el1));
    board_exit(1);
}
