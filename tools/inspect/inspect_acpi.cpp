// SPDX-License-Identifier: MIT
// ACPI input: a MADT alone, or a directory of tables as `acpidump -b` writes
// them. smpboot::x86::acpi checks every table (check_table, parse_rsdp) and
// scans the MADT (scan_madt), exactly as the x86 example kernel does; its
// entry visitor gives the per-structure story printed here.
#include "report.hpp"

#include <smpboot/x86/acpi.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace smpboot::inspect {
namespace acpi = smpboot::x86::acpi;

std::string describe(const smpboot::acpi::status& st) {
    line<256> l;
    smpboot::acpi::describe(st, l);
    return l.c_str();
}

namespace {

struct collector {
    std::vector<acpi::madt_entry> entries;
    static void fn(void* ctx, const acpi::madt_entry& e) { static_cast<collector*>(ctx)->entries.push_back(e); }
};

std::string sig_text(const uint8_t* p, size_t n) {
    std::string s;
    for (size_t i = 0; i < 4 && i < n; ++i) s += (p[i] >= 0x20 && p[i] < 0x7f) ? char(p[i]) : '?';
    return s;
}

using smpboot::acpi::le::rd32;
using smpboot::acpi::madt_off_entries;
using smpboot::acpi::sdt_header_len;
constexpr uint32_t sdt_len_off = smpboot::acpi::sdt_off_length;

struct warnings {
    report& r;
    static void fn(void* ctx, const smpboot::acpi::status& w) {
        static_cast<warnings*>(ctx)->r.errors.push_back("warning: " + describe(w));
    }
};

/// The MADT part shared by both inputs.
void scan(report& r, const uint8_t* madt, size_t len, const options& opt) {
    r.arch = "x86";
    const hwid_t boot = opt.boot_hwid ? *opt.boot_hwid : acpi::any_boot_cpu;
    r.boot_hwid_origin = opt.boot_hwid ? "--boot-hwid" : "first enabled CPU entry";
    const uint32_t cap = opt.max_cpus ? opt.max_cpus : 1;
    std::vector<cpu_desc> out(cap);
    uint32_t count = 0;
    acpi::madt_info info;
    collector col;
    warnings w{r};
    const acpi::warn_sink warn{&warnings::fn, &w};
    const acpi::status st = acpi::scan_madt(madt, len, boot, out.data(), cap, count, info, &collector::fn, &col, &warn);
    if (!st) r.errors.insert(r.errors.begin(), describe(st));
    // A refused table is refused whole (the kernel boots no AP from it), and
    // the parser then often reports no structure. To still show what the
    // table holds, scan a repaired copy: any boot CPU, the length cut to what
    // was read and to before a malformed structure, the checksum made right.
    // Those rows are never usable.
    const bool refused = !st;
    const bool cut_at_entry = !st && st.entry != acpi::status::no_entry && st.offset >= madt_off_entries && st.offset <= len;
    if (!st && col.entries.empty()) {
        const std::vector<uint8_t> cut = repaired_madt(madt, len, st);
        uint32_t c2 = 0;
        if (!cut.empty())
            (void)acpi::scan_madt(cut.data(), cut.size(), acpi::any_boot_cpu, out.data(), cap, c2, info,
                                  &collector::fn, &col);
    }
    if (col.entries.empty()) return;

    if (len >= sdt_header_len) {
        r.facts.push_back({"madt_revision", fmt::format("MADT revision {}{}", info.revision,
                                                        info.revision >= acpi::madt_rev_online_capable
                                                            ? " (Online Capable flag defined)"
                                                            : " (before ACPI 6.3: no Online Capable flag)"),
                           info.revision, {}});
        r.facts.push_back({"madt_length", fmt::format("{} bytes, {} structures{}", rd32(madt + sdt_len_off), info.entries,
                                                      cut_at_entry ? " before the malformed one" : ""),
                           rd32(madt + sdt_len_off), {}});
    }
    r.facts.push_back({"lapic_address", fmt::format("local APIC at {}{}", hex(info.lapic_phys),
                                                    info.lapic_override ? " (from a type 5 override)" : ""),
                       info.lapic_phys, {}});
    if (info.mp_wakeup_mailbox)
        r.facts.push_back({"mp_wakeup_mailbox",
                           fmt::format("Multiprocessor Wakeup mailbox at {} (version {}): APs are started through it, "
                                       "not INIT-SIPI-SIPI",
                                       hex(info.mp_wakeup_mailbox), info.mp_wakeup_version),
                           info.mp_wakeup_mailbox, {}});
    r.facts.push_back({"madt_flags", fmt::format("flags {}{}", hex(info.flags), info.flags & 1 ? " PCAT_COMPAT" : ""),
                       info.flags, {}});
    if (!refused) r.facts.push_back({"madt_summary", fmt::format("{} present, {} possible (hot-pluggable), {} disabled, {} rejected, {} past --max-cpus",
                                                info.present, info.possible, info.disabled, info.rejected, info.dropped),
                       {}, {}});

    for (const acpi::madt_entry& e : col.entries) {
        madt_struct ms{e.index, e.offset, e.type, e.length, smpboot::acpi::structure_name(e.type), acpi::to_string(e.use), "", {}};
        if (e.problem) ms.problem = e.problem;
        const bool x2 = e.type == uint8_t(acpi::madt_type::local_x2apic);
        if (e.type == uint8_t(acpi::madt_type::local_apic) || x2) {
            ms.summary = fmt::format("{} {} uid {} flags {}", x2 ? "x2APIC ID" : "APIC ID", hex(e.hwid), e.uid,
                                     hex(e.flags));
            cpu_row row;
            row.node = std::to_string(e.index);
            row.where = fmt::format("MADT entry {} at offset {}", e.index, hex(e.offset));
            row.hwid = e.hwid;
            row.enable_method = x2 ? "x2apic" : "apic";
            row.usable = e.use == acpi::usage::present;
            row.boot = e.boot;
            row.enabled = (e.flags & acpi::lapic_enabled) != 0;
            row.online_capable = (e.flags & acpi::lapic_online_capable) != 0;
            row.uid = e.uid;
            row.use = acpi::to_string(e.use);
            if (e.logical != no_cpu) row.logical = e.logical;
            switch (e.use) {
            case acpi::usage::present:
                if (e.problem) row.note = e.problem;
                break;
            case acpi::usage::possible:
                row.problem = "not enabled; online capable, so it may be hot-added later";
                break;
            case acpi::usage::disabled:
                row.problem = "disabled (Enabled clear, not online capable)";
                break;
            default:
                row.problem = e.problem ? e.problem : acpi::to_string(e.use);
                break;
            }
            if (e.problem) r.errors.push_back(fmt::format("{}: {}", row.where, e.problem));
            if (refused) {
                row.usable = false;
                row.boot = false;
                row.logical.reset();
                row.problem = "the MADT is refused: " + r.errors.front();
            }
            r.cpus.push_back(std::move(row));
        } else {
            if (e.type == uint8_t(acpi::madt_type::local_apic_override))
                ms.summary = fmt::format("address {}", hex(e.address));
            if (e.type == uint8_t(acpi::madt_type::mp_wakeup))
                ms.summary = e.version >= 1 ? fmt::format("mailbox {} version {} reset vector {}", hex(e.address),
                                                          e.version, hex(e.reset_vector))
                                            : fmt::format("mailbox {} version {}", hex(e.address), e.version);
            if (e.problem)
                r.errors.push_back(fmt::format("MADT entry {} at offset {}: {}", e.index, hex(e.offset), e.problem));
        }
        r.madt.push_back(std::move(ms));
    }
    if (!st) return;   // no plan from a refused table

    // The plan: logical order, the boot CPU first; possible CPUs wait for a hot-add.
    for (uint32_t c = 0; c < count; ++c) {
        plan_step s{c, out[c].hwid, "", ""};
        if (c == 0) {
            s.method = "boot";
            s.detail = info.boot_listed ? "running already (boot CPU)" : "running already; not listed in the MADT";
            r.boot_hwid = out[c].hwid;
        } else if (!out[c].present) {
            s.method = "none";
            s.detail = "possible only: not started until the platform hot-adds it";
        } else if (info.mp_wakeup_mailbox) {
            // ACPI 6.4 5.2.12.19: the backend then sends no INIT or SIPI.
            s.method = "mp-wakeup";
            s.detail = fmt::format("Wakeup command for APIC ID {} in the mailbox at {}", hex(out[c].hwid),
                                   hex(info.mp_wakeup_mailbox));
        } else {
            s.method = "init-sipi-sipi";
            // Intel SDM Vol. 3A 10.6.1 / 10.12.10: an xAPIC ICR destination is 8 bits.
            s.detail = out[c].hwid > 0xfe ? fmt::format("INIT, SIPI, SIPI to x2APIC ID {} (needs x2APIC mode)", hex(out[c].hwid))
                                          : fmt::format("INIT, SIPI, SIPI to APIC ID {}", hex(out[c].hwid));
        }
        r.plan.push_back(std::move(s));
    }
    r.usable_input = count > 0;
}

}  // namespace

