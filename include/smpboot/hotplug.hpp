// SPDX-License-Identifier: MIT
// The hotplug state machine: brings CPUs up and takes them down through the
// states of states.hpp, with rollback, timeouts and per-CPU results.
//
//   smpboot::hotplug<my_backend> hp{backend, host_ops};
//   hp.init(cpus, n);                      // from the backend's discovery
//   hp.add_state(section::online, "sched", sched_up, sched_down);
//   auto summary = hp.bring_up_all(bringup_mode::parallel);
//   result r = hp.cpu_down(3);             // later, at run time
//
// Hotplug operations (init, add_state, cpu_up, cpu_down, bring_up_all,
// start_image) are for one CPU at a time; a second caller gets errc::busy.
// ap_poll() is for APs and may run at any time.
#pragma once

#include <smpboot/backend.hpp>
#include <smpboot/base.hpp>
#include <smpboot/cpumask.hpp>
#include <smpboot/error.hpp>
#include <smpboot/format.hpp>
#include <smpboot/host.hpp>
#include <smpboot/states.hpp>
#include <smpboot/trace.hpp>

namespace smpboot {

/// Compile-time knobs. Derive from it to change one.
struct default_config {
    static constexpr uint32_t max_cpus = 256;
    /// Record state transitions into the host's trace_buffer.
    static constexpr bool tracing = true;
    /// Allow inject_failure(), Linux's cpuhp "fail" file: for tests.
    static constexpr bool fail_injection = false;
};

/// How long the boot CPU waits, in nanoseconds of the host's clock. Generous
/// by default: these are hang detectors, and QEMU's TCG with many vCPUs on
/// few host cores is slow.
struct timeouts {
    uint64_t callin_ns = 2'000'000'000;   ///< kick -> the AP calls in
    uint64_t online_ns = 5'000'000'000;   ///< callin -> the AP finished its states
    uint64_t down_ns = 2'000'000'000;     ///< down request -> the AP picks it up
    uint64_t off_ns = 2'000'000'000;      ///< the AP said goodbye -> firmware says off
};

/// A host step: return 0 on success; anything else fails the step and is
/// reported as result::rc.
using state_callback = int (*)(cpu_id cpu, void* ctx);

enum class bringup_mode : uint8_t { sequential, parallel };

/// One CPU as discovery found it. Entry 0 must be the boot CPU.
struct cpu_desc {
    hwid_t hwid = 0;
    bool present = true;   ///< false: possible only (ACPI online-capable)
};

struct bringup_summary {
    uint32_t attempted = 0;
    uint32_t online = 0;           ///< of those attempted
    result first_error{};
    uint64_t first_kick_ns = 0;    ///< host clock, boot CPU
    uint64_t last_online_ns = 0;   ///< host clock, as read by the last AP to finish
};

template <backend Backend, class Config = default_config>
class hotplug {
public:
    static constexpr uint32_t max_cpus = Config::max_cpus;
    using mask = cpu_mask<max_cpus>;
    static constexpr state last_prepare = prev(state::bp_bringup);

    hotplug(Backend& backend, const host_ops& host, timeouts limits = {})
        : backend_(backend), host_(host), limits_(limits) {}
    hotplug(const hotplug&) = delete;
    hotplug& operator=(const hotplug&) = delete;

    /// Take discovery's CPU list. cpus[0] is the running (boot) CPU: it is
    /// online from here on. Possible CPUs beyond max_cpus are an error; the
    /// backend's discovery drops them with a warning before that.
    result init(const cpu_desc* cpus, uint32_t count) {
        op_guard g(this);
        if (!g) return result::fail(errc::busy, no_cpu);
        if (count == 0 || count > max_cpus) return result::fail(errc::invalid_cpu, count);
        if (cpu_count_ != 0 && online_.count() > 1) return result::fail(errc::busy, no_cpu);
        possible_.clear_all();
        present_.clear_all();
        online_.clear_all();
        active_.clear_all();
        foreign_.clear_all();
        for (uint32_t i = 0; i < count; ++i) {
            slot& s = slots_[i];
            s.hwid = cpus[i].hwid;
            s.set_state(state::offline);
            s.sync.store(ap_sync::idle, memory_order::relaxed);
            s.stuck = false;
            s.last = result::success(i);
            possible_.set(i);
            if (cpus[i].present || i == 0) present_.set(i);
        }
        slots_[0].set_state(state::online);
        slots_[0].sync.store(ap_sync::up_done, memory_order::relaxed);
        online_.set(0);
        active_.set(0);
        cpu_count_ = count;
        return result::success(0);
    }

