// SPDX-License-Identifier: MIT
// The arm64 floor kernel: the least a bring-up can do on QEMU virt, to
// measure smpboot against. It reads the CPUs from the devicetree, starts
// each with PSCI CPU_ON and times from the first CPU_ON to the last callin;
// each AP only announces itself (start.S). It shares no code with smpboot
// and runs with the MMU off.
//
// Command line (/chosen/bootargs): `smpboot.mode=seq` starts one CPU and
// waits for its callin before the next; otherwise (parallel) every CPU_ON
// is issued back to back and then the boot CPU waits for all.
#include "../common/floor.hpp"

#include <stddef.h>
#include <stdint.h>

extern "C" {
void floor_ap_entry();   // start.S
// floor_callin[logical] = MPIDR affinity | bit 63, written by that AP.
volatile uint64_t floor_callin[512];
}

namespace {

using floor_kernel::text;

constexpr uint32_t max_cpus = 512;
constexpr uint64_t called_in = 1ull << 63;
constexpr uint64_t callin_timeout_us = 5'000'000;

#define MRS(reg)                                             \
    ({                                                       \
        uint64_t v_;                                         \
        asm volatile("isb; mrs %0, " #reg : "=r"(v_)::"memory"); \
        v_;                                                  \
    })

// ---- PL011 (PrimeCell UART PL011 TRM: UARTDR 0x000, UARTFR 0x018, TXFF bit 5)

volatile uint32_t* uart = nullptr;

void puts(const char* s) {
    if (!uart) return;
    for (;; ++s) {
        const char c = *s ? *s : '\n';
        while (uart[0x18 / 4] & (1u << 5)) {
        }
        uart[0] = uint8_t(c);
        if (!*s) return;
    }
}

// Semihosting SYS_EXIT_EXTENDED (0x20) with ADP_Stopped_ApplicationExit
// (0x20026) and the status (Arm "Semihosting for AArch32 and AArch64" 2.0).
[[noreturn]] void exit_qemu(bool ok) {
    volatile uint64_t block[2] = {0x20026, ok ? 0u : 1u};
    register uint64_t x0 asm("x0") = 0x20;
    register uint64_t x1 asm("x1") = uint64_t(uintptr_t(block));
    asm volatile("hlt #0xf000" ::"r"(x0), "r"(x1) : "memory");
    for (;;) asm volatile("wfi");
}

[[noreturn]] void fatal(const char* what) {
    text t;
    puts(t.str("floor: fatal: ").str(what).c_str());
    exit_qemu(false);
}

// ---- Flattened devicetree (Devicetree Specification 0.4, chapter 5) ------

uint32_t be32(const uint8_t* p) { return uint32_t(p[0]) << 24 | p[1] << 16 | p[2] << 8 | p[3]; }

uint64_t cells(const uint8_t* p, uint32_t n) {
    uint64_t v = 0;
    for (uint32_t i = 0; i < n; ++i) v = v << 32 | be32(p + 4 * i);
    return v;
}

bool eq(const char* a, const char* b) {
    while (*a && *a == *b) ++a, ++b;
    return *a == *b;
}

bool starts(const char* s, const char* prefix) {
    while (*prefix && *s == *prefix) ++s, ++prefix;
    return !*prefix;
}

/// True if the stringlist property (len bytes) holds `want`.
bool list_has(const char* v, uint32_t len, const char* want) {
    for (uint32_t i = 0; i < len; i += 1) {
        if (eq(v + i, want)) return true;
        while (i < len && v[i]) ++i;
    }
    return false;
}

struct dt_info {
    floor_kernel::cpu cpus[max_cpus];
    uint32_t ncpus = 0;
    bool smc = false;             // /psci method
    uint64_t uart = 0;            // the first "arm,pl011"
    const char* bootargs = "";    // /chosen
};

/// The parts of the tree the floor needs. /cpus/cpu@*: reg (in /cpus'
/// #address-cells), device_type "cpu", status absent or "okay".
bool read_dt(const uint8_t* fdt, dt_info& out) {
    if (be32(fdt) != 0xd00dfeed) return false;
    const uint8_t* p = fdt + be32(fdt + 8);                       // off_dt_struct
    const char* strings = reinterpret_cast<const char*>(fdt + be32(fdt + 12));
    uint32_t depth = 0, root_addr_cells = 2, cpus_addr_cells = 1;
    bool in_cpus = false, in_psci = false, in_chosen = false;
    // The node at depth 2 under /cpus, or depth 1 elsewhere, being read.
    bool is_cpu = false, okay = true, pl011 = false;
    uint64_t reg = 0, reg_root = 0;
    for (;;) {
        const uint32_t tok = be32(p);
        p += 4;
        if (tok == 1) {   // FDT_BEGIN_NODE: name, NUL, padding to 4
            const char* name = reinterpret_cast<const char*>(p);
            uint32_t n = 0;
            while (name[n]) ++n;
            p += (n + 4) & ~3u;
            ++depth;
            if (depth == 2) {
                in_cpus = eq(name, "cpus");
                in_psci = starts(name, "psci");
                in_chosen = eq(name, "chosen");
                pl011 = false;
                reg_root = 0;
            }
            if (depth == 3) {
                is_cpu = false;
                okay = true;
            }
        } else if (tok == 2) {   // FDT_END_NODE
            if (depth == 3 && in_cpus && is_cpu && okay && out.ncpus < max_cpus)
                out.cpus[out.ncpus++] = {reg, false};
            if (depth == 2 && pl011 && !out.uart) out.uart = reg_root;
            if (depth == 2) in_cpus = in_psci = in_chosen = false;
            --depth;
        } else if (tok == 3) {   // FDT_PROP: len, nameoff, value
            const uint32_t len = be32(p);
            const char* name = strings + be32(p + 4);
            const uint8_t* v = p + 8;
            const char* sv = reinterpret_cast<const char*>(v);
            p += 8 + ((len + 3) & ~3u);
            if (depth == 1 && eq(name, "#address-cells")) root_addr_cells = be32(v);
            if (depth == 2 && in_cpus && eq(name, "#address-cells")) cpus_addr_cells = be32(v);
            if (depth == 2 && in_psci && eq(name, "method")) out.smc = eq(sv, "smc");
            if (depth == 2 && in_chosen && eq(name, "bootargs")) out.bootargs = sv;
            if (depth == 2 && eq(name, "compatible")) pl011 = list_has(sv, len, "arm,pl011");
            if (depth == 2 && eq(name, "reg") && len >= 4 * root_addr_cells) reg_root = cells(v, root_addr_cells);
            if (depth == 3 && in_cpus && eq(name, "device_type")) is_cpu = eq(sv, "cpu");
            if (depth == 3 && in_cpus && eq(name, "status")) okay = eq(sv, "okay") || eq(sv, "ok");
            if (depth == 3 && in_cpus && eq(name, "reg") && len >= 4 * cpus_addr_cells)
                reg = cells(v, cpus_addr_cells);
        } else if (tok == 4) {   // FDT_NOP
        } else {
            return tok == 9;   // FDT_END
        }
    }
}

// ---- PSCI (DEN0022 5.1.4 CPU_ON, SMC64 function ID; return codes table 5-2)

bool use_smc = false;

int64_t cpu_on(uint64_t mpidr, uint64_t entry, uint64_t context) {
    register uint64_t x0 asm("x0") = 0xc4000003;
    register uint64_t x1 asm("x1") = mpidr;
    register uint64_t x2 asm("x2") = entry;
    register uint64_t x3 asm("x3") = context;
    if (use_smc) asm volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)::"memory");
    else asm volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)::"memory");
    return int64_t(x0);
}

