// SPDX-License-Identifier: MIT
// smpboot-trace: turn an example kernel's serial log into a Chrome trace
// (Perfetto) and an SVG timeline of the bring-up.
//
//   smpboot-trace <serial.log|-> [--json out.trace.json] [--svg out.svg] [--summary]
#include "model.hpp"
#include "output.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>

namespace {

constexpr const char* usage =
    "usage: smpboot-trace <serial.log|-> [--json OUT.json] [--svg OUT.svg] [--summary]\n"
    "  Reads the 'smpboot: trace' lines of an example kernel's serial log\n"
    "  (docs/trace-format.md) and writes a Chrome trace (open it in\n"
    "  https://ui.perfetto.dev) and/or an SVG timeline. With neither output,\n"
    "  or with --summary, prints where the time went per step.\n";

int fail(int status, const std::string& msg) {
    fmt::print(stderr, "smpboot-trace: {}\n", msg);
    return status;
}

bool write_file(const std::string& path, const std::string& text) {
    std::ofstream f(path, std::ios::binary);
    f << text;
    f.close();
    return bool(f);
}

}  // namespace

int main(int argc, char** argv) {
    std::optional<std::string> input, json_out, svg_out;
    bool want_summary = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "-h" || a == "--help") {
            fmt::print("{}", usage);
            return 0;
        } else if (a == "--json" || a == "--svg") {
            if (i + 1 >= argc) return fail(2, a + " needs a file name\n" + std::string(usage));
            (a == "--json" ? json_out : svg_out) = argv[++i];
        } else if (a == "--summary") {
            want_summary = true;
        } else if (a.size() > 1 && a[0] == '-') {
            return fail(2, "unknown option " + a + "\n" + std::string(usage));
        } else if (!input) {
            input = a;
        } else {
            return fail(2, std::string("more than one input file\n") + usage);
        }
    }
    if (!input) return fail(2, std::string("no input file\n") + usage);

    smpboot_trace::run r;
    if (*input == "-") {
        r = smpboot_trace::parse_log(std::cin);
    } else {
        std::ifstream f(*input, std::ios::binary);
        if (!f) return fail(2, fmt::format("cannot open {}: {}", *input, std::strerror(errno)));
        r = smpboot_trace::parse_log(f);
    }

    constexpr size_t shown = 10;
    for (size_t i = 0; i < r.warnings.size() && i < shown; ++i)
        fmt::print(stderr, "smpboot-trace: warning: {}: {}\n", *input, r.warnings[i]);
    if (r.warnings.size() > shown)
        fmt::print(stderr, "smpboot-trace: warning: {} more malformed lines\n", r.warnings.size() - shown);

    if (r.events.empty() && r.cpus.empty() && !r.result)
        return fail(1, fmt::format("{}: no smpboot contract lines ('smpboot: cpu/trace/result'): "
                                   "not the serial log of an example kernel?",
                                   *input));
    if (r.events.empty())
        return fail(1, fmt::format("{}: no usable 'smpboot: trace' lines, nothing to draw "
                                   "(kernel built without tracing, or the log ends before them)",
                                   *input));
    if (!r.result)
        fmt::print(stderr, "smpboot-trace: warning: {}: no result line: the log looks truncated; "
                           "drawing up to the last trace event\n",
                   *input);
    if (r.dropped)
        fmt::print(stderr, "smpboot-trace: warning: {}: the kernel dropped {} trace events (buffer full)\n",
                   *input, r.dropped);

    const smpboot_trace::timeline tl = smpboot_trace::build_timeline(r);
    if (json_out && !write_file(*json_out, smpboot_trace::chrome_json(r, tl)))
        return fail(1, fmt::format("cannot write {}: {}", *json_out, std::strerror(errno)));
    if (svg_out && !write_file(*svg_out, smpboot_trace::svg(r, tl)))
        return fail(1, fmt::format("cannot write {}: {}", *svg_out, std::strerror(errno)));
    if (want_summary || (!json_out && !svg_out)) fmt::print("{}", smpboot_trace::summary(r, tl));
    return 0;
}