    /// Add a host step to a section, after the ones added before it. Allowed
    /// while no AP is online (the boot CPU does not run host steps: the
    /// kernel set it up itself). `assigned` receives the state's number.
    result add_state(section sec, const char* name, state_callback startup,
                     state_callback teardown, void* ctx = nullptr, state* assigned = nullptr) {
        op_guard g(this);
        if (!g || online_.count() > 1) return result::fail(errc::busy, no_cpu);
        state_range r = dynamic_range(sec);
        for (state st = r.first; st <= r.last; st = next(st)) {
            host_step& h = steps_[uint16_t(st)];
            if (h.used) continue;
            h = {true, name, startup, teardown, ctx};
            if (assigned) *assigned = st;
            return result::success();
        }
        return result::fail(errc::table_full, no_cpu, r.last);
    }

    /// Bring one CPU online. On failure the CPU is offline again with every
    /// completed step undone (or, after a timeout, marked stuck).
    result cpu_up(cpu_id cpu) {
        op_guard g(this);
        if (!g) return result::fail(errc::busy, cpu);
        result r = check_can_up(cpu);
        if (r) r = up_one(cpu);
        return remember(cpu, r);
    }

    /// Take one CPU offline: its AP states run on it, then it leaves the
    /// kernel, then the BP states run here. If a teardown fails, the CPU is
    /// brought back to online and the failure is returned.
    result cpu_down(cpu_id cpu) {
        op_guard g(this);
        if (!g) return result::fail(errc::busy, cpu);
        result r = check_can_down(cpu);
        if (r) r = down_one(cpu);
        return remember(cpu, r);
    }

    /// Bring every present, offline CPU online. Parallel: prepare all, kick
    /// all, then wait for each. A CPU that fails is reported in its
    /// last_result() and does not stop the others.
    bringup_summary bring_up_all(bringup_mode mode) {
        bringup_summary sum;
        op_guard g(this);
        if (!g) {
            sum.first_error = result::fail(errc::busy, no_cpu);
            return sum;
        }
        auto account = [&](cpu_id cpu, result r) {
            (void)remember(cpu, r);
            if (r) {
                ++sum.online;
                uint64_t t = slots_[cpu].online_at_ns;
                if (t > sum.last_online_ns) sum.last_online_ns = t;
            } else if (sum.first_error) {
                sum.first_error = r;
            }
        };
        if (mode == bringup_mode::sequential) {
            for (cpu_id cpu : present_) {
                if (!can_bring_up(cpu)) continue;
                ++sum.attempted;
                if (sum.first_kick_ns == 0) sum.first_kick_ns = now();
                account(cpu, up_one(cpu));
            }
            return sum;
        }
        uint32_t n = 0;
        for (cpu_id cpu : present_) {
            if (!can_bring_up(cpu)) continue;
            ++sum.attempted;
            result r = walk(cpu, last_prepare, side::bp);
            if (!r) {
                account(cpu, r);
                continue;
            }
            r = injected(cpu, state::bp_bringup, true);
            if (!r) {
                force_down(cpu, state::offline, side::bp);
                account(cpu, r);
                continue;
            }
            arm(cpu);
            batch_[n++] = &slots_[cpu].boot;
        }
        sum.first_kick_ns = now();
        backend_.kick_all(batch_, n);
        const uint64_t callin_deadline = now() + limits_.callin_ns;
        for (uint32_t i = 0; i < n; ++i) {
            const cpu_id cpu = batch_[i]->cpu;
            result r = batch_[i]->status;
            if (r) trace(cpu, state::bp_bringup, trace_kind::kick, side::bp);
            else r = with_place(r, cpu, state::bp_bringup);
            if (r) r = await_online(cpu, callin_deadline);
            if (!r) unwind_failed_bringup(cpu);
            account(cpu, r);
        }
        return sum;
    }

