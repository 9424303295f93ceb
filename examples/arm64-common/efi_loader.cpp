// SPDX-License-Identifier: MIT
// The UEFI application that boots the arm64 example kernel (BOOTAA64.EFI):
// it does what firmware knows and the kernel does not, then gets out of
// the way.
//
//   1. find the device tree and the ACPI RSDP in the EFI configuration
//      table (the ACPI 2.0 GUID first, UEFI 2.10 4.6); a firmware that
//      publishes ACPI only (AAVMF on virt, QEMU's default) gets an ACPI boot:
//      no DTB is passed, the kernel reads the FADT and MADT from the RSDP
//   2. read the command line from \cmdline.txt on the volume it was loaded
//      from (the firmware's boot manager passes no usable LoadOptions to a
//      removable-media BOOTAA64.EFI)
//   3. load the embedded kernel (a static-PIE ELF) into EfiLoaderCode pages
//      below 4 GiB and put a boot_info, the command line and a copy of the
//      DTB after it; print what the memory map says about those pages and
//      the firmware's page tables
//   4. ExitBootServices, retried with a fresh map key while the firmware
//      says EFI_INVALID_PARAMETER (UEFI 2.10 7.4: the map changed);
//      smpboot.efi_stale_key=1 on the command line makes the first key
//      stale on purpose, so that the retry is tested
//   5. enter the kernel (efi_handoff.S) with x0 = DTB (0: ACPI only),
//      x1 = boot_info
//
// Before ExitBootServices everything is printed through the firmware's
// console (ConOut); an error after it goes to the board's PL011, where the
// kernel prints too.
// Errors end QEMU through semihosting with status 1, as the kernel does.
#include <smpboot/format.hpp>

#include "board.hpp"
#include "boot_info.h"
#include "cmdline.hpp"
#include "efi.hpp"
#include "elf_load.hpp"
#include "semihost.hpp"

using example::arm64::boot_info;
using example::arm64::semihost_exit;   // errors end QEMU as the kernel does: status 1

extern "C" {
extern const uint8_t kernel_elf_start[], kernel_elf_end[];   // efi_kernel_blob.S
/// efi_handoff.S: clean [clean_start, clean_end) to PoC, turn the MMU off if
/// at EL2, jump to entry with x0 = dtb, x1 = info. Does not return.
[[noreturn]] void efi_enter_kernel(uint64_t entry, uint64_t dtb, const boot_info* info,
                                   uint64_t clean_start, uint64_t clean_end);
}

