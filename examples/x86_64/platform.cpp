// SPDX-License-Identifier: MIT
// PC platform pieces of the example kernel.
#include "platform.hpp"

#include "guest/mailbox.hpp"

#include <smpboot/base.hpp>
#include <smpboot/format.hpp>

extern "C" {
extern char isr_exception_stubs[];
extern char isr_wake[];
extern char isr_ignore[];
}

namespace pc {
namespace {

// 16550 UART registers.
constexpr uint16_t com1 = guest::com1_port;
constexpr uint8_t lsr_thr_empty = 0x20;

smpboot::atomic<uint32_t> print_lock{0};

// Intel 8254 PIT: 1.193182 MHz input; channel 2 gated by port 0x61 bit 0,
// its output readable at port 0x61 bit 5 (PC/AT system control port B).
constexpr uint32_t pit_hz = 1193182;
constexpr uint16_t pit_ch2 = 0x42, pit_cmd = 0x43, port_b = 0x61;
constexpr uint32_t calib_ms = 20;

uint64_t tsc0 = 0;
uint64_t hz = 0;
uint64_t mult = 0;   // ns = (tsc - tsc0) * mult >> 32

struct [[gnu::packed]] table_ptr {
    uint16_t limit;
    uint64_t base;
};

// Intel SDM Vol. 3A 3.4.5: null, 64-bit code (0x08), data (0x10).
// Not const: the CPU sets accessed bits in it.
uint64_t gdt[3] = {0, 0x00af9a000000ffff, 0x00cf92000000ffff};

// Intel SDM Vol. 3A 6.14.1, Figure 6-7: 64-bit interrupt gate.
struct idt_gate {
    uint16_t offset_lo;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;   // 0x8e: present, DPL 0, interrupt gate
    uint16_t offset_mid;
    uint32_t offset_hi;
    uint32_t zero;
};
static_assert(sizeof(idt_gate) == 16);
idt_gate idt[256];

void set_gate(unsigned v, void* handler) {
    const uint64_t a = uint64_t(handler);
    idt[v] = {uint16_t(a), 0x08, 0, 0x8e, uint16_t(a >> 16), uint32_t(a >> 32), 0};
}

}  // namespace

void serial_init() {
    outb(com1 + 1, 0x00);   // no interrupts
    outb(com1 + 3, 0x80);   // DLAB
    outb(com1 + 0, 0x01);   // divisor 1: 115200 baud
    outb(com1 + 1, 0x00);
    outb(com1 + 3, 0x03);   // 8N1
    outb(com1 + 2, 0xc7);   // FIFO on, cleared
    outb(com1 + 4, 0x03);   // DTR, RTS
}

void serial_write(const char* s) {
    for (; *s; ++s) {
        while (!(inb(com1 + 5) & lsr_thr_empty)) {
        }
        outb(com1, uint8_t(*s));
    }
}

void puts_line(const char* s) {
    uint32_t expected = 0;
    while (!print_lock.compare_exchange(expected, 1, smpboot::memory_order::acquire,
                                        smpboot::memory_order::relaxed)) {
        expected = 0;
        asm volatile("pause");
    }
    serial_write(s);
    serial_write("\n");
    print_lock.store(0, smpboot::memory_order::release);
}

bool wait_for_monitor(const char* line, uint32_t timeout_ms) {
    constexpr uint16_t scratch = com1 + 7;
    outb(scratch, 0);   // before the line: the monitor answers only after it
    puts_line(line);
    const uint64_t deadline = now_ns() + uint64_t(timeout_ms) * 1'000'000;
    while (inb(scratch) == 0)
        if (now_ns() >= deadline) return false;
    return true;
}

// TSC ticks during one PIT channel 2 countdown of calib_ms, or 0 if the PIT
// never reached terminal count.
uint64_t tsc_ticks_per_window() {
    const uint32_t count = pit_hz * calib_ms / 1000;
    outb(port_b, uint8_t((inb(port_b) & ~0x02) | 0x01));   // gate on, speaker off
    outb(pit_cmd, 0xb0);   // channel 2, lobyte/hibyte, mode 0 (interrupt on terminal count)
    outb(pit_ch2, uint8_t(count));
    outb(pit_ch2, uint8_t(count >> 8));
    const uint64_t start = rdtsc();
    for (uint64_t spins = 0; !(inb(port_b) & 0x20); ++spins)
        if (spins > 100'000'000) return 0;
    const uint64_t end = rdtsc();
    return end > start ? end - start : 0;
}

bool clock_init() {
    // A vCPU descheduled inside a window skews it either way (seen: 18.9 GHz
    // for a 2.6 GHz TSC on a loaded host): take the median of five.
    constexpr int windows = 5;
    uint64_t ticks[windows];
    for (int i = 0; i < windows; ++i) {
        uint64_t t = tsc_ticks_per_window();
        int j = i;   // insertion sort as we go
        for (; j > 0 && ticks[j - 1] > t; --j) ticks[j] = ticks[j - 1];
        ticks[j] = t;
    }
    const uint64_t median = ticks[windows / 2];
    const bool ok = median != 0;
    hz = ok ? median * 1000 / calib_ms : 1'000'000'000;
    mult = (uint64_t(1'000'000'000) << 32) / hz;
    tsc0 = rdtsc();
    return ok;
}

uint64_t tsc_hz() { return hz; }

uint64_t now_ns() {
    const unsigned __int128 t = (unsigned __int128)(rdtsc() - tsc0) * mult;
    return uint64_t(t >> 32);
}

void delay_us(uint32_t us) {
    const uint64_t end = now_ns() + uint64_t(us) * 1000;
    while (now_ns() < end) asm volatile("pause");
}

void tables_init() {
    // Mask both 8259 PICs (OCW1 = 0xff on ports 0x21 and 0xa1): their
    // default vectors 8-15 overlap CPU exceptions, and the boot CPU takes
    // interrupts while it idles (host_ops.idle); only the local APIC is used.
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
    for (unsigned v = 0; v < 32; ++v) set_gate(v, isr_exception_stubs + 16 * v);
    for (unsigned v = 32; v < 256; ++v) set_gate(v, isr_ignore);
    set_gate(wake_vector, isr_wake);
}

void load_tables() {
    const table_ptr g{sizeof gdt - 1, uint64_t(&gdt)};
    const table_ptr i{sizeof idt - 1, uint64_t(&idt)};
    // Reload CS with a far return, then the data segments (SS too: an IRETQ
    // pops SS and it must name a valid descriptor in this GDT).
    asm volatile(
        "lgdt %0\n\t"
        "lidt %1\n\t"
        "pushq $0x08\n\t"
        "leaq 1f(%%rip), %%rax\n\t"
        "pushq %%rax\n\t"
        "lretq\n"
        "1:\n\t"
        "movl $0x10, %%eax\n\t"
        "movl %%eax, %%ds\n\t"
        "movl %%eax, %%es\n\t"
        "movl %%eax, %%ss\n\t" ::"m"(g),
        "m"(i)
        : "rax", "memory");
}

void exit_qemu(uint32_t code) {
    outl(0xf4, code);
    for (;;) asm volatile("cli; hlt");
}

}  // namespace pc

/// isr.S: any CPU exception ends the run with a line saying where.
extern "C" [[noreturn]] void on_exception(uint64_t vector, const uint64_t* frame) {
    smpboot::line<128> l;
    // Vectors 8, 10-14, 17, 21 push an error code before RIP (SDM Vol. 3A 6.13).
    const bool has_error = vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || vector == 21;
    l.str("x86_64: exception ").dec(vector).str(" at rip ").hex(frame[has_error ? 1 : 0]);
    if (has_error) l.str(" error ").hex(frame[0]);
    if (vector == 14) {
        uint64_t cr2;
        asm volatile("mov %%cr2, %0" : "=r"(cr2));
        l.str(" cr2 ").hex(cr2);
    }
    pc::serial_write(l.c_str());
    pc::serial_write("\n");
    pc::exit_qemu(1);
}
