// SPDX-License-Identifier: MIT
// DTB input: smpboot::fdt validates the blob, smpboot::arm64::discover_cpus
// decides which cpu nodes are usable, exactly as in the arm64 example kernels.
// The tool adds only what a person wants to see and the parser has no reason
// to keep: the raw reg of a refused node, the enable-method as written, the
// release address of a node that is not spin-table.
#include "report.hpp"

#include <smpboot/arm64/discovery.hpp>
#include <smpboot/arm64/psci.hpp>
#include <smpboot/fdt.hpp>

#include <fmt/format.h>

#include <cstring>

namespace smpboot::inspect {
namespace {

bool is_cpu_node(const fdt::tree& t, fdt::node n) {
    fdt::property p;
    const char* s;
    return t.find_property(n, "device_type", p) && (s = p.str()) && std::strcmp(s, "cpu") == 0;
}

/// reg as an address of #address-cells cells (cpus.yaml), whatever its bits.
std::optional<uint64_t> raw_reg(const fdt::tree& t, fdt::node n, uint32_t cells) {
    fdt::property p;
    uint64_t v;
    if ((cells == 1 || cells == 2) && t.find_property(n, "reg", p) && p.size() == cells * 4 &&
        p.cells(0, cells, v))
        return v;
    return std::nullopt;
}

/// cpu-release-addr: two cells as Linux writes it, one cell accepted too.
std::optional<uint64_t> release_addr(const fdt::tree& t, fdt::node n) {
    fdt::property p;
    uint64_t v;
    if (!t.find_property(n, "cpu-release-addr", p)) return std::nullopt;
    if ((p.size() == 8 && p.cells(0, 2, v)) || (p.size() == 4 && p.cells(0, 1, v))) return v;
    return std::nullopt;
}

struct log_sink {
    std::vector<std::string> lines;
    bool any_error = false;
    static void fn(void* ctx, log_level lvl, const char* line) {
        auto* s = static_cast<log_sink*>(ctx);
        s->lines.emplace_back(line);
        if (lvl == log_level::error) s->any_error = true;
    }
};

std::string psci_version_name(uint32_t v) {
    switch (v) {
    case 0x10000: return "1.0+ (arm,psci-1.0)";
    case 0x2: return "0.2 (arm,psci-0.2)";
    case 0x1: return "0.1 (arm,psci)";
    default: return "?";
    }
}

}  // namespace

report inspect_dtb(const std::string& file, const std::vector<uint8_t>& data, const options& opt) {
    report r;
    r.source = "dtb";
    r.arch = "arm64";
    r.file = file;

    fdt::tree t;
    const fdt::status st = fdt::tree::open(data.data(), data.size(), t);
    if (!st) {
        r.errors.push_back(fmt::format("DTB at offset {}: {}", hex(st.offset), fdt::to_string(st.code)));
        return r;
    }
    r.facts.push_back({"dtb_version", fmt::format("version {}", t.version()), t.version(), {}});
    r.facts.push_back({"dtb_size", fmt::format("{} bytes", t.total_size()), t.total_size(), {}});
    r.facts.push_back({"dtb_nodes", fmt::format("{} nodes", t.node_count()), t.node_count(), {}});

    const arm64::psci_info psci = arm64::read_psci(t);
    if (psci.present) {
        char path[128];
        t.path_of(psci.node, path, sizeof path);
        // The conduit the node names, even if the parser refuses the node
        // for another reason (that reason is listed as an error).
        fdt::property p;
        const char* m = t.find_property(psci.node, "method", p) ? p.str() : nullptr;
        if (m && (std::strcmp(m, "hvc") == 0 || std::strcmp(m, "smc") == 0)) r.psci_method = m;
        r.facts.push_back({"psci_node", fmt::format("PSCI {} at {}, method {}{}", psci_version_name(psci.dt_version),
                                                    path, m ? m : "(none)", psci.problem ? " — unusable" : ""),
                           {}, std::string(path)});
        r.facts.push_back({"psci_version", "", psci.dt_version, {}, false});
        r.facts.back().text.clear();
        if (psci.dt_version == 0x1)
            r.facts.push_back({"psci_0_1_cpu_on", fmt::format("PSCI 0.1 CPU_ON function id {}", hex(psci.fn_cpu_on)),
                               psci.fn_cpu_on, {}});
    } else {
        r.facts.push_back({"psci_node", "no PSCI node", {}, {}, true});
    }

    const fdt::node cpus_node = t.path("/cpus");
    const uint32_t cells = cpus_node ? t.address_cells(cpus_node) : 0;

    // The boot CPU: --boot-hwid, else the first cpu node with a readable reg
    // (what a kernel booted on that CPU would read from MPIDR_EL1).
    uint64_t boot = 0;
    bool boot_found = false;
    if (opt.boot_hwid) {
        boot = *opt.boot_hwid;
        r.boot_hwid_origin = "--boot-hwid";
    } else {
        r.boot_hwid_origin = "none found";
        for (fdt::node n = cpus_node ? t.first_child(cpus_node) : fdt::node{}; n; n = t.next_sibling(n)) {
            if (!is_cpu_node(t, n)) continue;
            if (auto v = raw_reg(t, n, cells)) {
                boot = *v;
                boot_found = true;
                r.boot_hwid_origin = fmt::format("first cpu node ({})", t.name(n));
                break;
            }
        }
    }
    if (opt.boot_hwid || boot_found) r.boot_hwid = boot & arm64::mpidr_affinity_mask;

    const uint32_t cap = opt.max_cpus ? opt.max_cpus : 1;
    std::vector<arm64::cpu_info> cpus(cap);
    // Every cpu node gets a report: there are no more than the tree has nodes.
    std::vector<arm64::cpu_node_report> nodes(t.node_count() + 1);
    log_sink log;
    const arm64::discovery_log dlog{&log_sink::fn, &log};
    const arm64::discovery_result res = arm64::discover_cpus(
        t, boot, {cpus.data(), opt.max_cpus, nullptr, nodes.data(), uint32_t(nodes.size())}, &dlog);

    r.errors = log.lines;
    if (res.problem && !log.any_error) r.errors.push_back(fmt::format("/cpus: {}", res.problem));
    if (!res.ok()) return r;   // no /cpus, or cells the parser refuses: nothing to list

    // Walk the cpu nodes again in the same order to add what the reports lack.
    uint32_t i = 0;
    for (fdt::node n = t.first_child(cpus_node); n && i < res.nodes; n = t.next_sibling(n)) {
        if (!is_cpu_node(t, n)) continue;
        const arm64::cpu_node_report& rep = nodes[i++];
        cpu_row row;
        row.node = t.name(n);
        row.where = rep.path;
        row.hwid = raw_reg(t, n, cells);
        fdt::property p;
        if (t.find_property(n, "enable-method", p))
            if (const char* s = p.string_at(0)) row.enable_method = s;
        row.release_addr = release_addr(t, n);
        row.usable = rep.usable;
        if (rep.problem) row.problem = rep.problem;
        if (rep.usable) {
            row.logical = rep.logical;
            row.boot = rep.logical == 0;
            const arm64::topology& tp = cpus[rep.logical].topo;
            row.topo = topology{tp.package, tp.cluster, tp.core, tp.thread, tp.from_cpu_map};
        }
        r.cpus.push_back(std::move(row));
    }
    r.facts.push_back({"cpu_nodes", fmt::format("{} cpu nodes, {} usable, {} refused, {} past --max-cpus",
                                                res.nodes, res.count - (res.boot_cpu_found ? 0 : 1),
                                                res.rejected, res.dropped),
                       res.nodes, {}});

    // The plan: hotplug brings CPUs up in logical order; logical 0 runs already.
    for (uint32_t c = 0; c < res.count; ++c) {
        const arm64::cpu_info& ci = cpus[c];
        plan_step s{c, ci.hwid, "", ""};
        if (c == 0) {
            s.method = "boot";
            s.detail = res.boot_cpu_found ? "running already (boot CPU)"
                                          : "running already; not in the DT, so no secondaries are started";
        } else if (ci.method == arm64::enable_method::psci) {
            s.method = "psci";
            s.detail = fmt::format("CPU_ON ({}) by {}, target_cpu {}", hex(psci.fn_cpu_on),
                                   arm64::to_string(psci.method), hex(ci.hwid));
        } else if (ci.method == arm64::enable_method::spin_table) {
            s.method = "spin-table";
            s.detail = fmt::format("write the entry address to {}, then SEV", hex(ci.release_addr));
        } else {
            s.method = arm64::to_string(ci.method);
        }
        r.plan.push_back(std::move(s));
    }
    r.usable_input = res.boot_cpu_found;
    if (!res.boot_cpu_found && r.cpus.empty()) r.errors.push_back("/cpus: no cpu nodes");
    return r;
}

}  // namespace smpboot::inspect