namespace {

efi::system_table* g_st;

// ---- Console before ExitBootServices: ConOut takes UCS-2.

void con_puts(const char* s) {
    efi::char16 buf[128];
    size_t n = 0;
    auto flush = [&] {
        buf[n] = 0;
        g_st->con_out->output_string(g_st->con_out, buf);
        n = 0;
    };
    for (;; ++s) {
        if (n + 3 >= sizeof buf / sizeof buf[0] || !*s) flush();
        if (!*s) break;
        if (*s == '\n') buf[n++] = u'\r';
        buf[n++] = efi::char16(uint8_t(*s));
    }
    buf[n++] = u'\r';
    buf[n++] = u'\n';
    flush();
}

// After the first ExitBootServices call the console may be gone (UEFI
// 2.10 7.4): then write straight to the board's PL011 (Arm DDI 0183G 3.2:
// DR at 0, FR.TXFF bit 5 at 0x18).
bool console_gone = false;

void uart_puts(const char* s) {
    volatile uint32_t* uart = reinterpret_cast<volatile uint32_t*>(example::arm64::the_board.uart_pl011);
    for (; *s; ++s) {
        while (uart[0x18 / 4] & (1u << 5)) {}
        uart[0] = uint8_t(*s);
    }
}

[[noreturn]] void fail(const char* what, efi::status s = 0) {
    smpboot::line<200> l;
    l.str("smpboot: error: ").str(what);
    if (s) l.str(" (EFI status ").hex(s).chr(')');
    if (console_gone) {
        uart_puts("\r\n");
        uart_puts(l.c_str());
        uart_puts("\r\n");
    } else {
        con_puts(l.c_str());
    }
    semihost_exit(1);
}

// ---- 1. The configuration table: a DTB and/or an RSDP. With both, the
// kernel uses the DTB (the RSDP is passed on for its report).

struct firmware_tables {
    const void* dtb = nullptr;
    const void* rsdp = nullptr;   ///< ACPI 2.0+ table first, else 1.0
};

firmware_tables find_tables(const efi::system_table* st) {
    firmware_tables t;
    const void* rsdp1 = nullptr;
    for (uint64_t i = 0; i < st->number_of_table_entries; ++i) {
        const efi::configuration_table& e = st->configuration[i];
        if (e.vendor_guid == efi::dtb_table_guid) t.dtb = e.vendor_table;
        if (e.vendor_guid == efi::acpi_20_table_guid) t.rsdp = e.vendor_table;
        if (e.vendor_guid == efi::acpi_10_table_guid) rsdp1 = e.vendor_table;
    }
    if (!t.rsdp) t.rsdp = rsdp1;
    return t;
}

uint32_t be32(const void* p) {
    const uint8_t* b = static_cast<const uint8_t*>(p);
    return uint32_t(b[0]) << 24 | uint32_t(b[1]) << 16 | uint32_t(b[2]) << 8 | b[3];
}

// ---- 2. The command line: \cmdline.txt, one line of ASCII.

constexpr const efi::char16* cmdline_path = u"\\cmdline.txt";
constexpr const char* cmdline_path_ascii = "\\cmdline.txt on the boot volume";
constexpr size_t cmdline_max = 2048;

/// Reads the file into `out`; false (and `out` empty) if there is none.
bool read_cmdline(efi::handle image, char* out) {
    out[0] = '\0';
    efi::loaded_image* li = nullptr;
    efi::simple_file_system* fs = nullptr;
    efi::file* root = nullptr;
    efi::file* f = nullptr;
    efi::boot_services* bs = g_st->boot;
    if (efi::failed(bs->handle_protocol(image, &efi::loaded_image_guid, reinterpret_cast<void**>(&li))) ||
        efi::failed(bs->handle_protocol(li->device, &efi::simple_file_system_guid,
                                        reinterpret_cast<void**>(&fs))) ||
        efi::failed(fs->open_volume(fs, &root)))
        return false;
    const bool opened = !efi::failed(root->open(root, &f, cmdline_path, efi::file_mode_read, 0));
    uint64_t n = cmdline_max - 1;
    const bool ok = opened && !efi::failed(f->read(f, &n, out));
    if (opened) f->close(f);
    root->close(root);
    if (!ok) n = 0;
    // One line: stop at the first line break; anything unprintable is a space.
    for (uint64_t i = 0; i < n; ++i) {
        if (out[i] == '\n' || out[i] == '\r') n = i;
        else if (out[i] < ' ' || out[i] > '~') out[i] = ' ';
    }
    out[n] = '\0';
    return ok;
}

// ---- What the firmware left: the exception level and its MMU registers.

uint64_t current_el() {
    uint64_t v;
    asm volatile("mrs %0, CurrentEL" : "=r"(v));
    return (v >> 2) & 3;
}

void firmware_mmu(uint64_t el, uint64_t& sctlr, uint64_t& ttbr0) {
    if (el == 2) {
        asm volatile("mrs %0, sctlr_el2\n\tmrs %1, ttbr0_el2" : "=r"(sctlr), "=r"(ttbr0));
    } else {
        asm volatile("mrs %0, sctlr_el1\n\tmrs %1, ttbr0_el1" : "=r"(sctlr), "=r"(ttbr0));
    }
}

// ---- 3. The kernel and what goes with it, in one allocation:
//   [ kernel image (PT_LOAD extent) | boot_info, strings | DTB copy ]

constexpr uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }
constexpr uint64_t kernel_max_address = 0xffffffff;   // the last byte it may use

struct handoff_area {
    boot_info* info;
    char* text;         ///< the command line, then the source strings
    uint64_t entry;
    uint64_t start, end;
};

char* put_str(char*& p, const char* s) {
    char* start = p;
    while ((*p++ = *s++)) {}
    return start;
}

