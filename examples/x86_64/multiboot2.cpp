// SPDX-License-Identifier: MIT
// The multiboot2 boot information (Multiboot2 spec 1.0 section 3.6), as GRUB
// leaves it for mb2_start: the command line, the ACPI RSDP copies, the
// memory map, and whether the firmware was UEFI.
#include "bootinfo.hpp"

namespace boot {
namespace {

// Spec 3.6.1, 3.6.2: after total_size and a reserved word, tags of type and
// size, each padded to 8 bytes, up to an end tag.
struct tag {
    uint32_t type, size;
};
enum tag_type : uint32_t {
    tag_end = 0,
    tag_cmdline = 1,         // 3.6.5
    tag_loader_name = 2,     // 3.6.9
    tag_mmap = 6,            // 3.6.8
    tag_efi64 = 12,          // 3.6.14: EFI 64-bit system table pointer
    tag_acpi_old = 14,       // 3.6.16: copy of RSDP (ACPI 1.0)
    tag_acpi_new = 15,       // 3.6.17: copy of RSDP (ACPI 2.0+)
};
struct mmap_entry {          // 3.6.8
    uint64_t base, length;
    uint32_t type, reserved;
};
constexpr uint32_t mmap_available = 1;
constexpr uint64_t low_1m = 0x100000;

char cmdline[512];
char loader[64];
char extra[96];

}  // namespace

bool read_multiboot2(uint64_t phys, info& out) {
    out.protocol = "multiboot2";
    if (!phys || phys & 7) return false;
    const auto* base = reinterpret_cast<const uint8_t*>(uintptr_t(phys));
    const uint32_t total = *reinterpret_cast<const uint32_t*>(base);
    if (total < 16) return false;
    out.keep = {phys, total};
    out.firmware = "BIOS";
    uint64_t acpi_old = 0, acpi_new = 0;
    for (uint32_t off = 8; off + sizeof(tag) <= total;) {
        const auto* t = reinterpret_cast<const tag*>(base + off);
        if (t->type == tag_end || t->size < sizeof(tag) || off + t->size > total) break;
        const uint8_t* body = base + off + sizeof(tag);
        switch (t->type) {
        case tag_cmdline:
            copy_string(cmdline, sizeof cmdline, reinterpret_cast<const char*>(body));
            out.cmdline = cmdline;
            out.cmdline_source = "the multiboot2 command line tag";
            break;
        case tag_loader_name: copy_string(loader, sizeof loader, reinterpret_cast<const char*>(body)); break;
        case tag_efi64: out.firmware = "UEFI"; break;
        case tag_acpi_old: acpi_old = phys + off + sizeof(tag); break;
        case tag_acpi_new: acpi_new = phys + off + sizeof(tag); break;
        case tag_mmap: {
            const uint32_t entry_size = *reinterpret_cast<const uint32_t*>(body);
            if (entry_size < sizeof(mmap_entry)) break;
            for (uint32_t e = 16; e + entry_size <= t->size; e += entry_size) {
                const auto* m = reinterpret_cast<const mmap_entry*>(base + off + e);
                if (m->type == mmap_available) note_ram(out, m->base, m->length);
                if (m->type != mmap_available || m->base >= low_1m || out.n_free == info::max_free) continue;
                const uint64_t end = m->base + m->length < low_1m ? m->base + m->length : low_1m;
                out.free_low[out.n_free++] = {m->base, end - m->base};
            }
            break;
        }
        default: break;
        }
        off += (t->size + 7) & ~7u;
    }
    // The newer copy first: it carries the XSDT (64-bit table addresses).
    if (acpi_new) {
        out.rsdp = acpi_new;
        out.rsdp_source = "the multiboot2 ACPI new tag (a copy in the boot information)";
    } else if (acpi_old) {
        out.rsdp = acpi_old;
        out.rsdp_source = "the multiboot2 ACPI old tag (a copy in the boot information)";
    }
    copy_string(extra, sizeof extra, "loader ");
    size_t n = 7;
    for (size_t i = 0; loader[i] && n + 1 < sizeof extra; ++i) extra[n++] = loader[i];
    extra[n] = '\0';
    out.extra = loader[0] ? extra : "";
    return true;
}

}  // namespace boot
