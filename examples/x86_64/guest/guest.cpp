// SPDX-License-Identifier: MIT
// A separately linked image that the example kernel starts on one AP with
// hotplug::start_image (smpboot.guest=CPU). It shares nothing with the kernel
// but the mailbox layout: it talks to COM1 itself, answers through the
// mailbox and returns (the trampoline then parks the CPU).
#include "mailbox.hpp"

namespace {
void outb(uint16_t port, uint8_t v) { asm volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
uint8_t inb(uint16_t port) {
    uint8_t v;
    asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
void put(const char* s) {
    for (; *s; ++s) {
        while (!(inb(guest::com1_port + 5) & 0x20)) {
        }
        outb(guest::com1_port, uint8_t(*s));
    }
}
void put_dec(uint64_t v) {
    char buf[21];
    int i = 20;
    buf[i] = '\0';
    do buf[--i] = char('0' + v % 10); while ((v /= 10) != 0);
    put(buf + i);
}
}  // namespace

extern "C" [[gnu::section(".text.entry")]] void guest_main(guest::mailbox* box) {
    uint32_t a = 0xb, b, c = 0, d;
    asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
    uint32_t apic = 1, b1, c1 = 0, d1;
    asm volatile("cpuid" : "+a"(apic), "=b"(b1), "+c"(c1), "=d"(d1));
    const uint32_t id = b1 >> 24;   // initial APIC ID (CPUID.1:EBX[31:24])
    put("guest: hello from the guest image on APIC ID ");
    put_dec(id);
    put("\n");
    if (box->magic != guest::magic) return;
    uint64_t sum = 0;
    for (uint32_t i = 1; i <= box->n; ++i) sum += i;
    box->sum = sum;
    box->apic_id = id;
    uint64_t rsp;
    asm volatile("mov %%rsp, %0" : "=r"(rsp));
    box->stack = rsp;
    __atomic_store_n(&box->done, 1, __ATOMIC_RELEASE);
}
