// SPDX-License-Identifier: MIT
#include "acpi_board.hpp"

#include <acpidump.hpp>

#include "gic.hpp"

namespace example::arm64 {

namespace {
namespace acpi = smpboot::acpi;
using acpi::le::rd32;
using acpi::le::rd64;

// ACPI 6.5 Table 5.21 types and the offsets of Tables 5.47 (GICC), 5.49
// (GICD) and 5.52 (GICR) that the example needs.
constexpr uint8_t type_gicc = 0xb, type_gicd = 0xc, type_gicr = 0xe;
constexpr uint32_t gicc_flags = 12, gicc_base = 32, gicc_gicr = 60, gicc_min_len = 68;
constexpr uint32_t gicd_base = 8, gicd_version = 20, gicd_len = 24;
constexpr uint32_t gicr_base = 4, gicr_len = 16;
}  // namespace

madt_gic gic_from_madt(const uint8_t* madt, size_t len) {
    madt_gic g;
    acpi::madt_header h;
    if (!acpi::open_madt(madt, len, h)) return g;
    uint64_t gicr = 0, cpu_base = 0, cpu_gicr = 0;
    acpi::madt_struct s;
    for (acpi::madt_cursor c(madt, h); !c.done() && c.next(s);) {
        if (s.type == type_gicd && s.length >= gicd_len && !g.distributor) {
            g.distributor = rd64(s.p + gicd_base);
            // 1, 2: GICv1/v2; 3, 4: GICv3/v4 (its redistributors work as v3's).
            const uint8_t v = s.p[gicd_version];
            g.version = v >= 3 ? 3 : v >= 1 ? 2 : 0;
        } else if (s.type == type_gicr && s.length >= gicr_len && !gicr) {
            gicr = rd64(s.p + gicr_base);
        } else if (s.type == type_gicc && s.length >= gicc_min_len && !cpu_base && (rd32(s.p + gicc_flags) & 1)) {
            cpu_base = rd64(s.p + gicc_base);
            if (s.length >= gicc_gicr + 8) cpu_gicr = rd64(s.p + gicc_gicr);
        }
    }
    g.cpu_or_redist = g.version == 3 ? (gicr ? gicr : cpu_gicr) : cpu_base;
    return g;
}

}  // namespace example::arm64

namespace example::arm64 {

bool acpi_board_setup(const smpboot::acpi::phys_reader& mem, uint64_t rsdp, bool dump, const char* prefix,
                      void (*puts)(const char*), smpboot::acpi::status& why) {
    namespace acpi = smpboot::acpi;
    acpi::rsdp_info r;
    why = acpi::open_rsdp(mem, rsdp, r);
    if (!why) return false;
    uint64_t phys = 0;
    uint32_t len = 0;
    if (dump) {
        // ACPI 6.5 5.2.5.3: 36 bytes from revision 2 on, else 20.
        const uint32_t rsdp_len = r.revision >= 2 ? uint32_t(acpi::rsdp_v2_len) : uint32_t(acpi::rsdp_v1_len);
        example::acpidump(prefix, "RSDP", rsdp, mem.get(rsdp, rsdp_len), rsdp_len, puts);
        const bool x = r.revision >= 2 && r.xsdt;
        const uint64_t root = x ? r.xsdt : r.rsdt;
        if (const uint8_t* h = mem.get(root, acpi::sdt_header_len)) {
            const uint32_t root_len = rd32(h + acpi::sdt_off_length);
            if (const uint8_t* t = mem.get(root, root_len)) example::acpidump(prefix, x ? "XSDT" : "RSDT", root, t, root_len, puts);
        }
    }
    if (dump && acpi::find_table(mem, r, "FACP", phys, len))
        example::acpidump(prefix, "FACP", phys, mem.get(phys, len), len, puts);
    why = acpi::find_table(mem, r, "APIC", phys, len);
    if (!why) return false;
    const uint8_t* madt = mem.get(phys, len);
    if (dump) example::acpidump(prefix, "APIC", phys, madt, len, puts);
    const madt_gic g = gic_from_madt(madt, len);
    if (gic_setup(g.version, g.distributor, g.cpu_or_redist)) gic_init_cpu(0);
    return true;
}

}  // namespace example::arm64
