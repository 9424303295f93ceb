// SPDX-License-Identifier: MIT
// arm64 CPU discovery from ACPI: the FADT's ARM boot architecture flags say
// whether PSCI is there and which conduit it uses (ACPI 6.5 5.2.9, Table
// 5.11), the MADT's GIC CPU Interface structures list the CPUs (ACPI 6.5
// 5.2.12.14, Tables 5.47 and 5.48). The tables are found and checked by the
// reader both arches share (smpboot/acpi/tables.hpp).
//
// The result is the DT path's (discovery_result, cpu_info[], cpu_desc[],
// cpu_node_report[]), so the backend does not care where the CPUs came
// from:
//
//   auto d = be.discover(acpi_reader, rsdp_phys, &log);   // backend<N>
//
// The rules, after Linux arm64 (smp.c acpi_map_gic_cpu_interface,
// acpi_parse_gic_cpu_interface; acpi_get_enable_method):
//  - a GICC shorter than 76 bytes (ACPI 5.1, the first with MPIDR) is
//    malformed and stops the parse, naming the entry; a longer one than
//    ACPI 6.5's 82 bytes is accepted with a warning;
//  - Enabled (bit 0) clear and Online Capable (bit 3) clear: disabled,
//    skipped; Online Capable alone: a possible CPU (a logical ID, not
//    present, not started);
//  - the MPIDR field holds the affinity fields only: any other bit refuses
//    the entry; an MPIDR seen before refuses the later entry (duplicate);
//  - enable method: PSCI if the FADT says PSCI_COMPLIANT, else the parking
//    protocol if the GICC has a version and a parked address (version 1
//    with a 4 KiB-aligned mailbox, smpboot/arm64/parking.hpp; any other is
//    refused with the reason), else none;
//  - the boot CPU (its own MPIDR) is logical 0, the others follow in table
//    order; without it secondaries are not used ("missing boot CPU MPIDR");
//  - CPUs past the capacity are dropped with a warning.
// Every refused entry is reported (and logged) with "MADT entry N at offset
// 0x..", and the raw GICC of every structure goes to an optional visitor
// (the parking fields, GIC addresses and interrupts, for whoever needs them).
#pragma once

#include <smpboot/acpi/tables.hpp>
#include <smpboot/arm64/discovery.hpp>
#include <smpboot/base.hpp>

