// SPDX-License-Identifier: MIT
// ACPI table walking. Firmware tables are untrusted input: every read is
// bounds-checked against what the reader mapped, and every loop advances by
// at least one byte, so no table can make this crash, read out of bounds or
// spin.
#include <smpboot/acpi/tables.hpp>

namespace smpboot::acpi {
namespace {

using le::rd16;
using le::rd32;
using le::rd64;
using le::rd8;

bool same4(const uint8_t* p, const char* sig) {
    return p[0] == uint8_t(sig[0]) && p[1] == uint8_t(sig[1]) && p[2] == uint8_t(sig[2]) &&
           p[3] == uint8_t(sig[3]);
}

uint8_t sum(const uint8_t* p, size_t n) {
    uint8_t s = 0;
    for (size_t i = 0; i < n; ++i) s = uint8_t(s + p[i]);
    return s;
}

// ACPI 6.5 5.2.5.3 Table 5.3: RSDP fields.
constexpr uint32_t rsdp_off_rev = 15, rsdp_off_rsdt = 16, rsdp_off_len = 20, rsdp_off_xsdt = 24;
// Nothing we read is anywhere near this; it bounds what a bad length maps.
constexpr uint32_t sdt_max_len = 1u << 20;

// ACPI 6.5 5.2.5.1: the EBDA segment is at 0x40E; search its first KiB and
// 0xE0000-0xFFFFF on 16-byte boundaries.
constexpr uint64_t ebda_ptr_phys = 0x40e, ebda_search_len = 1024;
constexpr uint64_t bios_area_phys = 0xe0000, bios_area_len = 0x20000;

}  // namespace

void describe(const status& s, line_base& out) {
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

const void* buffer_memory::map_fn(void* ctx, uint64_t phys, size_t len) {
    auto* m = static_cast<const buffer_memory*>(ctx);
    if (phys < m->base || len > m->size) return nullptr;
    const uint64_t off = phys - m->base;
    if (off > m->size - len) return nullptr;
    return m->data + off;
}

const char* to_string(usage u) {
    switch (u) {
    case usage::present: return "present";
    case usage::possible: return "possible";
    case usage::disabled: return "disabled";
    case usage::rejected: return "rejected";
    case usage::dropped: return "dropped";
    case usage::info: return "info";
    }
    return "?";
}

const char* structure_name(uint8_t type) {
    // ACPI 6.5 Table 5.21.
    switch (type) {
    case 0x0: return "Processor Local APIC";
    case 0x1: return "I/O APIC";
    case 0x2: return "Interrupt Source Override";
    case 0x3: return "NMI Source";
    case 0x4: return "Local APIC NMI";
    case 0x5: return "Local APIC Address Override";
    case 0x6: return "I/O SAPIC";
    case 0x7: return "Local SAPIC";
    case 0x8: return "Platform Interrupt Sources";
    case 0x9: return "Processor Local x2APIC";
    case 0xa: return "Local x2APIC NMI";
    case 0xb: return "GIC CPU Interface (GICC)";
    case 0xc: return "GIC Distributor (GICD)";
    case 0xd: return "GIC MSI Frame";
    case 0xe: return "GIC Redistributor (GICR)";
    case 0xf: return "GIC Interrupt Translation Service";
    case 0x10: return "Multiprocessor Wakeup";
    default: return type >= 0x80 ? "OEM reserved" : "reserved";
    }
}

status parse_rsdp(const uint8_t* p, size_t avail, uint64_t phys, rsdp_info& out) {
    if (!p || avail < rsdp_v1_len) return fail_v("RSDP", "not readable", phys);
    static constexpr char sig[] = "RSD PTR ";
    for (int i = 0; i < 8; ++i)
        if (p[i] != uint8_t(sig[i])) return fail_v("RSDP", "bad signature", phys);
    if (sum(p, rsdp_v1_len) != 0) return fail_v("RSDP", "bad checksum", phys);
    out = {};
    out.phys = phys;
    out.revision = rd8(p + rsdp_off_rev);
    out.rsdt = rd32(p + rsdp_off_rsdt);
    if (out.revision >= 2) {
        if (avail < rsdp_v2_len) return fail_v("RSDP", "revision 2 structure not readable", phys);
        const uint32_t len = rd32(p + rsdp_off_len);
        if (len < rsdp_v2_len || len > avail)
            return fail_v("RSDP", "bad length", len, rsdp_off_len);
        if (sum(p, len) != 0) return fail_v("RSDP", "bad extended checksum", phys);
        out.xsdt = rd64(p + rsdp_off_xsdt);
    }
    if (out.rsdt == 0 && out.xsdt == 0) return fail("RSDP", "no RSDT or XSDT address", rsdp_off_rsdt);
    return {};
}

status open_rsdp(const phys_reader& mem, uint64_t rsdp_phys, rsdp_info& out) {
    size_t len = rsdp_v2_len;
    const uint8_t* p = mem.get(rsdp_phys, len);
    if (!p) p = mem.get(rsdp_phys, len = rsdp_v1_len);
    return parse_rsdp(p, len, rsdp_phys, out);
}

namespace {
bool scan_area(const phys_reader& mem, uint64_t base, uint64_t len, uint64_t& found) {
    const uint8_t* p = mem.get(base, len);
    if (!p) return false;
    for (uint64_t off = 0; off + rsdp_v1_len <= len; off += 16) {
        rsdp_info info;
        // A candidate that fails its checks is a stray "RSD PTR " string.
        if (parse_rsdp(p + off, size_t(len - off), base + off, info)) {
            found = base + off;
            return true;
        }
    }
    return false;
}
}  // namespace

status find_rsdp(const phys_reader& mem, uint64_t& rsdp_phys) {
    if (const uint8_t* e = mem.get(ebda_ptr_phys, 2)) {
        const uint64_t ebda = uint64_t(rd16(e)) << 4;
        if (ebda != 0 && scan_area(mem, ebda, ebda_search_len, rsdp_phys)) return {};
    }
    if (scan_area(mem, bios_area_phys, bios_area_len, rsdp_phys)) return {};
    return fail("RSDP", "not found in the EBDA or 0xE0000-0xFFFFF");
}

status check_table(const uint8_t* t, size_t avail, const char* sig, const char* name) {
    if (!t || avail < sdt_header_len) return fail(name, "header not readable");
    if (sig && !same4(t, sig)) return fail_v(name, "bad signature", rd32(t));
    const uint32_t len = rd32(t + sdt_off_length);
    if (len < sdt_header_len) return fail_v(name, "length shorter than the header", len, sdt_off_length);
    if (len > avail) return fail_v(name, "length beyond the readable table", len, sdt_off_length);
    if (sum(t, len) != 0) return fail(name, "bad checksum", sdt_off_checksum);
    return {};
}

namespace {
/// Map a whole SDT in two steps: its header, then its declared length.
status map_table(const phys_reader& mem, uint64_t phys, const char* sig, const char* name,
                 const uint8_t*& t, uint32_t& len) {
    const uint8_t* h = mem.get(phys, sdt_header_len);
    if (!h) return fail_v(name, "header not mapped", phys);
    len = rd32(h + sdt_off_length);
    if (len < sdt_header_len || len > sdt_max_len)
        return fail_v(name, "implausible length", len, sdt_off_length);
    t = mem.get(phys, len);
    if (!t) return fail_v(name, "table not mapped", phys);
    return check_table(t, len, sig, name);
}
}  // namespace

status find_table(const phys_reader& mem, const rsdp_info& rsdp, const char* sig,
                  uint64_t& table_phys, uint32_t& table_len, const warn_sink* warn) {
    const bool x = rsdp.revision >= 2 && rsdp.xsdt != 0;
    const char* root_name = x ? "XSDT" : "RSDT";
    const uint32_t ptr_size = x ? 8 : 4;
    const uint8_t* root;
    uint32_t root_len;
    status st = map_table(mem, x ? rsdp.xsdt : rsdp.rsdt, root_name, root_name, root, root_len);
    if (!st) return st;
    // ACPICA (acpi_tb_parse_root_table) counts whole pointers and ignores a
    // partial one at the end; so do we, and say so.
    if ((root_len - sdt_header_len) % ptr_size != 0 && warn)
        (*warn)(fail_v(root_name, "length is not a whole number of pointers (the tail is ignored)",
                       root_len, sdt_off_length));
    const uint32_t n = (root_len - sdt_header_len) / ptr_size;
    // Like Linux, a pointer we cannot follow does not hide the tables after
    // it; it is reported only if the wanted table is not found.
    status unreadable;
    for (uint32_t i = 0; i < n; ++i) {
        const uint32_t off = sdt_header_len + i * ptr_size;
        const uint64_t phys = x ? rd64(root + off) : rd32(root + off);
        if (phys == 0) continue;   // an empty slot: nothing to read
        const uint8_t* h = mem.get(phys, sdt_header_len);
        if (!h) {
            if (unreadable.ok()) unreadable = fail_v(root_name, "points to unmapped memory", phys, off, i);
            continue;
        }
        if (!same4(h, sig)) continue;
        const uint8_t* t;
        uint32_t len;
        st = map_table(mem, phys, sig, sig, t, len);
        if (!st) {
            // Say which root entry led here, keep the table's own reason.
            st.entry = i;
            st.offset = off;
            return st;
        }
        table_phys = phys;
        table_len = len;
        return {};
    }
    if (!unreadable.ok()) return unreadable;
    return fail_v(root_name, "no table with the wanted signature", rd32(reinterpret_cast<const uint8_t*>(sig)));
}

status open_madt(const uint8_t* madt, size_t avail, madt_header& out) {
    out = {};
    status st = check_table(madt, avail, "APIC", "MADT");
    if (!st) return st;
    const uint32_t len = rd32(madt + sdt_off_length);
    if (len < madt_off_entries) return fail_v("MADT", "too short for its fixed fields", len, sdt_off_length);
    out.revision = rd8(madt + sdt_off_revision);
    out.length = len;
    out.local_controller = rd32(madt + madt_off_local_controller);
    out.flags = rd32(madt + madt_off_flags);
    return {};
}

status madt_cursor::next(madt_struct& s) {
    s = {};
    s.index = index;
    s.offset = offset;
    // ACPI 6.5 5.2.12: every structure starts with Type and Length.
    if (length - offset < 2) return fail("MADT", "truncated structure header", offset, index);
    s.type = rd8(table + offset);
    s.length = rd8(table + offset + 1);
    if (s.length < 2) return fail_v("MADT", "structure length below 2", s.length, offset, index);
    if (s.length > length - offset)
        return fail_v("MADT", "structure runs past the end of the table", s.length, offset, index);
    s.p = table + offset;
    offset += s.length;
    ++index;
    return {};
}

status check_length(const madt_struct& s, uint8_t min_len, uint8_t spec_len, const char* why_short,
                    const char*& note) {
    note = nullptr;
    if (s.length < min_len) return fail_v("MADT", why_short, s.length, s.offset, s.index);
    if (s.length > spec_len) note = "longer than ACPI 6.5 defines (the extra bytes are ignored)";
    return {};
}

}  // namespace smpboot::acpi
