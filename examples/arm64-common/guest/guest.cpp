// SPDX-License-Identifier: MIT
// The guest image: says hello on the UART from its own CPU, computes what the
// kernel asked for and reports back through the mailbox. Runs with the MMU
// off, so every access is Device memory: built with -mstrict-align.
#include "mailbox.h"

#include <smpboot/format.hpp>

namespace {

void put(uint64_t uart, const char* s) {
    volatile uint32_t* base = reinterpret_cast<volatile uint32_t*>(uintptr_t(uart));
    for (; *s; ++s) {
        while (base[0x18 / 4] & (1u << 5)) {}   // PL011 FR.TXFF
        base[0] = uint32_t(uint8_t(*s));
    }
}

}  // namespace

extern "C" void guest_main(guest::mailbox* m) {
    uint64_t mpidr, el, sp;
    asm volatile("mrs %0, mpidr_el1" : "=r"(mpidr));
    asm volatile("mrs %0, CurrentEL" : "=r"(el));
    asm volatile("mov %0, sp" : "=r"(sp));
    mpidr &= 0xff00ffffffull;
    smpboot::line<96> l;
    l.str("guest: hello from the guest image on MPIDR ").hex(mpidr).str(" at EL").dec(el >> 2).str("\r\n");
    put(m->uart, l.c_str());
    uint64_t sum = 0;
    if (m->magic == guest::magic)
        for (uint32_t i = 1; i <= m->n; ++i) sum += i;
    m->sum = sum;
    m->mpidr = mpidr;
    m->el = el >> 2;
    m->stack = sp;
    asm volatile("dsb sy" ::: "memory");
    m->done = 1;
    asm volatile("dsb sy" ::: "memory");
}
