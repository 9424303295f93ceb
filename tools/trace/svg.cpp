// SPDX-License-Identifier: MIT
#include "output.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace smpboot_trace {

std::string human_time(uint64_t ns) {
    if (ns < 1000) return fmt::format("{} ns", ns);
    if (ns < 1'000'000) return fmt::format("{:.3g} us", double(ns) / 1e3);
    if (ns < 1'000'000'000) return fmt::format("{:.3g} ms", double(ns) / 1e6);
    return fmt::format("{:.3g} s", double(ns) / 1e9);
}

namespace {

struct colour {
    const char* fill;
    const char* stroke;
};

colour colour_of(category c) {
    switch (c) {
    case category::prepare: return {"#9ecae1", "#4292c6"};
    case category::prepare_host: return {"#c6dbef", "#4292c6"};
    case category::bringup: return {"#fdae6b", "#d94801"};
    case category::starting: return {"#41ab5d", "#006d2c"};
    case category::starting_host: return {"#a1d99b", "#238b45"};
    case category::ap_online: return {"#807dba", "#54278f"};
    case category::online_host: return {"#bcbddc", "#6a51a3"};
    case category::online: return {"#238b45", "#00441b"};
    case category::teardown: return {"#bdbdbd", "#636363"};
    case category::failed: return {"#de2d26", "#a50f15"};
    case category::kick_all: return {"#fd8d3c", "#a63603"};
    }
    return {"#000", "#000"};
}
constexpr const char* idle_fill = "#e5f5e0";

std::string xml(std::string_view s) {
    std::string out;
    for (char c : s) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        default:
            // Control bytes are not allowed in XML 1.0.
            if (static_cast<unsigned char>(c) >= 0x20 || c == '\t') out += c;
        }
    }
    return out;
}

// A round tick step (1, 2 or 5 times a power of ten) giving about `want` ticks.
uint64_t tick_step(uint64_t range, int want) {
    const double raw = std::max(1.0, double(range) / want);
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (m * mag >= raw) return uint64_t(m * mag);
    return uint64_t(10 * mag);
}

std::string axis_label(uint64_t ns, uint64_t step) {
    if (step >= 1'000'000) return fmt::format("{:g} ms", double(ns) / 1e6);
    if (step >= 1000) return fmt::format("{:g} \u00b5s", double(ns) / 1e3);
    return fmt::format("{} ns", ns);
}

// human_time() with the micro sign, for the picture.
std::string pretty(uint64_t ns) {
    std::string t = human_time(ns);
    if (t.ends_with(" us")) t.replace(t.size() - 2, 2, "\u00b5s");
    return t;
}

// Rough width of text in the SVG's sans-serif at `size` px.
double text_width(std::string_view s, double size) { return double(s.size()) * size * 0.58; }

}  // namespace

