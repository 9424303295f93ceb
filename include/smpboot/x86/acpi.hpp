// SPDX-License-Identifier: MIT
// x86 CPU discovery from ACPI: RSDP -> RSDT/XSDT -> MADT -> cpu_desc[].
//
// The tables are found and checked by the reader both arches share
// (smpboot/acpi/tables.hpp, whose names are re-exported here); this header
// adds what the MADT's Local APIC and x2APIC structures mean. Freestanding
// and free of side effects, host-testable, fuzzed.
//
//   acpi::madt_info info;
//   uint32_t n = 0;
//   acpi::status st = acpi::discover(reader, rsdp_phys, boot_apic_id, cpus, cap, n, info);
//   if (!st) { line<160> l; acpi::describe(st, l); log(l.c_str()); }
//
// Tools that want the per-entry story (smpboot-inspect) pass an
// entry_visitor: it sees every MADT structure, CPU or not, with the logical
// CPU it became or the reason it did not. Warnings (a structure longer than
// ACPI 6.5 defines, a boot CPU the MADT does not list, a root table with a
// partial pointer) go to a warn_sink and do not stop discovery, as in Linux.
#pragma once

#include <smpboot/acpi/tables.hpp>
#include <smpboot/base.hpp>
#include <smpboot/cpu.hpp>

namespace smpboot::x86::acpi {

// The shared reader, under the names x86 code has always used.
using smpboot::acpi::buffer_memory;
using smpboot::acpi::check_table;
using smpboot::acpi::describe;
using smpboot::acpi::find_rsdp;
using smpboot::acpi::find_table;
using smpboot::acpi::parse_rsdp;
using smpboot::acpi::phys_reader;
using smpboot::acpi::rsdp_info;
using smpboot::acpi::status;
using smpboot::acpi::to_string;
using smpboot::acpi::usage;
using smpboot::acpi::warn_sink;

// ---- MADT --------------------------------------------------------------

/// ACPI 6.5 Table 5.21: Interrupt Controller Structure Types we read.
enum class madt_type : uint8_t {
    local_apic = 0,
    io_apic = 1,
    interrupt_override = 2,
    nmi_source = 3,
    local_apic_nmi = 4,
    local_apic_override = 5,
    local_x2apic = 9,
    local_x2apic_nmi = 10,
    mp_wakeup = 0x10,   ///< Multiprocessor Wakeup (ACPI 6.4 5.2.12.19)
};

/// ACPI 6.4 5.2.12.19, Table 5.44: the Multiprocessor Wakeup Structure is 16
/// bytes with MailboxVersion 0; ACPI 6.6 adds ResetVector (24 bytes,
/// MailboxVersion 1). The mailbox is 4 KiB, 4 KiB aligned.
inline constexpr uint8_t len_mp_wakeup_v0 = 16;
inline constexpr uint8_t len_mp_wakeup_v1 = 24;
inline constexpr uint64_t mp_wakeup_mailbox_align = 4096;

/// ACPI 6.5 5.2.12.2, Table 5.23: Local APIC Flags (same for x2APIC).
inline constexpr uint32_t lapic_enabled = 1u << 0;
inline constexpr uint32_t lapic_online_capable = 1u << 1;
/// Online Capable exists from MADT revision 5 (ACPI 6.3) on; before that the
/// bit is reserved and a disabled entry is just disabled.
inline constexpr uint8_t madt_rev_online_capable = 5;

/// One MADT structure as the parser saw it.
struct madt_entry {
    uint32_t index = 0;        ///< 0-based structure index
    uint32_t offset = 0;       ///< byte offset in the MADT
    uint8_t type = 0;
    uint8_t length = 0;
    uint32_t flags = 0;        ///< Local APIC Flags (CPU entries)
    hwid_t hwid = 0;           ///< APIC or x2APIC ID (CPU entries)
    uint32_t uid = 0;          ///< ACPI Processor UID (CPU entries)
    uint64_t address = 0;      ///< Local APIC Address Override (type 5), mailbox (type 0x10)
    uint16_t version = 0;      ///< MailboxVersion (type 0x10)
    uint64_t reset_vector = 0; ///< ResetVector (type 0x10, version >= 1)
    usage use = usage::info;
    cpu_id logical = no_cpu;   ///< present / possible only
    bool boot = false;         ///< the CPU doing the parsing
    const char* problem = nullptr;   ///< why rejected, or a non-fatal note
};

using entry_visitor = void (*)(void* ctx, const madt_entry& e);

/// Totals and the table-wide facts.
struct madt_info {
    uint8_t revision = 0;
    uint32_t flags = 0;            ///< MADT Flags (bit 0 PCAT_COMPAT)
    uint64_t lapic_phys = 0;       ///< header address, or the type 5 override
    bool lapic_override = false;
    /// The Multiprocessor Wakeup Structure, if the MADT has a usable one:
    /// the mailbox's physical address (0: none; start APs with INIT-SIPI-
    /// SIPI), its MailboxVersion and, from version 1 (ACPI 6.6), the
    /// ResetVector (which this library does not use: see backend.hpp).
    uint64_t mp_wakeup_mailbox = 0;
    uint16_t mp_wakeup_version = 0;
    uint64_t mp_wakeup_reset_vector = 0;
    /// false: the boot CPU's APIC ID is in no CPU structure (a warning; it
    /// is still logical 0, as Linux adds a boot CPU the BIOS did not list).
    bool boot_listed = true;
    uint32_t entries = 0;
    uint32_t present = 0, possible = 0, disabled = 0, rejected = 0, dropped = 0;

    /// The CPUs the MADT describes, boot CPU included, if it lists every one
    /// of them as enabled and each was taken (none possible-only, disabled,
    /// rejected or dropped, and the boot CPU listed); otherwise 0. What
    /// config::broadcast_cpus wants.
    constexpr uint32_t all_enabled() const {
        return (possible | disabled | rejected | dropped) == 0 && boot_listed ? present : 0;
    }
};

/// Match any enabled entry for the boot CPU: the first one becomes logical 0.
/// For tools that parse a table without a running CPU.
inline constexpr hwid_t any_boot_cpu = ~hwid_t{0};

/// Read a MADT (`madt`, `avail` readable bytes; the header checksum is
/// verified here too). The boot CPU (`boot_id`) becomes logical 0, the other
/// present and possible CPUs follow in table order in `out[1..]`; cpu_desc::
/// present is false for possible-only CPUs. Structures past `cap` CPUs are
/// `dropped` (counted, not an error). A structural error (a CPU structure
/// too short for its fields) stops the parse and names the entry; a bad CPU
/// entry (duplicate ID, broadcast ID) is rejected and the rest are still
/// read. `visit` sees every structure in order; `warn` gets the warnings.
status scan_madt(const uint8_t* madt, size_t avail, hwid_t boot_id, cpu_desc* out, uint32_t cap,
                 uint32_t& count, madt_info& info, entry_visitor visit = nullptr,
                 void* visit_ctx = nullptr, const warn_sink* warn = nullptr);

/// The whole walk: the RSDP at `rsdp_phys` (0: legacy search), its root
/// table, the MADT, then scan_madt.
status discover(const phys_reader& mem, uint64_t rsdp_phys, hwid_t boot_id, cpu_desc* out,
                uint32_t cap, uint32_t& count, madt_info& info, entry_visitor visit = nullptr,
                void* visit_ctx = nullptr, const warn_sink* warn = nullptr);

}  // namespace smpboot::x86::acpi
