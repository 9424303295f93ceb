// SPDX-License-Identifier: MIT
// arm64 ACPI input: smpboot::arm64::acpi reads the FADT's ARM boot flags
// (read_fadt) and the MADT's GICC structures (discover_cpus), exactly as
// the arm64 example kernel does under UEFI; its visitor gives every
// structure with its raw fields, printed here.
#include "report.hpp"

#include <smpboot/arm64/acpi.hpp>

#include <fmt/format.h>

namespace smpboot::inspect {
namespace {
namespace a64 = smpboot::arm64::acpi;

struct collector {
    std::vector<a64::madt_entry> entries;
    static void fn(void* ctx, const a64::madt_entry& e) { static_cast<collector*>(ctx)->entries.push_back(e); }
};

struct log_lines {
    std::vector<std::string> lines;
    static void fn(void* ctx, log_level, const char* l) { static_cast<log_lines*>(ctx)->lines.emplace_back(l); }
};

/// The boot CPU a tool assumes: --boot-hwid, else the first enabled GICC
/// whose MPIDR holds only affinity bits.
std::optional<uint64_t> default_boot(const uint8_t* madt, size_t len) {
    smpboot::acpi::madt_header h;
    if (!smpboot::acpi::open_madt(madt, len, h)) return std::nullopt;
    smpboot::acpi::madt_struct s;
    for (smpboot::acpi::madt_cursor c(madt, h); !c.done() && c.next(s);) {
        a64::gicc g;
        const char* note;
        if (s.type == a64::madt_type_gicc && a64::decode_gicc(s, g, note) && (g.flags & a64::gicc_enabled) &&
            !(g.mpidr & ~arm64::mpidr_affinity_mask))
            return g.mpidr;
    }
    return std::nullopt;
}

}  // namespace

bool read_fadt_file(report& r, const std::vector<uint8_t>& data, const std::string& file, a64::fadt_info& out) {
    const a64::status st = a64::read_fadt(data.data(), data.size(), out);
    if (!st) {
        r.errors.push_back(fmt::format("{}: {}", file, describe(st)));
        return false;
    }
    std::string flags;
    if (out.arm_boot & a64::boot_psci_compliant) flags += " PSCI_COMPLIANT";
    if (out.arm_boot & a64::boot_psci_use_hvc) flags += " PSCI_USE_HVC";
    r.facts.push_back({"fadt_revision", fmt::format("FADT {}.{}{}", out.revision, out.minor,
                                                    out.flags & a64::fadt_hw_reduced ? ", HW_REDUCED_ACPI" : ""),
                       uint64_t(out.revision) << 8 | out.minor, {}});
    r.facts.push_back({"arm_boot_flags", fmt::format("ARM boot flags {}{}", hex(out.arm_boot), flags), out.arm_boot, {}});
    if (!(out.flags & a64::fadt_hw_reduced))
        r.errors.push_back(fmt::format("warning: {}: HW_REDUCED_ACPI is clear (Arm's boot requirements ask for it)", file));
    return true;
}

void scan_gicc(report& r, const uint8_t* madt, size_t len, const a64::fadt_info& fadt, const options& opt) {
    r.arch = "arm64";
    const std::optional<uint64_t> boot = opt.boot_hwid ? opt.boot_hwid : default_boot(madt, len);
    r.boot_hwid_origin = opt.boot_hwid ? "--boot-hwid" : "first enabled GICC";
    const uint32_t cap = opt.max_cpus ? opt.max_cpus : 1;
    std::vector<arm64::cpu_info> cpus(cap);
    collector col;
    a64::madt_info info;
    log_lines log;
    const arm64::discovery_log dlog{&log_lines::fn, &log};
    // No boot CPU at all: an MPIDR no GICC can have, so the parser says so.
    const arm64::discovery_result res = a64::discover_cpus(madt, len, fadt, boot.value_or(~0ull), {cpus.data(), cap, nullptr, nullptr, 0},
                                                           &dlog, {&collector::fn, &col, &info});
    const arm64::psci_info& psci = res.psci;
    if (psci.present) r.psci_method = arm64::to_string(psci.method);
    r.facts.push_back({"psci", psci.present ? fmt::format("PSCI (FADT PSCI_COMPLIANT) by {}", arm64::to_string(psci.method))
                                            : std::string("no PSCI (FADT: not PSCI_COMPLIANT)"),
                       {}, psci.present ? arm64::to_string(psci.method) : "none"});
    const bool refused = !res.ok();
    if (refused) r.errors.push_back(describe(res.acpi));
    if (!boot) r.errors.push_back("MADT: no enabled GICC with a valid MPIDR to take as the boot CPU");
    for (const std::string& l : log.lines)
        if (!refused || l != r.errors.front()) r.errors.push_back(l);

    // A refused table: list what a repaired copy holds, nothing usable.
    if (refused && col.entries.empty()) {
        const std::vector<uint8_t> cut = repaired_madt(madt, len, res.acpi);
        if (!cut.empty())
            (void)a64::discover_cpus(cut.data(), cut.size(), fadt, boot.value_or(~0ull), {cpus.data(), cap, nullptr, nullptr, 0},
                                     nullptr, {&collector::fn, &col, &info});
    }
    if (col.entries.empty() && refused) return;

    r.facts.push_back({"madt_revision", fmt::format("MADT revision {}", info.revision), info.revision, {}});
    r.facts.push_back({"madt_length", fmt::format("{} bytes, {} structures, {} GICCs", len >= 8 ? acpi::le::rd32(madt + 4) : 0,
                                                  info.entries, info.giccs),
                       len >= 8 ? acpi::le::rd32(madt + 4) : 0, {}});
    if (!refused)
        r.facts.push_back({"madt_summary", fmt::format("{} present, {} possible (online capable), {} disabled, {} rejected, {} past --max-cpus",
                                                       info.present, info.possible, info.disabled, info.rejected, info.dropped),
                           {}, {}});

    for (const a64::madt_entry& e : col.entries) {
        madt_struct ms{e.index, e.offset, e.type, e.length, smpboot::acpi::structure_name(e.type),
                       smpboot::acpi::to_string(e.use), "", {}};
        if (e.problem) ms.problem = e.problem;
        if (e.type != a64::madt_type_gicc) {
            r.madt.push_back(std::move(ms));
            continue;
        }
        const a64::gicc& g = e.cpu;
        ms.summary = fmt::format("MPIDR {} uid {} flags {}{}", hex(g.mpidr), g.uid, hex(g.flags),
                                 g.parking_version ? fmt::format(" parking v{} mailbox {}", g.parking_version, hex(g.parked_address)) : "");
        r.madt.push_back(std::move(ms));

        cpu_row row;
        row.node = std::to_string(e.index);
        row.where = fmt::format("MADT entry {} at offset {}", e.index, hex(e.offset));
        row.hwid = g.mpidr;
        if (e.method != arm64::enable_method::none) row.enable_method = arm64::to_string(e.method);
        row.usable = e.use == smpboot::acpi::usage::present && !refused;
        row.boot = e.boot && !refused;
        row.enabled = (g.flags & a64::gicc_enabled) != 0;
        row.online_capable = (g.flags & a64::gicc_online_capable) != 0;
        row.uid = g.uid;
        row.use = smpboot::acpi::to_string(e.use);
        if (e.logical != no_cpu && !refused) row.logical = e.logical;
        if (e.use == smpboot::acpi::usage::present || e.use == smpboot::acpi::usage::possible) {
            const arm64::topology tp = arm64::topology_of(g.mpidr);
            row.topo = topology{tp.package, tp.cluster, tp.core, tp.thread, false};
        }
        row.gicc = {{"length", e.length},
                    {"cpu_interface", g.cpu_interface},
                    {"flags", g.flags},
                    {"parking_version", g.parking_version},
                    {"parked_address", g.parked_address},
                    {"performance_gsiv", g.perf_gsiv},
                    {"base", g.base},
                    {"gicv", g.gicv},
                    {"gich", g.gich},
                    {"vgic_gsiv", g.vgic_gsiv},
                    {"gicr_base", g.gicr_base},
                    {"efficiency_class", g.efficiency_class},
                    {"spe_gsiv", g.spe_gsiv},
                    {"trbe_gsiv", g.trbe_gsiv}};
        switch (e.use) {
        case smpboot::acpi::usage::present:
            if (e.problem) row.note = e.problem;
            break;
        case smpboot::acpi::usage::possible:
            row.problem = "not enabled; online capable, so it may be brought online later";
            break;
        case smpboot::acpi::usage::disabled:
            row.problem = "disabled (neither Enabled nor Online Capable)";
            break;
        default:
            row.problem = e.problem ? e.problem : smpboot::acpi::to_string(e.use);
            break;
        }
        if (refused) {
            row.problem = "the MADT is refused: " + r.errors.front();
            row.note.reset();
            row.topo.reset();
        }
        r.cpus.push_back(std::move(row));
    }
    if (refused) return;

    // The plan: logical order; possible CPUs wait until the platform brings them online.
    for (uint32_t c = 0; c < res.count; ++c) {
        const arm64::cpu_info& ci = cpus[c];
        plan_step s{c, ci.hwid, "", ""};
        const bool possible = [&] {
            for (const a64::madt_entry& e : col.entries)
                if (e.logical == c && e.type == a64::madt_type_gicc) return e.use == smpboot::acpi::usage::possible;
            return false;
        }();
        if (c == 0) {
            s.method = "boot";
            s.detail = res.boot_cpu_found ? "running already (boot CPU)"
                                          : "running already; not in the MADT, so no secondaries are started";
            r.boot_hwid = ci.hwid;
        } else if (possible) {
            s.method = "none";
            s.detail = "possible only: online capable, not started";
        } else if (ci.method == arm64::enable_method::parking_protocol) {
            s.method = "parking-protocol";
            s.detail = fmt::format("mailbox {}: jump address, CPU ID {}, then the wake-up SGI", hex(ci.mailbox),
                                   ci.gic_cpu_interface);
        } else {
            s.method = "psci";
            s.detail = fmt::format("CPU_ON ({}) by {}, target_cpu {}", hex(psci.fn_cpu_on), arm64::to_string(psci.method),
                                   hex(ci.hwid));
        }
        r.plan.push_back(std::move(s));
    }
    r.usable_input = res.boot_cpu_found;
}

}  // namespace smpboot::inspect
