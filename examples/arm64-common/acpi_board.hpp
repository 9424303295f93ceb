// SPDX-License-Identifier: MIT
// What the arm64 example kernel reads from ACPI besides the CPUs (which the
// library's discovery reads from the same tables): the GIC's addresses from
// the MADT; and, with smpboot.acpidump=1, the raw RSDP, XSDT, FADT and MADT on the serial
// line, so that a test can check the CPUs against the tables the firmware
// built without trusting our parser (tests/qemu/acpi_dump.py).
#pragma once

#include <smpboot/acpi/tables.hpp>

namespace example::arm64 {

/// The GIC as the MADT describes it (ACPI 6.5 5.2.12.15-17): the GICD
/// structure's base and version; the first GICR structure's discovery range
/// (GICv3), else the first enabled GICC's GICR or GICv2 CPU interface base.
struct madt_gic {
    int version = 0;          ///< 2 or 3; 0 if the MADT names none we know
    uint64_t distributor = 0;
    uint64_t cpu_or_redist = 0;
};
madt_gic gic_from_madt(const uint8_t* madt, size_t len);

/// Through the RSDP at `rsdp`: set the GIC up from the MADT (gic_setup) and,
/// if `dump`, print the RSDP, its root table, the FADT and the MADT as
/// "<prefix>acpidump" lines.
/// False, with `why` set, if the tables cannot be read; the GIC is optional.
bool acpi_board_setup(const smpboot::acpi::phys_reader& mem, uint64_t rsdp, bool dump, const char* prefix,
                      void (*puts)(const char*), smpboot::acpi::status& why);

}  // namespace example::arm64
