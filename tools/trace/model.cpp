// SPDX-License-Identifier: MIT
#include "model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <string_view>

namespace smpboot_trace {

namespace {

constexpr std::string_view prefix = "smpboot: ";

// Splits off the next space-separated word of `s`.
std::string_view word(std::string_view& s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    const size_t end = std::min(s.find(' '), s.size());
    std::string_view w = s.substr(0, end);
    s.remove_prefix(end);
    return w;
}

template <class T>
bool number(std::string_view w, T& out, int base = 10) {
    if (base == 16) {
        if (w.size() < 3 || w[0] != '0' || (w[1] != 'x' && w[1] != 'X')) return false;
        w.remove_prefix(2);
    }
    if (w.empty()) return false;
    auto [p, ec] = std::from_chars(w.data(), w.data() + w.size(), out, base);
    return ec == std::errc{} && p == w.data() + w.size();
}

std::optional<kind> kind_of(std::string_view w) {
    if (w == "up") return kind::up;
    if (w == "down") return kind::down;
    if (w == "fail") return kind::fail;
    if (w == "kick") return kind::kick;
    if (w == "callin") return kind::callin;
    return std::nullopt;
}

// "smpboot: trace <cpu> <t_ns> <kind> <by> <state...>"
std::optional<event> parse_trace(std::string_view s, unsigned line) {
    event e;
    e.line = line;
    std::optional<kind> k;
    std::string_view by;
    if (!number(word(s), e.cpu) || !number(word(s), e.t_ns) || !(k = kind_of(word(s))))
        return std::nullopt;
    e.k = *k;
    by = word(s);
    if (by != "bp" && by != "ap") return std::nullopt;
    e.by_ap = by == "ap";
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    if (s.empty()) return std::nullopt;
    e.state = std::string(s);
    return e;
}

// "smpboot: cpu <n> hwid 0x<hex> online|failed: <reason>"
std::optional<cpu_line> parse_cpu(std::string_view s) {
    cpu_line c;
    if (!number(word(s), c.cpu) || word(s) != "hwid" || !number(word(s), c.hwid, 16))
        return std::nullopt;
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    if (s == "online") {
        c.online = true;
    } else if (s.starts_with("failed:")) {
        c.failure = std::string(s);
    } else {
        return std::nullopt;
    }
    return c;
}

// "smpboot: result arch=<a> online=K/N mode=<m> bringup_us=T"
std::optional<result_line> parse_result(std::string_view s) {
    result_line r;
    bool arch = false, online = false, mode = false, us = false;
    for (std::string_view w = word(s); !w.empty(); w = word(s)) {
        const size_t eq = w.find('=');
        if (eq == std::string_view::npos) return std::nullopt;
        std::string_view key = w.substr(0, eq), val = w.substr(eq + 1);
        if (key == "arch") {
            r.arch = std::string(val);
            arch = !val.empty();
        } else if (key == "online") {
            const size_t slash = val.find('/');
            online = slash != std::string_view::npos && number(val.substr(0, slash), r.online) &&
                     number(val.substr(slash + 1), r.present);
        } else if (key == "mode") {
            r.mode = std::string(val);
            mode = val == "seq" || val == "parallel";
        } else if (key == "bringup_us") {
            us = number(val, r.bringup_us);
        }
    }
    if (!(arch && online && mode && us)) return std::nullopt;
    return r;
}

}  // namespace

run parse_log(std::istream& in) {
    run r;
    std::string raw;
    unsigned n = 0;
    bool ended = false;   // a result line closed the current run
    while (std::getline(in, raw)) {
        ++n;
        std::string_view s = raw;
        // Serial consoles add '\r'; firmware may leave control bytes before us.
        while (!s.empty() && (s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
        while (!s.empty() && (static_cast<unsigned char>(s.front()) < 0x20 || s.front() == ' '))
            s.remove_prefix(1);
        if (!s.starts_with(prefix)) continue;
        s.remove_prefix(prefix.size());
        std::string_view rest = s;
        const std::string_view what = word(rest);
        auto warn = [&](std::string_view why) {
            r.warnings.push_back(fmt::format("line {}: {}: {}", n, why, s));
        };
        if (what == "cpu") {
            auto c = parse_cpu(rest);
            if (!c) {
                warn("malformed cpu line");
                continue;
            }
            if (ended) {   // the first line of another run: keep the last one only
                run fresh;
                fresh.warnings = std::move(r.warnings);
                r = std::move(fresh);
                ended = false;
            }
            r.cpus.push_back(*c);
        } else if (what == "trace") {
            std::string_view probe = rest;
            if (word(probe) == "dropped") {
                uint64_t d = 0;
                if (number(word(probe), d)) r.dropped += d;
                else warn("malformed trace dropped line");
                continue;
            }
            auto e = parse_trace(rest, n);
            if (!e) {
                warn("malformed trace line");
                continue;
            }
            r.events.push_back(std::move(*e));
        } else if (what == "result") {
            auto res = parse_result(rest);
            if (!res) {
                warn("malformed result line");
                continue;
            }
            r.result = std::move(*res);
            ended = true;
        }
        // Other "smpboot: ..." lines (stress statistics, messages) are not ours.
    }
    return r;
}

const char* category_name(category c) {
    switch (c) {
    case category::prepare: return "bp:prepare";
    case category::prepare_host: return "host prepare steps";
    case category::bringup: return "bp:bringup (kick to callin)";
    case category::starting: return "ap:starting";
    case category::starting_host: return "host starting steps";
    case category::ap_online: return "ap:online";
    case category::online_host: return "host online steps";
    case category::online: return "online";
    case category::teardown: return "teardown";
    case category::failed: return "failed";
    case category::kick_all: return "kick_all (boot CPU)";
    }
    return "?";
}

namespace {

// Built-in labels of states.hpp; anything else is a host state (or an empty
// host slot, which keeps its section's "-dyn" label).
std::optional<category> builtin(std::string_view st) {
    if (st == "bp:prepare") return category::prepare;
    if (st == "bp:prepare-dyn") return category::prepare_host;
    if (st == "bp:bringup") return category::bringup;
    if (st == "ap:starting") return category::starting;
    if (st == "ap:starting-dyn") return category::starting_host;
    if (st == "ap:online") return category::ap_online;
    if (st == "ap:online-dyn") return category::online_host;
    if (st == "online") return category::online;
    return std::nullopt;
}

// A host state's section follows from where it sits between built-in ones.
category host_category(category last_builtin) {
    switch (last_builtin) {
    case category::prepare:
    case category::prepare_host: return category::prepare_host;
    case category::bringup:
    case category::starting:
    case category::starting_host: return category::starting_host;
    default: return category::online_host;
    }
}

}  // namespace

timeline build_timeline(const run& r) {
    timeline tl;
    std::map<uint32_t, std::vector<const event*>> per_cpu;
    for (const event& e : r.events) per_cpu[e.cpu].push_back(&e);

    std::map<uint32_t, lane> lanes;
    for (const cpu_line& c : r.cpus) {
        lane& l = lanes[c.cpu];
        l.cpu = c.cpu;
        l.hwid = c.hwid;
        l.status = c.online ? "online" : c.failure;
    }
    for (auto& [cpu, evs] : per_cpu) {
        lanes[cpu].cpu = cpu;
        // Each CPU's events in time order; the log's order breaks ties (the
        // AP's and the BP's records sit in one buffer in claim order).
        std::stable_sort(evs.begin(), evs.end(),
                         [](const event* a, const event* b) { return a->t_ns < b->t_ns; });
        std::optional<uint64_t> prev;   // the CPU's previous transition
        category section = category::prepare;
        for (const event* e : evs) {
            if (e->k == kind::kick) {
                tl.instants.push_back({cpu, e->t_ns, e->k, e->state});
                continue;
            }
            slice s;
            s.cpu = cpu;
            s.end_ns = e->t_ns;
            s.start_ns = prev.value_or(e->t_ns);
            s.by_ap = e->by_ap;
            s.k = e->k;
            if (e->k == kind::callin) {
                // From the last prepare step (or the first kick) to callin.
                s.name = "bp:bringup";
                s.cat = category::bringup;
                section = category::bringup;
                tl.instants.push_back({cpu, e->t_ns, e->k, e->state});
                if (!prev) s.start_ns = 0;
            } else {
                s.name = e->state;
                std::optional<category> b = builtin(e->state);
                if (b) section = *b;
                s.cat = b ? *b : host_category(section);
                if (e->k == kind::down) s.cat = category::teardown;
                if (e->k == kind::fail) {
                    s.cat = category::failed;
                    tl.instants.push_back({cpu, e->t_ns, e->k, e->state});
                }
                if (e->k == kind::up && e->state == "online") lanes[cpu].online_ns = e->t_ns;
            }
            prev = e->t_ns;
            // Empty host slots are traced one by one: fold runs of them.
            if (!tl.slices.empty()) {
                slice& last = tl.slices.back();
                if (last.cpu == cpu && last.name == s.name && last.k == s.k &&
                    last.by_ap == s.by_ap && last.end_ns == s.start_ns && s.k != kind::callin) {
                    last.end_ns = s.end_ns;
                    ++last.merged;
                    continue;
                }
            }
            tl.slices.push_back(std::move(s));
        }
    }

    // Parallel mode: the first kick event is recorded right after the
    // backend's kick_all returned, so the boot CPU spent [0, that) kicking.
    if (r.result && r.result->mode == "parallel") {
        std::optional<uint64_t> first;
        for (const instant& i : tl.instants)
            if (i.k == kind::kick && (!first || i.t_ns < *first)) first = i.t_ns;
        if (first && *first > 0) {
            slice s;
            s.cpu = 0;
            s.end_ns = *first;
            s.name = "kick_all";
            s.cat = category::kick_all;
            tl.slices.insert(tl.slices.begin(), s);
            lanes[0].cpu = 0;
        }
    }

    for (auto& [cpu, l] : lanes) tl.lanes.push_back(l);
    // In parallel mode a kick event only says when the boot CPU looked at the
    // kick status (possibly long after the CPU came up): it does not stretch the
    // picture.
    const bool parallel = r.result && r.result->mode == "parallel";
    uint64_t last = 0;
    for (const event& e : r.events)
        if (!(parallel && e.k == kind::kick)) last = std::max(last, e.t_ns);
    tl.total_ns = r.result ? r.result->bringup_us * 1000 : last;
    tl.end_ns = std::max(last, tl.total_ns);
    return tl;
}

}  // namespace smpboot_trace
