// SPDX-License-Identifier: MIT
// /cpus discovery and the PSCI node. Host-testable: no sysregs, no asm.
#include <smpboot/arm64/discovery.hpp>
#include <smpboot/arm64/psci.hpp>
#include <smpboot/format.hpp>

namespace smpboot::arm64 {

namespace {

bool str_eq(const char* a, const char* b) {
    while (*a && *a == *b) ++a, ++b;
    return *a == *b;
}

void copy_str(char* dst, size_t cap, const char* src) {
    size_t i = 0;
    for (; src && src[i] && i + 1 < cap; ++i) dst[i] = src[i];
    dst[i] = '\0';
}

/// The trailing decimal number of a cpu-map node name ("cluster12" -> 12).
uint32_t trailing_number(const char* name) {
    const char* p = name;
    while (*p) ++p;
    const char* end = p;
    while (p > name && p[-1] >= '0' && p[-1] <= '9') --p;
    uint32_t v = 0;
    for (; p < end && v < 100000000; ++p) v = v * 10 + uint32_t(*p - '0');
    return v;
}

bool starts_with(const char* s, const char* prefix) {
    while (*prefix && *s == *prefix) ++s, ++prefix;
    return *prefix == '\0';
}

bool is_cpu_node(const fdt::tree& t, fdt::node n) {
    fdt::property p;
    const char* type;
    return t.find_property(n, "device_type", p) && (type = p.str()) && str_eq(type, "cpu");
}

/// The node's MPIDR, or the reason it has none. `cells` is /cpus's #address-cells.
const char* read_hwid(const fdt::tree& t, fdt::node n, uint32_t cells, hwid_t& out) {
    fdt::property reg;
    if (!t.find_property(n, "reg", reg)) return "missing reg property";
    uint64_t v;
    // cpus.yaml: reg is one address of #address-cells cells (there is no size).
    if (reg.size() != cells * 4 || !reg.cells(0, cells, v)) return "invalid reg property (not #address-cells long)";
    if (v & ~mpidr_affinity_mask) return "invalid reg property (bits outside the MPIDR affinity fields)";
    out = v;
    return nullptr;
}

bool status_okay(const fdt::tree& t, fdt::node n) {
    fdt::property p;
    if (!t.find_property(n, "status", p)) return true;
    const char* s = p.str();
    // Devicetree spec 2.3.4: "okay" (and the older "ok") mean usable.
    return s && (str_eq(s, "okay") || str_eq(s, "ok"));
}

struct emitter {
    const fdt::tree& t;
    const discovery_log* log;

