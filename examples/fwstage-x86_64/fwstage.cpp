// SPDX-License-Identifier: MIT
// A test firmware stage for the ACPI Multiprocessor Wakeup mailbox, which
// QEMU does not implement. It plays the part the spec gives the firmware
// (ACPI 6.4 5.2.12.19) and then boots a PVH kernel, like this:
//
//   1. QEMU's PVH loader enters it (start.S) with QEMU's ACPI tables and a
//      kernel ELF that `-device loader,...,force-raw=on` put at
//      FWSTAGE_KERNEL_FILE.
//   2. It starts every enabled CPU of QEMU's MADT itself with INIT-SIPI-SIPI
//      (Intel SDM Vol. 3A 8.4.4.1) into its own trampoline, which reaches
//      long mode; each AP then polls the mailbox as the spec's firmware APs
//      do, and jumps to WakeupVector when told (interrupts off, long mode,
//      these identity-mapped tables: the state the spec promises).
//   3. It publishes a copy of QEMU's MADT with a Multiprocessor Wakeup
//      structure (type 0x10, MailboxVersion 0) appended, and a new XSDT, RSDT
//      and RSDP pointing at it (checksums fixed, ACPI 6.4 5.2.5-5.2.8).
//   4. It loads the kernel ELF's PT_LOAD segments at their physical
//      addresses and enters it on the boot CPU the PVH way, with a start
//      info whose rsdp_paddr names the new RSDP and whose command line is
//      the one QEMU gave this stage.
//
// Written from the specifications, not from the library: it shares no code
// or header with smpboot or with the example kernel it boots (only the ELF
// structures, with the example's UEFI loader), so that a layout both sides
// got wrong the same way cannot hide. Option (on the command line, passed through to the
// kernel, which ignores it): fwstage.deaf=APICID leaves that AP halted
// instead of polling the mailbox, so its wakeup is never acknowledged.
//
// The memory it keeps (this image, the mailbox, the tables, the APs' stacks)
// is not marked reserved in the memory map it passes on: the example kernel
// allocates nothing there.
#include "fw_layout.h"

#include <elf64.hpp>

#include <stddef.h>
#include <stdint.h>

extern "C" {
extern const char fw_ap16_start[], fw_ap16_end[];
[[noreturn]] void fw_enter_pvh(uint32_t entry, uint32_t start_info);
[[noreturn]] void fw_main(uint32_t start_info);
[[noreturn]] void fw_ap_main();
}

