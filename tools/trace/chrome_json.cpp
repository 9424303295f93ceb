// SPDX-License-Identifier: MIT
// Trace Event Format: https://docs.google.com/document/d/1CvAClvFfyA5R-PhYUmn5OOQtYMH4h6I0nSsKchNAySU
// (timestamps in microseconds; fractional values keep nanoseconds).
#include "output.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace smpboot_trace {

namespace {

std::string json_string(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) out += fmt::format("\\u{:04x}", unsigned(c));
            else out += c;
        }
    }
    return out + "\"";
}

// Microseconds with the nanoseconds kept, as the format's ts/dur want.
std::string us(uint64_t ns) { return fmt::format("{}.{:03}", ns / 1000, ns % 1000); }

const char* kind_name(kind k) {
    switch (k) {
    case kind::up: return "up";
    case kind::down: return "down";
    case kind::fail: return "fail";
    case kind::kick: return "kick";
    case kind::callin: return "callin";
    }
    return "?";
}

}  // namespace

std::string chrome_json(const run& r, const timeline& tl) {
    constexpr int pid = 1;
    std::vector<std::string> ev;
    std::string title = "smpboot";
    if (r.result)
        title = fmt::format("smpboot {} {} (online {}/{}, bring-up {} us)", r.result->arch,
                            r.result->mode, r.result->online, r.result->present,
                            r.result->bringup_us);
    ev.push_back(fmt::format(R"({{"ph":"M","pid":{},"name":"process_name","args":{{"name":{}}}}})",
                             pid, json_string(title)));
    for (const lane& l : tl.lanes) {
        std::string name = fmt::format("cpu {}", l.cpu);
        if (l.hwid) name += fmt::format(" hwid {:#x}", *l.hwid);
        if (!l.status.empty() && l.status != "online") name += " " + l.status;
        ev.push_back(fmt::format(
            R"({{"ph":"M","pid":{},"tid":{},"name":"thread_name","args":{{"name":{}}}}})", pid,
            l.cpu, json_string(name)));
        ev.push_back(fmt::format(
            R"({{"ph":"M","pid":{},"tid":{},"name":"thread_sort_index","args":{{"sort_index":{}}}}})",
            pid, l.cpu, l.cpu));
    }
    for (const slice& s : tl.slices) {
        ev.push_back(fmt::format(
            R"({{"ph":"X","pid":{},"tid":{},"ts":{},"dur":{},"name":{},"cat":{},)"
            R"("args":{{"by":"{}","kind":"{}","steps":{}}}}})",
            pid, s.cpu, us(s.start_ns), us(s.end_ns - s.start_ns), json_string(s.name),
            json_string(category_name(s.cat)), s.by_ap ? "ap" : "bp", kind_name(s.k), s.merged));
    }
    for (const instant& i : tl.instants) {
        std::string name = kind_name(i.k);
        if (i.k == kind::fail) name += ": " + i.state;
        ev.push_back(fmt::format(
            R"({{"ph":"i","s":"t","pid":{},"tid":{},"ts":{},"name":{},"args":{{"state":{}}}}})",
            pid, i.cpu, us(i.t_ns), json_string(name), json_string(i.state)));
    }
    // The number of CPUs online over time (the boot CPU counts from 0 on).
    std::vector<uint64_t> onlines;
    for (const lane& l : tl.lanes)
        if (l.online_ns) onlines.push_back(*l.online_ns);
    std::sort(onlines.begin(), onlines.end());
    const bool bp_online = std::any_of(r.cpus.begin(), r.cpus.end(),
                                       [](const cpu_line& c) { return c.cpu == 0 && c.online; });
    size_t count = bp_online ? 1 : 0;
    ev.push_back(fmt::format(R"({{"ph":"C","pid":{},"ts":0.000,"name":"CPUs online","args":{{"online":{}}}}})",
                             pid, count));
    for (uint64_t t : onlines)
        ev.push_back(fmt::format(R"({{"ph":"C","pid":{},"ts":{},"name":"CPUs online","args":{{"online":{}}}}})",
                                 pid, us(t), ++count));

    std::string out = "{\"displayTimeUnit\":\"ns\",\n\"traceEvents\":[\n";
    for (size_t i = 0; i < ev.size(); ++i) out += ev[i] + (i + 1 < ev.size() ? ",\n" : "\n");
    out += "],\n\"otherData\":{";
    if (r.result) {
        out += fmt::format(R"("arch":{},"mode":{},"online":{},"present":{},"bringup_us":{},)",
                           json_string(r.result->arch), json_string(r.result->mode),
                           r.result->online, r.result->present, r.result->bringup_us);
    }
    out += fmt::format(R"("trace_events":{},"dropped":{},"truncated":{})", r.events.size(), r.dropped,
                       r.result ? "false" : "true");
    out += "}}\n";
    return out;
}

}  // namespace smpboot_trace
