// SPDX-License-Identifier: MIT
// The x86-64 floor kernel: the least a bring-up can do, to measure smpboot
// against. It finds the CPUs in the MADT, wakes them with INIT-SIPI-SIPI and
// times from the first INIT to the last callin; each AP only announces
// itself (boot.S). It shares no code with smpboot.
//
// Command line (PVH cmdline): `smpboot.mode=seq` kicks one AP at a time and
// waits for its callin; otherwise (parallel) one INIT and one STARTUP go to
// "all excluding self" (SDM Vol. 3A 10.6.1 destination shorthand), as in the
// SDM's broadcast example (Vol. 3A 8.4.4.1). `floor.kick=unicast` makes
// parallel mode send INIT to each AP, then STARTUP to each, then wait — what
// smpboot's parallel mode does — instead of broadcasting. `smpboot.pause=1`
// stops before the first kick and after the result line until QEMU's monitor
// says go, as the example kernel does.
//
// Pacing as smpboot's default ("modern", what Linux does on current CPUs and
// under hypervisors): no fixed delays; a second STARTUP only to CPUs that
// have not called in after 1 ms (a STARTUP to a running CPU is ignored).
#include "../common/floor.hpp"

#include <stddef.h>
#include <stdint.h>

extern "C" {
extern const char floor_tramp[], floor_tramp_end[];   // boot.S: the real-mode part
extern uint64_t floor_pd[];                           // boot.S: 2048 2 MiB PD entries
// Written by the APs (boot.S ap64): seen[APIC ID] = 1, then callins += 1.
volatile uint8_t floor_seen[256];
volatile uint32_t floor_callins;
}