    /// Start another image on an offline CPU instead of the kernel (the
    /// multikernel case): the CPU jumps to `entry_phys` with `arg` in its first
    /// argument register, on `stack_top`. The library does not wait for it and
    /// the CPU is not online to the kernel; cpu_up() on it returns busy.
    result start_image(cpu_id cpu, uint64_t entry_phys, uintptr_t stack_top, uint64_t arg) {
        op_guard g(this);
        if (!g) return result::fail(errc::busy, cpu);
        result r = check_can_up(cpu);
        if (!r) return r;
        slot& s = slots_[cpu];
        ap_boot& b = fresh_boot(cpu);
        b.stack_top = stack_top;
        b.image_entry = entry_phys;
        b.image_arg = arg;
        s.sync.store(ap_sync::kicked, memory_order::release);
        r = with_place(backend_.kick(s.boot), cpu, state::bp_bringup);
        s.sync.store(r ? ap_sync::abandoned : ap_sync::idle, memory_order::release);
        if (r) foreign_.set(cpu);
        return remember(cpu, r);
    }

    /// Take back a CPU given to another image with start_image(), once the
    /// host has made sure the image no longer runs (x86: INIT it, e.g. with
    /// the backend's abandon(); arm64: the image returned to the library's
    /// park loop, or firmware reports it off). It is offline to the kernel
    /// again, and cpu_up() or bring_up_all() start it as usual.
    result reclaim(cpu_id cpu) {
        op_guard g(this);
        if (!g) return result::fail(errc::busy, cpu);
        if (cpu >= cpu_count_ || !foreign_.test(cpu)) return result::fail(errc::no_image, cpu);
        slots_[cpu].sync.store(ap_sync::idle, memory_order::relaxed);
        foreign_.clear(cpu);
        return remember(cpu, result::success(cpu));
    }

    /// Call on an online AP from its idle loop (or the IPI that host.wake
    /// sends). Returns at once unless the CPU is being taken down, in which
    /// case it runs the AP teardowns and the CPU leaves: it does not return.
    void ap_poll(cpu_id self) {
        slot& s = slots_[self];
        ap_sync expected = ap_sync::down_requested;
        // acquire: pairs with cpu_down's release, so what the BP did before
        // asking is visible to the teardowns.
        if (!s.sync.compare_exchange(expected, ap_sync::down_claimed, memory_order::acquire,
                                     memory_order::relaxed))
            return;
        result r = walk(self, state::bp_bringup, side::ap);
        s.report = r;
        if (!r && s.current() != state::bp_bringup) {
            // Rolled back: still online. release: publishes s.report.
            s.sync.store(ap_sync::down_failed, memory_order::release);
            return;
        }
        s.sync.store(ap_sync::dying, memory_order::release);
        backend_.ap_leave(self);
    }

    /// Linux's cpuhp "fail" file: the next time `cpu` runs the startup (up)
    /// or teardown (down) of `st`, the step fails with rc = -1.
    void inject_failure(cpu_id cpu, state st, bool up)
        requires Config::fail_injection
    {
        fail_ = {cpu, st, up};
    }
    void clear_injected_failure()
        requires Config::fail_injection
    {
        fail_ = {};
    }

    void set_trace(trace_buffer* buffer) { trace_ = buffer; }

    uint32_t cpu_count() const { return cpu_count_; }
    hwid_t hwid_of(cpu_id cpu) const { return cpu < cpu_count_ ? slots_[cpu].hwid : ~hwid_t{0}; }
    cpu_id find_hwid(hwid_t hwid) const {
        for (cpu_id c = 0; c < cpu_count_; ++c)
            if (slots_[c].hwid == hwid) return c;
        return no_cpu;
    }
    state state_of(cpu_id cpu) const { return slots_[cpu].current(); }
    bool is_stuck(cpu_id cpu) const { return slots_[cpu].stuck; }
    /// The result of the last operation on this CPU.
    const result& last_result(cpu_id cpu) const { return slots_[cpu].last; }
    /// The host's name for a dynamic state, or the built-in label.
    const char* state_name(state st) const {
        const host_step& h = steps_[uint16_t(st)];
        return h.used && h.name ? h.name : label_of(st);
    }

