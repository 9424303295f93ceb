// SPDX-License-Identifier: MIT
// The hotplug state machine: brings CPUs up and takes them down through the
// rows of states.hpp, with rollback, timeouts and per-CPU results. The boot
// CPU and each AP meet only through the handshake of handshake.hpp.
//
//   smpboot::hotplug<my_backend> hp{backend, host_ops};
//   hp.init(cpus, n);                      // from the backend's discovery
//   hp.add_state(section::online, "sched", sched_up, sched_down);
//   auto summary = hp.bring_up_all(bringup_mode::parallel);
//   result r = hp.cpu_down(3);             // later, at run time
//
// Which CPU may call what. The library finds the calling CPU itself, through
// the backend's this_hwid() (x86: the APIC ID; arm64: MPIDR_EL1):
//   init, add_state       the boot CPU, before any AP is online.
//   cpu_up, cpu_down, bring_up_all, start_image, reclaim
//                         any online CPU, one operation at a time: a second
//                         caller gets errc::busy and may retry later (an AP
//                         that retries keeps calling ap_poll in between: the
//                         operation in flight may be waiting for it). Refused:
//                         cpu_down(c) on CPU c (errc::wrong_cpu: it would wait
//                         for its own ap_poll), and any operation from inside
//                         one (errc::nested_call): from a host step on either
//                         side, from an AP walking its states, from the
//                         teardowns that ap_poll runs.
//   ap_poll(c), ap_ready(c)
//                         CPU c itself, with interrupts masked. ap_poll on
//                         another CPU does nothing; ap_ready says wrong_cpu.
//   queries               any CPU (state_of, masks, last_result, ...): a value
//                         read while an operation runs may already be old.
// Where steps run: bp_* rows on the CPU that called the operation; ap_* rows
// on the CPU coming up (between callin and ap_main) or going down (inside its
// ap_poll(), so on whatever thread of the kernel runs its idle loop).
#pragma once

#include <smpboot/backend.hpp>
#include <smpboot/base.hpp>
#include <smpboot/capacity.hpp>
#include <smpboot/cpu.hpp>
#include <smpboot/cpumask.hpp>
#include <smpboot/format.hpp>
#include <smpboot/handshake.hpp>
#include <smpboot/host.hpp>
#include <smpboot/result.hpp>
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
    uint64_t ready_ns = 5'000'000'000;    ///< online -> ap_ready (host_ops::waits_for_ready)
};

/// A host step: return 0 on success; anything else fails the step and is
/// reported as result::rc.
using state_callback = int (*)(cpu_id cpu, void* ctx);

