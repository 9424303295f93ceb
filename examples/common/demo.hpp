// SPDX-License-Identifier: MIT
// What every example kernel does once its platform is up, for any arch:
// register the demo's host steps, bring the CPUs up, check that the steps ran
// on the right CPUs and that failed CPUs were rolled back, optionally stress
// hotplug, and print the serial contract. The arch's main() sets up serial,
// timer, memory and the backend, calls hp.init() with discovery's CPUs, then
// demo::run(); its host_ops.ap_main calls demo::ap_idle(), whose loop sleeps
// in the arch's idle_once() (smpboot/x86/idle.hpp, smpboot/arm64/idle.hpp).
//
// Command line (all optional):
//   smpboot.mode=seq|parallel      bring-up mode (default parallel)
//   smpboot.stress=CYCLES          random cpu_down/cpu_up cycles after bring-up
//   smpboot.seed=N                 seed for the stress choices
//   smpboot.fail=CPU:SECTION       the demo's own startup step in SECTION
//                                  (prepare = on the boot CPU, starting or
//                                  online = on the AP) fails for CPU, rc -22
//   smpboot.callin_ms=MS           every hotplug wait's limit (default 5000):
//                                  hang detectors, generous for loaded hosts
#pragma once

#include <smpboot/format.hpp>
#include <smpboot/hotplug.hpp>

#include "cmdline.hpp"
#include "report.hpp"

namespace example {

/// What the arch's kernel gives the demo.
struct platform {
    const char* arch;            ///< "x86_64" or "arm64", for the result line
    const char* name;            ///< prefix of the demo's own lines, e.g. "arm64-virt"
    const char* cmdline;         ///< the kernel command line, or ""
    puts_fn puts;                ///< one line to the serial console
    uint64_t (*now_ns)();        ///< the same clock as host_ops.monotonic_ns
    void (*relax)();             ///< one spin-wait iteration on the boot CPU
    /// One turn of the AP's idle loop: the arch's idle_once(hp, cpu), which
    /// answers cpu_down and sleeps until host_ops.wake. May return early.
    /// APs that sleep cost nothing while the boot CPU measures.
    void (*idle_once)(smpboot::cpu_id cpu);
    smpboot::hwid_t (*own_hwid)();   ///< the running CPU's hwid, read from hardware
    void (*ap_starting)() = nullptr; ///< optional per-AP platform setup (starting step)
    /// Optional: the kernel's own lines just before the cpu lines (e.g. how
    /// each CPU was started).
    void (*before_cpu_lines)() = nullptr;
};

/// The hotplug limits the examples use: all from smpboot.callin_ms.
inline smpboot::timeouts timeouts_from(const char* cmdline) {
    const uint64_t ns = cmdline_number(cmdline, "smpboot.callin_ms", 5000) * 1'000'000;
    smpboot::timeouts t;
    t.callin_ns = t.online_ns = t.down_ns = t.off_ns = ns;
    return t;
}

struct stress_stats {
    uint32_t cycles = 0, downs = 0, ups = 0, errors = 0;
};

template <class Hotplug>
class demo {
public:
    static constexpr uint32_t max_cpus = Hotplug::max_cpus;
    static constexpr int injected_rc = -22;

    demo(Hotplug& hp, const platform& pf) : hp_(hp), pf_(pf) {}

    /// Runs on the boot CPU after hp.init(). Returns whether every present
    /// CPU is online at the end and every check held.
    bool run() {
        parse_options();
        bool ok = register_states();
        hp_.set_trace(&trace_);
        const smpboot::bringup_summary s =
            hp_.bring_up_all(parallel_ ? smpboot::bringup_mode::parallel
                                       : smpboot::bringup_mode::sequential);
        hp_.set_trace(nullptr);   // the timeline is of the first bring-up only
        const uint64_t bringup_ns =
            s.last_online_ns > s.first_kick_ns ? s.last_online_ns - s.first_kick_ns : 0;
        ok &= check_ap_steps();
        ok &= check_rolled_back();

        stress_stats st;
        if (stress_cycles_ > 0) st = stress(stress_cycles_);

        if (pf_.before_cpu_lines) pf_.before_cpu_lines();
        print_cpu_lines(hp_, pf_.puts);
        print_trace_lines(hp_, trace_, s.first_kick_ns, pf_.puts);
        if (stress_cycles_ > 0) {
            smpboot::line<128> l;
            l.str("smpboot: stress cycles=").dec(st.cycles).str(" downs=").dec(st.downs);
            l.str(" ups=").dec(st.ups).str(" errors=").dec(st.errors);
            pf_.puts(l.c_str());
        }
        ok &= st.errors == 0;
        return print_result_line(hp_, pf_.arch, parallel_, bringup_ns, pf_.puts) && ok;
    }