std::vector<uint8_t> repaired_madt(const uint8_t* madt, size_t len, const smpboot::acpi::status& st) {
    if (len < madt_off_entries) return {};
    size_t keep = std::min<size_t>(len, std::max<uint32_t>(rd32(madt + sdt_len_off), madt_off_entries));
    if (st.entry != smpboot::acpi::status::no_entry && st.offset >= madt_off_entries && st.offset <= len)
        keep = std::min<size_t>(keep, st.offset);
    std::vector<uint8_t> cut(madt, madt + keep);
    const uint32_t n = uint32_t(keep);
    for (uint32_t i = 0; i < 4; ++i) cut[sdt_len_off + i] = uint8_t(n >> (8 * i));
    uint8_t sum = 0;
    cut[smpboot::acpi::sdt_off_checksum] = 0;
    for (uint8_t b : cut) sum = uint8_t(sum + b);
    cut[smpboot::acpi::sdt_off_checksum] = uint8_t(-sum);
    return cut;
}

bool is_arm64_madt(const uint8_t* madt, size_t len) {
    // Walk what can be walked of a possibly refused table.
    const std::vector<uint8_t> t = repaired_madt(madt, len, {});
    smpboot::acpi::madt_header h;
    if (t.empty() || !smpboot::acpi::open_madt(t.data(), t.size(), h)) return false;
    bool gicc = false, lapic = false;
    smpboot::acpi::madt_struct s;
    for (smpboot::acpi::madt_cursor c(t.data(), h); !c.done() && c.next(s);) {
        gicc |= s.type == arm64::acpi::madt_type_gicc;
        lapic |= s.type == uint8_t(acpi::madt_type::local_apic) || s.type == uint8_t(acpi::madt_type::local_x2apic);
    }
    return gicc && !lapic;
}

