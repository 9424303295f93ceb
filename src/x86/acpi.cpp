// SPDX-License-Identifier: MIT
// ACPI table walking for CPU discovery. Firmware tables are untrusted input:
// every read is bounds-checked against what the reader mapped, and every
// loop advances by at least one byte, so no table can make this crash, read
// out of bounds or spin.
#include <smpboot/x86/acpi.hpp>

namespace smpboot::x86::acpi {
namespace {

// Little-endian reads at any alignment (tables are byte-packed).
uint8_t rd8(const uint8_t* p) { return p[0]; }
uint16_t rd16(const uint8_t* p) { return uint16_t(p[0] | (p[1] << 8)); }
uint32_t rd32(const uint8_t* p) { return uint32_t(rd16(p)) | (uint32_t(rd16(p + 2)) << 16); }
uint64_t rd64(const uint8_t* p) { return uint64_t(rd32(p)) | (uint64_t(rd32(p + 4)) << 32); }

bool same4(const uint8_t* p, const char* sig) {
    return p[0] == uint8_t(sig[0]) && p[1] == uint8_t(sig[1]) && p[2] == uint8_t(sig[2]) &&
           p[3] == uint8_t(sig[3]);
}

uint8_t sum(const uint8_t* p, size_t n) {
    uint8_t s = 0;
    for (size_t i = 0; i < n; ++i) s = uint8_t(s + p[i]);
    return s;
}

status fail(const char* table, const char* why, uint32_t offset = 0, uint32_t entry = status::no_entry) {
    status s;
    s.why = why;
    s.table = table;
    s.entry = entry;
    s.offset = offset;
    return s;
}
status fail_v(const char* table, const char* why, uint64_t value, uint32_t offset = 0,
              uint32_t entry = status::no_entry) {
    status s = fail(table, why, offset, entry);
    s.value = value;
    s.has_value = true;
    return s;
}

// ACPI 6.5 5.2.5.3 Table 5.3: RSDP layout.
constexpr size_t rsdp_v1_len = 20;
constexpr size_t rsdp_v2_len = 36;
constexpr uint32_t rsdp_off_rev = 15, rsdp_off_rsdt = 16, rsdp_off_len = 20, rsdp_off_xsdt = 24;
// ACPI 6.5 5.2.6 Table 5.4: the common System Description Table header.
constexpr uint32_t sdt_header_len = 36;
constexpr uint32_t sdt_off_len = 4, sdt_off_rev = 8;
// Nothing we read is anywhere near this; it bounds what a bad length maps.
constexpr uint32_t sdt_max_len = 1u << 20;
// ACPI 6.5 5.2.12 Table 5.19: MADT fields after the header.
constexpr uint32_t madt_off_lapic = 36, madt_off_flags = 40, madt_off_entries = 44;
// ACPI 6.5 Tables 5.22, 5.29, 5.37: structure lengths.
constexpr uint8_t len_local_apic = 8, len_lapic_override = 12, len_local_x2apic = 16;
// Intel SDM Vol. 3A 10.6.2.1 / 10.12.9: these IDs address every CPU.
constexpr hwid_t xapic_broadcast = 0xff, x2apic_broadcast = 0xffffffff;

// ACPI 6.5 5.2.5.1: the EBDA segment is at 0x40E; search its first KiB and
// 0xE0000-0xFFFFF on 16-byte boundaries.
constexpr uint64_t ebda_ptr_phys = 0x40e, ebda_search_len = 1024;
constexpr uint64_t bios_area_phys = 0xe0000, bios_area_len = 0x20000;

}  // namespace

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
    const uint32_t len = rd32(t + sdt_off_len);
    if (len < sdt_header_len) return fail_v(name, "length shorter than the header", len, sdt_off_len);
    if (len > avail) return fail_v(name, "length beyond the readable table", len, sdt_off_len);
    if (sum(t, len) != 0) return fail(name, "bad checksum", 9);
    return {};
}

namespace {
/// Map a whole SDT in two steps: its header, then its declared length.
status map_table(const phys_reader& mem, uint64_t phys, const char* sig, const char* name,
                 const uint8_t*& t, uint32_t& len) {
    const uint8_t* h = mem.get(phys, sdt_header_len);
    if (!h) return fail_v(name, "header not mapped", phys);
    len = rd32(h + sdt_off_len);
    if (len < sdt_header_len || len > sdt_max_len)
        return fail_v(name, "implausible length", len, sdt_off_len);
    t = mem.get(phys, len);
    if (!t) return fail_v(name, "table not mapped", phys);
    return check_table(t, len, sig, name);
}
}  // namespace

