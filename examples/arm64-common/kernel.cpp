// SPDX-License-Identifier: MIT
// The arm64 example kernel, shared by the boards: PL011 console, generic
// timer clock, MMU on with every physical address at kernel_va_offset + PA
// (identity in TTBR0, or a higher-half kernel in TTBR1 with TTBR0 empty),
// CPU discovery from the device tree or, when the UEFI loader found only
// ACPI, from the FADT and MADT (the same result either way), then the common
// demo (examples/common/demo.hpp) and a semihosting exit.
//
// Command line (/chosen/bootargs: QEMU's -append, U-Boot's bootargs; or the
// UEFI loader's boot_info: \cmdline.txt), besides the demo's
// smpboot.mode / .stress / .seed / .fail / .callin_ms:
//   smpboot.ghost=MPIDR        add a spin-table CPU that does not exist: its
//                              release word is polled by nobody, so it never
//                              calls in (callin timeout)
//   smpboot.guest=CPU          first run the separately built guest image
//                              (guest/) on that logical CPU with
//                              hotplug::start_image, print what it reports,
//                              let it hand the CPU back to the library's park
//                              loop, then bring every CPU up as usual
//   smpboot.psci_ghost=MPIDR   add a PSCI CPU with that MPIDR: firmware's
//                              CPU_ON refuses it (INVALID_PARAMETERS for an
//                              MPIDR that does not exist, ALREADY_ON for one
//                              that runs)
//   smpboot.acpidump=1         ACPI boot: print the RSDP, XSDT, FADT and MADT as hex
//                              ("acpidump" lines) before discovery
//   smpboot.refuse_cpu_off=1   give the backend PSCI MIGRATE as "CPU_OFF":
//                              QEMU answers NOT_SUPPORTED, so every PSCI CPU
//                              that leaves takes the refused-CPU_OFF path
//                              into the library's park loop
//   smpboot.late=CPU           a spin-table CPU that calls in late: its first
//                              release goes to a word nobody polls (callin
//                              timeout, the library abandons it), then the
//                              kernel hands that word to the firmware's
//                              cpu-release-addr; the CPU comes in, finds
//                              itself unwanted and parks; the bring-up must
//                              find it there
// On CPUs with SVE, every CPU enables it at EL1 and compares its vector
// length with the boot CPU's (the EL2 drop must leave SVE untrapped).
#include <smpboot/acpi/tables.hpp>
#include <smpboot/arm64/backend.hpp>
#include <smpboot/arm64/discovery.hpp>
#include <smpboot/arm64/idle.hpp>
#include <smpboot/fdt.hpp>
#include <smpboot/format.hpp>
#include <smpboot/hotplug.hpp>

#include "acpi_board.hpp"
#include "board.hpp"
#include "boot_info.h"
#include "boot_report.hpp"
#include "demo.hpp"
#include "gic.hpp"
#include "guest/mailbox.h"
#include "semihost.hpp"

using namespace smpboot;
using example::arm64::kernel_va_offset;
using example::arm64::phys_to_virt;
using example::arm64::semihost_exit;
using example::arm64::the_board;
using example::arm64::virt_to_phys;