namespace {

using floor_kernel::text;

constexpr uint64_t tramp_phys = 0x8000;   // SIPI vector 0x08: free RAM below 1 MiB
constexpr uint32_t max_cpus = 256;        // xAPIC IDs are 8 bits
constexpr uint64_t second_sipi_us = 1000;
constexpr uint64_t callin_timeout_us = 5'000'000;

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

// ---- COM1 (16550: THR at +0, LSR at +5, bit 5 = THR empty) -----------------

constexpr uint16_t com1 = 0x3f8;

void serial_init() {
    outb(com1 + 1, 0x00);   // no interrupts
    outb(com1 + 3, 0x80);   // DLAB on
    outb(com1 + 0, 0x01);   // divisor 1: 115200 baud
    outb(com1 + 1, 0x00);
    outb(com1 + 3, 0x03);   // 8N1, DLAB off
    outb(com1 + 2, 0x07);   // FIFOs on and cleared
}

void puts(const char* s) {
    for (;; ++s) {
        const char c = *s ? *s : '\n';
        while (!(inb(com1 + 5) & 0x20)) {
        }
        outb(com1, uint8_t(c));
        if (!*s) return;
    }
}

[[noreturn]] void exit_qemu(bool ok) {
    outl(0xf4, ok ? 0 : 1);   // isa-debug-exit: QEMU exits with (value << 1) | 1
    for (;;) asm volatile("cli; hlt");
}

[[noreturn]] void fatal(const char* what) {
    text t;
    puts(t.str("floor: fatal: ").str(what).c_str());
    exit_qemu(false);
}

// ---- TSC against PIT channel 2 (Intel 8254: 1.193182 MHz; channel 2 gated
// by port 0x61 bit 0, its output at port 0x61 bit 5) -----------------------

constexpr uint32_t pit_hz = 1193182;
constexpr uint32_t window_ms = 10;
uint64_t tsc_khz = 0;

uint64_t tsc_per_window() {
    const uint32_t count = pit_hz * window_ms / 1000;
    outb(0x61, uint8_t((inb(0x61) & ~0x02) | 0x01));   // gate on, speaker off
    outb(0x43, 0xb0);                                   // ch 2, lo/hi byte, mode 0
    outb(0x42, uint8_t(count));
    outb(0x42, uint8_t(count >> 8));                    // counting starts here
    const uint64_t t0 = rdtsc();
    for (uint64_t spins = 0; !(inb(0x61) & 0x20); ++spins)
        if (spins > 100'000'000) return 0;
    return rdtsc() - t0;
}

void clock_init() {
    // The median of three windows: a descheduled vCPU skews one of them.
    uint64_t a = tsc_per_window(), b = tsc_per_window(), c = tsc_per_window();
    if (a > b) { uint64_t t = a; a = b; b = t; }
    if (b > c) { uint64_t t = b; b = c; c = t; }
    if (a > b) { uint64_t t = a; a = b; b = t; }
    tsc_khz = b / window_ms;
    if (tsc_khz == 0) fatal("the PIT did not count");
}

uint64_t tsc_to_us(uint64_t ticks) { return ticks * 1000 / tsc_khz; }

/// `smpboot.pause=1`: print `line`, then wait until QEMU's monitor writes a
/// non-zero byte into COM1's scratch register (16550 offset 7; HMP
/// `o /b 0x3ff 1`), at most 60 s, so that a script can read QEMU's counters
/// at this point (bench/tcg_jit.py).
void pause_for_monitor(bool enabled, const char* line) {
    if (!enabled) return;
    constexpr uint16_t scratch = com1 + 7;
    outb(scratch, 0);   // before the line: the monitor answers only after it
    puts(line);
    const uint64_t deadline = rdtsc() + 60'000 * tsc_khz;
    while (inb(scratch) == 0) {
        if (rdtsc() >= deadline) {
            puts("floor: pause: no word from the monitor in 60 s; going on");
            return;
        }
    }
}

// ---- ACPI: RSDP -> RSDT/XSDT -> MADT (ACPI 6.5, 5.2.5, 5.2.7, 5.2.8, 5.2.12) --

uint32_t rd32(const uint8_t* p) { return p[0] | p[1] << 8 | p[2] << 16 | uint32_t(p[3]) << 24; }
uint64_t rd64(const uint8_t* p) { return rd32(p) | uint64_t(rd32(p + 4)) << 32; }
const uint8_t* at(uint64_t phys) { return reinterpret_cast<const uint8_t*>(uintptr_t(phys)); }

bool checksum_ok(const uint8_t* p, uint32_t len) {
    uint8_t sum = 0;
    for (uint32_t i = 0; i < len; ++i) sum = uint8_t(sum + p[i]);
    return sum == 0;
}

bool sig_is(const uint8_t* p, const char* sig, int n) {
    for (int i = 0; i < n; ++i)
        if (p[i] != uint8_t(sig[i])) return false;
    return true;
}

/// The RSDP: from PVH, else the legacy search (first KiB of the EBDA, then
/// 0xE0000-0xFFFFF, on 16-byte boundaries).
uint64_t find_rsdp(uint64_t from_pvh) {
    if (from_pvh) return from_pvh;
    const uint64_t ebda = uint64_t(*reinterpret_cast<const volatile uint16_t*>(0x40e)) << 4;
    const uint64_t ranges[2][2] = {{ebda, ebda + 1024}, {0xe0000, 0x100000}};
    for (const auto& r : ranges)
        for (uint64_t p = r[0]; r[0] && p + 20 <= r[1]; p += 16)
            if (sig_is(at(p), "RSD PTR ", 8) && checksum_ok(at(p), 20)) return p;
    return 0;
}

const uint8_t* find_madt(uint64_t rsdp_phys) {
    const uint8_t* rsdp = at(rsdp_phys);
    if (!rsdp_phys || !sig_is(rsdp, "RSD PTR ", 8)) return nullptr;
    const bool xsdt = rsdp[15] >= 2 && rd64(rsdp + 24);
    const uint8_t* root = at(xsdt ? rd64(rsdp + 24) : rd32(rsdp + 16));
    const uint32_t width = xsdt ? 8 : 4;
    const uint32_t len = rd32(root + 4);
    for (uint32_t off = 36; off + width <= len; off += width) {
        const uint8_t* t = at(xsdt ? rd64(root + off) : rd32(root + off));
        if (sig_is(t, "APIC", 4) && checksum_ok(t, rd32(t + 4))) return t;
    }
    return nullptr;
}

// ---- xAPIC (SDM Vol. 3A 10.4.1 Table 10-1, 10.6.1 Figure 10-12) ------------

constexpr uint32_t icr_lo = 0x300, icr_hi = 0x310;
constexpr uint32_t icr_pending = 1u << 12;
constexpr uint32_t icr_init = 0x500 | 1u << 14;       // INIT, level assert
constexpr uint32_t icr_startup = 0x600 | 1u << 14;    // STARTUP | vector
constexpr uint32_t icr_all_but_self = 3u << 18;
volatile uint32_t* lapic = nullptr;

/// The page's PD entry uncached (PCD | PWT, SDM Vol. 3A 4.9, 10.4.1).
void map_lapic(uint64_t phys) {
    floor_pd[phys >> 21] |= 0x18;
    asm volatile("invlpg (%0)" ::"r"(phys) : "memory");
    lapic = reinterpret_cast<volatile uint32_t*>(uintptr_t(phys));
}

/// An IPI once the previous one has left (delivery status idle).
void send(uint32_t lo, uint32_t apic_id) {
    while (lapic[icr_lo / 4] & icr_pending) asm volatile("pause");
    lapic[icr_hi / 4] = apic_id << 24;
    lapic[icr_lo / 4] = lo;
}

// ---- bring-up --------------------------------------------------------------

floor_kernel::cpu cpus[max_cpus];
uint32_t ncpus = 0;

/// Waits until `want` APs in all have called in, or `deadline` (TSC) passes.
bool wait_callins(uint32_t want, uint64_t deadline) {
    while (floor_callins < want)
        if (rdtsc() >= deadline) return false;
        else asm volatile("pause");
    return true;
}

}  // namespace