    void say(log_level lvl, fdt::node n, const char* what, uint64_t num = ~0ull) const {
        if (!log || !log->fn) return;
        char path[64];
        t.path_of(n, path, sizeof path);
        line<192> l;
        l.str(path).str(": ").str(what);
        if (num != ~0ull) l.chr(' ').dec(num);
        log->fn(log->ctx, lvl, l.c_str());
    }
};

/// Walk a cpu-map subtree (cpus.yaml, "cpu-map" section) and set the
/// topology of every CPU a leaf points at.
void walk_cpu_map(const fdt::tree& t, fdt::node n, topology cur, uint32_t level, cpu_info* cpus,
                  uint32_t count) {
    if (level > 8) return;   // socket/cluster(s)/core/thread: far less than this
    for (fdt::node c = t.first_child(n); c; c = t.next_sibling(c)) {
        const char* name = t.name(c);
        topology tp = cur;
        const uint32_t idx = trailing_number(name);
        if (starts_with(name, "socket")) tp.package = idx;
        else if (starts_with(name, "cluster")) tp.cluster = idx;
        else if (starts_with(name, "core")) tp.core = idx;
        else if (starts_with(name, "thread")) tp.thread = idx;
        else continue;
        fdt::property p;
        uint32_t ph;
        if (t.find_property(c, "cpu", p) && p.u32(0, ph)) {
            const fdt::node target = t.by_phandle(ph);
            for (uint32_t i = 0; target && i < count; ++i) {
                if (cpus[i].node == target) {
                    cpus[i].topo = tp;
                    cpus[i].topo.from_cpu_map = true;
                }
            }
        }
        walk_cpu_map(t, c, tp, level + 1, cpus, count);
    }
}

}  // namespace

const char* to_string(conduit c) {
    switch (c) {
    case conduit::none: return "none";
    case conduit::hvc: return "hvc";
    case conduit::smc: return "smc";
    }
    return "?";
}

const char* to_string(enable_method m) {
    switch (m) {
    case enable_method::none: return "none";
    case enable_method::psci: return "psci";
    case enable_method::spin_table: return "spin-table";
    case enable_method::parking_protocol: return "parking-protocol";
    case enable_method::unknown: return "unknown";
    }
    return "?";
}

psci_info read_psci(const fdt::tree& t) {
    psci_info info;
    // Linux psci.yaml: 1.0 and 0.2 nodes list the older compatibles too.
    fdt::node n;
    if ((n = t.find_compatible("arm,psci-1.0"))) info.dt_version = 0x10000;
    else if ((n = t.find_compatible("arm,psci-0.2"))) info.dt_version = 0x2;
    else if ((n = t.find_compatible("arm,psci"))) info.dt_version = 0x1;
    else return info;
    info.present = true;
    info.node = n;
    if (!status_okay(t, n)) {
        info.problem = "psci node disabled";
        return info;
    }
    fdt::property p;
    const char* m = t.find_property(n, "method", p) ? p.str() : nullptr;
    if (!m) {
        info.problem = "psci node has no method property";
        return info;
    }
    if (str_eq(m, "hvc")) info.method = conduit::hvc;
    else if (str_eq(m, "smc")) info.method = conduit::smc;
    else {
        info.problem = "psci method is neither hvc nor smc";
        return info;
    }
    if (info.dt_version >= 0x2) {
        info.fn_version = psci::fn_version;
        info.fn_cpu_on = psci::fn_cpu_on64;
        info.fn_cpu_off = psci::fn_cpu_off;
        info.fn_affinity_info = psci::fn_affinity_info64;
        info.fn_system_off = psci::fn_system_off;
        if (info.dt_version >= 0x10000) info.fn_features = psci::fn_features;
    } else {
        // PSCI 0.1 has no fixed IDs: the node names them (psci.yaml).
        info.fn_cpu_on = t.u32_or(n, "cpu_on", 0);
        info.fn_cpu_off = t.u32_or(n, "cpu_off", 0);
        if (!info.fn_cpu_on) info.problem = "psci 0.1 node without cpu_on";
    }
    return info;
}

discovery_result discover_cpus(const fdt::tree& t, uint64_t boot_mpidr, const discovery_out& out,
                               const discovery_log* log) {
    discovery_result res;
    const emitter say{t, log};
    const uint64_t boot = boot_mpidr & mpidr_affinity_mask;
    cpu_info* const cpus = out.cpus;
    cpu_node_report* const nodes = out.nodes;
    const uint32_t limit = cpus ? out.cpus_cap : 0;
    const uint32_t nodes_cap = out.nodes_cap;
    res.psci = read_psci(t);
    if (res.psci.present && res.psci.problem) say.say(log_level::warning, res.psci.node, res.psci.problem);

    const fdt::node cpus_node = t.path("/cpus");
    if (!cpus_node) {
        res.problem = "no /cpus node";
        return res;
    }
    const uint32_t cells = t.address_cells(cpus_node);
    if (cells != 1 && cells != 2) {
        res.problem = "/cpus #address-cells is neither 1 nor 2";
        say.say(log_level::error, cpus_node, "#address-cells is neither 1 nor 2:", cells);
        return res;
    }
    if (limit == 0) {
        res.problem = "no room for any cpu";
        return res;
    }

    // Pass 1: the boot CPU's node, the first with a valid reg equal to MPIDR_EL1.
    fdt::node boot_node{};
    for (fdt::node n = t.first_child(cpus_node); n && !boot_node; n = t.next_sibling(n)) {
        hwid_t h;
        if (is_cpu_node(t, n) && !read_hwid(t, n, cells, h) && h == boot) boot_node = n;
    }
    res.boot_cpu_found = bool(boot_node);
    if (!boot_node) say.say(log_level::error, cpus_node, "missing boot CPU MPIDR, not enabling secondaries");
    cpus[0] = cpu_info{};
    cpus[0].hwid = boot;
    cpus[0].node = boot_node;
    res.count = 1;

    // Pass 2: every cpu node in DT order.
    for (fdt::node n = t.first_child(cpus_node); n; n = t.next_sibling(n)) {
        if (!is_cpu_node(t, n)) continue;
        cpu_node_report rep;
        t.path_of(n, rep.path, sizeof rep.path);
        cpu_info ci;
        ci.node = n;
        const char* problem = read_hwid(t, n, cells, ci.hwid);
        rep.hwid = problem ? 0 : ci.hwid;

        // A reg that an earlier cpu node already has.
        if (!problem) {
            for (fdt::node e = t.first_child(cpus_node); e && e != n; e = t.next_sibling(e)) {
                hwid_t h;
                if (is_cpu_node(t, e) && !read_hwid(t, e, cells, h) && h == ci.hwid) {
                    problem = "duplicate cpu reg properties in the DT";
                    break;
                }
            }
        }

        fdt::property p;
        const char* method = t.find_property(n, "enable-method", p) ? p.string_at(0) : nullptr;
        copy_str(rep.method_name, sizeof rep.method_name, method);
        if (method) {
            if (str_eq(method, "psci")) ci.method = enable_method::psci;
            else if (str_eq(method, "spin-table")) ci.method = enable_method::spin_table;
            else ci.method = enable_method::unknown;
        }
        if (ci.method == enable_method::spin_table) {
            // Linux spin-table: a 64-bit address, written as two cells.
            if (t.find_property(n, "cpu-release-addr", p) && p.size() == 8) (void)p.cells(0, 2, ci.release_addr);
            else if (t.find_property(n, "cpu-release-addr", p) && p.size() == 4) (void)p.cells(0, 1, ci.release_addr);
        }
        rep.method = ci.method;
        rep.release_addr = ci.release_addr;

        const bool is_boot = n == boot_node;
        if (!problem && !is_boot) {
            if (!status_okay(t, n)) problem = "status is not okay";
            else if (!boot_node) problem = "boot CPU not described, secondaries not enabled";
            else if (ci.method == enable_method::none) problem = "missing enable-method property";
            else if (ci.method == enable_method::unknown) problem = "unsupported enable-method property";
            else if (ci.method == enable_method::spin_table && ci.release_addr == 0)
                problem = "spin-table without a valid cpu-release-addr";
            else if (ci.method == enable_method::psci && (!res.psci.present || res.psci.problem))
                problem = "enable-method psci but no usable psci node";
        }

        if (problem) {
            ++res.rejected;
            say.say(log_level::warning, n, problem);
        } else if (is_boot) {
            cpus[0] = ci;
            cpus[0].hwid = boot;
            rep.usable = true;
            rep.logical = 0;
        } else if (res.count < limit) {
            rep.usable = true;
            rep.logical = res.count;
            cpus[res.count++] = ci;
        } else {
            ++res.dropped;
            problem = "beyond the configured maximum number of cpus, dropped";
            say.say(log_level::warning, n, problem);
        }
        rep.problem = problem;
        if (nodes && res.nodes < nodes_cap) nodes[res.nodes] = rep;
        ++res.nodes;
    }
    if (res.dropped) say.say(log_level::warning, cpus_node, "cpus dropped past max_cpus:", res.dropped);

    // Topology: cpu-map where present, else the affinity fields.
    for (uint32_t i = 0; i < res.count; ++i) cpus[i].topo = topology_of(cpus[i].hwid);
    if (fdt::node map = t.path("/cpus/cpu-map"))
        walk_cpu_map(t, map, topology{}, 0, cpus, res.count);
    // hotplug::init()'s list: every usable CPU is present (the DT has no
    // online-capable CPUs).
    if (out.descs)
        for (uint32_t i = 0; i < res.count; ++i) out.descs[i] = cpu_desc{cpus[i].hwid, true};
    return res;
}

}  // namespace smpboot::arm64
