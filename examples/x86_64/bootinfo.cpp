// SPDX-License-Identifier: MIT
// The protocol-independent part of boot information: which reader, and the
// choice of the trampoline page; PVH's reader, which is a few lines.
#include "bootinfo.hpp"

#include "platform.hpp"

namespace boot {
namespace {

constexpr uint64_t page = 4096;
constexpr uint64_t first_reserved = 0xa0000;   // VGA, ROMs, BIOS up to 1 MiB
char pvh_cmdline[512];

}  // namespace

void copy_string(char* dst, size_t cap, const char* src) {
    size_t i = 0;
    for (; src && src[i] && i + 1 < cap; ++i) dst[i] = src[i];
    dst[i] = '\0';
}

bool read(uint32_t entry, uint64_t phys, info& out) {
    switch (entry) {
    case BOOT_PVH: return read_pvh(phys, out);
    case BOOT_MULTIBOOT2: return read_multiboot2(phys, out);
    case BOOT_UEFI: return read_uefi(phys, out);
    default: return false;
    }
}

bool read_pvh(uint64_t phys, info& out) {
    out.protocol = "PVH";
    const auto* si = reinterpret_cast<const pc::hvm_start_info*>(uintptr_t(phys));
    if (!si || si->magic != pc::hvm_start_magic) return false;
    out.rsdp = si->rsdp_paddr;
    out.rsdp_source = "PVH start info";
    if (si->cmdline_paddr) {
        copy_string(pvh_cmdline, sizeof pvh_cmdline, reinterpret_cast<const char*>(uintptr_t(si->cmdline_paddr)));
        out.cmdline = pvh_cmdline;
        out.cmdline_source = "PVH start info";
    }
    // Start info version 1 has the E820-style memory map (type 1 = RAM).
    if (si->version >= 1 && si->memmap_paddr) {
        const auto* e = reinterpret_cast<const pc::hvm_memmap_entry*>(uintptr_t(si->memmap_paddr));
        for (uint32_t i = 0; i < si->memmap_entries; ++i)
            if (e[i].type == 1) note_ram(out, e[i].addr, e[i].size);
    }
    return true;
}

void note_ram(info& out, uint64_t base, uint64_t size) {
    constexpr uint64_t gib4 = 4ull << 30;
    if (base + size > out.ram_end) out.ram_end = base + size;
    if (base <= gib4 && base + size > gib4 && base + size - gib4 > out.ram_from_4g) out.ram_from_4g = base + size - gib4;
}

uint64_t pick_low_pages(const info& in, uint32_t pages) {
    const uint64_t span = pages * page;
    uint64_t best = 0;   // maps need not be sorted: the lowest of all ranges
    for (uint32_t i = 0; i < in.n_free; ++i) {
        const uint64_t end = in.free_low[i].base + in.free_low[i].size;
        for (uint64_t p = (in.free_low[i].base + page - 1) & ~(page - 1); p + span <= end; p += page) {
            if (p == 0) continue;
            if (p + span > first_reserved) break;
            const bool overlaps_keep = p < in.keep.base + in.keep.size && in.keep.base < p + span;
            if (!overlaps_keep) {
                if (best == 0 || p < best) best = p;
                break;
            }
        }
    }
    return best;
}

}  // namespace boot
