// SPDX-License-Identifier: MIT
// What every example kernel does once its platform is up, for any arch:
// register the demo's host states, bring the CPUs up, optionally stress
// hotplug, and print the serial contract. The arch's main() sets up serial,
// timer, memory and the backend, calls hp.init() with discovery's CPUs, then
// demo::run(); its host_ops.ap_main calls demo::ap_idle().
//
// Command line (all optional):
//   smpboot.mode=seq|parallel      bring-up mode (default parallel)
//   smpboot.stress=CYCLES          random cpu_down/cpu_up cycles after bring-up
//   smpboot.seed=N                 seed for the stress choices
//   smpboot.fail=CPU:SECTION       the demo's own startup step in SECTION
//                                  (prepare = on the boot CPU, starting or
//                                  online = on the AP) fails for CPU
#pragma once

#include <smpboot/format.hpp>
#include <smpboot/hotplug.hpp>

#include "cmdline.hpp"
#include "report.hpp"

namespace example {

/// What the arch's kernel gives the demo.
struct platform {
    const char* arch;        ///< "x86_64" or "arm64", for the result line
    const char* cmdline;     ///< the kernel command line, or ""
    puts_fn puts;            ///< one line to the serial console
    uint64_t (*now_ns)();    ///< the same clock as host_ops.monotonic_ns
    void (*relax)();         ///< one spin-wait iteration
};

struct stress_stats {
    uint32_t cycles = 0, downs = 0, ups = 0, errors = 0;
};

template <class Hotplug>
class demo {
public:
    static constexpr uint32_t max_cpus = Hotplug::max_cpus;

    demo(Hotplug& hp, const platform& pf) : hp_(hp), pf_(pf) {}

    /// Runs on the boot CPU after hp.init(). Returns whether every present
    /// CPU is online at the end (the arch then exits QEMU accordingly).
    bool run() {
        parse_options();
        register_states();
        hp_.set_trace(&trace_);
        const smpboot::bringup_summary s =
            hp_.bring_up_all(parallel_ ? smpboot::bringup_mode::parallel
                                       : smpboot::bringup_mode::sequential);
        hp_.set_trace(nullptr);   // the timeline is of the first bring-up only
        const uint64_t bringup_ns =
            s.last_online_ns > s.first_kick_ns ? s.last_online_ns - s.first_kick_ns : 0;
        check_ap_callbacks_ran();

        stress_stats st;
        if (stress_cycles_ > 0) st = stress(stress_cycles_);

        print_cpu_lines(hp_, pf_.puts);
        print_trace_lines(hp_, trace_, s.first_kick_ns, pf_.puts);
        if (stress_cycles_ > 0) {
            smpboot::line<128> l;
            l.str("smpboot: stress cycles=").dec(st.cycles).str(" downs=").dec(st.downs);
            l.str(" ups=").dec(st.ups).str(" errors=").dec(st.errors);
            pf_.puts(l.c_str());
        }
        return print_result_line(hp_, pf_.arch, parallel_, bringup_ns, pf_.puts) && st.errors == 0;
    }

    /// The AP idle loop (host_ops.ap_main): count work, and let hotplug take
    /// the CPU down when asked. Never returns.
    [[noreturn]] void ap_idle(smpboot::cpu_id cpu) {
        for (;;) {
            work_[cpu].fetch_add(1, smpboot::memory_order::relaxed);
            hp_.ap_poll(cpu);
            pf_.relax();
        }
    }

private:
    void parse_options() {
        char buf[24];
        parallel_ = !(cmdline_value(pf_.cmdline, "smpboot.mode", buf, sizeof buf) && str_eq(buf, "seq"));
        stress_cycles_ = uint32_t(cmdline_number(pf_.cmdline, "smpboot.stress", 0));
        rng_ = cmdline_number(pf_.cmdline, "smpboot.seed", 0x5eed) | 1;
        if (cmdline_value(pf_.cmdline, "smpboot.fail", buf, sizeof buf)) {
            // CPU:SECTION
            const char* p = buf;
            uint32_t cpu = 0;
            while (*p >= '0' && *p <= '9') cpu = cpu * 10 + uint32_t(*p++ - '0');
            if (*p == ':') {
                ++p;
                fail_cpu_ = cpu;
                fail_section_ = str_eq(p, "prepare")  ? 0
                                : str_eq(p, "starting") ? 1
                                : str_eq(p, "online")   ? 2
                                                        : -1;
            }
        }
    }

