// SPDX-License-Identifier: MIT
// The x86 reading of the MADT: Local APIC and x2APIC structures become
// cpu_desc[], the boot CPU first. Finding and checking the tables, and the
// structure walk, are the shared reader's (src/acpi/tables.cpp).
#include <smpboot/x86/acpi.hpp>

namespace smpboot::x86::acpi {
namespace {

namespace gen = smpboot::acpi;
using gen::fail;
using gen::fail_v;
using gen::le::rd32;
using gen::le::rd64;
using gen::le::rd8;

// ACPI 6.5 Tables 5.22, 5.29, 5.37: structure lengths (all three have kept
// their size since they were defined; a longer one is accepted with a note).
constexpr uint8_t len_local_apic = 8, len_lapic_override = 12, len_local_x2apic = 16;
// Intel SDM Vol. 3A 10.6.2.1 / 10.12.9: these IDs address every CPU.
constexpr hwid_t xapic_broadcast = 0xff, x2apic_broadcast = 0xffffffff;

struct scanner {
    const madt_info& info;

    /// Decode the structure `s` into `e`; a CPU structure too short for its
    /// fields stops the scan.
    status decode(const gen::madt_struct& s, madt_entry& e) const {
        e = {};
        e.index = s.index;
        e.offset = s.offset;
        e.type = s.type;
        e.length = s.length;
        const uint8_t* p = s.p;
        status st;
        switch (madt_type(e.type)) {
        case madt_type::local_apic:
            st = gen::check_length(s, len_local_apic, len_local_apic, "too short for a Processor Local APIC",
                                   e.problem);
            if (!st) return st;
            e.uid = rd8(p + 2);
            e.hwid = rd8(p + 3);
            e.flags = rd32(p + 4);
            break;
        case madt_type::local_x2apic:
            st = gen::check_length(s, len_local_x2apic, len_local_x2apic,
                                   "too short for a Processor Local x2APIC", e.problem);
            if (!st) return st;
            e.hwid = rd32(p + 4);
            e.flags = rd32(p + 8);
            e.uid = rd32(p + 12);
            break;
        case madt_type::mp_wakeup:
            // ACPI 6.4 Table 5.44: Type, Length, MailboxVersion (2), Reserved
            // (4), MailboxAddress (8); ACPI 6.6 appends ResetVector (8).
            st = gen::check_length(s, len_mp_wakeup_v0, e.length >= len_mp_wakeup_v1 ? len_mp_wakeup_v1
                                                                                     : len_mp_wakeup_v0,
                                   "too short for a Multiprocessor Wakeup structure", e.problem);
            if (!st) return st;
            e.version = gen::le::rd16(p + 2);
            e.address = rd64(p + 8);
            if (e.version >= 1 && e.length >= len_mp_wakeup_v1) e.reset_vector = rd64(p + 16);
            break;
        case madt_type::local_apic_override:
            st = gen::check_length(s, len_lapic_override, len_lapic_override,
                                   "too short for a Local APIC Address Override", e.problem);
            if (!st) return st;
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
                 uint32_t& count, madt_info& info, entry_visitor visit, void* visit_ctx,
                 const warn_sink* warn) {
    count = 0;
    info = {};
    gen::madt_header h;
    status st = gen::open_madt(madt, avail, h);
    if (!st) return st;
    info.revision = h.revision;
    info.lapic_phys = h.local_controller;
    info.flags = h.flags;
    if (!out) cap = 0;

    const scanner sc{info};
    gen::madt_struct s;
    madt_entry e;

    // Pass 1: check the structure chain and find the boot CPU's entry, so
    // that it can be logical 0 wherever the firmware listed it.
    uint32_t boot_index = status::no_entry;
    hwid_t boot_hwid = boot_id;
    bool boot_seen_disabled = false;
    for (gen::madt_cursor c(madt, h); !c.done();) {
        st = c.next(s);
        if (!st) return st;
        st = sc.decode(s, e);
        if (!st) return st;
        ++info.entries;
        if (!scanner::is_cpu(e) || boot_index != status::no_entry) continue;
        const usage u = sc.classify(e);
        const bool match = boot_id == any_boot_cpu ? u == usage::present : e.hwid == boot_id;
        if (!match || u == usage::rejected) continue;
        // The boot CPU runs, whatever its flags say; note a disabled one.
        boot_seen_disabled = u != usage::present;
        boot_index = e.index;
        boot_hwid = e.hwid;
    }
    if (boot_index == status::no_entry) {
        if (boot_id == any_boot_cpu) return fail("MADT", "no enabled CPU entry");
        // Linux (smp_sanity_check: "weird, boot CPU not listed by the BIOS")
        // adds the running CPU anyway: it is certainly there.
        info.boot_listed = false;
        if (warn) (*warn)(fail_v("MADT", "the boot CPU's APIC ID is not listed (it runs as logical 0 anyway)", boot_id));
    }
    if (cap > 0) {
        out[0] = {boot_hwid, true};
        count = 1;
    }
    cpu_id next_logical = 1;

    // Pass 2: classify, number and report every structure.
    for (gen::madt_cursor c(madt, h); !c.done();) {
        if (!c.next(s) || !sc.decode(s, e)) break;   // unreachable: pass 1 checked the chain
        if (e.problem && warn) (*warn)(fail_v("MADT", e.problem, e.length, e.offset, e.index));
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
            if (e.index == boot_index) {
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
    if (!info.boot_listed && cap > 0) ++info.present;
    if (info.lapic_phys == 0) return fail("MADT", "no local APIC address", gen::madt_off_local_controller);
    return {};
}

status discover(const phys_reader& mem, uint64_t rsdp_phys, hwid_t boot_id, cpu_desc* out,
                uint32_t cap, uint32_t& count, madt_info& info, entry_visitor visit, void* visit_ctx,
                const warn_sink* warn) {
    count = 0;
    status st;
    if (rsdp_phys == 0) {
        st = find_rsdp(mem, rsdp_phys);
        if (!st) return st;
    }
    rsdp_info rsdp;
    st = gen::open_rsdp(mem, rsdp_phys, rsdp);
    if (!st) return st;
    uint64_t madt_phys = 0;
    uint32_t madt_len = 0;
    st = find_table(mem, rsdp, "APIC", madt_phys, madt_len, warn);
    if (!st) return st;
    return scan_madt(mem.get(madt_phys, madt_len), madt_len, boot_id, out, cap, count, info, visit,
                     visit_ctx, warn);
}

}  // namespace smpboot::x86::acpi