handoff_area load_kernel(const void* dtb, uint32_t dtb_size) {
    const size_t elf_size = size_t(kernel_elf_end - kernel_elf_start);
    const example::elf::extent ext = example::elf::image_extent(kernel_elf_start, elf_size);
    if (ext.problem) fail(ext.problem);
    // 2 MiB alignment as for a Linux Image; at least what the segments ask.
    const uint64_t align = ext.align > (2u << 20) ? ext.align : (2u << 20);
    const uint64_t info_off = align_up(ext.size, efi::page_size);
    const uint64_t dtb_off = info_off + align_up(sizeof(boot_info) + cmdline_max + 512, efi::page_size);
    const uint64_t total = dtb_off + align_up(dtb_size, efi::page_size);
    // Below 4 GiB: at EL2 the kernel turns the MMU on with its own identity
    // map, which covers the RAM of the virt board only up to there
    // (arm64-virt/board.cpp); AAVMF allocates from the top of RAM down.
    uint64_t mem = kernel_max_address;
    const uint64_t pages = (total + align) / efi::page_size;
    if (efi::status s = g_st->boot->allocate_pages(efi::allocate_max_address, efi::loader_code, pages, &mem);
        efi::failed(s))
        fail("no memory for the kernel below 4 GiB", s);
    const uint64_t base = align_up(mem, align);

    const example::elf::loaded k = example::elf::load(kernel_elf_start, elf_size, reinterpret_cast<uint8_t*>(base));
    if (k.problem) fail(k.problem);
    uint8_t* dtb_copy = reinterpret_cast<uint8_t*>(base + dtb_off);
    for (uint32_t i = 0; i < dtb_size; ++i) dtb_copy[i] = static_cast<const uint8_t*>(dtb)[i];

    handoff_area a;
    a.info = reinterpret_cast<boot_info*>(base + info_off);
    a.text = reinterpret_cast<char*>(a.info + 1);
    a.entry = k.entry;
    a.start = base;
    a.end = base + total;
    *a.info = {};
    a.info->magic = example::arm64::boot_info_magic;
    a.info->dtb = dtb ? base + dtb_off : 0;   // ACPI only: no DTB

    smpboot::line<160> l;
    l.str("arm64-virt-uefi: kernel loaded at ").hex(base).str(" (").dec(ext.size >> 10).str(" KiB, ");
    l.dec(k.relocations).str(" relocations)");
    if (dtb) l.str(", DTB copied to ").hex(a.info->dtb);
    else l.str(", no DTB (ACPI only)");
    con_puts(l.c_str());
    return a;
}

// ---- 4. ExitBootServices with the key of a map read just before.

alignas(8) uint8_t memory_map[64 * 1024];

struct map_view {
    uint64_t key = 0, count = 0, desc_size = 0;
    const efi::memory_descriptor& operator[](uint64_t i) const {
        return *reinterpret_cast<const efi::memory_descriptor*>(memory_map + i * desc_size);
    }
};

map_view read_memory_map() {
    map_view m;
    uint64_t size = sizeof memory_map;
    uint32_t desc_version = 0;
    if (efi::status s = g_st->boot->get_memory_map(&size, reinterpret_cast<efi::memory_descriptor*>(memory_map),
                                                   &m.key, &m.desc_size, &desc_version);
        efi::failed(s) || m.desc_size < sizeof(efi::memory_descriptor))
        fail("GetMemoryMap failed", s);
    m.count = size / m.desc_size;
    return m;
}

// UEFI 2.10 table 7.10, EFI_MEMORY_TYPE.
const char* type_name(uint32_t t) {
    static const char* const names[] = {
        "EfiReservedMemoryType", "EfiLoaderCode", "EfiLoaderData", "EfiBootServicesCode",
        "EfiBootServicesData", "EfiRuntimeServicesCode", "EfiRuntimeServicesData", "EfiConventionalMemory",
        "EfiUnusableMemory", "EfiACPIReclaimMemory", "EfiACPIMemoryNVS", "EfiMemoryMappedIO",
        "EfiMemoryMappedIOPortSpace", "EfiPalCode", "EfiPersistentMemory"};
    return t < sizeof names / sizeof names[0] ? names[t] : "an OEM/OS type";
}