    const mask& possible() const { return possible_; }
    const mask& present() const { return present_; }
    const mask& online() const { return online_; }
    const mask& active() const { return active_; }
    const mask& foreign() const { return foreign_; }
    const host_ops& host() const { return host_; }

private:
    struct host_step {
        bool used = false;
        const char* name = nullptr;
        state_callback startup = nullptr;
        state_callback teardown = nullptr;
        void* ctx = nullptr;
    };

    struct slot {
        hwid_t hwid = 0;
        atomic<uint16_t> st{uint16_t(state::offline)};
        atomic<ap_sync> sync{ap_sync::idle};
        ap_boot boot;
        stack_region stack;
        result report;              ///< the AP's outcome, published by `sync`
        result last;                ///< last operation's result (boot CPU)
        uint64_t online_at_ns = 0;  ///< AP's clock when it finished coming up
        bool stuck = false;         ///< a timeout left it in an unknown state
        bool keep_stack = false;    ///< it missed callin: a late AP may use the stack

        // release/acquire: whoever reads the state next (BP after AP, or the
        // other way round) also sees what the step did.
        state current() const { return state(st.load(memory_order::acquire)); }
        void set_state(state s) { st.store(uint16_t(s), memory_order::release); }
    };

    struct failure_point {
        cpu_id cpu = no_cpu;
        state st = state::offline;
        bool up = true;
    };

    /// Serialises hotplug operations without blocking: a second caller is told busy.
    class op_guard {
    public:
        explicit op_guard(hotplug* h) : h_(h) {
            bool expected = false;
            held_ = h->busy_.compare_exchange(expected, true, memory_order::acquire,
                                              memory_order::relaxed);
        }
        ~op_guard() {
            if (held_) h_->busy_.store(false, memory_order::release);
        }
        explicit operator bool() const { return held_; }

    private:
        hotplug* h_;
        bool held_;
    };

    uint64_t now() const { return host_.monotonic_ns(host_.ctx); }

    static result with_place(result r, cpu_id cpu, state st) {
        if (!r) {
            r.cpu = cpu;
            r.failed_state = st;
        }
        return r;
    }

    result remember(cpu_id cpu, result r) {
        if (cpu < cpu_count_) slots_[cpu].last = r.ok() ? result::success(cpu) : r;
        if (!r) log_failure(r);
        return r;
    }

    void log_failure(const result& r) {
        if (!host_.log) return;
        line<160> l;
        l.str("cpu ").dec(r.cpu).str(": ").str(state_name(r.failed_state)).str(": ").str(
            to_string(r.code));
        if (r.rc) l.str(" (rc ").sdec(r.rc).chr(')');
        host_.log(host_.ctx, log_level::error, l.c_str());
    }

    void trace(cpu_id cpu, state st, trace_kind kind, side by) {
        if constexpr (Config::tracing) {
            if (trace_) trace_->record({now(), cpu, st, kind, by});
        }
    }

    bool can_bring_up(cpu_id cpu) const { return check_can_up(cpu).ok(); }

    result check_can_up(cpu_id cpu) const {
        if (cpu >= cpu_count_) return result::fail(errc::invalid_cpu, cpu);
        const slot& s = slots_[cpu];
        if (s.stuck) return result::fail(errc::cpu_stuck, cpu, s.current());
        if (foreign_.test(cpu)) return result::fail(errc::busy, cpu);
        if (!present_.test(cpu)) return result::fail(errc::not_present, cpu);
        if (s.current() != state::offline) return result::fail(errc::already_online, cpu, s.current());
        return result::success(cpu);
    }

    result check_can_down(cpu_id cpu) const {
        if (cpu >= cpu_count_) return result::fail(errc::invalid_cpu, cpu);
        const slot& s = slots_[cpu];
        if (cpu == 0) return result::fail(errc::boot_cpu, cpu, state::online);
        if (s.stuck) return result::fail(errc::cpu_stuck, cpu, s.current());
        if (s.current() != state::online) return result::fail(errc::already_offline, cpu, s.current());
        if (online_.count() <= 1) return result::fail(errc::last_cpu, cpu, state::online);
        return result::success(cpu);
    }

    // ---- The steps -------------------------------------------------------