    /// The AP idle loop (host_ops.ap_main): count work, answer hotplug and
    /// sleep until woken. Never returns; cpu_down makes it leave instead.
    [[noreturn]] void ap_idle(smpboot::cpu_id cpu) {
        for (;;) {
            work_[cpu].fetch_add(1, smpboot::memory_order::relaxed);
            pf_.idle_once(cpu);
        }
    }

private:
    enum sec : int { sec_prepare, sec_starting, sec_online, sec_count };

    void parse_options() {
        char buf[24];
        parallel_ = !(cmdline_value(pf_.cmdline, "smpboot.mode", buf, sizeof buf) && str_eq(buf, "seq"));
        stress_cycles_ = uint32_t(cmdline_number(pf_.cmdline, "smpboot.stress", 0));
        rng_ = cmdline_number(pf_.cmdline, "smpboot.seed", 0x5eed) | 1;
        if (!cmdline_value(pf_.cmdline, "smpboot.fail", buf, sizeof buf)) return;
        const char* p = buf;   // CPU:SECTION
        uint32_t cpu = 0;
        while (*p >= '0' && *p <= '9') cpu = cpu * 10 + uint32_t(*p++ - '0');
        const char* names[sec_count] = {"prepare", "starting", "online"};
        for (int s = 0; *p == ':' && s < sec_count; ++s) {
            if (str_eq(p + 1, names[s])) {
                fail_cpu_ = cpu;
                fail_section_ = s;
            }
        }
        if (fail_section_ < 0) say("smpboot.fail wants CPU:prepare|starting|online; ignored");
    }

    void say(const char* text) {
        smpboot::line<200> l;
        l.str(pf_.name).str(": ").str(text);
        pf_.puts(l.c_str());
    }

    // The demo's own step in each section: counts where it ran, checks that
    // an AP step runs on that AP, and fails where smpboot.fail asks it to.
    template <int Section>
    static int step_up(smpboot::cpu_id cpu, void* ctx) {
        demo& d = *static_cast<demo*>(ctx);
        if (Section != sec_prepare && d.pf_.own_hwid() != d.hp_.hwid_of(cpu))
            d.on_wrong_cpu_.fetch_add(1, smpboot::memory_order::relaxed);
        if (Section == sec_starting && d.pf_.ap_starting) d.pf_.ap_starting();
        if (d.fail_section_ == Section && d.fail_cpu_ == cpu) return injected_rc;
        d.runs_[Section][cpu].fetch_add(1, smpboot::memory_order::relaxed);
        return 0;
    }
    template <int Section>
    static int step_down(smpboot::cpu_id, void* ctx) {
        static_cast<demo*>(ctx)->teardowns_[Section].fetch_add(1, smpboot::memory_order::relaxed);
        return 0;
    }

    bool register_states() {
        using smpboot::section;
        bool ok = hp_.add_state(section::prepare, "demo:prepare", &step_up<sec_prepare>,
                                &step_down<sec_prepare>, this).ok();
        ok &= hp_.add_state(section::starting, "demo:starting", &step_up<sec_starting>,
                            &step_down<sec_starting>, this).ok();
        ok &= hp_.add_state(section::online, "demo:online", &step_up<sec_online>,
                            &step_down<sec_online>, this).ok();
        if (!ok) say("error: could not register the demo's host steps");
        return ok;
    }

    uint32_t load(const smpboot::atomic<uint32_t>& a) const { return a.load(smpboot::memory_order::relaxed); }

