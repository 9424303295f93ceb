// SPDX-License-Identifier: MIT
// The ACPI table reader both arches share: RSDP, RSDT / XSDT, checksums,
// table lookup, and the walk over the MADT's Interrupt Controller
// Structures. What a structure means (a Local APIC on x86, a GICC on arm64)
// is read by the arch's own parser (x86/acpi.hpp, arm64/acpi.hpp) on top of
// this one; nothing here knows an arch.
//
// Freestanding and free of side effects: physical memory is read only
// through a phys_reader the caller supplies, so the same code runs in a
// kernel (identity or direct map), in host tools (a buffer holding a dump)
// and under a fuzzer. Every length is checked before it is used; a malformed
// table yields a `status` naming the table, the entry and why.
//
//   smpboot::acpi::rsdp_info rsdp;
//   uint64_t madt; uint32_t len;
//   if (auto st = smpboot::acpi::open_rsdp(mem, rsdp_phys, rsdp); !st) ...
//   if (auto st = smpboot::acpi::find_table(mem, rsdp, "APIC", madt, len, &warn); !st) ...
//
// Like ACPICA and Linux, the reader accepts what only costs nothing to
// accept and reports it through a warn_sink instead of refusing: a root
// table whose length is not a whole number of pointers (the tail is
// ignored), a structure longer than its definition (later revisions append
// fields).
#pragma once

#include <smpboot/base.hpp>
#include <smpboot/format.hpp>

namespace smpboot::acpi {

/// The outcome of a parse step. `why` is null on success; otherwise it and
/// the fields below locate the problem. All strings are static. Warnings
/// (warn_sink) use the same shape.
struct status {
    static constexpr uint32_t no_entry = ~uint32_t{0};

    const char* why = nullptr;
    const char* table = nullptr;   ///< "RSDP", "RSDT", "XSDT", "MADT", "FADT", ...
    uint32_t entry = no_entry;     ///< index of the root-table pointer or MADT structure
    uint32_t offset = 0;           ///< byte offset of that entry inside the table
    uint64_t value = 0;            ///< the offending value (address, length, ID)
    bool has_value = false;

    constexpr bool ok() const { return why == nullptr; }
    constexpr explicit operator bool() const { return ok(); }
};

/// A located status: `why` in `table`, at `offset`, entry `entry`.
constexpr status fail(const char* table, const char* why, uint32_t offset = 0,
                      uint32_t entry = status::no_entry) {
    status s;
    s.why = why;
    s.table = table;
    s.entry = entry;
    s.offset = offset;
    return s;
}
/// The same with the offending value.
constexpr status fail_v(const char* table, const char* why, uint64_t value, uint32_t offset = 0,
                        uint32_t entry = status::no_entry) {
    status s = fail(table, why, offset, entry);
    s.value = value;
    s.has_value = true;
    return s;
}

/// "MADT entry 3 at offset 0x44: too short for a Processor Local APIC (0x6)"
void describe(const status& s, line_base& out);

/// Where non-fatal findings go: a status that did not stop the parse.
struct warn_sink {
    void (*fn)(void* ctx, const status& w) = nullptr;
    void* ctx = nullptr;