constinit dt_info dt{};   // constinit: GCC would otherwise initialize it at run time

/// Waits until CPU i has called in, or the counter passes `deadline`.
bool wait_callin(uint32_t i, uint64_t deadline) {
    while (!(floor_callin[i] & called_in))
        if (MRS(cntvct_el0) >= deadline) return false;
    return true;
}

}  // namespace

extern "C" [[noreturn]] void floor_main(const uint8_t* fdt) {
    const bool dt_ok = read_dt(fdt, dt);
    uart = reinterpret_cast<volatile uint32_t*>(uintptr_t(dt.uart));
    if (!dt_ok || !dt.ncpus) fatal("no usable devicetree");
    use_smc = dt.smc;
    const bool seq = floor_kernel::has_word(dt.bootargs, "smpboot.mode=seq");
    {
        text t;
        puts(t.str("floor: arm64; cmdline: ").str(dt.bootargs).c_str());
    }
    const uint64_t hz = MRS(cntfrq_el0);
    const uint64_t self = MRS(mpidr_el1) & 0xff00ffffffull;
    // The boot CPU is logical 0: move it to the front, keep the DT order otherwise.
    for (uint32_t i = 0; i < dt.ncpus; ++i) {
        if (dt.cpus[i].hwid != self) continue;
        for (uint32_t j = i; j > 0; --j) dt.cpus[j] = dt.cpus[j - 1];
        dt.cpus[0] = {self, true};
        break;
    }
    if (!dt.cpus[0].called_in) fatal("the boot CPU is not in /cpus");

    const uint64_t entry = uint64_t(uintptr_t(&floor_ap_entry));
    const uint64_t timeout = callin_timeout_us * hz / 1'000'000;
    uint32_t refused = 0;
    const uint64_t t0 = MRS(cntvct_el0);
    for (uint32_t i = 1; i < dt.ncpus; ++i) {
        if (cpu_on(dt.cpus[i].hwid, entry, i) != 0) ++refused;
        else if (seq && !wait_callin(i, MRS(cntvct_el0) + timeout)) break;
    }
    for (uint32_t i = 1; !seq && i < dt.ncpus; ++i)
        if (!wait_callin(i, t0 + timeout)) break;
    const uint64_t t1 = MRS(cntvct_el0);

    bool ok = refused == 0;
    for (uint32_t i = 1; i < dt.ncpus; ++i) {
        const uint64_t v = floor_callin[i];
        dt.cpus[i].called_in = (v & called_in) && (v & ~called_in) == dt.cpus[i].hwid;
        ok = ok && dt.cpus[i].called_in;
    }
    {
        text t;
        t.str("floor: PSCI CPU_ON over ").str(use_smc ? "SMC" : "HVC").str(seq ? ", one CPU at a time" : ", all, then wait");
        t.str("; refused ").dec(refused).str(", counter ").dec(hz).str(" Hz");
        puts(t.c_str());
    }
    floor_kernel::report(puts, "arm64", dt.cpus, dt.ncpus, seq, (t1 - t0) * 1'000'000 / hz);
    exit_qemu(ok);
}