    /// Startup (up) or teardown (down) of one state, without moving the CPU.
    result injected(cpu_id cpu, state st, bool up) const {
        if constexpr (Config::fail_injection) {
            if (fail_.cpu == cpu && fail_.st == st && fail_.up == up)
                return result::fail(errc::callback_failed, cpu, st, -1);
        }
        return result::success(cpu);
    }

    result run_step(cpu_id cpu, state st, bool up) {
        if (result r = injected(cpu, st, up); !r) return r;
        if (is_dynamic(st)) {
            const host_step& h = steps_[uint16_t(st)];
            state_callback cb = up ? h.startup : h.teardown;
            int rc = (h.used && cb) ? cb(cpu, h.ctx) : 0;
            return rc == 0 ? result::success(cpu) : result::fail(errc::callback_failed, cpu, st, rc);
        }
        switch (st) {
        case state::bp_prepare:
            if (up) return with_place(take_stack(cpu), cpu, st);
            give_back_stack(cpu);
            break;
        case state::ap_starting:
            if (up) return with_place(backend_.ap_init(cpu), cpu, st);
            backend_.ap_exit(cpu);
            break;
        case state::ap_online:
            up ? online_.set(cpu) : online_.clear(cpu);
            break;
        case state::online:
            up ? active_.set(cpu) : active_.clear(cpu);
            break;
        default:   // offline and bp_bringup are not walked
            break;
        }
        return result::success(cpu);
    }

    /// One step: startup(st) enters st; teardown(st) leaves it for prev(st).
    /// An empty host slot is passed through untraced: it does nothing.
    result step(cpu_id cpu, state st, bool up, side by) {
        result r = run_step(cpu, st, up);
        if (r) slots_[cpu].set_state(up ? st : prev(st));
        if (!r || !is_dynamic(st) || steps_[uint16_t(st)].used)
            trace(cpu, st, !r ? trace_kind::fail : up ? trace_kind::up : trace_kind::down, by);
        return r;
    }

    /// A host slot nobody filled: its step would run nothing and trace
    /// nothing, so walk() only moves the CPU past it. There are 3 x
    /// SMPBOOT_DYN_STATES slots and a host fills a few: the full step for
    /// each empty one was most of an AP's instructions from callin to online.
    bool empty_slot(cpu_id cpu, state st, bool up) const {
        return is_dynamic(st) && !steps_[uint16_t(st)].used && injected(cpu, st, up).ok();
    }

    /// Moves `cpu` to `target` one state at a time, on the calling CPU, like
    /// Linux's cpuhp_invoke_callback_range(). On a failure it walks back to
    /// where it started and returns the failure. If walking back down fails
    /// too, it forces the CPU down to `target` and says rollback_failed.
    result walk(cpu_id cpu, state target, side by) {
        const state start = slots_[cpu].current();
        if (target > start) {
            for (state st = next(start); st <= target; st = next(st)) {
                if (empty_slot(cpu, st, true)) {
                    slots_[cpu].set_state(st);
                    continue;
                }
                result r = step(cpu, st, true, by);
                if (!r) {
                    force_down(cpu, start, by);
                    return r;
                }
            }
        } else {
            for (state st = start; st > target; st = prev(st)) {
                if (empty_slot(cpu, st, false)) {
                    slots_[cpu].set_state(prev(st));
                    continue;
                }
                result r = step(cpu, st, false, by);
                if (r) continue;
                for (state back = next(st); back <= start; back = next(back)) {
                    if (!step(cpu, back, true, by)) {
                        force_down(cpu, target, by);
                        return result::fail(errc::rollback_failed, cpu, r.failed_state, r.rc);
                    }
                }
                return r;
            }
        }
        return result::success(cpu);
    }

    /// Teardowns down to `target` where there is nothing left to roll back
    /// to: a failing teardown is logged and passed over.
    void force_down(cpu_id cpu, state target, side by) {
        for (state st = slots_[cpu].current(); st > target; st = prev(st)) {
            result r = run_step(cpu, st, false);
            if (!r) {
                if (by == side::bp) log_failure(r);
                trace(cpu, st, trace_kind::fail, by);
            }
            slots_[cpu].set_state(prev(st));
        }
    }

