// SPDX-License-Identifier: MIT
// The UEFI way into the x86-64 example: a small PE32+ application (clang
// --target=x86_64-unknown-windows, lld-link, no gnu-efi) that carries the
// very kernel.elf that PVH and multiboot2 boot, loads its segments at their
// physical addresses, gathers what the firmware knows into a
// boot::uefi_handoff, calls ExitBootServices and enters the kernel's 64-bit
// entry (boot.S uefi64_start). Why a loader and not the kernel as the PE
// application: examples/x86_64/README.md, "Booting through UEFI".
#include "boot_layout.h"
#include "efi.hpp"
#include "efi_handoff.hpp"

#include <cmdline.hpp>
#include <elf64.hpp>

extern "C" {
extern const unsigned char smpboot_kernel_elf[];   // efi_kernel_blob.S
extern const unsigned char smpboot_kernel_elf_end[];
}

namespace {

using boot::uefi_handoff;

constexpr uint64_t page = 4096;
constexpr uint64_t low_1m = 0x100000;
constexpr uint64_t below_4g = 0xffffffff;
// ExitBootServices may refuse a stale map key more than once (UEFI 2.10 7.4.6);
// each refusal is answered with a fresh map, up to this many times.
constexpr int max_exit_attempts = 8;

efi::system_table* st;

void print(const char* a, const char* b = "") {
    efi::char16 buf[160];
    size_t n = 0;
    const char* parts[] = {"smpboot loader: ", a, b, "\r\n"};
    for (const char* s : parts)
        for (; *s && n + 1 < sizeof buf / sizeof buf[0]; ++s) buf[n++] = efi::char16(*s);
    buf[n] = 0;
    st->con_out->output_string(st->con_out, buf);
}

// The example runs under QEMU: end the run (isa-debug-exit, the kernel's own
// way out, status 3) instead of falling back to the next boot option, which
// would wait in the UEFI shell until a test's timeout.
[[noreturn]] void give_up(const char* why, const char* detail = "") {
    print(why, detail);
    asm volatile("outl %0, %1" ::"a"(1u), "Nd"(uint16_t(0xf4)));
    for (;;) asm volatile("hlt");
}

void zero(void* p, uint64_t n) {
    auto* b = static_cast<volatile unsigned char*>(p);
    while (n--) *b++ = 0;
}

// ---- ELF64 (elf64.hpp) ----

using namespace elf;

/// Finds the "smpboot" note SMPBOOT_NOTE_ENTRY64 in a PT_NOTE segment.
uint64_t entry64_from_notes(const unsigned char* seg, uint64_t size) {
    uint64_t off = 0;
    while (off + sizeof(elf64_nhdr) <= size) {
        const auto* n = reinterpret_cast<const elf64_nhdr*>(seg + off);
        const uint64_t name = off + sizeof(elf64_nhdr);
        const uint64_t desc = name + ((n->namesz + 3) & ~3u);
        const uint64_t next = desc + ((n->descsz + 3) & ~3u);
        if (next > size) break;
        const char* owner = reinterpret_cast<const char*>(seg + name);
        if (n->type == SMPBOOT_NOTE_ENTRY64 && n->namesz == 8 && n->descsz == 8 &&
            __builtin_memcmp(owner, "smpboot", 8) == 0) {
            uint64_t e;
            __builtin_memcpy(&e, seg + desc, 8);
            return e;
        }
        off = next;
    }
    return 0;
}

/// Copies kernel.elf's PT_LOAD segments to their physical addresses (pages
/// allocated there as EfiLoaderCode: the kernel runs from them before it has
/// its own page tables) and returns the 64-bit entry.
uint64_t load_kernel() {
    const unsigned char* img = smpboot_kernel_elf;
    const uint64_t len = uint64_t(smpboot_kernel_elf_end - smpboot_kernel_elf);
    const auto* eh = reinterpret_cast<const elf64_ehdr*>(img);
    if (len < sizeof *eh || __builtin_memcmp(eh->ident, "\x7f" "ELF\x02\x01", 6) != 0 ||
        eh->machine != em_x86_64 || eh->phentsize != sizeof(elf64_phdr) ||
        eh->phoff + uint64_t(eh->phnum) * sizeof(elf64_phdr) > len)
        give_up("the embedded kernel is not an x86-64 ELF64");
    const auto* ph = reinterpret_cast<const elf64_phdr*>(img + eh->phoff);

    uint64_t lo = ~0ull, hi = 0, entry = 0;
    for (uint16_t i = 0; i < eh->phnum; ++i) {
        if (ph[i].offset + ph[i].filesz > len) give_up("a kernel segment lies outside the file");
        if (ph[i].type == pt_note && !entry) entry = entry64_from_notes(img + ph[i].offset, ph[i].filesz);
        if (ph[i].type != pt_load || ph[i].memsz == 0) continue;
        if (ph[i].paddr < lo) lo = ph[i].paddr;
        if (ph[i].paddr + ph[i].memsz > hi) hi = ph[i].paddr + ph[i].memsz;
    }
    if (!entry) give_up("the kernel has no smpboot entry64 note");
    if (hi <= lo || hi > below_4g) give_up("the kernel's segments are not below 4 GiB");
    lo &= ~(page - 1);
    const uint64_t pages = (hi - lo + page - 1) / page;
    uint64_t at = lo;
    if (st->boot->allocate_pages(efi::allocate_address, efi::loader_code, pages, &at) != efi::success)
        give_up("the kernel's physical range is not free in the memory map (it is linked at 1 MiB)");
    zero(reinterpret_cast<void*>(at), pages * page);   // the .bss parts
    for (uint16_t i = 0; i < eh->phnum; ++i)
        if (ph[i].type == pt_load)
            __builtin_memcpy(reinterpret_cast<void*>(ph[i].paddr), img + ph[i].offset, ph[i].filesz);
    return entry;
}

// ---- what the firmware knows ------------------------------------------------

/// UEFI 2.10 4.6: the RSDP is a configuration table; prefer ACPI 2.0+
/// (XSDT, 64-bit addresses) over 1.0.
void find_rsdp(uefi_handoff& h) {
    const struct {
        const efi::guid& guid;
        uefi_handoff::rsdp_from source;
    } order[] = {{efi::acpi_20_table_guid, uefi_handoff::rsdp_acpi20},
                 {efi::acpi_10_table_guid, uefi_handoff::rsdp_acpi10}};
    for (const auto& want : order) {
        for (uint64_t i = 0; i < st->number_of_table_entries; ++i) {
            if (st->configuration[i].vendor_guid == want.guid) {
                h.rsdp = uint64_t(st->configuration[i].vendor_table);
                h.rsdp_source = want.source;
                return;
            }
        }
    }
}

/// UCS-2 -> ASCII; false if it is not printable text (a boot entry's
/// LoadOptions may hold binary data instead of a command line).
bool to_ascii(const efi::char16* s, uint64_t chars, char* out, uint32_t cap) {
    uint32_t n = 0;
    for (uint64_t i = 0; i < chars && s[i]; ++i) {
        const efi::char16 c = s[i];
        if (c == '\r' || c == '\n' || c == '\t') {
            if (n + 1 < cap) out[n++] = ' ';
        } else if (c >= 0x20 && c < 0x7f) {
            if (n + 1 < cap) out[n++] = char(c);
        } else {
            return false;
        }
    }
    out[n] = '\0';
    return n > 0;
}

/// The command line: LoadOptions when whoever started us passed text (the
/// UEFI shell, a boot entry with options), else the file \cmdline.txt on
/// the volume we were loaded from (what scripts/run-example writes: a
/// removable-media boot of \EFI\BOOT\BOOTX64.EFI gets no options).
void find_cmdline(efi::handle image, uefi_handoff& h) {
    efi::loaded_image* li = nullptr;
    if (st->boot->handle_protocol(image, &efi::loaded_image_guid, reinterpret_cast<void**>(&li)) != efi::success)
        return;
    if (li->load_options && li->load_options_size >= 2 &&
        to_ascii(static_cast<const efi::char16*>(li->load_options), li->load_options_size / 2, h.cmdline,
                 sizeof h.cmdline)) {
        h.cmdline_source = uefi_handoff::cmdline_load_options;
        return;
    }
    efi::simple_file_system* fs = nullptr;
    efi::file* root = nullptr;
    efi::file* f = nullptr;
    if (st->boot->handle_protocol(li->device, &efi::simple_file_system_guid, reinterpret_cast<void**>(&fs)) !=
            efi::success ||
        fs->open_volume(fs, &root) != efi::success)
        return;
    if (root->open(root, &f, u"\\cmdline.txt", efi::file_mode_read, 0) == efi::success) {
        char raw[uefi_handoff::max_cmdline];
        uint64_t size = sizeof raw - 1;
        if (f->read(f, &size, raw) == efi::success) {
            uint32_t n = 0;
            for (uint64_t i = 0; i < size; ++i)
                if (raw[i] >= 0x20 && raw[i] < 0x7f) h.cmdline[n++] = raw[i];
                else if (raw[i] == '\n' || raw[i] == '\r' || raw[i] == '\t') h.cmdline[n++] = ' ';
            h.cmdline[n] = '\0';
            h.cmdline_source = uefi_handoff::cmdline_file;
        }
        f->close(f);
    }
    root->close(root);
}

/// The firmware's MP services started every AP and keep them parked; after
/// ExitBootServices they wait for INIT-SIPI-SIPI. Only counted here.
void count_firmware_cpus(uefi_handoff& h) {
    efi::mp_services* mp = nullptr;
    if (st->boot->locate_protocol(&efi::mp_services_guid, nullptr, reinterpret_cast<void**>(&mp)) != efi::success)
        return;
    uint64_t all = 0, enabled = 0;
    if (mp->get_number_of_processors(mp, &all, &enabled) == efi::success) {
        h.firmware_cpus = uint32_t(all);
        h.firmware_enabled = uint32_t(enabled);
    }
}

/// EfiConventionalMemory below 1 MiB in `map`: where the kernel may put
/// its SIPI trampoline once boot services are gone.
void note_free_low(const unsigned char* map, uint64_t size, uint64_t desc_size, uefi_handoff& h) {
    h.n_free = 0;
    for (uint64_t off = 0; off + desc_size <= size; off += desc_size) {
        const auto* d = reinterpret_cast<const efi::memory_descriptor*>(map + off);
        const uint64_t end = d->physical_start + d->number_of_pages * page;
        if (d->type != efi::conventional_memory || d->physical_start >= low_1m) continue;
        if (h.n_free == uefi_handoff::max_free) break;
        h.free_low[h.n_free++] = {d->physical_start, (end < low_1m ? end : low_1m) - d->physical_start};
    }
}

/// UEFI 2.10 7.4.6: ExitBootServices needs the key of the current memory
/// map; if the map changed since (EFI_INVALID_PARAMETER), get it again and
/// retry, allocating nothing in between.
/// smpboot.efi_stale_key=1 (for the test of the retry): the first call
/// gets a key that no map had, as if the map had changed since.
void exit_boot_services(efi::handle image, uefi_handoff& h) {
    const bool stale_first = example::cmdline_number(h.cmdline, "smpboot.efi_stale_key", 0) == 1;
    uint64_t size = 0, key = 0, desc_size = 0;
    uint32_t version = 0;
    (void)st->boot->get_memory_map(&size, nullptr, &key, &desc_size, &version);
    // Room for the pool allocation itself and a few more splits.
    const uint64_t cap = size + 16 * (desc_size ? desc_size : 64);
    void* buf = nullptr;
    if (st->boot->allocate_pool(efi::loader_data, cap, &buf) != efi::success)
        give_up("no memory for the memory map");
    for (int attempt = 1; attempt <= max_exit_attempts; ++attempt) {
        size = cap;
        const efi::status s =
            st->boot->get_memory_map(&size, static_cast<efi::memory_descriptor*>(buf), &key, &desc_size, &version);
        if (s != efi::success) give_up("GetMemoryMap failed");
        note_free_low(static_cast<const unsigned char*>(buf), size, desc_size, h);
        h.exit_attempts = uint32_t(attempt);
        const efi::status e = st->boot->exit_boot_services(image, stale_first && attempt == 1 ? key + 1 : key);
        if (e == efi::success) return;
        // After a failed call only the memory-allocation services may be used:
        // no printing until give_up, which is the end anyway.
        if (e != efi::invalid_parameter) give_up("ExitBootServices failed");
    }
    give_up("ExitBootServices kept refusing the memory map key");
}

}  // namespace