status find_table(const phys_reader& mem, const rsdp_info& rsdp, const char* sig,
                  uint64_t& table_phys, uint32_t& table_len) {
    const bool x = rsdp.revision >= 2 && rsdp.xsdt != 0;
    const char* root_name = x ? "XSDT" : "RSDT";
    const uint32_t ptr_size = x ? 8 : 4;
    const uint8_t* root;
    uint32_t root_len;
    status st = map_table(mem, x ? rsdp.xsdt : rsdp.rsdt, x ? "XSDT" : "RSDT", root_name, root, root_len);
    if (!st) return st;
    if ((root_len - sdt_header_len) % ptr_size != 0)
        return fail_v(root_name, "length is not a whole number of pointers", root_len, sdt_off_len);
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

namespace {

struct scanner {
    const uint8_t* t;
    uint32_t len;
    madt_info& info;

    /// Decode the structure at `off` into `e`; a structural error stops the scan.
    status decode(uint32_t index, uint32_t off, madt_entry& e) const {
        e = {};
        e.index = index;
        e.offset = off;
        if (len - off < 2) return fail("MADT", "truncated structure header", off, index);
        e.type = rd8(t + off);
        e.length = rd8(t + off + 1);
        if (e.length < 2) return fail_v("MADT", "structure length below 2", e.length, off, index);
        if (e.length > len - off)
            return fail_v("MADT", "structure runs past the end of the table", e.length, off, index);
        const uint8_t* p = t + off;
        switch (madt_type(e.type)) {
        case madt_type::local_apic:
            if (e.length != len_local_apic)
                return fail_v("MADT", "wrong length for a Processor Local APIC", e.length, off, index);
            e.uid = rd8(p + 2);
            e.hwid = rd8(p + 3);
            e.flags = rd32(p + 4);
            break;
        case madt_type::local_x2apic:
            if (e.length != len_local_x2apic)
                return fail_v("MADT", "wrong length for a Processor Local x2APIC", e.length, off, index);
            e.hwid = rd32(p + 4);
            e.flags = rd32(p + 8);
            e.uid = rd32(p + 12);
            break;
        case madt_type::mp_wakeup:
            // ACPI 6.4 Table 5.44: Type, Length, MailboxVersion (2), Reserved
            // (4), MailboxAddress (8); ACPI 6.6 appends ResetVector (8).
            if (e.length < len_mp_wakeup_v0)
                return fail_v("MADT", "too short for a Multiprocessor Wakeup structure", e.length, off, index);
            e.version = rd16(p + 2);
            e.address = rd64(p + 8);
            if (e.version >= 1 && e.length >= len_mp_wakeup_v1) e.reset_vector = rd64(p + 16);
            break;
        case madt_type::local_apic_override:
            if (e.length != len_lapic_override)
                return fail_v("MADT", "wrong length for a Local APIC Address Override", e.length, off,
                              index);
            e.address = rd64(p + 4);
            break;
        default:
            break;
        }
        return {};
    }

    static bool is_cpu(const madt_entry& e) {
        return e.type == uint8_t(madt_type::local_apic) || e.type == uint8_t(madt_type::local_x2apic);
    }

    /// present / possible / disabled from the flags; rejected for IDs that
    /// cannot name one CPU.
    usage classify(madt_entry& e) const {
        const hwid_t broadcast =
            e.type == uint8_t(madt_type::local_apic) ? xapic_broadcast : x2apic_broadcast;
        if (e.hwid == broadcast && (e.flags & (lapic_enabled | lapic_online_capable))) {
            e.problem = "the broadcast APIC ID cannot name a CPU";
            return usage::rejected;
        }
        if (e.flags & lapic_enabled) {
            if (e.flags & lapic_online_capable)
                e.problem = "online capable set on an enabled entry (ignored)";
            return usage::present;
        }
        if ((e.flags & lapic_online_capable) && info.revision >= madt_rev_online_capable)
            return usage::possible;
        return usage::disabled;
    }
};

/// The first Multiprocessor Wakeup structure with a mailbox we can use
/// becomes madt_info's; the others are listed with the reason.
void note_mp_wakeup(madt_entry& e, madt_info& info) {
    if (info.mp_wakeup_mailbox != 0) {
        e.problem = "a second Multiprocessor Wakeup structure (ignored)";
    } else if (e.address == 0 || e.address % mp_wakeup_mailbox_align != 0) {
        // ACPI 6.4 5.2.12.19: "a 4K-aligned 4K-size memory block".
        e.problem = "mailbox address not 4 KiB aligned (ignored: INIT-SIPI-SIPI)";
    } else {
        info.mp_wakeup_mailbox = e.address;
        info.mp_wakeup_version = e.version;
        info.mp_wakeup_reset_vector = e.reset_vector;
    }
}

}  // namespace

status scan_madt(const uint8_t* madt, size_t avail, hwid_t boot_id, cpu_desc* out, uint32_t cap,
                 uint32_t& count, madt_info& info, entry_visitor visit, void* visit_ctx) {
    count = 0;
    info = {};
    status st = check_table(madt, avail, "APIC", "MADT");
    if (!st) return st;
    const uint32_t len = rd32(madt + sdt_off_len);
    if (len < madt_off_entries) return fail_v("MADT", "too short for its fixed fields", len, sdt_off_len);
    info.revision = rd8(madt + sdt_off_rev);
    info.lapic_phys = rd32(madt + madt_off_lapic);
    info.flags = rd32(madt + madt_off_flags);
    if (!out) cap = 0;

    scanner sc{madt, len, info};
    madt_entry e;

    // Pass 1: check the structure chain and find the boot CPU's entry, so
    // that it can be logical 0 wherever the firmware listed it.
    uint32_t boot_index = status::no_entry;
    hwid_t boot_hwid = boot_id;
    bool boot_seen_disabled = false;
    uint32_t index = 0;
    for (uint32_t off = madt_off_entries; off < len; off += e.length, ++index) {
        st = sc.decode(index, off, e);
        if (!st) return st;
        if (!scanner::is_cpu(e) || boot_index != status::no_entry) continue;
        const usage u = sc.classify(e);
        const bool match = boot_id == any_boot_cpu ? u == usage::present : e.hwid == boot_id;
        if (!match || u == usage::rejected) continue;
        // The boot CPU runs, whatever its flags say; note a disabled one.
        boot_seen_disabled = u != usage::present;
        boot_index = index;
        boot_hwid = e.hwid;
    }
    info.entries = index;
    if (boot_index == status::no_entry) {
        if (boot_id == any_boot_cpu) return fail("MADT", "no enabled CPU entry");
        return fail_v("MADT", "the boot CPU's APIC ID is not listed", boot_id);
    }
    if (cap > 0) {
        out[0] = {boot_hwid, true};
        count = 1;
    }
    cpu_id next_logical = 1;

    // Pass 2: classify, number and report every structure.
    index = 0;
    for (uint32_t off = madt_off_entries; off < len; off += e.length, ++index) {
        st = sc.decode(index, off, e);
        if (!st) return st;   // unreachable: pass 1 checked the chain
        if (e.type == uint8_t(madt_type::local_apic_override)) {
            if (info.lapic_override) {
                e.problem = "a second address override (ignored)";
            } else {
                info.lapic_override = true;
                info.lapic_phys = e.address;
            }
        } else if (e.type == uint8_t(madt_type::mp_wakeup)) {
            note_mp_wakeup(e, info);
        } else if (scanner::is_cpu(e)) {
            e.use = sc.classify(e);
            if (index == boot_index) {
                e.boot = true;
                e.use = usage::present;
                e.logical = 0;
                if (boot_seen_disabled) e.problem = "the boot CPU's entry is not enabled";
            } else if (e.use == usage::present || e.use == usage::possible) {
                bool dup = e.hwid == boot_hwid;
                for (uint32_t i = 1; i < count && !dup; ++i) dup = out[i].hwid == e.hwid;
                if (dup) {
                    e.use = usage::rejected;
                    e.problem = "duplicate APIC ID";
                } else if (count < cap) {
                    out[count++] = {e.hwid, e.use == usage::present};
                    e.logical = next_logical++;
                } else {
                    e.use = usage::dropped;
                    e.problem = "more CPUs than the caller's capacity";
                }
            }
            switch (e.use) {
            case usage::present: ++info.present; break;
            case usage::possible: ++info.possible; break;
            case usage::disabled: ++info.disabled; break;
            case usage::rejected: ++info.rejected; break;
            case usage::dropped: ++info.dropped; break;
            case usage::info: break;
            }
        }
        if (visit) visit(visit_ctx, e);
    }
    if (info.lapic_phys == 0) return fail("MADT", "no local APIC address", madt_off_lapic);
    return {};
}

status discover(const phys_reader& mem, uint64_t rsdp_phys, hwid_t boot_id, cpu_desc* out,
                uint32_t cap, uint32_t& count, madt_info& info, entry_visitor visit, void* visit_ctx) {
    count = 0;
    status st;
    if (rsdp_phys == 0) {
        st = find_rsdp(mem, rsdp_phys);
        if (!st) return st;
    }
    rsdp_info rsdp;
    // A revision 0 RSDP may sit in the last 20 bytes of what can be mapped.
    size_t rsdp_len = rsdp_v2_len;
    const uint8_t* p = mem.get(rsdp_phys, rsdp_len);
    if (!p) p = mem.get(rsdp_phys, rsdp_len = rsdp_v1_len);
    st = parse_rsdp(p, rsdp_len, rsdp_phys, rsdp);
    if (!st) return st;
    uint64_t madt_phys = 0;
    uint32_t madt_len = 0;
    st = find_table(mem, rsdp, "APIC", madt_phys, madt_len);
    if (!st) return st;
    return scan_madt(mem.get(madt_phys, madt_len), madt_len, boot_id, out, cap, count, info, visit,
                     visit_ctx);
}

}  // namespace smpboot::x86::acpi
