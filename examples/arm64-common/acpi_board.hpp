// SPDX-License-Identifier: MIT
// What the arm64 example kernel reads from ACPI besides the CPUs (which the
// library's discovery reads): the GIC's addresses from the MADT.
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

}  // namespace example::arm64