/// What the map says about the memory the kernel will keep using: its own
/// pages and, at EL1, the firmware's page tables (they must stay intact).
void describe_memory(uint64_t kernel, uint64_t ttbr0) {
    const map_view m = read_memory_map();
    uint64_t free_pages = 0;
    const char* kernel_type = "no descriptor";
    const char* tables_type = "no descriptor";
    for (uint64_t i = 0; i < m.count; ++i) {
        const efi::memory_descriptor& d = m[i];
        if (d.type == efi::conventional_memory) free_pages += d.number_of_pages;
        const uint64_t end = d.physical_start + d.number_of_pages * efi::page_size;
        if (kernel >= d.physical_start && kernel < end) kernel_type = type_name(d.type);
        const uint64_t tables = ttbr0 & 0xfffffffff000ull;   // BADDR; ASID and CnP cut
        if (tables >= d.physical_start && tables < end) tables_type = type_name(d.type);
    }
    smpboot::line<224> l;
    l.str("arm64-virt-uefi: memory map: ").dec(m.count).str(" descriptors, ").dec(free_pages >> 8);
    l.str(" MiB conventional; the kernel in ").str(kernel_type).str(", the firmware's page tables in ");
    l.str(tables_type);
    con_puts(l.c_str());
}

/// Returns the number of calls it took. `stale_first`: pass an outdated key
/// the first time, as if the map had changed in between (the retry's test).
uint32_t exit_boot_services(efi::handle image, bool stale_first) {
    efi::status s = efi::invalid_parameter;
    uint32_t calls = 0;
    // UEFI 2.10 7.4: after a first failed call only the memory allocation
    // services (GetMemoryMap among them) may still be used.
    while (calls < 8 && s == efi::invalid_parameter) {
        const uint64_t key = read_memory_map().key + (stale_first && calls == 0 ? 1 : 0);
        console_gone = true;
        s = g_st->boot->exit_boot_services(image, key);
        ++calls;
    }
    if (efi::failed(s)) fail("ExitBootServices failed", s);
    return calls;
}

}  // namespace

extern "C" efi::status efi_main(efi::handle image, efi::system_table* st) {
    g_st = st;
    const uint64_t el = current_el();
    uint64_t sctlr = 0, ttbr0 = 0;
    firmware_mmu(el, sctlr, ttbr0);
    {
        smpboot::line<160> l;
        l.str("\narm64-virt-uefi: started at EL").dec(el).str(" by \"");
        for (const efi::char16* v = st->firmware_vendor; v && *v; ++v) l.chr(*v < 0x80 ? char(*v) : '?');
        l.str("\" revision ").hex(st->firmware_revision);
        l.str(", UEFI ").dec(st->hdr.revision >> 16).chr('.').dec((st->hdr.revision & 0xffff) / 10);
        con_puts(l.c_str());
    }
    st->boot->set_watchdog_timer(0, 0, 0, nullptr);   // UEFI 2.10 7.5: off

    const firmware_tables t = find_tables(st);
    if (!t.dtb && !t.rsdp) fail("firmware published neither a device tree nor ACPI");
    if (t.dtb && be32(t.dtb) != 0xd00dfeed) fail("the configuration table's device tree has no FDT magic");
    // DT spec 5.2: totalsize; 0 without a DTB (the kernel then boots from ACPI).
    const uint32_t dtb_size = t.dtb ? be32(static_cast<const uint8_t*>(t.dtb) + 4) : 0;

    handoff_area a = load_kernel(t.dtb, dtb_size);
    char* p = a.text;
    const bool have_file = read_cmdline(image, p);
    a.info->cmdline = uint64_t(uintptr_t(p));
    while (*p) ++p;
    ++p;
    a.info->cmdline_source = uint64_t(uintptr_t(put_str(p, have_file ? cmdline_path_ascii : "nowhere (no \\cmdline.txt)")));
    a.info->loader = uint64_t(uintptr_t(put_str(p, "UEFI")));
    a.info->dtb_source =
        uint64_t(uintptr_t(put_str(p, t.dtb ? "the EFI configuration table" : "nowhere (the firmware published ACPI only)")));
    a.info->rsdp = uint64_t(uintptr_t(t.rsdp));
    a.info->fw_el = el;
    a.info->fw_sctlr = sctlr;
    a.info->fw_ttbr0 = ttbr0;

    describe_memory(a.start, ttbr0);
    const bool stale = example::cmdline_number(reinterpret_cast<const char*>(a.info->cmdline),
                                               "smpboot.efi_stale_key", 0) != 0;
    a.info->exit_attempts = exit_boot_services(image, stale);   // boot_info is cleaned to PoC after this
    efi_enter_kernel(a.entry, a.info->dtb, a.info, a.start, a.end);
}