    void operator()(const status& w) const {
        if (fn) fn(ctx, w);
    }
};

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

/// Little-endian reads at any alignment (tables are byte-packed).
namespace le {
constexpr uint8_t rd8(const uint8_t* p) { return p[0]; }
constexpr uint16_t rd16(const uint8_t* p) { return uint16_t(p[0] | (p[1] << 8)); }
constexpr uint32_t rd32(const uint8_t* p) { return uint32_t(rd16(p)) | (uint32_t(rd16(p + 2)) << 16); }
constexpr uint64_t rd64(const uint8_t* p) { return uint64_t(rd32(p)) | (uint64_t(rd32(p + 4)) << 32); }
}  // namespace le

/// ACPI 6.5 5.2.6 Table 5.4: the System Description Table header.
inline constexpr uint32_t sdt_header_len = 36;
inline constexpr uint32_t sdt_off_length = 4, sdt_off_revision = 8, sdt_off_checksum = 9;

// ---- RSDP, RSDT/XSDT ---------------------------------------------------

/// What the RSDP says (ACPI 6.5 5.2.5.3).
struct rsdp_info {
    uint64_t phys = 0;
    uint8_t revision = 0;    ///< 0: ACPI 1.0 (RSDT only); >= 2: XSDT present
    uint32_t rsdt = 0;
    uint64_t xsdt = 0;
};

/// ACPI 6.5 5.2.5.3 Table 5.3: the two sizes of an RSDP.
inline constexpr size_t rsdp_v1_len = 20, rsdp_v2_len = 36;

/// Check an RSDP at `p` (signature, both checksums, length) with `avail`
/// readable bytes.
status parse_rsdp(const uint8_t* p, size_t avail, uint64_t phys, rsdp_info& out);

/// Map and check the RSDP at `rsdp_phys`. A revision 0 RSDP may sit in the
/// last 20 bytes of what can be mapped, so 36 bytes are not required.
status open_rsdp(const phys_reader& mem, uint64_t rsdp_phys, rsdp_info& out);

/// The legacy search on IA-PC systems (ACPI 6.5 5.2.5.1): the first KiB of
/// the EBDA, then the BIOS area 0xE0000-0xFFFFF, on 16-byte boundaries.
/// UEFI systems give the RSDP in the EFI configuration table instead.
status find_rsdp(const phys_reader& mem, uint64_t& rsdp_phys);

/// Check a System Description Table: signature `sig` (4 chars, or null for
/// any), 36-byte header, length within `avail`, checksum (ACPI 6.5 5.2.6).
/// `name` is what a status calls it ("MADT").
status check_table(const uint8_t* t, size_t avail, const char* sig, const char* name);

/// Find the first table with signature `sig` through the XSDT (revision >= 2
/// and non-zero address) or else the RSDT; it is checked with check_table.
/// A root table length that is not a whole number of pointers is a warning.
status find_table(const phys_reader& mem, const rsdp_info& rsdp, const char* sig,
                  uint64_t& table_phys, uint32_t& table_len, const warn_sink* warn = nullptr);

// ---- MADT structures ---------------------------------------------------

/// ACPI 6.5 5.2.12 Table 5.19: the MADT's fixed fields.
struct madt_header {
    uint8_t revision = 0;
    uint32_t length = 0;
    uint32_t local_controller = 0;   ///< Local Interrupt Controller Address (x86: the local APIC)
    uint32_t flags = 0;              ///< bit 0 PCAT_COMPAT
};
inline constexpr uint32_t madt_off_local_controller = 36, madt_off_flags = 40, madt_off_entries = 44;

/// Check a MADT (check_table with signature APIC, then its fixed fields).
status open_madt(const uint8_t* madt, size_t avail, madt_header& out);

/// One Interrupt Controller Structure: its bytes [p, p + length) lie inside
/// the table and length >= 2.
struct madt_struct {
    uint32_t index = 0;       ///< 0-based structure index
    uint32_t offset = 0;      ///< byte offset in the MADT
    uint8_t type = 0;
    uint8_t length = 0;
    const uint8_t* p = nullptr;
};

/// Steps over the structures of a table open_madt() accepted. Each step
/// advances by at least two bytes, so no table can make a walk spin.
struct madt_cursor {
    const uint8_t* table = nullptr;
    uint32_t length = 0;              ///< the header's length
    uint32_t offset = madt_off_entries;
    uint32_t index = 0;

    madt_cursor(const uint8_t* t, const madt_header& h) : table(t), length(h.length) {}
    bool done() const { return offset >= length; }
    /// Decode the structure at the cursor into `s` and step past it. A
    /// structural error (truncated header, length below 2, past the end)
    /// names the entry; the cursor then stays where it is.
    status next(madt_struct& s);
};

/// A structure must hold the fields a parser reads (`min_len`), else it is
/// malformed (`why_short`, e.g. "too short for a GICC"). One longer than
/// `spec_len`, the length ACPI 6.5 gives it, is accepted as ACPICA and
/// Linux do; `note` then says so (and stays null otherwise).
status check_length(const madt_struct& s, uint8_t min_len, uint8_t spec_len, const char* why_short,
                    const char*& note);

/// What became of one CPU structure (both arches).
enum class usage : uint8_t {
    present,    ///< an enabled CPU: it has a logical ID and will be brought up
    possible,   ///< disabled but online capable: a logical ID, not present
    disabled,   ///< disabled, not online capable: skipped, no logical ID
    rejected,   ///< a CPU entry that cannot be used (see its `problem`)
    dropped,    ///< usable, but beyond the caller's capacity
    info,       ///< not a CPU (I/O APIC, distributor, override, ...): listed only
};
const char* to_string(usage u);

/// The name ACPI 6.5 Table 5.21 gives an Interrupt Controller Structure type.
const char* structure_name(uint8_t type);

}  // namespace smpboot::acpi