namespace smpboot::arm64::acpi {

using smpboot::acpi::madt_struct;
using smpboot::acpi::phys_reader;
using smpboot::acpi::status;
using smpboot::acpi::usage;

// ---- FADT --------------------------------------------------------------

/// ACPI 6.5 Table 5.11: ARM Architecture boot flags.
inline constexpr uint16_t boot_psci_compliant = 1u << 0;
inline constexpr uint16_t boot_psci_use_hvc = 1u << 1;

/// What an arm64 kernel needs from the FADT.
struct fadt_info {
    uint8_t revision = 0;      ///< header revision (FADT Major Version)
    uint8_t minor = 0;         ///< FADT Minor Version (offset 131)
    uint32_t flags = 0;        ///< Fixed Feature Flags (offset 112; bit 20 HW_REDUCED_ACPI)
    uint16_t arm_boot = 0;     ///< ARM_BOOT_ARCH (offset 129)
};
/// ACPI 6.5 Table 5.10: HW_REDUCED_ACPI, required of arm64 systems by
/// Arm's Base Boot Requirements.
inline constexpr uint32_t fadt_hw_reduced = 1u << 20;

/// Check a FADT (signature FACP) and read its ARM fields. One older than
/// ACPI 5.1 (revision 5, minor 1: the first with ARM_BOOT_ARCH) or too short
/// to hold them is refused, as Linux refuses ACPI on arm64 then.
status read_fadt(const uint8_t* fadt, size_t avail, fadt_info& out);

/// PSCI as the FADT describes it: present when PSCI_COMPLIANT, by HVC when
/// PSCI_USE_HVC, else by SMC; the standard function IDs of PSCI 0.2.
psci_info psci_from_fadt(const fadt_info& f);

// ---- MADT GICC ---------------------------------------------------------

/// ACPI 6.5 Table 5.21: the GIC CPU Interface structure type.
inline constexpr uint8_t madt_type_gicc = 0xb;

/// ACPI 6.5 Table 5.48: GICC CPU Interface Flags.
inline constexpr uint32_t gicc_enabled = 1u << 0;
inline constexpr uint32_t gicc_perf_irq_edge = 1u << 1;   ///< Performance Interrupt Mode
inline constexpr uint32_t gicc_vgic_irq_edge = 1u << 2;   ///< VGIC Maintenance Interrupt Mode
inline constexpr uint32_t gicc_online_capable = 1u << 3;  ///< ACPI 6.5; reserved when Enabled is set

/// GICC lengths: ACPI 5.1 (76, the first with MPIDR), 6.0 (80: efficiency
/// class, SPE interrupt from 6.3), 6.5 (82: TRBE interrupt).
inline constexpr uint8_t gicc_len_5_1 = 76, gicc_len_6_0 = 80, gicc_len_6_5 = 82;

/// One GICC, every field as written (ACPI 6.5 Table 5.47). Fields beyond
/// the structure's length are 0.
struct gicc {
    uint32_t cpu_interface = 0;    ///< GIC CPU Interface Number (GICv2)
    uint32_t uid = 0;              ///< ACPI Processor UID
    uint32_t flags = 0;
    uint32_t parking_version = 0;  ///< Parking Protocol Version (0: not supported)
    uint32_t perf_gsiv = 0;        ///< Performance Interrupt GSIV
    uint64_t parked_address = 0;   ///< the parking protocol mailbox (physical)
    uint64_t base = 0;             ///< Physical Base Address of the GICv2 CPU interface
    uint64_t gicv = 0, gich = 0;
    uint32_t vgic_gsiv = 0;        ///< VGIC Maintenance Interrupt
    uint64_t gicr_base = 0;        ///< GICR Base Address (GICv3+, 0 if in a GICR structure)
    uint64_t mpidr = 0;
    uint8_t efficiency_class = 0;  ///< ACPI 6.0
    uint16_t spe_gsiv = 0;         ///< ACPI 6.3
    uint16_t trbe_gsiv = 0;        ///< ACPI 6.5
};

/// Decode a type 0xB structure; one shorter than 76 bytes is malformed.
/// `note` is set when it is longer than ACPI 6.5 defines.
status decode_gicc(const madt_struct& s, gicc& out, const char*& note);

/// One MADT structure as discovery saw it (GICC or not).
struct madt_entry {
    uint32_t index = 0;
    uint32_t offset = 0;
    uint8_t type = 0;
    uint8_t length = 0;
    gicc cpu{};                    ///< GICC structures only
    usage use = usage::info;
    enable_method method = enable_method::none;
    cpu_id logical = no_cpu;       ///< present / possible only
    bool boot = false;
    const char* problem = nullptr; ///< why not usable, or a non-fatal note
};
using entry_visitor = void (*)(void* ctx, const madt_entry& e);

/// The MADT's facts beyond the CPU list.
struct madt_info {
    uint8_t revision = 0;
    uint32_t entries = 0;          ///< structures of any type
    uint32_t giccs = 0;
    uint32_t present = 0, possible = 0, disabled = 0, rejected = 0, dropped = 0;
};

/// Optional extras of discover_cpus(): the per-structure listing and the
/// table facts.
struct madt_extras {
    entry_visitor visit = nullptr;
    void* ctx = nullptr;
    madt_info* info = nullptr;
};

/// Read the GICCs of `madt` (`avail` readable bytes, checked here) with
/// PSCI as `fadt` says. `boot_mpidr` is MPIDR_EL1 of the running CPU.
discovery_result discover_cpus(const uint8_t* madt, size_t avail, const fadt_info& fadt, uint64_t boot_mpidr,
                               const discovery_out& out, const discovery_log* log = nullptr,
                               const madt_extras& extras = {});

/// The whole walk: the RSDP at `rsdp_phys` (from the EFI configuration
/// table), its root table, the FADT, the MADT, then discover_cpus().
discovery_result discover(const phys_reader& mem, uint64_t rsdp_phys, uint64_t boot_mpidr,
                          const discovery_out& out, const discovery_log* log = nullptr,
                          const madt_extras& extras = {});

}  // namespace smpboot::arm64::acpi
