// SPDX-License-Identifier: MIT
// What the example kernel needs from a PC: ports, COM1, the PIT-calibrated
// TSC, descriptor tables, PVH boot information, isa-debug-exit.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace pc {

inline void outb(uint16_t port, uint8_t v) { asm volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
inline void outl(uint16_t port, uint32_t v) { asm volatile("outl %0, %1" ::"a"(v), "Nd"(port)); }
inline uint8_t inb(uint16_t port) {
    uint8_t v;
    asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
inline uint64_t rdtsc() {
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return uint64_t(hi) << 32 | lo;
}

/// COM1, 115200 8N1, polled.
void serial_init();
void serial_write(const char* s);
/// One line plus "\n", under a lock (any CPU).
void puts_line(const char* s);
/// Print `line`, then wait until QEMU's monitor writes a non-zero byte into
/// COM1's scratch register (16550 offset 7, which nothing else here uses:
/// HMP `o /b 0x3ff 1`), at most `timeout_ms`; false on time-out. A fixed point
/// at which a script reads QEMU's counters (bench/tcg_jit.py).
bool wait_for_monitor(const char* line, uint32_t timeout_ms);

/// Calibrate the TSC against PIT channel 2; false if the PIT did not count.
bool clock_init();
uint64_t tsc_hz();
uint64_t now_ns();
void delay_us(uint32_t us);

/// The kernel's GDT and IDT: load_tables() on every CPU (the BP in
/// kernel_main, each AP in a starting callback).
void tables_init();
void load_tables();
inline constexpr uint8_t wake_vector = 0xf0;
inline constexpr uint8_t spurious_vector = 0xff;

/// PVH start info (Xen public/arch-x86/hvm/start_info.h); the memory map
/// fields are there from version 1 on.
struct hvm_start_info {
    uint32_t magic;   // 0x336ec578
    uint32_t version;
    uint32_t flags;
    uint32_t nr_modules;
    uint64_t modlist_paddr;
    uint64_t cmdline_paddr;
    uint64_t rsdp_paddr;
    uint64_t memmap_paddr;
    uint32_t memmap_entries;
    uint32_t reserved;
};
struct hvm_memmap_entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;   // E820: 1 = RAM
    uint32_t reserved;
};
inline constexpr uint32_t hvm_start_magic = 0x336ec578;

/// Ends QEMU through isa-debug-exit (iobase 0xf4): status (code << 1) | 1.
[[noreturn]] void exit_qemu(uint32_t code);

}  // namespace pc
