// SPDX-License-Identifier: MIT
// x86 CPU discovery from ACPI: RSDP -> RSDT/XSDT -> MADT -> cpu_desc[].
//
// Freestanding and free of side effects: the parser reads physical memory
// only through a phys_reader the caller supplies, so the same code runs in a
// kernel (identity or direct map), in host tools (a byte buffer holding a
// table dump) and under a fuzzer. Every length is checked before it is used;
// a malformed table yields a `status` naming the table, the entry and why.
//
//   acpi::madt_info info;
//   uint32_t n = 0;
//   acpi::status st = acpi::discover(reader, rsdp_phys, boot_apic_id, cpus, cap, n, info);
//   if (!st) { line<160> l; acpi::describe(st, l); log(l.c_str()); }
//
// Tools that want the per-entry story (smpboot-inspect) pass an
// entry_visitor: it sees every MADT structure, CPU or not, with the logical
// CPU it became or the reason it did not.
#pragma once

#include <smpboot/base.hpp>
#include <smpboot/cpu.hpp>
#include <smpboot/format.hpp>

namespace smpboot::x86::acpi {

/// The outcome of a parse step. `why` is null on success; otherwise it and
/// the fields below locate the problem. All strings are static.
struct status {
    static constexpr uint32_t no_entry = ~uint32_t{0};

    const char* why = nullptr;
    const char* table = nullptr;   ///< "RSDP", "RSDT", "XSDT", "MADT"
    uint32_t entry = no_entry;     ///< index of the root-table pointer or MADT structure
    uint32_t offset = 0;           ///< byte offset of that entry inside the table
    uint64_t value = 0;            ///< the offending value (address, length, ID)
    bool has_value = false;

    constexpr bool ok() const { return why == nullptr; }
    constexpr explicit operator bool() const { return ok(); }
};

/// "MADT entry 3 at offset 0x44: length 6 is wrong for a Processor Local APIC (0x6)"
inline void describe(const status& s, line_base& out) {
    if (s.ok()) {
        out.str("ok");
        return;
    }
    if (s.table) out.str(s.table);
    if (s.entry != status::no_entry) out.str(" entry ").dec(s.entry).str(" at offset ").hex(s.offset);
    else if (s.offset != 0) out.str(" at offset ").hex(s.offset);
    if (s.table) out.str(": ");
    out.str(s.why);
    if (s.has_value) out.str(" (").hex(s.value).chr(')');
}

/// How the parser reads physical memory: return a pointer through which
/// `len` bytes at `phys` can be read, or null if that range is not
/// accessible. Called on the boot CPU only.
struct phys_reader {
    const void* (*map)(void* ctx, uint64_t phys, size_t len) = nullptr;
    void* ctx = nullptr;

    const uint8_t* get(uint64_t phys, size_t len) const {
        return map ? static_cast<const uint8_t*>(map(ctx, phys, len)) : nullptr;
    }
};

/// A phys_reader over a buffer that holds physical memory [base, base + size):
/// for tools and tests working on a dump.
struct buffer_memory {
    const uint8_t* data = nullptr;
    uint64_t base = 0;
    size_t size = 0;

    phys_reader reader() const { return {&buffer_memory::map_fn, const_cast<buffer_memory*>(this)}; }
    static const void* map_fn(void* ctx, uint64_t phys, size_t len);
};

// ---- RSDP, RSDT/XSDT ---------------------------------------------------

/// What the RSDP says (ACPI 6.5 5.2.5.3).
struct rsdp_info {
    uint64_t phys = 0;
    uint8_t revision = 0;    ///< 0: ACPI 1.0 (RSDT only); >= 2: XSDT present
    uint32_t rsdt = 0;
    uint64_t xsdt = 0;
};

/// Check an RSDP at `p` (signature, both checksums, length) with `avail`
/// readable bytes.
status parse_rsdp(const uint8_t* p, size_t avail, uint64_t phys, rsdp_info& out);

/// The legacy search (ACPI 6.5 5.2.5.1): the first KiB of the EBDA, then the
/// BIOS area 0xE0000-0xFFFFF, on 16-byte boundaries.
status find_rsdp(const phys_reader& mem, uint64_t& rsdp_phys);

/// Check a System Description Table: signature `sig` (4 chars, or null for
/// any), 36-byte header, length within `avail`, checksum (ACPI 6.5 5.2.6).
status check_table(const uint8_t* t, size_t avail, const char* sig, const char* name);

/// Find the first table with signature `sig` through the XSDT (revision >= 2
/// and non-zero address) or else the RSDT; it is checked with check_table.
status find_table(const phys_reader& mem, const rsdp_info& rsdp, const char* sig,
                  uint64_t& table_phys, uint32_t& table_len);

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

/// What became of one MADT structure.
enum class usage : uint8_t {
    present,    ///< an enabled CPU: it has a logical ID and will be brought up
    possible,   ///< disabled but online capable: a logical ID, not present
    disabled,   ///< disabled, not online capable: skipped, no logical ID
    rejected,   ///< a CPU entry that cannot be used (see `problem`)
    dropped,    ///< usable, but beyond the caller's capacity
    info,       ///< not a CPU (I/O APIC, override, ...): listed only
};
const char* to_string(usage u);

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
    uint32_t entries = 0;
    uint32_t present = 0, possible = 0, disabled = 0, rejected = 0, dropped = 0;
};

/// Match any enabled entry for the boot CPU: the first one becomes logical 0.
/// For tools that parse a table without a running CPU.
inline constexpr hwid_t any_boot_cpu = ~hwid_t{0};

/// Read a MADT (`madt`, `avail` readable bytes; the header checksum is
/// verified here too). The boot CPU (`boot_id`) becomes logical 0, the other
/// present and possible CPUs follow in table order in `out[1..]`; cpu_desc::
/// present is false for possible-only CPUs. Structures past `cap` CPUs are
/// `dropped` (counted, not an error). A structural error stops the parse and
/// names the entry; a bad CPU entry (duplicate ID, broadcast ID) is rejected
/// and the rest are still read. `visit` sees every structure in order.
status scan_madt(const uint8_t* madt, size_t avail, hwid_t boot_id, cpu_desc* out, uint32_t cap,
                 uint32_t& count, madt_info& info, entry_visitor visit = nullptr,
                 void* visit_ctx = nullptr);

/// The whole walk: the RSDP at `rsdp_phys` (0: legacy search), its root
/// table, the MADT, then scan_madt.
status discover(const phys_reader& mem, uint64_t rsdp_phys, hwid_t boot_id, cpu_desc* out,
                uint32_t cap, uint32_t& count, madt_info& info, entry_visitor visit = nullptr,
                void* visit_ctx = nullptr);

}  // namespace smpboot::x86::acpi
