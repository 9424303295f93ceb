// SPDX-License-Identifier: MIT
#include "world.hpp"

#include <cstdlib>
#include <cstring>

namespace explore {

using namespace smpboot;

static_assert(int(sync_op::load) == int(access::load) && int(sync_op::store) == int(access::store) &&
              int(sync_op::exchange) == int(access::exchange) && int(sync_op::cas) == int(access::cas) &&
              int(sync_op::rmw) == int(access::rmw));

namespace {

/// Every wait of the core is shorter than one tick, so one tick expires them all.
timeouts short_waits() {
    constexpr uint64_t half_tick = scheduler::tick_ns / 2;
    timeouts t;
    t.callin_ns = t.online_ns = t.down_ns = t.off_ns = half_tick;
    return t;
}

constexpr uint32_t idle_poll_limit = 64;
constexpr size_t stack_size = 16384;

world& of(void* ctx) { return *static_cast<world*>(ctx); }

std::string cpu_name(cpu_id cpu) { return "cpu" + std::to_string(cpu); }

const char* sync_name(ap_sync v) {
    switch (v) {
    case ap_sync::idle: return "idle";
    case ap_sync::kicked: return "kicked";
    case ap_sync::alive: return "alive";
    case ap_sync::up_done: return "up_done";
    case ap_sync::up_failed: return "up_failed";
    case ap_sync::abandoned: return "abandoned";
    case ap_sync::down_requested: return "down_requested";
    case ap_sync::down_claimed: return "down_claimed";
    case ap_sync::down_failed: return "down_failed";
    case ap_sync::dying: return "dying";
    }
    return "?";
}

const char* access_name(access a) {
    switch (a) {
    case access::load: return "load";
    case access::store: return "store";
    case access::exchange: return "exchange";
    case access::cas: return "cas";
    case access::rmw: return "rmw";
    }
    return "?";
}

// Which boot block field differs, or "".
std::string changed_field(const ap_boot& now, const ap_boot& then) {
    if (now.cpu != then.cpu) return "cpu";
    if (now.hwid != then.hwid) return "hwid";
    if (now.stack_top != then.stack_top) return "stack_top";
    if (now.entry != then.entry) return "entry";
    if (now.core != then.core) return "core";
    if (now.image_entry != then.image_entry) return "image_entry";
    if (now.image_arg != then.image_arg) return "image_arg";
    if (now.sync != then.sync) return "sync";
    return "";
}

}  // namespace

// ---- The backend ---------------------------------------------------------

result sim_backend::kick(ap_boot& boot) {
    world& w = w_;
    world::cpu_model& m = w.cpus_[boot.cpu];
    m.sync_word = boot.sync;
    const uint32_t k = m.kicks++;
    const kick_answer a = w.faults_ && k < 4 ? m.b.kick[k] : kick_answer::ok;
    if (a == kick_answer::fails_before_start) {
        w.s_.note("kick " + cpu_name(boot.cpu) + ": fails, the CPU does not start");
        return result::fail(errc::kick_failed, boot.cpu);
    }
    if (!m.live.empty()) {
        if (m.b.running == when_running::already_on) {
            w.s_.note("kick " + cpu_name(boot.cpu) + ": ALREADY_ON, " + w.s_.name(m.live[0]->tid) +
                      " still runs");
            return result::fail(errc::firmware_refused, boot.cpu, state::offline, -4);   // PSCI ALREADY_ON
        }
        while (!m.live.empty()) w.stop(*m.live.back(), "INIT resets it");
    }
    auto in = std::make_unique<world::instance>();
    in->w = &w;
    in->cpu = boot.cpu;
    in->block = &boot;
    in->at_kick = boot;
    in->image = boot.image_entry != 0;
    const uint32_t late = m.runs == 0 && w.faults_ ? m.b.late_ticks : 0;
    ++m.runs;
    in->tid = w.s_.spawn(cpu_name(boot.cpu) + "#" + std::to_string(m.runs), &world::ap_thread, in.get(),
                         late);
    w.s_.note("kick " + cpu_name(boot.cpu) + ": starts " + w.s_.name(in->tid) +
              (late ? " (it runs " + std::to_string(late) + " tick(s) late)" : ""));
    m.live.push_back(in.get());
    w.instances_.push_back(std::move(in));
    if (a == kick_answer::fails_after_start) {
        w.s_.note("kick " + cpu_name(boot.cpu) + ": then fails (ipi timeout)");
        return result::fail(errc::hw_timeout, boot.cpu);
    }
    if (a == kick_answer::fails_after_callin) {
        while (!boot.called_in()) relax();
        w.s_.note("kick " + cpu_name(boot.cpu) + ": it called in, then the kick fails (ipi timeout)");
        return result::fail(errc::hw_timeout, boot.cpu);
    }
    return result::success(boot.cpu);
}

void sim_backend::kick_all(ap_boot* const* batch, uint32_t n, result* outcomes) {
    for (uint32_t i = 0; i < n; ++i) outcomes[i] = kick(*batch[i]);
}

bool sim_backend::abandon(cpu_id cpu) {
    world::cpu_model& m = w_.cpus_[cpu];
    w_.s_.note("abandon " + cpu_name(cpu) + (m.b.abandon_stops ? "" : ": nothing can stop it"));
    if (m.b.abandon_stops)
        while (!m.live.empty()) w_.stop(*m.live.back(), "INIT on abandon stops it");
    return m.live.empty();
}

result sim_backend::wait_off(cpu_id cpu, uint64_t deadline_ns) {
    world::cpu_model& m = w_.cpus_[cpu];
    const bool never = w_.faulty(m.b.never_off, m.wait_offs++);
    for (;;) {
        w_.s_.observe(&m.offs, sizeof m.offs);
        if (!never && m.live.empty()) return result::success(cpu);
        if (w_.s_.now() >= deadline_ns) {
            w_.s_.note("wait_off " + cpu_name(cpu) + ": times out");
            return result::fail(errc::offline_timeout, cpu);
        }
        relax();
    }
}

result sim_backend::ap_init(cpu_id cpu) {
    world::instance* in = w_.running_instance();
    w_.require(in && in->cpu == cpu, "ap_init(" + std::to_string(cpu) + ") ran on " + w_.s_.name(w_.s_.current()));
    in->called_in = true;
    const bool fails = w_.faulty(w_.cpus_[cpu].b.ap_init_fails, w_.cpus_[cpu].ap_inits++);
    w_.s_.note(std::string("ap_init") + (fails ? ": fails" : ""));
    return fails ? result::fail(errc::kick_failed, cpu) : result::success(cpu);
}

void sim_backend::ap_exit(cpu_id) { w_.s_.note("ap_exit"); }

void sim_backend::ap_leave(cpu_id cpu) {
    world::instance* in = w_.running_instance();
    w_.require(in && in->cpu == cpu, "ap_leave(" + std::to_string(cpu) + ") ran on " + w_.s_.name(w_.s_.current()));
    w_.stop(*in, "leaves the kernel (ap_leave)");
    w_.s_.exit();
}

void sim_backend::relax() { w_.s_.relax(); }

// The boot CPU's coroutine is no instance.
smpboot::hwid_t sim_backend::this_hwid() {
    const world::instance* in = w_.running_instance();
    return w_.hp_.hwid_of(in ? in->cpu : 0);
}

// ---- The host ------------------------------------------------------------

template <int Which, bool Up>
int host_state_cb(cpu_id cpu, void* ctx);

host_ops world::make_host(world* self) {
    host_ops h;
    h.ctx = self;
    h.monotonic_ns = [](void* c) { return of(c).s_.now(); };
    h.delay_us = [](void*, uint32_t) {};
    h.log = [](void* c, log_level, const char* line) { of(c).s_.note(std::string("log: ") + line); };
    h.alloc_stack = [](void* c, cpu_id cpu) {
        world& w = of(c);
        if (w.faulty(w.cpus_[cpu].b.no_stack, w.cpus_[cpu].stacks++)) {
            w.s_.note("alloc_stack " + cpu_name(cpu) + ": none");
            return stack_region{};
        }
        // Addresses only: no simulated CPU runs on these (coroutines have their own).
        const uintptr_t base = 0x1000'0000 + 0x10'0000 * w.stacks_.size();
        w.stacks_.push_back({cpu, base, stack_size, false});
        w.s_.note("alloc_stack " + cpu_name(cpu) + ": stack " + std::to_string(w.stacks_.size() - 1));
        return stack_region{reinterpret_cast<void*>(base), stack_size};
    };
    h.free_stack = [](void* c, cpu_id cpu, stack_region st) { of(c).free_stack(cpu, st); };
    h.ap_main = [](void* c, cpu_id cpu) {
        world& w = of(c);
        instance* in = w.running_instance();
        w.require(in && in->cpu == cpu, "ap_main(" + std::to_string(cpu) + ") ran on " + w.s_.name(w.s_.current()));
        w.idle_loop(*in);
    };
    h.wake = [](void* c, cpu_id cpu) { of(c).s_.note("wake " + cpu_name(cpu)); };
    return h;
}

void world::free_stack(cpu_id cpu, stack_region st) {
    const uintptr_t base = reinterpret_cast<uintptr_t>(st.base);
    stack_rec* rec = nullptr;
    for (stack_rec& r : stacks_)
        if (r.base == base) rec = &r;
    require(rec && rec->cpu == cpu, "free_stack(" + cpu_name(cpu) + ") of a stack it was never given");
    check(!rec->freed, "free_stack(" + cpu_name(cpu) + ") of a stack already freed");
    for (const instance* in : cpus_[cpu].live) {
        // A run that has not read its block yet will take the stack the block names.
        const uintptr_t top = in->started ? in->stack_top : in->block->stack_top;
        if (!in->image && top > rec->base && top <= rec->base + rec->size)
            s_.flag("free_stack(" + cpu_name(cpu) + ") while " + s_.name(in->tid) +
                    (in->started ? " runs on that stack" : " can still start on that stack") +
                    " (no callin or confirmed off has proved it gone)");
    }
    rec->freed = true;
    s_.note("free_stack " + cpu_name(cpu) + ": stack " + std::to_string(rec - stacks_.data()));
}

template <int Which, bool Up>
int host_state_cb(cpu_id cpu, void* ctx) {
    return of(ctx).host_step(Which, cpu, Up);
}

int world::host_step(int which, cpu_id cpu, bool up) {
    static const char* const names[] = {"h:prep", "h:start", "h:online"};
    cpu_model& m = cpus_[cpu];
    const uint32_t call = m.calls[which * 2 + (up ? 0 : 1)]++;
    const uint32_t masks[3][2] = {{m.b.prep_up_fails, m.b.prep_down_fails},
                                  {m.b.start_up_fails, m.b.start_down_fails},
                                  {m.b.online_up_fails, m.b.online_down_fails}};
    const bool fails = faulty(masks[which][up ? 0 : 1], call);
    const instance* in = running_instance();
    // prepare runs on the boot CPU, starting and online on the CPU itself.
    if (which == 0) require(s_.current() == 0, std::string(names[which]) + " ran on " + s_.name(s_.current()));
    else require(in && in->cpu == cpu, std::string(names[which]) + "(" + cpu_name(cpu) + ") ran on " + s_.name(s_.current()));
    s_.note(std::string(names[which]) + (up ? " startup " : " teardown ") + cpu_name(cpu) + (fails ? ": fails" : ""));
    if (which == 2 && up && faulty(m.b.online_up_slow, call)) s_.sleep(1);
    return fails ? -5 : 0;
}

// ---- Simulated CPUs ------------------------------------------------------

world::world(scheduler& s, const scenario& sc)
    : s_(s), sc_(sc), backend_(*this), hp_(backend_, make_host(this), short_waits()) {
    cpu_desc cpus[explore_config::max_cpus];
    for (uint32_t i = 0; i < sc.cpus; ++i) {
        cpus[i] = {hwid_t(0x100 + i), true};
        cpus_[i].b = sc.cpu[i];
    }
    if (!hp_.init(cpus, sc.cpus)) std::abort();
    if (!hp_.add_state(section::prepare, "h:prep", &host_state_cb<0, true>, &host_state_cb<0, false>, this) ||
        !hp_.add_state(section::starting, "h:start", &host_state_cb<1, true>, &host_state_cb<1, false>, this) ||
        !hp_.add_state(section::online, "h:online", &host_state_cb<2, true>, &host_state_cb<2, false>, this))
        std::abort();
    s_.describe = [this](const void* a, size_t n, access k) { return describe(a, n, k); };
}

void world::boot_cpu(void* self) {
    world& w = of(self);
    w.sc_.script(w);
    w.finish();
}

void world::ap_thread(void* self) {
    instance& in = *static_cast<instance*>(self);
    in.w->ap_run(in);
}

void world::ap_run(instance& in) {
    // A point before the CPU reads its boot block: the boot CPU may go on first.
    s_.yield();
    in.started = true;
    const ap_boot& b = *in.block;
    const std::string field = changed_field(b, in.at_kick);
    check(field.empty(), s_.name(in.tid) + " reads a boot block whose " + field + " changed since its kick");
    in.stack_top = b.stack_top;
    if (in.image) {
        s_.note("runs the other image");
        for (;;) s_.relax();   // until the host stops it
    }
    bool on_live_stack = false;
    for (const stack_rec& r : stacks_)
        on_live_stack |= r.cpu == in.cpu && !r.freed && b.stack_top > r.base && b.stack_top <= r.base + r.size;
    check(on_live_stack, s_.name(in.tid) + " starts on a stack that is not allocated to it");
    s_.note("reads its boot block, enters the library");
    b.enter();
    s_.fail(s_.name(in.tid) + ": the library's AP entry returned");
}

void world::idle_loop(instance& in) {
    in.idle = true;
    s_.note("idle loop");
    for (uint32_t n = 0; n < idle_poll_limit; ++n) {
        if (faults_ && n < cpus_[in.cpu].b.slow_polls) s_.sleep(1);
        hp_.ap_poll(in.cpu);
        s_.relax();
    }
    s_.fail(s_.name(in.tid) + "'s idle loop polled " + std::to_string(idle_poll_limit) +
            " times: something it waits for keeps changing");
}

world::instance* world::running_instance() {
    for (auto& in : instances_)
        if (in->tid == s_.current() && !s_.ended(in->tid)) return in.get();
    return nullptr;
}

void world::stop(instance& in, const char* why) {
    cpu_model& m = cpus_[in.cpu];
    s_.note(s_.name(in.tid) + " " + why);
    for (size_t i = 0; i < m.live.size(); ++i)
        if (m.live[i] == &in) m.live.erase(m.live.begin() + long(i));
    ++m.offs;
    if (in.tid != s_.current()) s_.end(in.tid);
}

// ---- Operations and checks ------------------------------------------------

void world::record(const std::string& op, cpu_id cpu, const result& r) {
    scheduler::hush h(s_);
    const std::string line = op + "(" + std::to_string(cpu) + ")=" + show(r) + (hp_.is_stuck(cpu) ? " [stuck]" : "");
    s_.note(line);
    if (!faults_) return;   // the follow-up always has the same outcome
    if (!outcome_.empty()) outcome_ += ' ';
    outcome_ += line;
}

void world::require(bool ok, const std::string& why) {
    if (!ok) s_.fail(why);
}

void world::check(bool ok, const std::string& why) {
    if (!ok) s_.flag(why);
}

std::string world::show(const result& r) const {
    if (r) return "ok";
    std::string s = std::string(to_string(r.code)) + " at " + hp_.state_name(r.failed_state);
    if (r.rc) s += " rc " + std::to_string(r.rc);
    return s;
}

std::string world::where(cpu_id cpu) const {
    const cpu_model& m = cpus_[cpu];
    std::string s = "state " + std::string(hp_.state_name(hp_.state_of(cpu))) +
                    (hp_.online().test(cpu) ? ", in online()" : ", not in online()") +
                    (hp_.active().test(cpu) ? ", in active()" : ", not in active()");
    if (m.live.empty()) return s + ", nothing runs on it";
    for (const instance* in : m.live)
        s += ", " + s_.name(in->tid) +
             (in->image ? " runs the other image" : in->idle ? " is in its idle loop" : in->called_in ? " runs its AP steps" : " may still call in");
    return s;
}

bool world::has_idle_run(cpu_id cpu) const {
    for (const instance* in : cpus_[cpu].live)
        if (in->idle) return true;
    return false;
}

bool world::has_called_in_run(cpu_id cpu) const {
    for (const instance* in : cpus_[cpu].live)
        if (in->called_in) return true;
    return false;
}

void world::check_masks(cpu_id cpu) {
    const state st = hp_.state_of(cpu);
    check(hp_.online().test(cpu) == (st >= state::ap_online) && hp_.active().test(cpu) == (st >= state::online),
            cpu_name(cpu) + ": the masks disagree with its state: " + where(cpu));
}

void world::check_up(cpu_id cpu, const result& r, const char* op) {
    scheduler::hush h(s_);
    record(op, cpu, r);
    if (hp_.is_stuck(cpu)) return;   // by contract its state is unknown
    check_masks(cpu);
    const state st = hp_.state_of(cpu);
    if (r) check(st == state::online && has_idle_run(cpu),
                   std::string(op) + "(" + std::to_string(cpu) + ") succeeded but " + where(cpu));
    else check(st == state::offline && !has_called_in_run(cpu),
                 std::string(op) + "(" + std::to_string(cpu) + ") failed (" + show(r) + ") but " + where(cpu));
}

void world::check_down(cpu_id cpu, const result& r) {
    scheduler::hush h(s_);
    record("cpu_down", cpu, r);
    if (hp_.is_stuck(cpu)) return;
    check_masks(cpu);
    const state st = hp_.state_of(cpu);
    const std::string head = "cpu_down(" + std::to_string(cpu) + ") = " + show(r) + " but ";
    if (r) check(st == state::offline && cpus_[cpu].live.empty(), head + where(cpu));
    else if (st == state::online) check(has_idle_run(cpu), head + where(cpu));
    // rollback_failed: "the CPU was forced offline".
    else check(st == state::offline && r.code == errc::rollback_failed && cpus_[cpu].live.empty(), head + where(cpu));
}

void world::check_rest(cpu_id cpu) {
    scheduler::hush h(s_);
    check_masks(cpu);
    // A CPU holds at most one stack: one kept for a late AP is the one it reuses.
    uint32_t held = 0;
    for (const stack_rec& r : stacks_) held += r.cpu == cpu && !r.freed;
    check(held <= 1, cpu_name(cpu) + " holds " + std::to_string(held) + " stacks");
    if (hp_.is_stuck(cpu)) return;
    const state st = hp_.state_of(cpu);
    const cpu_model& m = cpus_[cpu];
    if (hp_.foreign().test(cpu)) check(st == state::offline, cpu_name(cpu) + " runs another image but " + where(cpu));
    else if (st == state::online) check(m.live.size() == 1 && m.live[0]->idle, cpu_name(cpu) + " at rest: " + where(cpu));
    else check(st == state::offline && m.live.empty(), cpu_name(cpu) + " at rest: " + where(cpu));
}

result world::up(cpu_id cpu) {
    s_.note("cpu_up(" + std::to_string(cpu) + ")");
    const result r = hp_.cpu_up(cpu);
    check_up(cpu, r, "cpu_up");
    return r;
}

result world::down(cpu_id cpu) {
    s_.note("cpu_down(" + std::to_string(cpu) + ")");
    const result r = hp_.cpu_down(cpu);
    check_down(cpu, r);
    return r;
}

void world::up_all(bringup_mode mode) {
    bool attempted[explore_config::max_cpus] = {};
    {
        scheduler::hush h(s_);
        for (cpu_id c = 1; c < sc_.cpus; ++c)
            attempted[c] = !hp_.is_stuck(c) && !hp_.foreign().test(c) && hp_.state_of(c) == state::offline;
    }
    s_.note(std::string("bring_up_all(") + (mode == bringup_mode::parallel ? "parallel" : "sequential") + ")");
    const bringup_summary sum = hp_.bring_up_all(mode);
    uint32_t ok = 0;
    for (cpu_id c = 1; c < sc_.cpus; ++c) {
        if (!attempted[c]) continue;
        const result r = [&] {
            scheduler::hush h(s_);
            return hp_.last_result(c);
        }();
        check_up(c, r, "bring_up_all");
        ok += r ? 1 : 0;
    }
    check(sum.online == ok, "bring_up_all counts " + std::to_string(sum.online) + " online, the CPUs' results " +
                                  std::to_string(ok));
}

result world::start_image(cpu_id cpu) {
    s_.note("start_image(" + std::to_string(cpu) + ")");
    const result r = hp_.start_image(cpu, 0x8000, 0x9000, 42);
    scheduler::hush h(s_);
    record("start_image", cpu, r);
    bool image_runs = false;
    for (const instance* in : cpus_[cpu].live) image_runs |= in->image;
    if (r) check(hp_.foreign().test(cpu) && hp_.state_of(cpu) == state::offline && image_runs,
                   "start_image(" + std::to_string(cpu) + ") succeeded but " + where(cpu));
    else if (!hp_.is_stuck(cpu) && !hp_.foreign().test(cpu))
        check(hp_.state_of(cpu) == state::offline && cpus_[cpu].live.empty(),
                "start_image(" + std::to_string(cpu) + ") failed (" + show(r) +
                    ") and the CPU is neither foreign nor stuck, but " + where(cpu));
    return r;
}

result world::reclaim(cpu_id cpu) {
    s_.note("reclaim(" + std::to_string(cpu) + ")");
    const result r = hp_.reclaim(cpu);
    scheduler::hush h(s_);
    record("reclaim", cpu, r);
    if (r) check(!hp_.foreign().test(cpu) && hp_.state_of(cpu) == state::offline,
                   "reclaim(" + std::to_string(cpu) + ") succeeded but " + where(cpu));
    return r;
}

void world::stop_image(cpu_id cpu) {
    cpu_model& m = cpus_[cpu];
    for (size_t i = m.live.size(); i-- > 0;)
        if (m.live[i]->image) stop(*m.live[i], "the host stops the other image");
}

void world::finish() {
    s_.settle();
    for (cpu_id c = 1; c < sc_.cpus; ++c) check_rest(c);
    // Follow-up, not explored and without faults: every CPU that is not stuck
    // must come up and go down again.
    faults_ = false;
    s_.set_exploring(false);
    s_.note("follow-up: every CPU that is not stuck comes up, goes down, comes up");
    for (cpu_id c = 1; c < sc_.cpus; ++c) come_back(c);
    s_.settle();
    for (cpu_id c = 1; c < sc_.cpus; ++c) check_rest(c);
}

void world::come_back(cpu_id cpu) {
    const std::string n = std::to_string(cpu);
    bool stuck, foreign;
    {
        scheduler::hush h(s_);
        stuck = hp_.is_stuck(cpu);
        foreign = hp_.foreign().test(cpu);
    }
    if (stuck) {
        const result r = up(cpu);
        check(r.code == errc::cpu_stuck, "follow-up: cpu_up(" + n + ") of a stuck CPU = " + show(r));
        return;
    }
    if (foreign) {
        stop_image(cpu);
        const result r = reclaim(cpu);
        check(r.ok(), "follow-up: reclaim(" + n + ") = " + show(r));
        if (!r) return;
    }
    bool offline;
    {
        scheduler::hush h(s_);
        offline = hp_.state_of(cpu) == state::offline;
    }
    for (int i = offline ? 0 : 1; i < 3; ++i) {
        const bool going_down = i == 1;
        const result r = going_down ? down(cpu) : up(cpu);
        check(r.ok(), std::string("follow-up: ") + (going_down ? "cpu_down(" : "cpu_up(") + n + ") = " + show(r) +
                          "; a CPU that is not stuck must come back");
        if (!r) return;
    }
}

std::string world::describe(const void* address, size_t size, access a) const {
    for (cpu_id c = 0; c < sc_.cpus; ++c) {
        if (address != cpus_[c].sync_word || size != sizeof(ap_sync)) continue;
        // Not through atomic<>::load: that would be a scheduling point itself.
        ap_sync v;
        std::memcpy(&v, address, sizeof v);
        return std::string(access_name(a)) + " sync[" + std::to_string(c) + "] (was " + sync_name(v) + ")";
    }
    return "";
}

}  // namespace explore