namespace {

struct kernel_config : default_config {
    static constexpr uint32_t max_cpus = 128;
};
constexpr uint32_t max_cpus = kernel_config::max_cpus;
constexpr size_t ap_stack_size = 16 * 1024;

using backend_t = arm64::backend<max_cpus>;
using hotplug_t = backend_t::hotplug<kernel_config>;
using demo_t = example::demo<hotplug_t>;

#define MRS(reg)                                          \
    ({                                                    \
        uint64_t v_;                                      \
        asm volatile("mrs %0, " #reg : "=r"(v_));         \
        v_;                                               \
    })
#define MSR(reg, v) asm volatile("msr " #reg ", %0" ::"r"(uint64_t(v)) : "memory")

// ---- Console: PL011 (Arm DDI 0183G, 3.2: DR at 0x00, FR at 0x18, TXFF bit 5).

atomic<uint32_t> console_lock{0};

void uart_putc(char c) {
    volatile uint32_t* base = phys_to_virt<volatile uint32_t>(the_board.uart_pl011);
    while (base[0x18 / 4] & (1u << 5)) {}
    base[0] = uint32_t(uint8_t(c));
}

void console_puts(const char* s) {
    while (console_lock.exchange(1, memory_order::acquire)) asm volatile("yield");
    for (; *s; ++s) {
        if (*s == '\n') uart_putc('\r');
        uart_putc(*s);
    }
    uart_putc('\r');
    uart_putc('\n');
    console_lock.store(0, memory_order::release);
}

// ---- Clock: the generic timer's virtual count (same on every CPU: the EL2
// drop sets CNTVOFF_EL2 = 0).

uint64_t timer_hz = 62'500'000;

uint64_t now_ns() {
    const uint64_t c = MRS(cntvct_el0);
    return c / timer_hz * 1'000'000'000ull + c % timer_hz * 1'000'000'000ull / timer_hz;
}

// ---- MMU: 4 KiB granule, 39-bit VA in either half (T0SZ = T1SZ = 25, walks
// start at level 1), every board region at kernel_va_offset + PA, 1 GiB
// blocks where a whole GiB is of one type, else 2 MiB blocks (Arm ARM D8.3,
// VMSAv8-64 descriptors). With 39-bit halves, level 1 indexes PA[38:30] in
// both, so the one table serves TTBR0 (offset 0) or TTBR1 (0xffffff80...).

constexpr uint64_t desc_valid_block = 0x1, desc_table = 0x3;
constexpr uint64_t desc_af = 1ull << 10, desc_sh_inner = 3ull << 8;
constexpr uint64_t desc_pxn = 1ull << 53, desc_uxn = 1ull << 54;
constexpr uint64_t attr_normal = 0 << 2, attr_device = 1 << 2;   // MAIR indices
constexpr uint64_t gib = 1ull << 30, mib2 = 2ull << 20;
constexpr uint64_t tcr_epd0 = 1ull << 7, tcr_epd1 = 1ull << 23;   // TCR_EL1 walk disables

alignas(4096) uint64_t l1_table[512];
alignas(4096) uint64_t l2_tables[4][512];

example::arm64::mem_type type_at(uint64_t pa) {
    for (uint32_t i = 0; i < the_board.map_count; ++i) {
        const auto& r = the_board.map[i];
        if (pa >= r.base && pa - r.base < r.size) return r.type;
    }
    return example::arm64::mem_type::none;
}

uint64_t block_desc(uint64_t pa, example::arm64::mem_type t) {
    if (t == example::arm64::mem_type::normal) return pa | desc_valid_block | desc_af | desc_sh_inner | attr_normal;
    return pa | desc_valid_block | desc_af | attr_device | desc_pxn | desc_uxn;
}

extern "C" const char _head[], _end[];   // kernel.ld.in

/// Whether the image and the firmware's table (the DTB, or the ACPI RSDP)
/// lie in RAM of the board's map: otherwise mmu_on() would take the code it
/// runs away from under itself.
bool own_map_covers(uint64_t table_phys) {
    const auto normal = example::arm64::mem_type::normal;
    return type_at(virt_to_phys(_head)) == normal && type_at(virt_to_phys(_end) - 1) == normal &&
           type_at(table_phys) == normal;
}

/// ACPI tables through the kernel's map (its own, or the firmware's kept
/// identity map, which covers RAM too): only ranges in the board's RAM.
const void* map_firmware(void*, uint64_t phys, size_t len) {
    const auto normal = example::arm64::mem_type::normal;
    if (len == 0 || phys + len < phys || type_at(phys) != normal || type_at(phys + len - 1) != normal) return nullptr;
    return phys_to_virt(phys);
}

}  // namespace

// start.S: switch to the final tables from the image's identity alias.
extern "C" void example_mmu_switch(uint64_t tcr, uint64_t ttbr0, uint64_t ttbr1, uint64_t va_offset);

namespace {

/// The final map. start.S left the MMU on with a map of the image alone
/// (at PA in TTBR0 and at kernel_va_offset + PA in TTBR1).
void mmu_on() {
    uint32_t l2_used = 0;
    for (uint64_t g = 0; g < 512; ++g) {
        const auto first = type_at(g * gib);
        bool uniform = true;
        for (uint64_t o = mib2; o < gib && uniform; o += mib2) uniform = type_at(g * gib + o) == first;
        if (uniform) {
            l1_table[g] = first == example::arm64::mem_type::none ? 0 : block_desc(g * gib, first);
            continue;
        }
        if (l2_used == 4) continue;   // boards here need at most one
        uint64_t* l2 = l2_tables[l2_used++];
        for (uint64_t i = 0; i < 512; ++i) {
            const auto t = type_at(g * gib + i * mib2);
            l2[i] = t == example::arm64::mem_type::none ? 0 : (block_desc(g * gib + i * mib2, t) & ~2ull);
        }
        l1_table[g] = virt_to_phys(l2) | desc_table;
    }
    // start.S's TCR (both halves 39 bits, 4 KiB granules) minus the unused half.
    const uint64_t tcr = MRS(tcr_el1);
    const uint64_t l1 = virt_to_phys(l1_table);
    asm volatile("dsb sy" ::: "memory");
    // Both halves first: the switch turns the MMU back on at the identity
    // alias and returns to the link address.
    example_mmu_switch(tcr, l1, l1, kernel_va_offset);
    // Then, from the kernel's own half, turn the other one off.
    if (kernel_va_offset) {
        MSR(tcr_el1, tcr | tcr_epd0);
        MSR(ttbr0_el1, 0);
    } else {
        MSR(tcr_el1, tcr | tcr_epd1);
        MSR(ttbr1_el1, 0);
    }
    asm volatile("isb\n\ttlbi vmalle1\n\tdsb nsh\n\tisb" ::: "memory");
}

// ---- The pieces hotplug and the demo need.

demo_t* g_demo;
alignas(16) uint8_t ap_stacks[max_cpus][ap_stack_size];

uint64_t host_now(void*) { return now_ns(); }
void host_delay(void*, uint32_t us) {
    const uint64_t end = now_ns() + uint64_t(us) * 1000;
    while (now_ns() < end) asm volatile("yield");
}
void host_log(void*, log_level lvl, const char* text) {
    line<224> l;
    l.str(lvl == log_level::error ? "error: " : lvl == log_level::warning ? "warning: " : "").str(text);
    console_puts(l.c_str());
}
stack_region host_alloc_stack(void*, cpu_id cpu) {
    if (cpu >= max_cpus) return {};
    return {ap_stacks[cpu], ap_stack_size};
}
void host_free_stack(void*, cpu_id, stack_region) {}
hotplug_t* g_hp;

void host_ap_main(void*, cpu_id cpu) {
    example::arm64::gic_init_cpu(cpu);
    g_demo->ap_idle(cpu);
}
void host_wake(void*, cpu_id cpu) {
    example::arm64::gic_wake(cpu, g_hp->hwid_of(cpu));
    asm volatile("sev" ::: "memory");   // boards without a GIC wait in WFE
}
// The demo's platform hooks. Idle APs sleep, so with many vCPUs on few host
// cores they do not slow the boot CPU down (docs/toolchain.md).
void relax() { asm volatile("yield" ::: "memory"); }
// APs run with interrupts masked: the GIC's wake SGI stays pending, ends
// the WFI, and is acknowledged here.
void idle_once(cpu_id cpu) {
    if (!example::arm64::gic_present()) return smpboot::arm64::idle_once(*g_hp, cpu, smpboot::arm64::wake_by::event);
    smpboot::arm64::idle_once(*g_hp, cpu, smpboot::arm64::wake_by::interrupt);
    example::arm64::gic_ack();
}
hwid_t own_mpidr() { return MRS(mpidr_el1) & arm64::mpidr_affinity_mask; }

[[noreturn]] void fail(const char* what);

// ---- SVE at EL1 on every CPU. An EL2 that traps SVE (CPTR_EL2.TZ) has no
// vectors here, so a trapped RDVL would hang the CPU.

bool sve_present() { return (MRS(id_aa64pfr0_el1) >> 32) & 0xf; }   // ID_AA64PFR0_EL1.SVE

/// Enable FP/SIMD and SVE at EL1 (CPACR_EL1.FPEN, ZEN), ask for the longest
/// vector (ZCR_EL1.LEN) and return the length in bytes (RDVL).
uint64_t sve_vector_bytes() {
    MSR(cpacr_el1, MRS(cpacr_el1) | (3u << 20) | (3u << 16));
    asm volatile("isb" ::: "memory");
    MSR(S3_0_C1_C2_0, 0x1ff);   // ZCR_EL1
    asm volatile("isb" ::: "memory");
    uint64_t vl;
    asm volatile(".inst 0x04bf5020\n\tmov %0, x0" : "=r"(vl) : : "x0");   // rdvl x0, #1
    return vl;
}

uint64_t sve_boot_bytes = 0;
atomic<uint32_t> sve_ap_checks{0}, sve_ap_other{0};

void ap_starting() {
    if (!sve_boot_bytes) return;
    if (sve_vector_bytes() != sve_boot_bytes) sve_ap_other.fetch_add(1, memory_order::relaxed);
    sve_ap_checks.fetch_add(1, memory_order::relaxed);
}

// ---- smpboot.guest=CPU: the multikernel case (hotplug::start_image).

extern "C" const char guest_image_start[], guest_image_end[];   // guest_blob.S
alignas(4096) uint8_t guest_area[64 * 1024];
alignas(64) guest::mailbox guest_box;
alignas(16) uint8_t guest_stack[8192];

// The guest runs with its MMU off: what it reads must be in memory (clean to
// PoC), and what it wrote must not be shadowed by our cache (clean+invalidate).
void clean_range(const void* p, size_t n, bool invalidate) {
    for (uintptr_t a = uintptr_t(p) & ~uintptr_t(63); a < uintptr_t(p) + n; a += 64) {
        if (invalidate) asm volatile("dc civac, %0" ::"r"(a) : "memory");
        else asm volatile("dc cvac, %0" ::"r"(a) : "memory");
    }
    asm volatile("dsb sy" ::: "memory");
}

bool run_guest(hotplug_t& hp, backend_t& be, cpu_id cpu) {
    const size_t size = size_t(guest_image_end - guest_image_start);
    line<200> l;
    l.str("guest on cpu ").dec(cpu).str(": ");
    if (cpu == 0 || cpu >= hp.cpu_count() || size > sizeof guest_area) {
        l.str("no such AP, or the image is too big");
        console_puts(l.c_str());
        return false;
    }
    for (size_t i = 0; i < size; ++i) guest_area[i] = uint8_t(guest_image_start[i]);
    clean_range(guest_area, size, false);
    const arm64::image_return back = be.image_return_path(cpu);
    guest_box = {};
    guest_box.magic = guest::magic;
    guest_box.n = 1000 + cpu;
    guest_box.uart = the_board.uart_pl011;
    guest_box.stack_top = virt_to_phys(guest_stack + sizeof guest_stack);
    guest_box.return_entry = back.entry;
    guest_box.return_arg = back.arg;
    clean_range(&guest_box, sizeof guest_box, false);
    if (result r = hp.start_image(cpu, virt_to_phys(guest_area), guest_box.stack_top, virt_to_phys(&guest_box)); !r) {
        l.str("start_image: ").str(to_string(r.code));
        console_puts(l.c_str());
        return false;
    }
    const uint64_t deadline = now_ns() + 2'000'000'000;
    auto done = [] {
        clean_range(&guest_box, sizeof guest_box, true);
        return *static_cast<volatile uint64_t*>(&guest_box.done) != 0;
    };
    while (!done() && now_ns() < deadline) asm volatile("yield");
    const uint64_t want = uint64_t(guest_box.n) * (guest_box.n + 1) / 2;
    const bool ok = guest_box.done && guest_box.sum == want && guest_box.mpidr == hp.hwid_of(cpu);
    if (!guest_box.done) {
        l.str("no report within 2 s");
    } else {
        l.str("reported sum(1..").dec(guest_box.n).str(")=").dec(guest_box.sum).str(" from MPIDR ");
        l.hex(guest_box.mpidr).str(" at EL").dec(guest_box.el).str(" on stack ").hex(guest_box.stack);
    }
    l.str(ok ? ": ok" : ": WRONG");
    console_puts(l.c_str());
    // The guest jumped to the library's image-return path: wait until the
    // CPU sits in the park loop, then take it back for the kernel.
    if (result r = be.wait_off(cpu, now_ns() + 2'000'000'000); !r) {
        line<96> e;
        e.str("guest on cpu ").dec(cpu).str(": did not hand the cpu back: ").str(to_string(r.code));
        console_puts(e.c_str());
        return false;
    }
    if (result r = hp.reclaim(cpu); !r) fail(to_string(r.code));
    return ok;
}


/// Where firmware left the APs, asked before the first kick (PSCI
/// AFFINITY_INFO, DEN0022 5.1.5): off, on, or on the way.
void print_ap_states(backend_t& be, const arm64::cpu_info* cpus, uint32_t n) {
    if (!be.psci().present || be.psci_version() == 0) return;
    uint32_t off = 0, on = 0, pending = 0, other = 0;
    for (uint32_t i = 1; i < n; ++i) {
        if (cpus[i].method != arm64::enable_method::psci) continue;
        const int64_t rc = be.psci_call(arm64::psci::fn_affinity_info64, cpus[i].hwid, 0, 0);
        if (rc == arm64::psci::affinity_off) ++off;
        else if (rc == arm64::psci::affinity_on) ++on;
        else if (rc == arm64::psci::affinity_on_pending) ++pending;
        else ++other;
    }
    line<160> l;
    l.str(the_board.name).str(": before bring-up, PSCI AFFINITY_INFO: ").dec(off).str(" APs off, ").dec(on);
    l.str(" on, ").dec(pending).str(" on-pending, ").dec(other).str(" refused");
    console_puts(l.c_str());
}

/// "mailbox: cpu N woken by parking" (report.hpp) for every AP that the
/// MADT gave a parking protocol mailbox (before the cpu lines): woken means
/// the CPU cleared its mailbox's jump address, the protocol's answer.
backend_t* g_backend;
void print_parking_lines() {
    example::print_mailbox_lines(*g_hp, [](cpu_id c) -> const char* {
        if (g_backend->method_of(c) != arm64::enable_method::parking_protocol) return "";
        return g_backend->mailbox_acknowledged(c) ? "parking" : nullptr;
    }, console_puts);
}

const char* bootargs(const fdt::tree& t) {
    fdt::property p;
    const char* s = t.find_property(t.path("/chosen"), "bootargs", p) ? p.str() : nullptr;
    return s ? s : "";
}

[[noreturn]] void fail(const char* what) {
    line<160> l;
    l.str("smpboot: ").str(the_board.name).str(": ").str(what);
    console_puts(l.c_str());
    semihost_exit(1);
}

}  // namespace

extern "C" [[noreturn]] void example_exception(uint64_t index) {
    line<192> l;
    l.str("smpboot: exception ").dec(index).str(" on mpidr ").hex(MRS(mpidr_el1) & arm64::mpidr_affinity_mask);
    l.str(" esr ").hex(MRS(esr_el1)).str(" elr ").hex(MRS(elr_el1)).str(" far ").hex(MRS(far_el1));
    console_puts(l.c_str());
    semihost_exit(1);
}

extern "C" [[noreturn]] void example_main(uint64_t dtb_phys, uint64_t boot_info_phys, uint64_t entry_el,
                                          uint64_t mmu_kept) {
    if (uint64_t hz = MRS(cntfrq_el0)) timer_hz = hz;
    // Entered with the MMU on only from our UEFI loader at EL1 (start.S):
    // then the firmware's identity map stays (VA == PA: this is a PIE
    // linked at 0), and the APs get it too.
    // Without a DTB the UEFI loader passes the ACPI RSDP (the EFI
    // configuration table's ACPI 2.0 entry): CPUs, PSCI and the GIC then
    // come from the FADT and the MADT. Read before the MMU is ours, so by
    // physical address: with the MMU off, or the firmware's identity map
    // kept, that is what a pointer is (only the UEFI loader passes x1).
    const auto* bi_phys = reinterpret_cast<const example::arm64::boot_info*>(uintptr_t(boot_info_phys));
    const uint64_t rsdp_phys =
        !dtb_phys && bi_phys && bi_phys->magic == example::arm64::boot_info_magic ? bi_phys->rsdp : 0;
    const uint64_t fw_table = dtb_phys ? dtb_phys : rsdp_phys;
    if (!fw_table) fail("no device tree and no ACPI RSDP");
    if (!mmu_kept && !own_map_covers(fw_table))
        fail("the kernel or its firmware tables lie outside the board's memory map");
    if (!mmu_kept) mmu_on();
    const void* dtb = dtb_phys ? phys_to_virt(dtb_phys) : nullptr;
    const auto* bi = boot_info_phys ? phys_to_virt<const example::arm64::boot_info>(boot_info_phys) : nullptr;
    if (bi && bi->magic != example::arm64::boot_info_magic) bi = nullptr;
    example::arm64::print_entry(the_board.name, dtb_phys, bi, entry_el, mmu_kept, kernel_va_offset, console_puts);

    fdt::tree tree;
    if (dtb) {
        const fdt::status st = fdt::tree::open(dtb, fdt::tree::size_hint(dtb), tree);
        if (!st) fail(fdt::to_string(st.code));
    }
    const char* cmdline = bi && bi->cmdline ? phys_to_virt<const char>(bi->cmdline) : dtb ? bootargs(tree) : "";
    const acpi::phys_reader acpi_mem{&map_firmware, nullptr};
    if (rsdp_phys) {
        line<32> prefix;
        prefix.str(the_board.name).str(": ");
        acpi::status why;
        const bool dump = example::cmdline_number(cmdline, "smpboot.acpidump", 0) != 0;
        if (!example::arm64::acpi_board_setup(acpi_mem, rsdp_phys, dump, prefix.c_str(), console_puts, why)) {
            line<160> l;
            acpi::describe(why, l);
            fail(l.c_str());
        }
    } else if (example::arm64::gic_probe(tree)) {
        example::arm64::gic_init_cpu(0);
    }

    static host_ops host;
    host.monotonic_ns = host_now;
    host.delay_us = host_delay;
    host.log = host_log;
    host.alloc_stack = host_alloc_stack;
    host.free_stack = host_free_stack;
    host.ap_main = host_ap_main;
    host.wake = host_wake;

    static backend_t backend;
    g_backend = &backend;
    const arm64::discovery_log dlog{[](void*, log_level lvl, const char* s) { host_log(nullptr, lvl, s); }, nullptr};
    // Static, built in place: the lists are too big for the boot stack.
    static backend_t::discovery found =
        rsdp_phys ? backend.discover(acpi_mem, rsdp_phys, &dlog) : backend.discover(tree, &dlog);
    const arm64::discovery_result& d = found.status;
    if (!found.ok()) {
        line<160> why;
        acpi::describe(d.acpi, why);
        fail(d.problem ? d.problem : !d.acpi.ok() ? why.c_str() : "cpu discovery failed");
    }
    static uint64_t ghost_release_word;
    if (uint64_t g = example::cmdline_number(cmdline, "smpboot.ghost", ~0ull); g != ~0ull &&
        found.add({g, arm64::enable_method::spin_table, virt_to_phys(&ghost_release_word), {}, {}}))
        console_puts("smpboot: example: added a ghost spin-table CPU that will never call in");
    if (uint64_t g = example::cmdline_number(cmdline, "smpboot.psci_ghost", ~0ull); g != ~0ull &&
        found.add({g, arm64::enable_method::psci, 0, {}, {}}))
        console_puts("smpboot: example: added a PSCI CPU that firmware does not have");
    const uint32_t ncpus = found.count;

    if (example::cmdline_number(cmdline, "smpboot.refuse_cpu_off", 0) && found.status.psci.fn_cpu_off) {
        // PSCI MIGRATE (DEN0022D 5.1.9, function 0x84000005): QEMU implements
        // no Trusted OS to migrate and answers NOT_SUPPORTED.
        found.status.psci.fn_cpu_off = 0x84000005;
        console_puts("smpboot: example: CPU_OFF replaced by a call firmware refuses");
    }
    static uint64_t late_word;
    const cpu_id late = cpu_id(example::cmdline_number(cmdline, "smpboot.late", ~0ull));
    uint64_t late_release = 0;
    if (late != 0 && late < ncpus && found.info[late].method == arm64::enable_method::spin_table) {
        late_release = found.info[late].release_addr;
        found.info[late].release_addr = virt_to_phys(&late_word);
    }

    arm64::config cfg;
    cfg.mmu = arm64::current_mmu_state();
    cfg.virt_to_phys = [](void*, const void* va) { return virt_to_phys(va); };
    cfg.phys_to_virt = [](void*, uint64_t pa) { return phys_to_virt(pa); };
    static arm64::idmap_page idmap_pages[8];
    cfg.idmap_pages = idmap_pages;
    cfg.idmap_page_count = 8;
    cfg.wake_sgi = [](void*, uint64_t mpidr, uint32_t gic_cpu_interface) {
        example::arm64::gic_wake_parked(mpidr, gic_cpu_interface);
    };
    if (result r = backend.init(cfg, host, found); !r) fail(to_string(r.code));
    print_ap_states(backend, found.info, d.count);   // the firmware's CPUs, not the ghosts

    static hotplug_t hp{backend, host, example::timeouts_from(cmdline)};
    g_hp = &hp;
    if (result r = hp.init(found.cpus, found.count); !r) fail(to_string(r.code));

    {
        line<320> l;
        l.str(the_board.name).str(": ").dec(ncpus).str(" cpus, psci ");
        if (d.psci.present) {
            l.str(arm64::to_string(d.psci.method));
            if (uint32_t v = backend.psci_version()) l.chr(' ').dec(arm64::psci::major(v)).chr('.').dec(arm64::psci::minor(v));
        } else {
            l.str("absent");
        }
        fdt::property model;
        const char* m = dtb && tree.find_property(tree.root(), "model", model) ? model.str() : nullptr;
        l.str(", kernel at PA + ").hex(kernel_va_offset).str(kernel_va_offset ? " (TTBR1, TTBR0 empty)" : " (TTBR0)");
        l.str(", timer ").dec(timer_hz).str(" Hz, ");
        if (rsdp_phys) l.str("from ACPI (RSDP ").hex(rsdp_phys).str(", FADT and MADT)");
        else l.str("model \"").str(m ? m : "?").chr('"');
        l.str(", cmdline \"").str(cmdline).chr('"');
        console_puts(l.c_str());
    }

    if (late_release) {
        // The kernel's first cpu_up releases the CPU into a word nobody
        // polls; then it gives the firmware's release word what the backend
        // wrote, so the CPU comes in after its callin was given up.
        const result r = hp.cpu_up(late);
        line<160> l;
        l.str(the_board.name).str(": late cpu ").dec(late).str(": first cpu_up: ").str(r ? "online?!" : to_string(r.code));
        *phys_to_virt<volatile uint64_t>(late_release) = *static_cast<volatile uint64_t*>(&late_word);
        clean_range(phys_to_virt(late_release), 8, false);
        asm volatile("sev" ::: "memory");
        l.str("; released it late");
        console_puts(l.c_str());
        // Time to come in, see that it is not wanted and park, so the
        // bring-up below meets it in the park loop rather than on its way.
        host_delay(nullptr, 500'000);
    }
    if (sve_present()) sve_boot_bytes = sve_vector_bytes();

    bool guest_ok = true;
    if (uint64_t g = example::cmdline_number(cmdline, "smpboot.guest", ~0ull); g != ~0ull)
        guest_ok = run_guest(hp, backend, cpu_id(g));

    static demo_t demo{hp, {"arm64", the_board.name, cmdline, console_puts, now_ns, relax, idle_once, own_mpidr,
                            ap_starting, print_parking_lines}};
    g_demo = &demo;
    const bool all_online = demo.run();
    bool sve_ok = true;
    if (sve_boot_bytes) {
        const uint32_t other = sve_ap_other.load(memory_order::relaxed);
        line<160> l;
        l.str(the_board.name).str(": SVE vector length ").dec(sve_boot_bytes).str(" bytes at EL1 on the boot CPU; AP starts checked ");
        l.dec(sve_ap_checks.load(memory_order::relaxed)).str(", other lengths ").dec(other);
        console_puts(l.c_str());
        sve_ok = other == 0;
    }
    semihost_exit(all_online && guest_ok && sve_ok ? 0 : 1);
}
