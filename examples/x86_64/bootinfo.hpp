// SPDX-License-Identifier: MIT
// What the way in told the kernel, in one shape for every boot protocol
// (PVH, multiboot2, the UEFI loader): kernel.cpp reads this and nothing
// protocol-specific. Each protocol's reader lives in its own file.
#pragma once

#include "boot_layout.h"

#include <stddef.h>
#include <stdint.h>

namespace boot {

struct range {
    uint64_t base = 0, size = 0;
};

struct info {
    static constexpr uint32_t max_free = 32;

    const char* protocol = "unknown";   ///< "PVH", "multiboot2", "UEFI"
    const char* firmware = "unknown";   ///< "BIOS" or "UEFI", when the protocol says
    uint64_t rsdp = 0;                  ///< physical; 0: none handed over
    const char* rsdp_source = "none";   ///< e.g. "the multiboot2 ACPI new tag"
    const char* cmdline = "";
    const char* cmdline_source = "none";
    /// Free RAM below 1 MiB from the protocol's memory map; none: no map.
    range free_low[max_free];
    uint32_t n_free = 0;
    /// From the same map, for memory.cpp's direct map: the end of the
    /// highest RAM range, and how many bytes of RAM follow 4 GiB without a
    /// gap (0 for both: not known).
    uint64_t ram_end = 0;
    uint64_t ram_from_4g = 0;
    /// Boot data the kernel still reads after choosing pages (the multiboot2
    /// information holds the RSDP copy): never chosen.
    range keep;
    /// The firmware's state, for the log (0: not known).
    uint64_t firmware_cr3 = 0;
    uint32_t firmware_cpus = 0;
    const char* extra = "";   ///< protocol-specific words for the log line
};

/// Fills `out` from the entry boot.S took (BOOT_*) and the physical address
/// it received. False, with `out.protocol` still naming the entry, if the
/// information is not what that protocol promises.
bool read(uint32_t entry, uint64_t phys, info& out);

bool read_pvh(uint64_t phys, info& out);
bool read_multiboot2(uint64_t phys, info& out);
bool read_uefi(uint64_t phys, info& out);

/// `pages` contiguous 4 KiB pages for the SIPI trampoline (and what the
/// backend keeps after it) from the free low memory: the lowest run that
/// does not start at page 0 (the real-mode IVT and BIOS data area), ends
/// below 0xA0000 (VGA memory, option ROMs and the BIOS above, SDM Vol. 3A
/// 10.6.1 excludes vectors 0xA0-0xBF) and does not overlap `keep`. 0 if
/// there is none.
uint64_t pick_low_pages(const info& in, uint32_t pages);

/// Adds one RAM range of a memory map to ram_end / ram_from_4g.
void note_ram(info& out, uint64_t base, uint64_t size);

/// Copies at most cap - 1 bytes of the NUL-terminated `src` to `dst`.
void copy_string(char* dst, size_t cap, const char* src);

}  // namespace boot