extern "C" efi::status efi_main(efi::handle image, efi::system_table* system) {
    st = system;
    uint64_t at = below_4g;
    const uint64_t pages = (sizeof(uefi_handoff) + page - 1) / page;
    // Below 4 GiB: the kernel reads it through its identity map of 0-4 GiB.
    if (st->boot->allocate_pages(efi::allocate_max_address, efi::loader_data, pages, &at) != efi::success)
        give_up("no memory below 4 GiB for the handoff");
    auto& h = *reinterpret_cast<uefi_handoff*>(at);
    zero(&h, sizeof h);
    h.magic = uefi_handoff::magic_value;
    h.system_table = uint64_t(system);
    find_rsdp(h);
    find_cmdline(image, h);
    count_firmware_cpus(h);
    const uint64_t entry = load_kernel();
    asm volatile("mov %%cr3, %0" : "=r"(h.firmware_cr3));
    // uefi64_start loads a 4-level CR3 without leaving long mode, which is
    // only right if the firmware runs 4-level paging too (CR4.LA57 clear:
    // SDM Vol. 3A 4.1.2, the paging mode changes only with paging off).
    uint64_t cr4;
    asm volatile("mov %%cr4, %0" : "=r"(cr4));
    if (cr4 & (uint64_t(1) << 12)) give_up("the firmware runs 5-level paging; the kernel's entry takes 4-level only");

    exit_boot_services(image, h);
    asm volatile("cli");
    // boot.S uefi64_start takes the handoff in RDI (System V), whatever this
    // target's own calling convention is.
    using entry_fn = void(__attribute__((sysv_abi)) *)(uint64_t);
    reinterpret_cast<entry_fn>(entry)(at);
    return efi::error_bit;   // not reached
}