extern "C" [[noreturn]] void floor_main(uint32_t start_info) {
    serial_init();
    // PVH start info (Xen public/arch-x86/hvm/start_info.h): magic at 0,
    // cmdline_paddr at 24, rsdp_paddr at 32.
    const uint8_t* si = at(start_info);
    const bool pvh = start_info && rd32(si) == 0x336ec578;
    const char* cmdline = pvh ? reinterpret_cast<const char*>(uintptr_t(rd64(si + 24))) : "";
    const bool seq = floor_kernel::has_word(cmdline, "smpboot.mode=seq");
    const bool unicast = floor_kernel::has_word(cmdline, "floor.kick=unicast");
    const bool pause = floor_kernel::has_word(cmdline, "smpboot.pause=1");
    clock_init();
    {
        text t;
        puts(t.str("floor: x86_64; cmdline: ").str(cmdline).c_str());
        text k;
        puts(k.str("floor: TSC ").dec(tsc_khz).str(" kHz").c_str());
    }

    const uint8_t* madt = find_madt(find_rsdp(pvh ? rd64(si + 32) : 0));
    if (!madt) fatal("no MADT");
    uint64_t lapic_phys = rd32(madt + 36);
    uint32_t eax, ebx, ecx, edx;
    asm volatile("cpuid" : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx) : "a"(1), "c"(0));
    const uint32_t self = ebx >> 24;   // CPUID.01H:EBX[31:24]
    cpus[ncpus++] = {self, true};
    for (uint32_t off = 44, len = rd32(madt + 4); off + 2 <= len && madt[off + 1] >= 2; off += madt[off + 1]) {
        const uint8_t* e = madt + off;
        if (e[0] == 0 && (rd32(e + 4) & 1) && e[3] != self && ncpus < max_cpus)
            cpus[ncpus++] = {e[3], false};   // processor local APIC, enabled
        if (e[0] == 5) lapic_phys = rd64(e + 4);   // local APIC address override
    }
    map_lapic(lapic_phys);
    for (uint32_t i = 0; i < 256; ++i) floor_seen[i] = 0;
    for (size_t i = 0; i < size_t(floor_tramp_end - floor_tramp); ++i)
        reinterpret_cast<volatile char*>(tramp_phys)[i] = floor_tramp[i];
    const uint32_t vector = uint32_t(tramp_phys >> 12);
    const uint32_t aps = ncpus - 1;
    const uint64_t us = tsc_khz / 1000;

    pause_for_monitor(pause, "floor: pause before bring-up: waiting for the monitor (COM1 scratch register)");
    uint32_t sipi_rounds = 1;
    const uint64_t t0 = rdtsc();
    if (seq) {
        for (uint32_t i = 1; i < ncpus; ++i) {
            const auto id = uint32_t(cpus[i].hwid);
            send(icr_init, id);
            send(icr_startup | vector, id);
            if (!wait_callins(i, rdtsc() + second_sipi_us * us)) {
                ++sipi_rounds;
                send(icr_startup | vector, id);
                if (!wait_callins(i, rdtsc() + callin_timeout_us * us)) break;
            }
        }
    } else {
        if (unicast) {
            for (uint32_t i = 1; i < ncpus; ++i) send(icr_init, uint32_t(cpus[i].hwid));
            for (uint32_t i = 1; i < ncpus; ++i) send(icr_startup | vector, uint32_t(cpus[i].hwid));
        } else {
            send(icr_init | icr_all_but_self, 0);
            send(icr_startup | icr_all_but_self | vector, 0);
        }
        if (!wait_callins(aps, rdtsc() + second_sipi_us * us)) {
            ++sipi_rounds;
            if (unicast) {
                for (uint32_t i = 1; i < ncpus; ++i)
                    if (!floor_seen[cpus[i].hwid]) send(icr_startup | vector, uint32_t(cpus[i].hwid));
            } else {
                send(icr_startup | icr_all_but_self | vector, 0);
            }
            wait_callins(aps, rdtsc() + callin_timeout_us * us);
        }
    }
    const uint64_t t1 = rdtsc();

    uint32_t online = 1;
    for (uint32_t i = 1; i < ncpus; ++i) {
        cpus[i].called_in = floor_seen[cpus[i].hwid] != 0;
        online += cpus[i].called_in;
    }
    {
        text t;
        t.str("floor: ").str(seq ? "one AP at a time" : unicast ? "INIT to each, then STARTUP to each"
                                                                : "broadcast INIT, STARTUP");
        t.str("; callins ").dec(floor_callins).str(", STARTUP rounds ").dec(sipi_rounds);
        puts(t.c_str());
    }
    // An AP the MADT does not list that woke anyway (broadcast) is an error too.
    const bool ok = online == ncpus && floor_callins == aps;
    floor_kernel::report(puts, "x86_64", cpus, ncpus, seq, tsc_to_us(t1 - t0));
    pause_for_monitor(pause, "floor: pause after bring-up: waiting for the monitor (COM1 scratch register)");
    exit_qemu(ok);
}