report inspect_madt(const std::string& file, const std::vector<uint8_t>& data, const options& opt) {
    report r;
    r.source = "madt";
    r.file = file;
    if (is_arm64_madt(data.data(), data.size())) {
        // No FADT: PSCI is what --psci says.
        arm64::acpi::fadt_info fadt;
        fadt.revision = 6;
        if (opt.psci != "none") fadt.arm_boot = arm64::acpi::boot_psci_compliant;
        if (opt.psci == "hvc") fadt.arm_boot |= arm64::acpi::boot_psci_use_hvc;
        r.facts.push_back({"fadt", fmt::format("no FADT given: --psci {} assumed", opt.psci), {}, "--psci " + opt.psci});
        scan_gicc(r, data.data(), data.size(), fadt, opt);
    } else {
        scan(r, data.data(), data.size(), opt);
    }
    return r;
}

report inspect_acpi_dir(const std::string& dir, const options& opt) {
    namespace fs = std::filesystem;
    report r;
    r.source = "madt";
    r.file = dir;

    std::vector<fs::path> files;
    std::error_code ec;
    for (const auto& de : fs::directory_iterator(dir, ec))
        if (de.is_regular_file()) files.push_back(de.path());
    if (ec) {
        r.errors.push_back(fmt::format("{}: {}", dir, ec.message()));
        return r;
    }
    std::sort(files.begin(), files.end());

    std::vector<uint8_t> madt, fadt;
    std::string madt_file, fadt_file;
    for (const fs::path& p : files) {
        std::ifstream in(p, std::ios::binary);
        std::vector<uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        table_file tf;
        tf.file = p.filename().string();
        tf.length = uint32_t(data.size());
        // Tables are named by their contents, not their file names.
        if (data.size() >= 8 && std::equal(data.begin(), data.begin() + 8, "RSD PTR ")) {
            tf.signature = "RSDP";
            acpi::rsdp_info info;
            const acpi::status st = acpi::parse_rsdp(data.data(), data.size(), 0, info);
            tf.valid = st.ok();
            if (!st) tf.problem = describe(st);
            else
                r.facts.push_back({"rsdp", fmt::format("RSDP revision {}: RSDT {}, XSDT {}", info.revision,
                                                       hex(info.rsdt), hex(info.xsdt)),
                                   {}, {}});
        } else {
            tf.signature = sig_text(data.data(), data.size());
            // ACPI 6.5 5.2.6: signatures are four upper-case letters or digits.
            const bool sig_ok = tf.signature.size() == 4 &&
                                std::all_of(tf.signature.begin(), tf.signature.end(), [](char c) {
                                    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
                                });
            if (!sig_ok) {
                tf.problem = "not an ACPI table (no signature)";
                tf.signature.clear();
                r.errors.push_back(fmt::format("{}: {}", tf.file, tf.problem));
                r.tables.push_back(std::move(tf));
                continue;
            }
            // ACPI 6.5 Table 5.5: the tables' usual names.
            const char* name = tf.signature == "APIC" ? "MADT" : tf.signature == "FACP" ? "FADT" : tf.signature.c_str();
            const acpi::status st = acpi::check_table(data.data(), data.size(), nullptr, name);
            tf.valid = st.ok();
            if (!st) tf.problem = describe(st);
            else tf.length = rd32(data.data() + sdt_len_off);
            if (tf.signature == "FACP" && st && fadt_file.empty()) {
                fadt = data;
                fadt_file = tf.file;
            }
            if (tf.signature == "APIC") {
                if (!st) {
                    // Listed below; scanning it would only say the same again.
                } else if (madt_file.empty()) {
                    madt = data;
                    madt_file = tf.file;
                } else {
                    r.errors.push_back(fmt::format("{}: a second MADT (ignored; {} is used)", tf.file, madt_file));
                }
            }
        }
        if (!tf.valid) r.errors.push_back(fmt::format("{}: {}", tf.file, tf.problem));
        r.tables.push_back(std::move(tf));
    }
    if (madt_file.empty()) {
        r.errors.push_back(fmt::format("{}: no usable MADT (a valid table with signature APIC)", dir));
        return r;
    }
    r.facts.push_back({"madt_file", fmt::format("MADT from {}", madt_file), {}, madt_file});
    if (!is_arm64_madt(madt.data(), madt.size())) {
        scan(r, madt.data(), madt.size(), opt);
        return r;
    }
    // arm64: PSCI and its conduit come from the FADT (ACPI 6.5 Table 5.11).
    arm64::acpi::fadt_info f;
    bool fadt_ok = false;
    if (fadt_file.empty()) r.errors.push_back(fmt::format("{}: no usable FADT (signature FACP): PSCI unknown, no CPU can be started", dir));
    else if ((fadt_ok = read_fadt_file(r, fadt, fadt_file, f))) r.facts.push_back({"fadt_file", fmt::format("FADT from {}", fadt_file), {}, fadt_file});
    scan_gicc(r, madt.data(), madt.size(), f, opt);
    // The kernel's discover() refuses ACPI without a usable FADT (arm64/acpi.hpp),
    // so not even a parking protocol CPU is started then.
    if (!fadt_ok && r.plan.size() > 1) r.plan.resize(1);
    return r;
}

}  // namespace smpboot::inspect