enum class bringup_mode : uint8_t { sequential, parallel };

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
    static_assert(capacity_matches<Backend, Config>, "Config::max_cpus differs from the backend's capacity");
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
        if (!g) return g.refusal(no_cpu);
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
            handshake::reset(s.sync, ap_sync::idle);
            s.stuck = false;
            // Who the CPU is and where it enters: fixed for good, so a late
            // AP never reads a half-written block.
            s.boot.cpu = i;
            s.boot.hwid = s.hwid;
            s.boot.sync = &s.sync;
            s.boot.entry = &hotplug::ap_entry;
            s.boot.core = this;
            s.last = result::success(i);
            possible_.set(i);
            if (cpus[i].present || i == 0) present_.set(i);
        }
        slots_[0].set_state(state::online);
        handshake::reset(slots_[0].sync, ap_sync::up_done);
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
        if (!g) return g.refusal(no_cpu);
        if (online_.count() > 1) return result::fail(errc::busy, no_cpu);
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
    /// With host_ops::waits_for_ready it then waits for ap_ready(cpu); if
    /// that never comes the result is ready_timeout and the CPU stays online
    /// (its states ran and the kernel's ap_main has it): is_ready() says
    /// false, and cpu_down() takes it away once its idle loop polls.
    result cpu_up(cpu_id cpu) {
        op_guard g(this);
        if (!g) return g.refusal(cpu);
        result r = check_can_up(cpu);
        if (r) r = walk(cpu, state::online, side::bp);
        if (r) r = await_ready(cpu);
        return remember(cpu, r);
    }

    /// Take one CPU offline: its AP states run on it, then it leaves the
    /// kernel, then the BP states run here. If a teardown fails, the CPU is
    /// brought back to online and the failure is returned.
    result cpu_down(cpu_id cpu) {
        op_guard g(this);
        if (!g) return g.refusal(cpu);
        result r = check_can_down(cpu);
        // It would wait for its own ap_poll.
        if (r && g.caller() == cpu) r = result::fail(errc::wrong_cpu, cpu, state::online);
        if (r) r = walk(cpu, state::offline, side::bp);
        // The AP's own answer: a rollback that failed on it forced it down.
        if (r) r = slots_[cpu].report;
        return remember(cpu, r);
    }

    /// Bring every present, offline CPU online. Parallel: prepare all, kick
    /// all, then wait for each. A CPU that fails is reported in its
    /// last_result() and does not stop the others.
    bringup_summary bring_up_all(bringup_mode mode) {
        bringup_summary sum;
        op_guard g(this);
        if (!g) {
            sum.first_error = g.refusal(no_cpu);
            return sum;
        }
        auto account = [&](cpu_id cpu, result r) {
            if (r) r = await_ready(cpu);
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
                account(cpu, walk(cpu, state::online, side::bp));
            }
            return sum;
        }
        uint32_t n = 0;
        for (cpu_id cpu : present_) {
            if (!can_bring_up(cpu)) continue;
            ++sum.attempted;
            result r = walk(cpu, last_prepare, side::bp);
            // bp:bringup in two halves around one kick_all: arm here, wait below.
            if (r) r = injected(cpu, state::bp_bringup, true);
            if (!r) {
                account(cpu, undo_bringup(cpu, r));
                continue;
            }
            arm(cpu);
            batch_[n++] = &slots_[cpu].boot;
        }
        sum.first_kick_ns = now();
        backend_.kick_all(batch_, n, kicked_);
        const uint64_t callin_deadline = now() + limits_.callin_ns;
        // Every kick is traced now, before waiting for any CPU.
        for (uint32_t i = 0; i < n; ++i)
            if (kicked_[i]) trace(batch_[i]->cpu, state::bp_bringup, trace_kind::kick, side::bp);
        for (uint32_t i = 0; i < n; ++i) {
            const cpu_id cpu = batch_[i]->cpu;
            result r = with_place(kicked_[i], cpu, state::bp_bringup);
            account(cpu, undo_bringup(cpu, finish_bringup(cpu, r, callin_deadline)));
        }
        return sum;
    }

    /// Start another image on an offline CPU instead of the kernel (the
    /// multikernel case): the CPU jumps to `entry_phys` with `arg` in its first
    /// argument register, on `stack_top`. The library does not wait for it and
    /// the CPU is not online to the kernel; cpu_up() on it returns busy.
    result start_image(cpu_id cpu, uint64_t entry_phys, uintptr_t stack_top, uint64_t arg) {
        op_guard g(this);
        if (!g) return g.refusal(cpu);
        result r = check_can_up(cpu);
        if (!r) return r;
        slot& s = slots_[cpu];
        // A late AP from a missed callin may still read the block.
        if (late_ap_possible(s)) return remember(cpu, result::fail(errc::busy, cpu, state::offline));
        fill_block(s, stack_top, entry_phys, arg);
        handshake::bp_moves<ap_sync::idle, ap_sync::kicked>(s.sync);
        r = with_place(backend_.kick(s.boot), cpu, state::bp_bringup);
        // The image never calls in: this CAS always wins.
        handshake::bp_moves<ap_sync::kicked, ap_sync::abandoned>(s.sync);
        // A failed kick may still have started the image (x86: the first
        // SIPI did): the CPU is free again only once the backend stopped it.
        if (r) foreign_.set(cpu);
        else forget_if_stopped(cpu);
        return remember(cpu, r);
    }

    /// Take back a CPU given to another image with start_image(), once the
    /// host has made sure the image no longer runs (x86: INIT it, e.g. with
    /// the backend's abandon(); arm64: the image returned to the library's
    /// park loop, or firmware reports it off). It is offline to the kernel
    /// again, and cpu_up() or bring_up_all() start it as usual.
    result reclaim(cpu_id cpu) {
        op_guard g(this);
        if (!g) return g.refusal(cpu);
        if (cpu >= cpu_count_ || !foreign_.test(cpu)) return result::fail(errc::no_image, cpu);
        handshake::bp_moves<ap_sync::abandoned, ap_sync::idle>(slots_[cpu].sync);
        foreign_.clear(cpu);
        return remember(cpu, result::success(cpu));
    }

    /// Call on an online AP from its idle loop (or the IPI that host.wake
    /// sends). Returns at once unless the CPU is being taken down, in which
    /// case it runs the AP teardowns and the CPU leaves: it does not return.
    /// Run it with interrupts masked, and sleep only if it returned with
    /// them still masked: that is the race-free "check, then sleep" of the
    /// arch's idle_once() (smpboot/x86/idle.hpp, smpboot/arm64/idle.hpp). A
    /// wake that lands between a poll and a sleep that is not atomic with it
    /// is lost, and cpu_down then ends in down_timeout.
    void ap_poll(cpu_id self) {
        if (self >= cpu_count_) return;
        slot& s = slots_[self];
        // The common case costs one load. Only a CPU asked to go down asks
        // the hardware who it is: `self` from another CPU would run the
        // teardowns there and take the wrong CPU away.
        if (s.sync.load(memory_order::acquire) != ap_sync::down_requested || this_cpu() != self) return;
        // Races the boot CPU's cancel; what it did before asking is visible
        // to the teardowns.
        if (!handshake::ap_moves<ap_sync::down_requested, ap_sync::down_claimed>(s.sync)) return;
        result r = walk(self, state::bp_bringup, side::ap);
        s.report = r;   // published by the move below
        if (!r && s.current() != state::bp_bringup) {   // rolled back: still online
            handshake::ap_moves<ap_sync::down_claimed, ap_sync::down_failed>(s.sync);
            return;
        }
        handshake::ap_moves<ap_sync::down_claimed, ap_sync::dying>(s.sync);
        backend_.ap_leave(self);
    }

    /// Called by the kernel on CPU `cpu` itself, from its ap_main once the CPU
    /// is usable (e.g. in its scheduler): the cpu_up or bring_up_all that
    /// started it returns then (host_ops::waits_for_ready). Saying it again
    /// changes nothing; each bring-up waits for a new one. wrong_cpu from
    /// any other CPU, invalid_cpu for a CPU that does not exist.
    result ap_ready(cpu_id cpu) {
        if (cpu >= cpu_count_) return result::fail(errc::invalid_cpu, cpu);
        if (this_cpu() != cpu) return result::fail(errc::wrong_cpu, cpu, state::online);
        slot& s = slots_[cpu];
        if (!s.ready.load(memory_order::relaxed)) {
            s.ready_at_ns = now();
            s.ready.store(true, memory_order::release);   // publishes ready_at_ns
        }
        return result::success(cpu);
    }
    /// Whether ap_ready() came since the CPU was last started, and it is not
    /// off since.
    bool is_ready(cpu_id cpu) const {
        return cpu < cpu_count_ && slots_[cpu].ready.load(memory_order::acquire);
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

    /// Before any AP is up: APs read the pointer without a lock.
    void set_trace(trace_buffer* buffer) { trace_ = buffer; }

    uint32_t cpu_count() const { return cpu_count_; }
    hwid_t hwid_of(cpu_id cpu) const { return cpu < cpu_count_ ? slots_[cpu].hwid : ~hwid_t{0}; }
    cpu_id find_hwid(hwid_t hwid) const {
        for (cpu_id c = 0; c < cpu_count_; ++c)
            if (slots_[c].hwid == hwid) return c;
        return no_cpu;
    }
    /// Offline for a CPU that does not exist.
    state state_of(cpu_id cpu) const { return cpu < cpu_count_ ? slots_[cpu].current() : state::offline; }
    bool is_stuck(cpu_id cpu) const { return cpu < cpu_count_ && slots_[cpu].stuck; }
    /// The result of the last operation on this CPU (invalid_cpu if none such).
    result last_result(cpu_id cpu) const {
        return cpu < cpu_count_ ? slots_[cpu].last : result::fail(errc::invalid_cpu, cpu);
    }
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
    /// The logical CPU running this code, from the hardware (the backend's
    /// this_hwid()); no_cpu on a CPU that is not in the list.
    cpu_id this_cpu() const { return find_hwid(backend_.this_hwid()); }

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
        atomic<bool> ready{false};  ///< ap_ready() since the last arm()
        uint64_t ready_at_ns = 0;   ///< AP's clock at ap_ready, published by `ready`
        bool stuck = false;         ///< a timeout left it in an unknown state
        bool late_at_arm = false;   ///< late_ap_possible() when last armed (boot CPU)

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

    /// Serialises hotplug operations without blocking, and says why a caller
    /// cannot have one: another operation runs (busy), this CPU is inside one
    /// (nested_call: waiting would never end), or it is no CPU we know.
    class op_guard {
    public:
        explicit op_guard(hotplug* h) : h_(h), me_(h->this_cpu()) {
            // Before init() every CPU is unknown, and init() is the one call.
            if (me_ == no_cpu && h->cpu_count_ != 0) {
                why_ = errc::wrong_cpu;
                return;
            }
            bool expected = false;
            held_ = h->busy_.compare_exchange(expected, true, memory_order::acquire,
                                              memory_order::relaxed);
            if (held_) {
                // Only this CPU writes its own number here, so only it can
                // read its own number back: no order is needed.
                h->owner_.store(me_, memory_order::relaxed);
                return;
            }
            why_ = h->nested(me_) ? errc::nested_call : errc::busy;
        }
        ~op_guard() {
            if (!held_) return;
            h_->owner_.store(no_cpu, memory_order::relaxed);
            h_->busy_.store(false, memory_order::release);
        }
        explicit operator bool() const { return held_; }
        cpu_id caller() const { return me_; }
        result refusal(cpu_id cpu) const { return result::fail(why_, cpu); }

    private:
        hotplug* h_;
        cpu_id me_;
        bool held_ = false;
        errc why_ = errc::ok;
    };

    /// `me` runs inside an operation: it holds it (a host step on its side
    /// called back in), or it is an AP walking its own states for one.
    bool nested(cpu_id me) const {
        if (me == no_cpu) return false;
        if (owner_.load(memory_order::relaxed) == me) return true;
        const ap_sync v = slots_[me].sync.load(memory_order::acquire);
        return v == ap_sync::alive || v == ap_sync::down_claimed;
    }

    /// host_ops::waits_for_ready: after the AP's states ran, wait until its
    /// ap_main says ap_ready. A CPU that never does stays online (see cpu_up).
    result await_ready(cpu_id cpu) {
        slot& s = slots_[cpu];
        if (!host_.waits_for_ready) return result::success(cpu);
        const uint64_t deadline = now() + limits_.ready_ns;
        while (!s.ready.load(memory_order::acquire)) {
            if (now() >= deadline) return result::fail(errc::ready_timeout, cpu, state::online);
            backend_.relax();
        }
        s.online_at_ns = s.ready_at_ns;   // usable from then on
        return result::success(cpu);
    }

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

    void warn(cpu_id cpu, const char* what) {
        if (!host_.log) return;
        line<160> l;
        l.str("cpu ").dec(cpu).str(": ").str(what);
        host_.log(host_.ctx, log_level::warning, l.c_str());
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

    // ---- The walker ------------------------------------------------------

    /// What a row runs: result(cpu, state) for both directions.
    using step_fn = result (hotplug::*)(cpu_id, state);
    struct row_fns {
        step_fn startup, teardown;
    };
    /// The functions of the row that `st` belongs to (SMPBOOT_STATE_TABLE's
    /// startup and teardown columns), looked up by index.
    static const row_fns& fns_of(state st) {
#define SMPBOOT_ROW_FNS_(r, _, e) \
    row_fns{&hotplug::SMPBOOT_STATE_COL(4, e), &hotplug::SMPBOOT_STATE_COL(5, e)},
        static constexpr row_fns rows[] = {BOOST_PP_SEQ_FOR_EACH(SMPBOOT_ROW_FNS_, _, SMPBOOT_STATE_TABLE)};
#undef SMPBOOT_ROW_FNS_
        static_assert(sizeof rows / sizeof rows[0] == row_count);
        return rows[row_of(st)];
    }

    /// Linux's cpuhp "fail" file: fails the step before its function runs.
    result injected(cpu_id cpu, state st, bool up) const {
        if constexpr (Config::fail_injection) {
            if (fail_.cpu == cpu && fail_.st == st && fail_.up == up)
                return result::fail(errc::callback_failed, cpu, st, -1);
        }
        return result::success(cpu);
    }

    /// The row's function, without moving the CPU.
    result run_row(cpu_id cpu, state st, bool up) {
        const row_fns& f = fns_of(st);
        return (this->*(up ? f.startup : f.teardown))(cpu, st);
    }

    /// One step: startup(st) enters st; teardown(st) leaves it for prev(st).
    /// A row that hands over moves the state, traces and checks the injected
    /// failure itself: the other CPU walks in the middle of its step.
    result step(cpu_id cpu, state st, bool up, side by) {
        if (info_of(st).hands_over) return run_row(cpu, st, up);
        result r = injected(cpu, st, up);
        if (r) r = run_row(cpu, st, up);
        if (r) slots_[cpu].set_state(up ? st : prev(st));
        // An empty host slot is passed through untraced: it does nothing.
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

    /// Moves `cpu` to `target` one state at a time, running the rows of the
    /// calling CPU's side (the other side's rows are walked by that CPU during
    /// the hand-over), like Linux's cpuhp_invoke_callback_range(). On a failure
    /// it walks back to where it started, from wherever the failed step left
    /// the CPU, and returns the failure. If walking back fails too, it forces
    /// the CPU down to the lower of start and target and says rollback_failed.
    /// After a step that left the CPU stuck nothing is undone: it may still run.
    result walk(cpu_id cpu, state target, side by) {
        slot& s = slots_[cpu];
        const state start = s.current();
        const bool up = target > start;
        for (state st = up ? next(start) : start; up ? st <= target : st > target;
             st = up ? next(st) : prev(st)) {
            if (runs_on(st) != by) continue;
            if (empty_slot(cpu, st, up)) {
                s.set_state(up ? st : prev(st));
                continue;
            }
            result r = step(cpu, st, up, by);
            if (r) continue;
            // `stuck` is the boot CPU's to read and write.
            if (by == side::bp && s.stuck) return r;
            return rolled_back(r, undo(cpu, start, up ? start : target, by));
        }
        return result::success(cpu);
    }

    /// What walk() does after a failed bp:bringup, for bring_up_all's
    /// parallel mode, which runs that step in two halves around kick_all.
    result undo_bringup(cpu_id cpu, result r) {
        if (r || slots_[cpu].stuck) return r;
        return rolled_back(r, undo(cpu, state::offline, state::offline, side::bp));
    }

    /// A failure, or rollback_failed if undoing it did not get back.
    static result rolled_back(result failure, bool got_back) {
        if (got_back) return failure;
        return result::fail(errc::rollback_failed, failure.cpu, failure.failed_state, failure.rc);
    }

    /// Back to `to` from where the CPU is; if a step of that fails, force it
    /// down to `floor`. True if it got back to `to`.
    bool undo(cpu_id cpu, state to, state floor, side by) {
        const state at = slots_[cpu].current();
        for (state st = next(at); st <= to; st = next(st)) {
            if (runs_on(st) != by) continue;
            if (!step(cpu, st, true, by)) {
                force_down(cpu, floor, by);
                return false;
            }
        }
        return force_down(cpu, to, by);
    }

    /// Teardowns down to `target` where there is nothing left to roll back
    /// to: a failing teardown is logged and passed over. False if one failed.
    /// Never crosses bp:bringup: a failed bring_up_ap has already left it.
    bool force_down(cpu_id cpu, state target, side by) {
        bool clean = true;
        for (state st = slots_[cpu].current(); st > target; st = prev(st)) {
            if (runs_on(st) != by) continue;
            result r = injected(cpu, st, false);
            if (r) r = run_row(cpu, st, false);
            if (!r) {
                clean = false;
                if (by == side::bp) log_failure(r);
                trace(cpu, st, trace_kind::fail, by);
            }
            slots_[cpu].set_state(prev(st));
        }
        return clean;
    }

    // ---- The rows' functions, in table order -----------------------------

    result no_step(cpu_id cpu, state) { return result::success(cpu); }

    result take_stack(cpu_id cpu, state st) {
        slot& s = slots_[cpu];
        if (s.stack.base) return result::success(cpu);   // kept for a late AP
        s.stack = host_.alloc_stack(host_.ctx, cpu);
        if (!s.stack.base) return result::fail(errc::no_stack, cpu, st);
        return result::success(cpu);
    }

    result give_back_stack(cpu_id cpu, state) {
        slot& s = slots_[cpu];
        if (late_ap_possible(s) || !s.stack.base) return result::success(cpu);
        if (host_.free_stack) host_.free_stack(host_.ctx, cpu, s.stack);
        s.stack = {};
        return result::success(cpu);
    }

    result host_startup(cpu_id cpu, state st) { return run_host(cpu, st, steps_[uint16_t(st)].startup); }
    result host_teardown(cpu_id cpu, state st) { return run_host(cpu, st, steps_[uint16_t(st)].teardown); }
    result run_host(cpu_id cpu, state st, state_callback cb) {
        const host_step& h = steps_[uint16_t(st)];
        const int rc = (h.used && cb) ? cb(cpu, h.ctx) : 0;
        return rc == 0 ? result::success(cpu) : result::fail(errc::callback_failed, cpu, st, rc);
    }

    /// bp:bringup startup: start the CPU and wait until it walked its rows up.
    result bring_up_ap(cpu_id cpu, state st) {
        if (result r = injected(cpu, st, true); !r) return left_bringup(cpu, r);
        arm(cpu);
        result r = with_place(backend_.kick(slots_[cpu].boot), cpu, st);
        if (r) trace(cpu, st, trace_kind::kick, side::bp);
        return finish_bringup(cpu, r, now() + limits_.callin_ns);
    }

    /// bp:bringup teardown: ask the AP to walk its rows down, then wait until
    /// it is off.
    result take_down_ap(cpu_id cpu, state st) {
        slot& s = slots_[cpu];
        handshake::bp_moves<ap_sync::up_done, ap_sync::down_requested>(s.sync);
        if (host_.wake) host_.wake(host_.ctx, cpu);
        const uint64_t deadline = now() + limits_.down_ns;
        while (s.sync.load(memory_order::acquire) == ap_sync::down_requested) {
            if (now() < deadline) {
                backend_.relax();
                continue;
            }
            if (handshake::bp_moves<ap_sync::down_requested, ap_sync::up_done>(s.sync))
                return result::fail(errc::down_timeout, cpu, state::online);
        }
        ap_sync v;
        if (!wait_rows(s, ap_sync::down_claimed, v)) return result::fail(errc::down_timeout, cpu, s.current());
        if (v == ap_sync::down_failed) {
            handshake::bp_moves<ap_sync::down_failed, ap_sync::up_done>(s.sync);
            return s.report;   // the AP rolled itself back: still online
        }
        // dying: the AP's rows are down and it is leaving.
        result r = wait_off(cpu);
        if (!r) return r;
        handshake::bp_moves<ap_sync::dying, ap_sync::idle>(s.sync);
        s.ready.store(false, memory_order::relaxed);   // it is off: no AP reads it
        s.set_state(prev(st));
        trace(cpu, st, trace_kind::down, side::bp);
        // An injected failure fires once the CPU is off, so that walking back
        // has a CPU to bring up again.
        return injected(cpu, st, false);
    }

    result arch_init(cpu_id cpu, state st) { return with_place(backend_.ap_init(cpu), cpu, st); }
    result arch_exit(cpu_id cpu, state) {
        backend_.ap_exit(cpu);
        return result::success(cpu);
    }
    result mark_online(cpu_id cpu, state) { return set_bit(online_, cpu, true); }
    result clear_online(cpu_id cpu, state) { return set_bit(online_, cpu, false); }
    result mark_active(cpu_id cpu, state) { return set_bit(active_, cpu, true); }
    result clear_active(cpu_id cpu, state) { return set_bit(active_, cpu, false); }
    static result set_bit(mask& m, cpu_id cpu, bool on) {
        on ? m.set(cpu) : m.clear(cpu);
        return result::success(cpu);
    }

    // ---- Bring-up (BP side) ----------------------------------------------

    /// An offline CPU whose word says abandoned may still be reached by an AP
    /// from an earlier kick (or runs another image): its stack and boot block
    /// stay as they are until a callin or a confirmed off says where it is.
    static bool late_ap_possible(const slot& s) {
        return s.sync.load(memory_order::acquire) == ap_sync::abandoned;
    }

    /// What changes in the boot block from one kick to the next.
    static void fill_block(slot& s, uintptr_t stack_top, uint64_t image_entry, uint64_t image_arg) {
        s.boot.stack_top = stack_top;
        s.boot.image_entry = image_entry;
        s.boot.image_arg = image_arg;
    }

    /// Fill the CPU's boot block and publish it: the AP may run from here on.
    void arm(cpu_id cpu) {
        slot& s = slots_[cpu];
        s.late_at_arm = late_ap_possible(s);
        // A late AP runs on this very block and stack (take_stack kept it).
        if (!s.late_at_arm)
            fill_block(s, (uintptr_t(s.stack.base) + s.stack.size) & ~uintptr_t{15}, 0, 0);
        s.set_state(state::bp_bringup);
        // A ready from the CPU's last life does not count for this one.
        s.ready.store(false, memory_order::relaxed);
        // The boot block, the stack and every prepare step happen before the
        // AP's callin.
        if (s.late_at_arm) handshake::bp_moves<ap_sync::abandoned, ap_sync::kicked>(s.sync);
        else handshake::bp_moves<ap_sync::idle, ap_sync::kicked>(s.sync);
    }

    /// After the kick: wait for the CPU, and on a failure take the step back
    /// (unless the CPU is stuck: then nothing can be undone).
    result finish_bringup(cpu_id cpu, result kicked, uint64_t callin_deadline) {
        slot& s = slots_[cpu];
        if (!kicked) {
            // The kick failed, but it may have started the CPU before failing
            // (x86: the first SIPI did, the second's ICR never went idle). One
            // CAS settles it: if the CPU has not called in, it never will be
            // wanted. If it has, it is in: it runs our code on our stack and
            // walks its rows at once. (Linux's AP instead waits at ALIVE for
            // the boot CPU's go-ahead, cpuhp_ap_sync_alive() in kernel/cpu.c,
            // so there a failed kick leaves it parked for the next kick to
            // reset. Ours may already be in a host callback; stopping it
            // would take a whole cpu_down, with failures of its own.)
            if (handshake::bp_moves<ap_sync::kicked, ap_sync::abandoned>(s.sync)) {
                // Not called in, but it may still be on its way: only the
                // backend can say it is stopped. Until then the word stays
                // abandoned, and the stack and block stay for it.
                forget_if_stopped(cpu);
                return left_bringup(cpu, kicked);
            }
            warn(cpu, "the kick failed after the CPU called in; it is taken as started");
        }
        result r = await_online(cpu, callin_deadline);
        if (!r && !s.stuck) return left_bringup(cpu, r);
        return r;
    }

    /// An abandoned CPU that the backend has stopped can reach nothing any
    /// more: its word goes back to idle, so its stack may be freed and its
    /// block refilled. Otherwise a late AP may still come (late_ap_possible).
    void forget_if_stopped(cpu_id cpu) {
        if (backend_.abandon(cpu)) handshake::bp_moves<ap_sync::abandoned, ap_sync::idle>(slots_[cpu].sync);
    }

    /// bp:bringup did not happen after all: the CPU is off, prepared.
    result left_bringup(cpu_id cpu, result r) {
        slots_[cpu].set_state(last_prepare);
        trace(cpu, state::bp_bringup, trace_kind::down, side::bp);
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
            // Exactly one of this and the AP's callin wins; a late AP then
            // finds itself abandoned and leaves.
            if (handshake::bp_moves<ap_sync::kicked, ap_sync::abandoned>(s.sync)) {
                forget_if_stopped(cpu);
                return result::fail(errc::callin_timeout, cpu, state::bp_bringup);
            }
        }
        ap_sync v;
        if (!wait_rows(s, ap_sync::alive, v)) return result::fail(errc::online_timeout, cpu, s.current());
        if (v == ap_sync::up_done) return result::success(cpu);
        result r = s.report;   // up_failed: the AP undid its states and left
        result off = wait_off(cpu);
        if (!off) return off;
        handshake::bp_moves<ap_sync::up_failed, ap_sync::idle>(s.sync);
        return r;
    }

    /// Wait while the word says `walking` (the AP runs its rows), leaving the
    /// next value in `seen`. Past the online limit the CPU is stuck: it may
    /// still be inside a callback.
    bool wait_rows(slot& s, ap_sync walking, ap_sync& seen) {
        const uint64_t deadline = now() + limits_.online_ns;
        while ((seen = s.sync.load(memory_order::acquire)) == walking) {
            if (now() >= deadline) {
                s.stuck = true;
                return false;
            }
            backend_.relax();
        }
        return true;
    }

    result wait_off(cpu_id cpu) {
        result r = with_place(backend_.wait_off(cpu, now() + limits_.off_ns), cpu, state::bp_bringup);
        if (!r) slots_[cpu].stuck = true;
        return r;
    }

    // ---- The AP side -----------------------------------------------------

    static void ap_entry(void* self, cpu_id cpu) { static_cast<hotplug*>(self)->ap_start(cpu); }

    void ap_start(cpu_id cpu) {
        slot& s = slots_[cpu];
        // Takes what arm() published; the boot CPU's abandon may have won,
        // in which case this CPU is not wanted and leaves.
        if (!handshake::ap_moves<ap_sync::kicked, ap_sync::alive>(s.sync)) backend_.ap_leave(cpu);
        trace(cpu, state::bp_bringup, trace_kind::callin, side::ap);
        result r = walk(cpu, state::online, side::ap);
        s.report = r;
        s.online_at_ns = now();
        if (!r) {
            handshake::ap_moves<ap_sync::alive, ap_sync::up_failed>(s.sync);
            backend_.ap_leave(cpu);
        }
        handshake::ap_moves<ap_sync::alive, ap_sync::up_done>(s.sync);
        host_.ap_main(host_.ctx, cpu);
        __builtin_trap();   // ap_main must not return
    }

    Backend& backend_;
    host_ops host_;
    timeouts limits_;
    trace_buffer* trace_ = nullptr;
    atomic<bool> busy_{false};
    atomic<cpu_id> owner_{no_cpu};   ///< the CPU holding busy_
    uint32_t cpu_count_ = 0;
    failure_point fail_;
    mask possible_, present_, online_, active_, foreign_;
    host_step steps_[state_count];
    slot slots_[max_cpus];
    ap_boot* batch_[max_cpus];     ///< bring_up_all's kick_all batch
    result kicked_[max_cpus];      ///< and what kick_all said for each
};

}  // namespace smpboot