    /// Every online AP ran its starting and online steps, on itself. The
    /// teardown counts show what rollback undid.
    bool check_ap_steps() {
        uint32_t aps = 0, good = 0, starting = 0, online = 0;
        for (smpboot::cpu_id c : hp_.online()) {
            if (c == 0) continue;
            ++aps;
            starting += load(runs_[sec_starting][c]);
            online += load(runs_[sec_online][c]);
            good += load(runs_[sec_starting][c]) == 1 && load(runs_[sec_online][c]) == 1;
        }
        const uint32_t elsewhere = load(on_wrong_cpu_);
        smpboot::line<240> l;
        l.str(pf_.name).str(": starting and online steps ran on the AP itself for ").dec(good).chr('/');
        l.dec(aps).str(" online APs (runs: starting ").dec(starting).str(", online ").dec(online);
        l.str(", on another cpu ").dec(elsewhere).str("); teardowns prepare=");
        l.dec(load(teardowns_[sec_prepare])).str(" starting=").dec(load(teardowns_[sec_starting]));
        l.str(" online=").dec(load(teardowns_[sec_online]));
        pf_.puts(l.c_str());
        return good == aps && elsewhere == 0;
    }

    /// A present CPU that is not online must be back at offline, not stuck.
    bool check_rolled_back() {
        bool ok = true;
        for (smpboot::cpu_id c : hp_.present()) {
            if (hp_.online().test(c)) continue;
            smpboot::line<120> l;
            l.str(pf_.name).str(": cpu ").dec(c);
            if (hp_.state_of(c) == smpboot::state::offline && !hp_.is_stuck(c)) {
                l.str(" rolled back to offline");
            } else {
                l.str(" error: left in state ").str(hp_.state_name(hp_.state_of(c)));
                ok = false;
            }
            pf_.puts(l.c_str());
        }
        return ok;
    }

    uint64_t random() {
        rng_ ^= rng_ << 13;
        rng_ ^= rng_ >> 7;
        rng_ ^= rng_ << 17;
        return rng_;
    }

    uint64_t work(smpboot::cpu_id c) const { return work_[c].load(smpboot::memory_order::relaxed); }

    /// Wake `c` and wait (bounded) until its work counter moves: it runs.
    bool work_moves(smpboot::cpu_id c) {
        const smpboot::host_ops& h = hp_.host();
        const uint64_t before = work(c);
        const uint64_t deadline = pf_.now_ns() + 2'000'000'000;
        uint64_t next_wake = 0;
        while (work(c) == before) {
            const uint64_t now = pf_.now_ns();
            if (now > deadline) return false;
            if (now >= next_wake && h.wake) {
                h.wake(h.ctx, c);
                next_wake = now + 100'000'000;
            }
            pf_.relax();
        }
        return true;
    }

    void stress_error(smpboot::cpu_id c, const char* what, const char* why = "") {
        smpboot::line<160> l;
        l.str("stress: cpu ").dec(c).str(": ").str(what).str(why);
        if (++errors_reported_ <= 10) say(l.c_str());
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
        for (smpboot::cpu_id c : stressed_) {
            if (!work_moves(c)) {
                stress_error(c, "online but its counter does not move");
                ++st.errors;
            }
        }
        return st;
    }

    void toggle(smpboot::cpu_id c, stress_stats& st) {
        if (hp_.online().test(c)) {
            if (!work_moves(c)) {
                stress_error(c, "online but its counter does not move");
                ++st.errors;
            }
            const smpboot::result r = hp_.cpu_down(c);
            work_at_down_[c] = work(c);
            if (r) ++st.downs;
            else stress_error(c, "cpu_down: ", smpboot::to_string(r.code)), ++st.errors;
        } else {
            if (work(c) != work_at_down_[c]) {
                stress_error(c, "its counter moved while offline");
                ++st.errors;
            }
            const smpboot::result r = hp_.cpu_up(c);
            if (r) ++st.ups;
            else stress_error(c, "cpu_up: ", smpboot::to_string(r.code)), ++st.errors;
        }
    }

    Hotplug& hp_;
    platform pf_;
    bool parallel_ = true;
    uint32_t stress_cycles_ = 0;
    uint64_t rng_ = 1;
    smpboot::cpu_id fail_cpu_ = smpboot::no_cpu;
    int fail_section_ = -1;
    uint32_t errors_reported_ = 0;
    smpboot::atomic<uint64_t> work_[max_cpus];
    smpboot::atomic<uint32_t> runs_[sec_count][max_cpus];
    smpboot::atomic<uint32_t> teardowns_[sec_count];
    smpboot::atomic<uint32_t> on_wrong_cpu_{0};
    typename Hotplug::mask stressed_;
    uint64_t work_at_down_[max_cpus] = {};
    smpboot::trace_event trace_events_[4096];
    smpboot::trace_buffer trace_{trace_events_, 4096};
};

}  // namespace example