    // One step of our own in each section: counts where it ran, and fails
    // where smpboot.fail asks it to.
    template <int Section>
    static int step_up(smpboot::cpu_id cpu, void* ctx) {
        demo& d = *static_cast<demo*>(ctx);
        d.runs_[Section][cpu].fetch_add(1, smpboot::memory_order::relaxed);
        return (d.fail_section_ == Section && d.fail_cpu_ == cpu) ? -22 : 0;
    }
    static int step_down(smpboot::cpu_id, void*) { return 0; }

    void register_states() {
        using smpboot::section;
        bool ok = hp_.add_state(section::prepare, "demo:prepare", &step_up<0>, &step_down, this).ok();
        ok &= hp_.add_state(section::starting, "demo:starting", &step_up<1>, &step_down, this).ok();
        ok &= hp_.add_state(section::online, "demo:online", &step_up<2>, &step_down, this).ok();
        if (!ok) pf_.puts("smpboot: demo: could not register host states");
    }

    // The starting and online steps ran once on every CPU that came up.
    void check_ap_callbacks_ran() {
        for (smpboot::cpu_id c : hp_.online()) {
            if (c == 0) continue;
            if (runs_[1][c].load(smpboot::memory_order::relaxed) == 0 ||
                runs_[2][c].load(smpboot::memory_order::relaxed) == 0) {
                smpboot::line<96> l;
                l.str("smpboot: demo: cpu ").dec(c).str(" online without its AP callbacks");
                pf_.puts(l.c_str());
            }
        }
    }

    uint64_t random() {
        rng_ ^= rng_ << 13;
        rng_ ^= rng_ >> 7;
        rng_ ^= rng_ << 17;
        return rng_;
    }

    uint64_t work(smpboot::cpu_id c) const { return work_[c].load(smpboot::memory_order::relaxed); }

    /// Wait (bounded) until `c`'s work counter passes `than`: the CPU runs.
    bool work_moves(smpboot::cpu_id c, uint64_t than) {
        const uint64_t deadline = pf_.now_ns() + 2'000'000'000;
        while (work(c) <= than) {
            if (pf_.now_ns() > deadline) return false;
            pf_.relax();
        }
        return true;
    }

    /// Random CPUs go down and come back. Checked: a CPU's counter moves
    /// while it is online and stands still while it is offline; every
    /// operation succeeds; at the end every CPU that was online is again.
    /// CPUs that failed the first bring-up are left alone.
    stress_stats stress(uint32_t cycles) {
        stress_stats st;
        for (smpboot::cpu_id c : hp_.online())
            if (c != 0) stressed_.set(c);
        const uint32_t n = hp_.cpu_count();
        for (; st.cycles < cycles && n > 1; ++st.cycles) {
            const smpboot::cpu_id c = 1 + smpboot::cpu_id(random() % (n - 1));
            if (stressed_.test(c)) toggle(c, st);
        }
        for (smpboot::cpu_id c : stressed_)
            if (!hp_.online().test(c)) toggle(c, st);
        for (smpboot::cpu_id c : stressed_)
            if (!work_moves(c, work(c))) ++st.errors;
        return st;
    }

    void toggle(smpboot::cpu_id c, stress_stats& st) {
        if (hp_.online().test(c)) {
            if (!work_moves(c, work(c))) ++st.errors;   // stuck while online
            if (hp_.cpu_down(c).ok()) ++st.downs;
            else ++st.errors;
            work_at_down_[c] = work(c);
        } else {
            if (work(c) != work_at_down_[c]) ++st.errors;   // ran while offline
            if (hp_.cpu_up(c).ok()) ++st.ups;
            else ++st.errors;
        }
    }

    Hotplug& hp_;
    platform pf_;
    bool parallel_ = true;
    uint32_t stress_cycles_ = 0;
    uint64_t rng_ = 1;
    smpboot::cpu_id fail_cpu_ = smpboot::no_cpu;
    int fail_section_ = -1;
    smpboot::atomic<uint64_t> work_[max_cpus];
    smpboot::atomic<uint32_t> runs_[3][max_cpus];
    typename Hotplug::mask stressed_;
    uint64_t work_at_down_[max_cpus] = {};
    smpboot::trace_event trace_events_[4096];
    smpboot::trace_buffer trace_{trace_events_, 4096};
};

}  // namespace example