    result take_stack(cpu_id cpu) {
        slot& s = slots_[cpu];
        if (s.stack.base) return result::success(cpu);   // kept after a missed callin
        s.stack = host_.alloc_stack(host_.ctx, cpu);
        if (!s.stack.base) return result::fail(errc::no_stack, cpu);
        return result::success(cpu);
    }

    void give_back_stack(cpu_id cpu) {
        slot& s = slots_[cpu];
        if (s.keep_stack || !s.stack.base) return;
        if (host_.free_stack) host_.free_stack(host_.ctx, cpu, s.stack);
        s.stack = {};
    }

    // ---- Bring-up (BP side) ----------------------------------------------

    /// The CPU's boot block, reset to who it is and its handshake word.
    ap_boot& fresh_boot(cpu_id cpu) {
        slot& s = slots_[cpu];
        s.boot = ap_boot{};
        s.boot.cpu = cpu;
        s.boot.hwid = s.hwid;
        s.boot.sync = &s.sync;
        return s.boot;
    }

    /// Fill the CPU's boot block and publish it: the AP may run from here on.
    void arm(cpu_id cpu) {
        slot& s = slots_[cpu];
        ap_boot& b = fresh_boot(cpu);
        b.stack_top = (uintptr_t(s.stack.base) + s.stack.size) & ~uintptr_t{15};
        b.entry = &hotplug::ap_entry;
        b.core = this;
        s.keep_stack = false;
        s.set_state(state::bp_bringup);
        // release: the boot block, the stack and every prepare step happen
        // before the AP's callin (its acquire CAS in ap_start).
        s.sync.store(ap_sync::kicked, memory_order::release);
    }

    result up_one(cpu_id cpu) {
        result r = walk(cpu, last_prepare, side::bp);
        if (!r) return r;
        arm(cpu);
        r = injected(cpu, state::bp_bringup, true);
        if (r) r = with_place(backend_.kick(slots_[cpu].boot), cpu, state::bp_bringup);
        if (r) {
            trace(cpu, state::bp_bringup, trace_kind::kick, side::bp);
            r = await_online(cpu, now() + limits_.callin_ns);
        }
        if (!r) unwind_failed_bringup(cpu);
        return r;
    }

    /// Wait for an armed and kicked CPU to call in, then to finish its AP
    /// states. A missed callin abandons the CPU; a CPU that called in but
    /// never finished is marked stuck (it may still be running a callback).
    result await_online(cpu_id cpu, uint64_t callin_deadline) {
        slot& s = slots_[cpu];
        while (s.sync.load(memory_order::acquire) == ap_sync::kicked) {
            if (now() < callin_deadline) {
                backend_.relax();
                continue;
            }
            ap_sync expected = ap_sync::kicked;
            // acq_rel: exactly one of this and the AP's callin CAS wins.
            if (s.sync.compare_exchange(expected, ap_sync::abandoned, memory_order::acq_rel,
                                        memory_order::acquire)) {
                s.keep_stack = true;
                backend_.abandon(cpu);
                return result::fail(errc::callin_timeout, cpu, state::bp_bringup);
            }
        }
        const uint64_t deadline = now() + limits_.online_ns;
        ap_sync v;
        while ((v = s.sync.load(memory_order::acquire)) == ap_sync::alive) {
            if (now() >= deadline) {
                s.stuck = true;
                return result::fail(errc::online_timeout, cpu, s.current());
            }
            backend_.relax();
        }
        if (v == ap_sync::up_done) return result::success(cpu);
        result r = s.report;   // up_failed: the AP undid its states and left
        result off = wait_off(cpu);
        return off ? r : off;
    }

    /// After a failed kick or wait: back to offline, unless the CPU is stuck.
    void unwind_failed_bringup(cpu_id cpu) {
        slot& s = slots_[cpu];
        if (s.stuck) return;
        s.sync.store(ap_sync::idle, memory_order::relaxed);
        s.set_state(last_prepare);
        trace(cpu, state::bp_bringup, trace_kind::down, side::bp);
        force_down(cpu, state::offline, side::bp);
    }

    result wait_off(cpu_id cpu) {
        result r = with_place(backend_.wait_off(cpu, now() + limits_.off_ns), cpu, state::bp_bringup);
        if (!r) slots_[cpu].stuck = true;
        return r;
    }