namespace {

// ---- port I/O, serial, numbers ---------------------------------------------

void outb(uint16_t port, uint8_t v) { asm volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
uint8_t inb(uint16_t port) {
    uint8_t v;
    asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
uint64_t rdtsc() {
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return uint64_t(hi) << 32 | lo;
}

constexpr uint16_t com1 = 0x3f8;   // 16550 UART: data, IER, FCR, LCR, MCR, LSR at +0..+5

void serial_init() {
    outb(com1 + 1, 0x00);   // no interrupts
    outb(com1 + 3, 0x80);   // DLAB
    outb(com1 + 0, 0x01);   // 115200 baud
    outb(com1 + 1, 0x00);
    outb(com1 + 3, 0x03);   // 8N1
    outb(com1 + 2, 0xc7);   // FIFO on, cleared
}
void putc(char c) {
    while (!(inb(com1 + 5) & 0x20)) {}   // LSR: transmit holding register empty
    outb(com1, uint8_t(c));
}
void puts(const char* s) {
    while (*s) putc(*s++);
}
void puthex(uint64_t v) {
    puts("0x");
    int shift = 60;
    while (shift > 0 && ((v >> shift) & 0xf) == 0) shift -= 4;
    for (; shift >= 0; shift -= 4) putc("0123456789abcdef"[(v >> shift) & 0xf]);
}
void putdec(uint64_t v) {
    char buf[24];
    int i = 0;
    do buf[i++] = char('0' + v % 10); while ((v /= 10) != 0);
    while (i) putc(buf[--i]);
}

[[noreturn]] void halt() {
    for (;;) asm volatile("cli; hlt");
}
[[noreturn]] void die(const char* why) {
    puts("fwstage: fatal: ");
    puts(why);
    puts("\n");
    outb(0xf4, 1);   // isa-debug-exit, if present: QEMU status 3
    halt();
}

template <class T>
T rd(uint64_t phys) {
    return *reinterpret_cast<const volatile T*>(uintptr_t(phys));
}
uint8_t sum(const uint8_t* p, size_t n) {
    uint8_t s = 0;
    for (size_t i = 0; i < n; ++i) s = uint8_t(s + p[i]);
    return s;
}
bool same(const void* a, const char* b, size_t n) {
    const auto* p = static_cast<const char*>(a);
    for (size_t i = 0; i < n; ++i)
        if (p[i] != b[i]) return false;
    return true;
}
void copy(void* dst, const void* src, size_t n) {
    auto* d = static_cast<uint8_t*>(dst);
    const auto* s = static_cast<const uint8_t*>(src);
    for (size_t i = 0; i < n; ++i) d[i] = s[i];
}

// ---- time: the TSC, counted against PIT channel 2 ------------------------

uint64_t tsc_per_us = 1000;

void calibrate_tsc() {
    // PIT (8254) channel 2 in mode 0, gated by port 0x61 bit 0; bit 5 reads
    // its output, which goes high when the count reaches 0. 11932 ticks of
    // 1.193182 MHz = 10 ms.
    outb(0x61, uint8_t((inb(0x61) & ~0x02) | 0x01));
    outb(0x43, 0xb0);   // channel 2, lobyte/hibyte, mode 0, binary
    constexpr uint16_t ticks = 11932;
    outb(0x42, uint8_t(ticks));
    outb(0x42, uint8_t(ticks >> 8));
    const uint64_t t0 = rdtsc();
    uint64_t spins = 0;
    while (!(inb(0x61) & 0x20) && ++spins < 100'000'000) {}
    const uint64_t per_us = (rdtsc() - t0) / 10'000;
    if (per_us) tsc_per_us = per_us;
}
void delay_us(uint64_t us) {
    const uint64_t end = rdtsc() + us * tsc_per_us;
    while (rdtsc() < end) asm volatile("pause");
}

// ---- the command line -----------------------------------------------------

const char* cmdline = "";

/// The number after "KEY=" in the command line, or `fallback`.
uint64_t option(const char* key, uint64_t fallback) {
    size_t klen = 0;
    while (key[klen]) ++klen;
    for (const char* p = cmdline; *p; ++p) {
        if ((p != cmdline && p[-1] != ' ') || !same(p, key, klen) || p[klen] != '=') continue;
        const char* v = p + klen + 1;
        uint64_t n = 0;
        uint32_t base = 10;
        if (v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) base = 16, v += 2;
        for (;; ++v) {
            const char c = *v;
            uint32_t d;
            if (c >= '0' && c <= '9') d = uint32_t(c - '0');
            else if (base == 16 && c >= 'a' && c <= 'f') d = uint32_t(c - 'a' + 10);
            else break;
            n = n * base + d;
        }
        return n;
    }
    return fallback;
}

// ---- the mailbox (ACPI 6.4 5.2.12.19, Table 5.45) -------------------------

struct mailbox {
    uint16_t command;         // 0 Noop, 1 Wakeup
    uint16_t reserved;
    uint32_t apic_id;
    uint64_t wakeup_vector;
    uint8_t os[2032];
    uint8_t firmware[2048];
};
static_assert(sizeof(mailbox) == 4096);
// "a 4K-aligned 4K-size memory block": the spec has it in ACPI NVS memory.
alignas(4096) mailbox the_mailbox;

constexpr uint16_t cmd_noop = 0, cmd_wakeup = 1;

uint32_t deaf_apic_id = ~0u;
uint32_t aps_polling = 0;   // APs in the loop below (atomic)

uint32_t my_apic_id() {
    uint32_t a, b, c, d;
    asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    return b >> 24;   // CPUID.1:EBX[31:24], the initial APIC ID
}

// ---- ACPI: read QEMU's tables, publish patched copies ---------------------

struct sdt_header {
    char signature[4];
    uint32_t length;
    uint8_t revision;
    uint8_t checksum;
    char oem_id[6];
    char oem_table_id[8];
    uint32_t oem_revision;
    uint32_t creator_id;
    uint32_t creator_revision;
};
static_assert(sizeof(sdt_header) == 36);

struct [[gnu::packed]] rsdp {
    char signature[8];
    uint8_t checksum;
    char oem_id[6];
    uint8_t revision;
    uint32_t rsdt;
    uint32_t length;
    uint64_t xsdt;
    uint8_t extended_checksum;
    uint8_t reserved[3];
};
static_assert(sizeof(rsdp) == 36);

constexpr uint32_t max_tables = 64;
constexpr uint32_t madt_room = 16384;
alignas(16) uint8_t new_madt[madt_room];
alignas(16) uint8_t new_xsdt[sizeof(sdt_header) + 8 * max_tables];
alignas(16) uint8_t new_rsdt[sizeof(sdt_header) + 4 * max_tables];
alignas(16) rsdp new_rsdp;

uint64_t find_rsdp() {
    // ACPI 6.4 5.2.5.1: the BIOS read-only area 0xE0000-0xFFFFF, 16-byte steps.
    for (uint64_t p = 0xe0000; p < 0x100000; p += 16)
        if (same(reinterpret_cast<const void*>(uintptr_t(p)), "RSD PTR ", 8) &&
            sum(reinterpret_cast<const uint8_t*>(uintptr_t(p)), 20) == 0)
            return p;
    return 0;
}

struct acpi_out {
    uint64_t rsdp = 0;
    uint64_t lapic = 0;
    uint32_t apic_ids[FW_MAX_CPUS];
    uint32_t n_cpus = 0;
};

void fix(uint8_t* table, uint32_t len, uint32_t checksum_at) {
    table[checksum_at] = 0;
    table[checksum_at] = uint8_t(-sum(table, len));
}

/// Copies QEMU's MADT with a Multiprocessor Wakeup structure appended, and
/// new root tables and RSDP around it; collects the enabled CPUs.
void publish_acpi(uint64_t rsdp_phys, acpi_out& out) {
    if (!rsdp_phys) rsdp_phys = find_rsdp();
    if (!rsdp_phys) die("no RSDP");
    const auto* r = reinterpret_cast<const rsdp*>(uintptr_t(rsdp_phys));
    const bool x = r->revision >= 2 && r->xsdt;
    const auto* root = reinterpret_cast<const sdt_header*>(uintptr_t(x ? r->xsdt : r->rsdt));
    const uint32_t width = x ? 8 : 4;
    const uint32_t n = (root->length - sizeof(sdt_header)) / width;
    if (n > max_tables) die("too many ACPI tables");
    const auto* entries = reinterpret_cast<const uint8_t*>(root + 1);

    auto* xh = reinterpret_cast<sdt_header*>(new_xsdt);
    auto* rh = reinterpret_cast<sdt_header*>(new_rsdt);
    copy(xh, root, sizeof(sdt_header));
    copy(xh->signature, "XSDT", 4);
    xh->revision = 1;
    xh->length = uint32_t(sizeof(sdt_header) + 8 * n);
    copy(rh, xh, sizeof(sdt_header));
    copy(rh->signature, "RSDT", 4);
    rh->length = uint32_t(sizeof(sdt_header) + 4 * n);

    bool have_madt = false;
    for (uint32_t i = 0; i < n; ++i) {
        uint64_t t = width == 8 ? rd<uint64_t>(uint64_t(uintptr_t(entries)) + 8 * i)
                                : rd<uint32_t>(uint64_t(uintptr_t(entries)) + 4 * i);
        const auto* h = reinterpret_cast<const sdt_header*>(uintptr_t(t));
        if (t && same(h->signature, "APIC", 4) && !have_madt) {
            // ACPI 6.4 5.2.12: the MADT; Table 5.44 the 16-byte structure.
            if (h->length + 16 > madt_room) die("MADT too big");
            copy(new_madt, h, h->length);
            uint8_t* mw = new_madt + h->length;
            for (int k = 0; k < 16; ++k) mw[k] = 0;
            mw[0] = 0x10;   // Multiprocessor Wakeup
            mw[1] = 16;     // Length
            // MailboxVersion 0, Reserved, then MailboxAddress.
            const uint64_t mb = uint64_t(uintptr_t(&the_mailbox));
            for (int k = 0; k < 8; ++k) mw[8 + k] = uint8_t(mb >> (8 * k));
            auto* mh = reinterpret_cast<sdt_header*>(new_madt);
            mh->length = h->length + 16;
            // The structure is ACPI 6.4's, whose MADT is revision 5; QEMU
            // 7.2 writes 1 (pc) or 3 (q35). Nothing else changes meaning:
            // QEMU's disabled entries have Online Capable clear.
            if (mh->revision < 5) mh->revision = 5;
            fix(new_madt, mh->length, 9);
            t = uint64_t(uintptr_t(new_madt));
            have_madt = true;
        }
        copy(new_xsdt + sizeof(sdt_header) + 8 * i, &t, 8);
        const uint32_t t32 = uint32_t(t);
        copy(new_rsdt + sizeof(sdt_header) + 4 * i, &t32, 4);
    }
    if (!have_madt) die("no MADT");
    fix(new_xsdt, xh->length, 9);
    fix(new_rsdt, rh->length, 9);

    copy(&new_rsdp, r, 20);
    new_rsdp.revision = 2;
    new_rsdp.rsdt = uint32_t(uintptr_t(new_rsdt));
    new_rsdp.length = sizeof(rsdp);
    new_rsdp.xsdt = uint64_t(uintptr_t(new_xsdt));
    new_rsdp.extended_checksum = 0;
    fix(reinterpret_cast<uint8_t*>(&new_rsdp), 20, 8);
    fix(reinterpret_cast<uint8_t*>(&new_rsdp), sizeof(rsdp), 32);
    out.rsdp = uint64_t(uintptr_t(&new_rsdp));

    // The CPUs: Processor Local APIC (type 0, ACPI 6.4 5.2.12.2) and x2APIC
    // (type 9, 5.2.12.12) structures with Enabled set.
    const auto* m = reinterpret_cast<const sdt_header*>(new_madt);
    out.lapic = *reinterpret_cast<const uint32_t*>(new_madt + 36);
    for (uint32_t off = 44; off + 2 <= m->length;) {
        const uint8_t* e = new_madt + off;
        if (e[1] < 2) die("bad MADT structure length");
        uint32_t id = ~0u, flags = 0;
        if (e[0] == 0 && e[1] >= 8) id = e[3], copy(&flags, e + 4, 4);
        if (e[0] == 9 && e[1] >= 16) copy(&id, e + 4, 4), copy(&flags, e + 8, 4);
        if (id != ~0u && (flags & 1) && out.n_cpus < FW_MAX_CPUS) out.apic_ids[out.n_cpus++] = id;
        off += e[1];
    }
}

// ---- starting the APs: INIT-SIPI-SIPI (Intel SDM Vol. 3A 8.4.4.1) ----------

volatile uint32_t* lapic_reg(uint64_t base, uint32_t off) {
    return reinterpret_cast<volatile uint32_t*>(uintptr_t(base + off));
}

void send_ipi(uint64_t lapic, uint32_t dest, uint32_t low) {
    // xAPIC ICR (SDM Vol. 3A 10.6.1): destination in bits 56-63 of the high
    // half, written first; the low half sends. Wait for Delivery Status.
    *lapic_reg(lapic, 0x310) = dest << 24;
    *lapic_reg(lapic, 0x300) = low;
    for (uint32_t i = 0; i < 1'000'000 && (*lapic_reg(lapic, 0x300) & (1u << 12)); ++i) asm volatile("pause");
}

void start_aps(const acpi_out& a, uint32_t me) {
    copy(reinterpret_cast<void*>(uintptr_t(FW_SIPI_PAGE)), fw_ap16_start, size_t(fw_ap16_end - fw_ap16_start));
    const uint32_t vector = FW_SIPI_PAGE >> 12;
    uint32_t started = 0;
    for (uint32_t i = 0; i < a.n_cpus; ++i) {
        if (a.apic_ids[i] == me) continue;
        send_ipi(a.lapic, a.apic_ids[i], 0x4500);            // INIT, level assert
        delay_us(10'000);
        send_ipi(a.lapic, a.apic_ids[i], 0x4600 | vector);   // STARTUP
        delay_us(200);
        send_ipi(a.lapic, a.apic_ids[i], 0x4600 | vector);
        delay_us(200);
        ++started;
    }
    // Every AP must be in the mailbox loop before the OS may use it.
    const uint64_t deadline = rdtsc() + 10'000'000 * tsc_per_us;
    while (__atomic_load_n(&aps_polling, __ATOMIC_ACQUIRE) < started && rdtsc() < deadline) asm volatile("pause");
    puts("fwstage: ");
    putdec(__atomic_load_n(&aps_polling, __ATOMIC_ACQUIRE));
    puts(" of ");
    putdec(started);
    puts(" APs wait in the mailbox loop at ");
    puthex(uint64_t(uintptr_t(&the_mailbox)));
    if (deaf_apic_id != ~0u) {
        puts("; APIC ID ");
        puthex(deaf_apic_id);
        puts(" is deaf");
    }
    puts("\n");
}

// ---- the kernel: ELF64 PT_LOAD segments, the PVH entry note ---------------
// (elf64.hpp holds the gABI's structures, shared with the UEFI loader.)

using namespace elf;
constexpr uint32_t xen_elfnote_phys32_entry = 18;

uint32_t load_kernel(uint64_t file) {
    const auto* eh = reinterpret_cast<const elf64_ehdr*>(uintptr_t(file));
    if (!same(eh->ident, "\x7f" "ELF", 4) || eh->ident[4] != 2) die("no ELF64 kernel at FWSTAGE_KERNEL_FILE");
    uint32_t entry = 0;
    for (uint32_t i = 0; i < eh->phnum; ++i) {
        const auto* ph = reinterpret_cast<const elf64_phdr*>(uintptr_t(file + eh->phoff + i * eh->phentsize));
        if (ph->type == pt_note) {
            // System V gABI "Note Section": namesz, descsz, type, name, desc; 4-byte aligned.
            for (uint64_t off = 0; off + sizeof(elf64_nhdr) <= ph->filesz;) {
                const uint8_t* n = reinterpret_cast<const uint8_t*>(uintptr_t(file + ph->offset + off));
                elf64_nhdr h;
                copy(&h, n, sizeof h);
                const uint8_t* name = n + sizeof h;
                const uint8_t* desc = name + ((h.namesz + 3) & ~3u);
                if (h.type == xen_elfnote_phys32_entry && h.namesz == 4 && same(name, "Xen", 4)) copy(&entry, desc, 4);
                off += sizeof h + ((h.namesz + 3) & ~3u) + ((h.descsz + 3) & ~3u);
            }
        }
        if (ph->type != pt_load) continue;
        // String moves: a byte loop that rereads the header each time (it
        // may alias the destination) took longer than the tests' timeouts
        // under the nested KVM of the test machines with 2+ APs spinning.
        uintptr_t dst = uintptr_t(ph->paddr), src = uintptr_t(file + ph->offset);
        uint64_t n = ph->filesz, zeros = ph->memsz > ph->filesz ? ph->memsz - ph->filesz : 0;
        asm volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
        asm volatile("rep stosb" : "+D"(dst), "+c"(zeros) : "a"(0) : "memory");
    }
    if (!entry) die("the kernel has no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY)");
    return entry;
}

// PVH start info (Xen public/arch-x86/hvm/start_info.h), version 1; our own
// copy, not the kernel's (see the top of this file).
struct hvm_start_info {
    uint32_t magic;
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
constexpr uint32_t hvm_start_magic = 0x336ec578;
hvm_start_info kernel_info;

}  // namespace

/// Each AP, from start.S: the spec's firmware side of the mailbox.
extern "C" void fw_ap_main() {
    const uint32_t me = my_apic_id();
    __atomic_fetch_add(&aps_polling, 1, __ATOMIC_RELEASE);
    if (me == deaf_apic_id) halt();   // fwstage.deaf: never answers
    for (;;) {
        if (__atomic_load_n(&the_mailbox.command, __ATOMIC_ACQUIRE) == cmd_wakeup &&
            __atomic_load_n(&the_mailbox.apic_id, __ATOMIC_RELAXED) == me) {
            const uint64_t vector = __atomic_load_n(&the_mailbox.wakeup_vector, __ATOMIC_RELAXED);
            // "The application processor need clear the command to Noop(0)
            // as the acknowledgement that the command is received."
            __atomic_store_n(&the_mailbox.command, cmd_noop, __ATOMIC_RELEASE);
            // Interrupts are off (INIT left them so), long mode, identity map.
            asm volatile("jmp *%0" ::"r"(vector));
        }
        asm volatile("pause");
    }
}

extern "C" void fw_main(uint32_t start_info_phys) {
    serial_init();
    const auto* si = reinterpret_cast<const hvm_start_info*>(uintptr_t(start_info_phys));
    if (si->magic != hvm_start_magic) die("no PVH start info");
    if (si->cmdline_paddr) cmdline = reinterpret_cast<const char*>(uintptr_t(si->cmdline_paddr));
    deaf_apic_id = uint32_t(option("fwstage.deaf", ~0u));
    puts("fwstage: test firmware for the ACPI Multiprocessor Wakeup mailbox\n");
    calibrate_tsc();

    static acpi_out a;
    publish_acpi(si->rsdp_paddr, a);
    puts("fwstage: MADT with a Multiprocessor Wakeup structure at ");
    puthex(uint64_t(uintptr_t(new_madt)));
    puts(", RSDP at ");
    puthex(a.rsdp);
    puts("\n");
    start_aps(a, my_apic_id());

    const uint32_t entry = load_kernel(FWSTAGE_KERNEL_FILE);
    kernel_info = *si;   // version, command line and memory map pass through
    kernel_info.rsdp_paddr = a.rsdp;
    puts("fwstage: entering the kernel at ");
    puthex(entry);
    puts("\n");
    fw_enter_pvh(entry, uint32_t(uintptr_t(&kernel_info)));
}
