// SPDX-License-Identifier: MIT
// The serial contract of the example kernels, written once for every arch.
// Tests, scripts/run-example and smpboot-trace parse these lines:
//
//   smpboot: cpu <logical> hwid 0x<hex> online
//   smpboot: cpu <logical> hwid 0x<hex> failed: <reason>
//   smpboot: trace <cpu> <t_ns> <kind> <by> <state>
//   smpboot: result arch=<arch> online=K/N mode=<seq|parallel> bringup_us=T
//
// The trace lines (README "Trace lines") come after the per-CPU lines and
// before the result line; t_ns counts from the first kick.
#pragma once

#include <smpboot/format.hpp>
#include <smpboot/hotplug.hpp>

namespace example {

using puts_fn = void (*)(const char* line);   // writes one line plus newline

/// "online" or "failed: <reason> [(<detail>)] at <state> [(rc N)]" for each present CPU, in
/// logical order (the boot CPU, cpu 0, is online by definition).
template <class Hotplug>
void print_cpu_lines(const Hotplug& hp, puts_fn out) {
    for (smpboot::cpu_id c : hp.present()) {
        smpboot::line<160> l;
        l.str("smpboot: cpu ").dec(c).str(" hwid ").hex(hp.hwid_of(c));
        if (hp.online().test(c)) {
            l.str(" online");
        } else {
            const smpboot::result& r = hp.last_result(c);
            l.str(" failed: ").str(smpboot::to_string(r.code));
            if (r.detail) l.str(" (").str(r.detail).chr(')');
            if (r.code != smpboot::errc::ok) l.str(" at ").str(hp.state_name(r.failed_state));
            if (r.rc) l.str(" (rc ").sdec(r.rc).chr(')');
        }
        out(l.c_str());
    }
}

template <class Hotplug>
void print_trace_lines(const Hotplug& hp, const smpboot::trace_buffer& tb, uint64_t t0_ns,
                       puts_fn out) {
    for (uint32_t i = 0; i < tb.size(); ++i) {
        const smpboot::trace_event& e = tb.events[i];
        smpboot::line<128> l;
        l.str("smpboot: trace ").dec(e.cpu).chr(' ').dec(e.t_ns >= t0_ns ? e.t_ns - t0_ns : 0);
        l.chr(' ').str(smpboot::to_string(e.kind)).chr(' ').str(e.by == smpboot::side::ap ? "ap" : "bp");
        l.chr(' ').str(hp.state_name(e.st));
        out(l.c_str());
    }
    if (uint32_t d = tb.dropped.load(smpboot::memory_order::relaxed)) {
        smpboot::line<64> l;
        l.str("smpboot: trace dropped ").dec(d);
        out(l.c_str());
    }
}

/// When the backend could not be set up at all: every present CPU but the
/// boot CPU "failed: <reason>" (hp.init() must have run), so a run still ends
/// with one line per CPU and the result line.
template <class Hotplug>
void print_cpu_lines_not_started(const Hotplug& hp, const char* reason, puts_fn out) {
    for (smpboot::cpu_id c : hp.present()) {
        smpboot::line<200> l;
        l.str("smpboot: cpu ").dec(c).str(" hwid ").hex(hp.hwid_of(c));
        const bool online = hp.online().test(c);
        l.str(online ? " online" : " failed: ").str(online ? "" : reason);
        out(l.c_str());
    }
}

/// "mailbox: cpu N woken by <how>", or "mailbox: cpu N not woken", for each
/// AP that a firmware mailbox holds (ACPI Multiprocessor Wakeup on x86, the
/// parking protocol on arm64), in logical order, before the cpu lines.
/// `how(c)` names the mailbox that woke cpu c, nullptr if it did not (yet),
/// or "" for an AP no mailbox holds (no line).
template <class Hotplug, class How>
void print_mailbox_lines(const Hotplug& hp, How how, puts_fn out) {
    for (smpboot::cpu_id c : hp.present()) {
        if (c == 0) continue;
        const char* h = how(c);
        if (h && !*h) continue;
        smpboot::line<80> l;
        l.str("mailbox: cpu ").dec(c);
        if (h) l.str(" woken by ").str(h);
        else l.str(" not woken");
        out(l.c_str());
    }
}

/// The last line of every run. Returns whether every present CPU is online.
template <class Hotplug>
bool print_result_line(const Hotplug& hp, const char* arch, bool parallel, uint64_t bringup_ns,
                       puts_fn out) {
    const uint32_t n = hp.present().count();
    const uint32_t k = hp.online().count();
    smpboot::line<128> l;
    l.str("smpboot: result arch=").str(arch).str(" online=").dec(k).chr('/').dec(n);
    l.str(" mode=").str(parallel ? "parallel" : "seq").str(" bringup_us=").dec(bringup_ns / 1000);
    out(l.c_str());
    return k == n;
}

}  // namespace example