    // ---- Take-down (BP side) ---------------------------------------------

    result down_one(cpu_id cpu) {
        slot& s = slots_[cpu];
        // release: pairs with ap_poll's acquire.
        s.sync.store(ap_sync::down_requested, memory_order::release);
        if (host_.wake) host_.wake(host_.ctx, cpu);
        uint64_t deadline = now() + limits_.down_ns;
        while (s.sync.load(memory_order::acquire) == ap_sync::down_requested) {
            if (now() < deadline) {
                backend_.relax();
                continue;
            }
            ap_sync expected = ap_sync::down_requested;
            if (s.sync.compare_exchange(expected, ap_sync::up_done, memory_order::acq_rel,
                                        memory_order::acquire))
                return result::fail(errc::down_timeout, cpu, state::online);
        }
        deadline = now() + limits_.online_ns;
        ap_sync v;
        while ((v = s.sync.load(memory_order::acquire)) == ap_sync::down_claimed) {
            if (now() >= deadline) {
                s.stuck = true;
                return result::fail(errc::down_timeout, cpu, s.current());
            }
            backend_.relax();
        }
        const result ap_result = s.report;
        if (v == ap_sync::down_failed) {
            s.sync.store(ap_sync::up_done, memory_order::relaxed);
            return ap_result;   // the AP rolled itself back: still online
        }
        // dying: the AP's states are down and it is leaving. Its teardown of
        // bp:bringup is waiting until it is off.
        result r = wait_off(cpu);
        if (!r) return r;
        s.sync.store(ap_sync::idle, memory_order::relaxed);
        r = injected(cpu, state::bp_bringup, false);
        if (r) {
            s.set_state(last_prepare);
            trace(cpu, state::bp_bringup, trace_kind::down, side::bp);
            r = walk(cpu, state::offline, side::bp);
        } else {
            s.set_state(last_prepare);   // off, with every prepare step still done
        }
        if (!r && r.code != errc::rollback_failed) return back_online(cpu, r);
        return r ? ap_result : r;
    }

    /// A teardown failed after the AP had left, and the prepare steps are
    /// done again: finish the rollback by bringing the CPU back online.
    result back_online(cpu_id cpu, result failure) {
        arm(cpu);
        result back = with_place(backend_.kick(slots_[cpu].boot), cpu, state::bp_bringup);
        if (back) back = await_online(cpu, now() + limits_.callin_ns);
        if (back) return failure;
        unwind_failed_bringup(cpu);
        return result::fail(errc::rollback_failed, cpu, failure.failed_state, failure.rc);
    }

    // ---- The AP side -----------------------------------------------------

    static void ap_entry(void* self, cpu_id cpu) { static_cast<hotplug*>(self)->ap_start(cpu); }

    void ap_start(cpu_id cpu) {
        slot& s = slots_[cpu];
        ap_sync expected = ap_sync::kicked;
        // acq_rel: acquire what arm() published; the BP's abandon CAS may
        // have won, in which case this CPU is not wanted and leaves.
        if (!s.sync.compare_exchange(expected, ap_sync::alive, memory_order::acq_rel,
                                     memory_order::acquire))
            backend_.ap_leave(cpu);
        trace(cpu, state::bp_bringup, trace_kind::callin, side::ap);
        result r = walk(cpu, state::online, side::ap);
        s.report = r;
        s.online_at_ns = now();
        if (!r) {
            s.sync.store(ap_sync::up_failed, memory_order::release);
            backend_.ap_leave(cpu);
        }
        s.sync.store(ap_sync::up_done, memory_order::release);
        host_.ap_main(host_.ctx, cpu);
        __builtin_trap();   // ap_main must not return
    }

    Backend& backend_;
    host_ops host_;
    timeouts limits_;
    trace_buffer* trace_ = nullptr;
    atomic<bool> busy_{false};
    uint32_t cpu_count_ = 0;
    failure_point fail_;
    mask possible_, present_, online_, active_, foreign_;
    host_step steps_[state_count];
    slot slots_[max_cpus];
    ap_boot* batch_[max_cpus];
};

}  // namespace smpboot
