// SPDX-License-Identifier: MIT
// Text and JSON forms of a report. The JSON keys are documented in
// docs/inspect.md; tests/inspect reads them.
#include "report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

namespace smpboot::inspect {

std::string hex(uint64_t v) { return fmt::format("{:#x}", v); }

namespace {

/// RFC 8259 section 7 string escaping.
std::string quote(const std::string& s) {
    std::string o = "\"";
    for (unsigned char c : s) {
        switch (c) {
        case '"': o += "\\\""; break;
        case '\\': o += "\\\\"; break;
        case '\n': o += "\\n"; break;
        case '\t': o += "\\t"; break;
        case '\r': o += "\\r"; break;
        default:
            if (c < 0x20) o += fmt::format("\\u{:04x}", c);
            else o += char(c);
        }
    }
    return o + "\"";
}

template <typename T>
std::string opt_num(const std::optional<T>& v) { return v ? fmt::format("{}", *v) : "null"; }
std::string opt_str(const std::optional<std::string>& v) { return v ? quote(*v) : "null"; }
std::string opt_bool(const std::optional<bool>& v) { return v ? (*v ? "true" : "false") : "null"; }

/// A tiny writer for `"key": value` lists.
struct object {
    std::string s = "{";
    bool first = true;
    object& raw(const char* key, const std::string& value) {
        s += first ? "" : ", ";
        first = false;
        s += quote(key) + ": " + value;
        return *this;
    }
    std::string done() { return s + "}"; }
};

template <typename T, typename F>
std::string array(const std::vector<T>& v, F each) {
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + each(v[i]);
    return s + "]";
}

std::string cell(const std::optional<uint64_t>& v) { return v ? hex(*v) : "-"; }

}  // namespace

std::string to_json(const report& r) {
    object o;
    o.raw("source", quote(r.source)).raw("arch", r.arch.empty() ? "null" : quote(r.arch));
    o.raw("file", quote(r.file)).raw("usable", r.usable_input ? "true" : "false");
    o.raw("psci_method", opt_str(r.psci_method));
    o.raw("boot_hwid", opt_num(r.boot_hwid)).raw("boot_hwid_origin", quote(r.boot_hwid_origin));
    object in;
    for (const fact& f : r.facts)
        in.raw(f.key.c_str(), f.json_null ? "null" : f.number ? fmt::format("{}", *f.number) : f.str ? quote(*f.str) : quote(f.text));
    o.raw("input", in.done());
    o.raw("cpus", array(r.cpus, [](const cpu_row& c) {
        object j;
        j.raw("node", quote(c.node)).raw("where", quote(c.where)).raw("hwid", opt_num(c.hwid));
        j.raw("enable_method", opt_str(c.enable_method)).raw("release_addr", opt_num(c.release_addr));
        j.raw("usable", c.usable ? "true" : "false").raw("problem", opt_str(c.problem)).raw("note", opt_str(c.note));
        j.raw("logical", opt_num(c.logical)).raw("boot", c.boot ? "true" : "false");
        if (c.use) {
            j.raw("use", opt_str(c.use)).raw("enabled", opt_bool(c.enabled));
            j.raw("online_capable", opt_bool(c.online_capable)).raw("uid", opt_num(c.uid));
        }
        if (!c.gicc.empty()) {
            object g;
            for (const auto& [key, value] : c.gicc) g.raw(key.c_str(), std::to_string(value));
            j.raw("gicc", g.done());
        }
        if (c.topo) {
            object t;
            t.raw("package", std::to_string(c.topo->package)).raw("cluster", std::to_string(c.topo->cluster));
            t.raw("core", std::to_string(c.topo->core)).raw("thread", std::to_string(c.topo->thread));
            t.raw("from_cpu_map", c.topo->from_cpu_map ? "true" : "false");
            j.raw("topology", t.done());
        } else {
            j.raw("topology", "null");
        }
        return j.done();
    }));
    o.raw("plan", array(r.plan, [](const plan_step& p) {
        object j;
        j.raw("logical", std::to_string(p.logical)).raw("hwid", std::to_string(p.hwid));
        j.raw("method", quote(p.method)).raw("detail", quote(p.detail));
        return j.done();
    }));
    if (r.source == "madt" && !r.madt.empty())
        o.raw("madt", array(r.madt, [](const madt_struct& m) {
            object j;
            j.raw("index", std::to_string(m.index)).raw("offset", std::to_string(m.offset));
            j.raw("type", std::to_string(m.type)).raw("type_name", quote(m.type_name));
            j.raw("length", std::to_string(m.length)).raw("use", quote(m.use));
            j.raw("problem", opt_str(m.problem));
            return j.done();
        }));
    if (!r.tables.empty())
        o.raw("tables", array(r.tables, [](const table_file& t) {
            object j;
            j.raw("file", quote(t.file)).raw("signature", quote(t.signature)).raw("length", std::to_string(t.length));
            j.raw("valid", t.valid ? "true" : "false").raw("problem", t.valid ? "null" : quote(t.problem));
            return j.done();
        }));
    o.raw("errors", array(r.errors, [](const std::string& e) { return quote(e); }));
    return o.done() + "\n";
}

std::string to_text(const report& r) {
    std::string s;
    auto out = std::back_inserter(s);
    fmt::format_to(out, "{}: {}\n", r.source == "dtb" ? "device tree" : "ACPI", r.file);
    for (const table_file& t : r.tables)
        fmt::format_to(out, "  table {:<4} {:<14} {:>7} bytes  {}\n", t.signature.empty() ? "-" : t.signature, t.file, t.length, t.valid ? "ok" : t.problem);
    for (const fact& f : r.facts)
        if (!f.text.empty()) fmt::format_to(out, "  {}\n", f.text);
    if (r.boot_hwid) fmt::format_to(out, "  boot CPU: hwid {} ({})\n", hex(*r.boot_hwid), r.boot_hwid_origin);

    if (!r.madt.empty()) {
        fmt::format_to(out, "\nMADT structures:\n  {:>5} {:>6} {:<30} {:<9} {}\n", "index", "offset", "type", "use", "details");
        for (const madt_struct& m : r.madt)
            fmt::format_to(out, "  {:>5} {:>6} {:<30} {:<9} {}{}\n", m.index, hex(m.offset), fmt::format("{} ({})", m.type_name, m.type),
                m.use, m.summary, m.problem ? " — " + *m.problem : "");
    }

    fmt::format_to(out, "\nCPUs ({} listed, {} usable):\n", r.cpus.size(),
        std::count_if(r.cpus.begin(), r.cpus.end(), [](const cpu_row& c) { return c.usable; }));
    const bool dt = r.source == "dtb";
    fmt::format_to(out, "  {:>7} {:>14} {:<16} {:<17} {:<12} {:<14} {}\n", "logical", "hwid", dt ? "node" : "entry", "method",
        dt ? "release" : "flags", dt ? "pkg/cl/co/th" : "uid", "status");
    for (const cpu_row& c : r.cpus) {
        std::string topo = "-";
        if (c.topo)
            topo = fmt::format("{}/{}/{}/{}{}", c.topo->package, c.topo->cluster, c.topo->core, c.topo->thread,
                               c.topo->from_cpu_map ? " map" : "");
        std::string flags = c.enabled ? fmt::format("{}{}", *c.enabled ? "enabled" : "disabled",
                                                     c.online_capable.value_or(false) ? "+oc" : "")
                                       : "-";
        std::string status = c.usable ? (c.boot ? "usable, boot CPU" : "usable") : "not usable: " + c.problem.value_or("?");
        if (c.note) status += " (" + *c.note + ")";
        fmt::format_to(out, "  {:>7} {:>14} {:<16} {:<17} {:<12} {:<14} {}\n", c.logical ? std::to_string(*c.logical) : "-",
            cell(c.hwid), c.node, c.enable_method.value_or("-"), dt ? cell(c.release_addr) : flags,
            dt ? topo : (c.uid ? std::to_string(*c.uid) : "-"), status);
    }

    if (!r.plan.empty()) {
        fmt::format_to(out, "\nBring-up plan (logical order; parallel mode kicks all before waiting, sequential one at a time):\n");
        for (const plan_step& p : r.plan)
            fmt::format_to(out, "  cpu {:<4} hwid {:<12} {:<15} {}\n", p.logical, hex(p.hwid), p.method, p.detail);
    }
    if (!r.errors.empty()) {
        fmt::format_to(out, "\nProblems ({}):\n", r.errors.size());
        for (const std::string& e : r.errors) fmt::format_to(out, "  {}\n", e);
    }
    if (!r.usable_input) fmt::format_to(out, "\ninput not usable\n");
    return s;
}

}  // namespace smpboot::inspect