std::string svg(const run& r, const timeline& tl) {
    const double width = 1200, left = 150, right = 30;
    const size_t n = std::max<size_t>(tl.lanes.size(), 1);
    const double lane_h = n <= 8 ? 26 : n <= 16 ? 20 : n <= 32 ? 15 : 11;
    const double bar_h = lane_h - (lane_h > 12 ? 6 : 3);
    const double plot_w = width - left - right;
    const uint64_t span = std::max<uint64_t>(tl.end_ns, 1);
    const uint64_t step = tick_step(span, 10);
    const uint64_t axis_end = (span + step - 1) / step * step;
    auto x_of = [&](uint64_t ns) { return left + plot_w * double(ns) / double(axis_end); };

    // Legend: the categories this run has, then the markers.
    std::set<category> present;
    for (const slice& s : tl.slices) present.insert(s.cat);
    bool any_idle = false;
    for (const lane& l : tl.lanes) any_idle |= l.online_ns.has_value();
    // Parallel mode: the kick_all slice says when kicking ended; per-CPU kick
    // events are only when the boot CPU read each status, so they are not drawn.
    const bool parallel = r.result && r.result->mode == "parallel";
    auto drawn = [&](const instant& i) { return !(parallel && i.k == kind::kick); };
    std::set<kind> marks;
    for (const instant& i : tl.instants)
        if (drawn(i)) marks.insert(i.k);

    struct legend_item {
        std::string text;
        std::string swatch;   // SVG drawn at (0,0), 12x12
    };
    std::vector<legend_item> legend;
    for (category c : present) {
        colour col = colour_of(c);
        legend.push_back({category_name(c), fmt::format(R"(<rect width="12" height="12" fill="{}" stroke="{}"/>)",
                                                         col.fill, col.stroke)});
    }
    if (any_idle)
        legend.push_back({"online, idle", fmt::format(R"(<rect y="4" width="12" height="4" fill="{}" stroke="#a1d99b"/>)",
                                                      idle_fill)});
    if (marks.count(kind::kick))
        legend.push_back({"kick (backend returned)", R"(<path d="M1 1 L11 1 L6 11 Z" fill="#252525"/>)"});
    if (marks.count(kind::callin))
        legend.push_back({"callin (AP runs C++)", R"(<circle cx="6" cy="6" r="4" fill="#fff" stroke="#252525" stroke-width="1.5"/>)"});
    if (marks.count(kind::fail))
        legend.push_back({"failure", R"(<path d="M2 2 L10 10 M10 2 L2 10" stroke="#a50f15" stroke-width="2.5"/>)"});

    // Lay the legend out in rows first: its height moves everything below.
    std::vector<std::pair<double, double>> legend_pos;
    double lx = 20, ly = 0;
    for (const legend_item& it : legend) {
        const double w = 12 + 6 + text_width(it.text, 12) + 22;
        if (lx + w > width - 20) lx = 20, ly += 20;
        legend_pos.emplace_back(lx, ly);
        lx += w;
    }
    const double legend_top = 66;
    const double axis_y = legend_top + ly + 20 + 32;
    const double lanes_top = axis_y + 8;
    const double height = lanes_top + lane_h * double(n) + 34;

    std::string o;
    o += R"(<?xml version="1.0" encoding="UTF-8"?>)" "\n";
    o += fmt::format(R"(<svg xmlns="http://www.w3.org/2000/svg" width="{0}" height="{1:.0f}" viewBox="0 0 {0} {1:.0f}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">)"
                     "\n",
                     width, height);
    o += fmt::format(R"(<rect width="{}" height="{:.0f}" fill="#ffffff"/>)" "\n", width, height);

    // Title: what ran and the total.
    std::string title = "smpboot bring-up";
    if (r.result)
        title = fmt::format("smpboot {}, {} mode: {}/{} CPUs online in {}", r.result->arch,
                            r.result->mode == "seq" ? "sequential" : r.result->mode, r.result->online,
                            r.result->present, pretty(tl.total_ns));
    else
        title += fmt::format(" (no result line: log truncated?), last event at {}", pretty(tl.total_ns));
    o += fmt::format(R"(<text x="20" y="30" font-size="20" font-weight="bold" fill="#111">{}</text>)" "\n",
                     xml(title));
    std::string sub = fmt::format(
        "guest clock, 0 = first kick; total = first kick to last CPU online; {} trace events", r.events.size());
    if (r.dropped) sub += fmt::format(", {} DROPPED (trace buffer full)", r.dropped);
    o += fmt::format(R"(<text x="20" y="50" font-size="12" fill="#555">{}</text>)" "\n", xml(sub));

    o += fmt::format(R"~(<g transform="translate(0,{})" font-size="12" fill="#222">)~" "\n", legend_top);
    for (size_t i = 0; i < legend.size(); ++i) {
        auto [px, py] = legend_pos[i];
        o += fmt::format(R"~(<g transform="translate({},{})">{}<text x="18" y="10.5">{}</text></g>)~" "\n", px,
                         py, legend[i].swatch, xml(legend[i].text));
    }
    o += "</g>\n";

    // Time axis with grid lines through the lanes.
    const double lanes_bottom = lanes_top + lane_h * double(n);
    o += R"(<g font-size="11" fill="#444">)" "\n";
    o += fmt::format(R"(<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#444"/>)" "\n", left, axis_y,
                     left + plot_w, axis_y);
    for (uint64_t t = 0; t <= axis_end; t += step) {
        const double x = x_of(t);
        o += fmt::format(R"(<line x1="{0:.1f}" y1="{1}" x2="{0:.1f}" y2="{2}" stroke="#444"/>)"
                         R"(<line x1="{0:.1f}" y1="{2}" x2="{0:.1f}" y2="{3}" stroke="#e0e0e0"/>)"
                         R"(<text x="{0:.1f}" y="{4}" text-anchor="middle">{5}</text>)" "\n",
                         x, axis_y - 5, axis_y, lanes_bottom, axis_y - 9, axis_label(t, step));
    }
    o += "</g>\n";

    // Lanes: background, label, the CPU's idle tail once online.
    std::map<uint32_t, double> lane_y;
    for (size_t i = 0; i < tl.lanes.size(); ++i) {
        const lane& l = tl.lanes[i];
        const double y = lanes_top + lane_h * double(i);
        lane_y[l.cpu] = y;
        if (i % 2 == 0)
            o += fmt::format(R"(<rect x="{}" y="{:.1f}" width="{}" height="{}" fill="#f6f6f6"/>)" "\n", left, y,
                             plot_w, lane_h);
        const bool failed = !l.status.empty() && l.status != "online";
        std::string label = fmt::format("cpu {}", l.cpu);
        std::string hw = l.hwid ? fmt::format("{:#x}", *l.hwid) : "";
        const double fs = std::min(12.0, lane_h - 2);
        o += fmt::format(R"(<text class="lane-label" x="{}" y="{:.1f}" font-size="{}" text-anchor="end" fill="{}">)", left - 8,
                         y + lane_h / 2 + fs * 0.35, fs, failed ? "#a50f15" : "#222");
        o += fmt::format(R"(<title>{}</title>{}<tspan dx="5" fill="#888">{}</tspan>{}</text>)" "\n",
                         xml(label + (hw.empty() ? "" : " hwid " + hw) + (l.status.empty() ? "" : ": " + l.status)),
                         xml(label), xml(hw), failed ? " \u2717" : "");
        if (l.online_ns && *l.online_ns < tl.end_ns)
            o += fmt::format(R"(<rect x="{:.2f}" y="{:.1f}" width="{:.2f}" height="{:.1f}" fill="{}"/>)" "\n",
                             x_of(*l.online_ns), y + lane_h / 2 - bar_h / 6, x_of(tl.end_ns) - x_of(*l.online_ns),
                             bar_h / 3, idle_fill);
    }

    // Slices: at least half a pixel wide, so that no step disappears.
    for (const slice& s : tl.slices) {
        auto it = lane_y.find(s.cpu);
        if (it == lane_y.end()) continue;
        const double y = it->second + (lane_h - bar_h) / 2;
        const double x = x_of(s.start_ns);
        const double w = std::max(0.5, x_of(s.end_ns) - x);
        const colour col = colour_of(s.cat);
        std::string tip = fmt::format("cpu {}: {} ({} on the {}){}: {} .. {} = {}", s.cpu, s.name,
                                      s.k == kind::down ? "teardown" : s.k == kind::fail ? "failed" : "step",
                                      s.by_ap ? "AP" : "boot CPU",
                                      s.merged > 1 ? fmt::format(", {} steps", s.merged) : "",
                                      pretty(s.start_ns), pretty(s.end_ns),
                                      pretty(s.end_ns - s.start_ns));
        o += fmt::format(R"(<rect x="{:.2f}" y="{:.1f}" width="{:.2f}" height="{:.1f}" fill="{}" stroke="{}" stroke-width="{}"><title>{}</title></rect>)"
                         "\n",
                         x, y, w, bar_h, col.fill, col.stroke, w > 3 ? 0.6 : 0, xml(tip));
        // Name the slice where there is room.
        if (lane_h >= 15 && text_width(s.name, 10) + 6 < w)
            o += fmt::format(R"(<text x="{:.2f}" y="{:.1f}" font-size="10" fill="#111" pointer-events="none">{}</text>)" "\n",
                             x + 3, y + bar_h / 2 + 3.5, xml(s.name));
    }

    // Markers on top of the slices.
    for (const instant& i : tl.instants) {
        auto it = lane_y.find(i.cpu);
        if (it == lane_y.end() || !drawn(i)) continue;
        const double x = x_of(i.t_ns), y = it->second, m = std::min(5.0, lane_h / 3);
        const std::string tip = fmt::format("cpu {}: {} at {}", i.cpu,
                                            i.k == kind::kick ? "kick" : i.k == kind::callin ? "callin"
                                                                                         : "failed " + i.state,
                                            pretty(i.t_ns));
        if (i.k == kind::kick)
            o += fmt::format(R"(<path d="M{:.2f} {:.1f} l{:.1f} 0 l{:.1f} {:.1f} Z" fill="#252525"><title>{}</title></path>)" "\n",
                             x - m, y + 1, 2 * m, -m, 1.6 * m, xml(tip));
        else if (i.k == kind::callin)
            o += fmt::format(R"(<circle cx="{:.2f}" cy="{:.1f}" r="{:.1f}" fill="#fff" stroke="#252525" stroke-width="1.2"><title>{}</title></circle>)" "\n",
                             x, y + lane_h / 2, m * 0.7, xml(tip));
        else
            o += fmt::format(R"(<path d="M{0:.2f} {1:.1f} l{2:.1f} {2:.1f} M{3:.2f} {1:.1f} l{4:.1f} {2:.1f}" stroke="#a50f15" stroke-width="2.5"><title>{5}</title></path>)" "\n",
                             x - m, y + lane_h / 2 - m, 2 * m, x + m, -2 * m, xml(tip));
    }

    // The total: first kick to the last CPU online.
    if (tl.total_ns > 0) {
        const double x = x_of(tl.total_ns);
        o += fmt::format(R"(<line x1="{0:.2f}" y1="{1}" x2="{0:.2f}" y2="{2}" stroke="#d62728" stroke-width="1.5" stroke-dasharray="5,3"/>)"
                         "\n",
                         x, axis_y, lanes_bottom + 6);
        const std::string t = "total " + pretty(tl.total_ns);
        const bool room = x + text_width(t, 12) + 4 < width;
        o += fmt::format(R"(<text x="{:.2f}" y="{}" font-size="12" font-weight="bold" fill="#d62728" text-anchor="{}">{}</text>)" "\n",
                         room ? x + 4 : x - 4, lanes_bottom + 20, room ? "start" : "end", xml(t));
    }
    o += "</svg>\n";
    return o;
}

std::string summary(const run& r, const timeline& tl) {
    struct agg {
        uint64_t count = 0, total = 0, max = 0;
        uint32_t max_cpu = 0;
        category cat{};
    };
    std::map<std::pair<int, std::string>, agg> per_step;   // ordered by category, then name
    for (const slice& s : tl.slices) {
        agg& a = per_step[{int(s.cat), s.name + (s.k == kind::down ? " (down)" : "")}];
        const uint64_t d = s.end_ns - s.start_ns;
        a.cat = s.cat;
        ++a.count;
        a.total += d;
        if (d >= a.max) a.max = d, a.max_cpu = s.cpu;
    }
    std::string o;
    if (r.result)
        o += fmt::format("{} {}: {}/{} online, bring-up {} ({} trace events{})\n", r.result->arch, r.result->mode,
                         r.result->online, r.result->present, human_time(tl.total_ns), r.events.size(),
                         r.dropped ? fmt::format(", {} dropped", r.dropped) : "");
    else
        o += fmt::format("no result line (truncated log?); last event at {}\n", human_time(tl.total_ns));
    o += fmt::format("{:<28} {:>5} {:>11} {:>11} {:>11}  {}\n", "step", "cpus", "mean", "max", "sum", "slowest");
    for (const auto& [key, a] : per_step)
        o += fmt::format("{:<28} {:>5} {:>11} {:>11} {:>11}  cpu {}\n", key.second, a.count,
                         human_time(a.total / a.count), human_time(a.max), human_time(a.total), a.max_cpu);
    std::optional<lane> last;
    for (const lane& l : tl.lanes)
        if (l.online_ns && (!last || *l.online_ns > *last->online_ns)) last = l;
    if (last) o += fmt::format("last CPU online: cpu {} at {}\n", last->cpu, human_time(*last->online_ns));
    return o;
}

}  // namespace smpboot_trace
