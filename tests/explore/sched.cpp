// SPDX-License-Identifier: MIT
#include "sched.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace explore {

namespace {
constexpr size_t stack_bytes = 256 * 1024;
// The scheduler of the schedule being run; the hook and the coroutines' entry
// find it here (there is one OS thread).
scheduler* running = nullptr;

[[noreturn]] void internal_error(const char* what) {
    std::fprintf(stderr, "explore: internal error: %s\n", what);
    std::abort();
}
}  // namespace

void sync_point(const void* address, size_t size, int op) {
    // Outside a schedule (building or checking a world) accesses are not choices.
    if (running) running->point(address, size, access(op));
}

scheduler::scheduler(limits l) : lim_(l) {}
scheduler::~scheduler() = default;

// ---- Simulated CPUs ------------------------------------------------------

int scheduler::spawn(std::string name, entry fn, void* arg, uint32_t after_ticks) {
    const size_t tid = threads_.size();
    if (stacks_.size() <= tid) stacks_.push_back(std::make_unique<char[]>(stack_bytes));
    auto t = std::make_unique<thread>();
    t->name = std::move(name);
    t->fn = fn;
    t->arg = arg;
    if (after_ticks) {
        t->state = run_state::sleeping;
        t->wake_tick = tick_ + after_ticks;
    }
    if (getcontext(&t->ctx) != 0) internal_error("getcontext");
    t->ctx.uc_stack.ss_sp = stacks_[tid].get();
    t->ctx.uc_stack.ss_size = stack_bytes;
    t->ctx.uc_link = nullptr;
    makecontext(&t->ctx, &scheduler::trampoline, 0);
    threads_.push_back(std::move(t));
    return int(tid);
}

void scheduler::trampoline() {
    scheduler& s = *running;
    thread& t = *s.threads_[size_t(s.cur_)];
    t.fn(t.arg);
    if (s.cur_ == 0) setcontext(&s.main_);   // the boot CPU's script is done: so is the schedule
    s.exit();
}

uint64_t scheduler::read_word(const void* address, size_t size) {
    uint64_t v = 0;
    std::memcpy(&v, address, size < sizeof v ? size : sizeof v);
    return v;
}

void scheduler::take_pending(thread& t) {
    // Values are taken at the thread's next point, i.e. after its own access
    // ran: a spinner must not be woken by its own writes.
    if (!t.pending) return;
    const uint64_t v = read_word(t.pending, t.pending_size);
    for (seen_word& w : t.seen)
        if (w.address == t.pending) w.value = v;
    if (t.pending_reads) t.seen.push_back({t.pending, t.pending_size, v});
    t.pending = nullptr;
}

void scheduler::point(const void* address, size_t size, access a) {
    if (hushed_) return;
    thread& t = *threads_[size_t(cur_)];
    take_pending(t);
    step();
    // Running again: the access happens now, before any other CPU runs.
    if (verbose_ && describe) {
        std::string d = describe(address, size, a);
        if (!d.empty()) note(d);
    }
    t.pending = address;
    t.pending_size = size;
    t.pending_reads = a != access::store;
}

void scheduler::wait(run_state until) {
    thread& t = *threads_[size_t(cur_)];
    take_pending(t);
    t.state = until;
    step();
    t.state = run_state::runnable;
}

void scheduler::yield() { wait(run_state::runnable); }

void scheduler::relax() {
    wait(run_state::spinning);
    threads_[size_t(cur_)]->seen.clear();   // the next iteration reads afresh
}

uint64_t scheduler::now() {
    point(&clock_ns_, sizeof clock_ns_, access::load);
    return clock_ns_;
}

void scheduler::sleep(uint32_t ticks) {
    threads_[size_t(cur_)]->wake_tick = tick_ + ticks;
    wait(run_state::sleeping);
}

void scheduler::settle() { wait(run_state::settling); }

void scheduler::observe(const void* address, size_t size) {
    threads_[size_t(cur_)]->seen.push_back({address, size, read_word(address, size)});
}

void scheduler::exit() {
    threads_[size_t(cur_)]->state = run_state::done;
    step();
    internal_error("a finished CPU was resumed");
}

void scheduler::end(int tid) { threads_[size_t(tid)]->state = run_state::done; }

void scheduler::flag(std::string why) {
    if (verbose_) log_.push_back("!! violation: " + why);
    // One wrong step usually breaks several invariants; the first few tell the story.
    for (const std::string& w : why_)
        if (w == why) return;
    if (why_.size() < 4) why_.push_back(std::move(why));
}

void scheduler::fail(std::string why) {
    flag(std::move(why));
    setcontext(&main_);
    internal_error("setcontext");
}

void scheduler::note(const std::string& line) {
    if (!verbose_) return;
    log_.push_back(threads_[size_t(cur_)]->name + ": " + line);
}

// ---- Choosing who runs ---------------------------------------------------

bool scheduler::changed(const thread& t) const {
    for (const seen_word& w : t.seen)
        if (read_word(w.address, w.size) != w.value) return true;
    return false;
}

bool scheduler::watches_clock(const thread& t) const {
    for (const seen_word& w : t.seen)
        if (w.address == &clock_ns_) return true;
    return false;
}

void scheduler::step() {
    if (++steps_ > lim_.max_steps)
        fail("hang: more than " + std::to_string(lim_.max_steps) + " scheduling points");
    switch_to(decide());
}

int scheduler::decide() {
    std::vector<int> runnable;
    bool time_moved = false;
    for (;;) {
        bool sleepers = false, clock_watchers = false;
        int settler = -1;
        for (size_t i = 0; i < threads_.size(); ++i) {
            const thread& t = *threads_[i];
            switch (t.state) {
            case run_state::runnable: runnable.push_back(int(i)); break;
            case run_state::spinning:
                if (changed(t)) runnable.push_back(int(i));
                else if (watches_clock(t)) clock_watchers = true;
                break;
            case run_state::sleeping:
                if (tick_ >= t.wake_tick) runnable.push_back(int(i));
                else sleepers = true;
                break;
            case run_state::settling: settler = int(i); break;
            case run_state::done: break;
            }
        }
        if (runnable.empty() && settler >= 0 && !sleepers) runnable.push_back(settler);
        if (!runnable.empty()) break;
        if (!sleepers && !clock_watchers)
            fail("deadlock: every simulated CPU waits for another and no deadline is pending");
        // Nobody can run: every pending deadline expires now.
        if (++tick_ > lim_.max_ticks)
            fail("hang: time advanced " + std::to_string(lim_.max_ticks) + " ticks");
        clock_ns_ += tick_ns;
        time_moved = true;
        if (verbose_) log_.push_back("== no CPU can run: time advances to " + std::to_string(tick_) + " s");
    }

    // After time advanced, the running CPU was waiting like the others: who
    // goes first is a free choice, not a preemption.
    bool cur_could_go_on = false;
    for (int t : runnable) cur_could_go_on |= t == cur_ && !time_moved;
    int pick = cur_could_go_on ? cur_ : runnable[0];
    if (exploring_ && runnable.size() > 1) {
        if (depth_ < trail_.size()) {
            const node& n = trail_[depth_];
            if (n.runnable != runnable) internal_error("a replayed schedule diverged: the world is not deterministic");
            pick = n.order[n.k];
        } else {
            node n;
            n.runnable = runnable;
            n.cur_could_go_on = cur_could_go_on;
            n.preemptions_before = preemptions_;
            if (cur_could_go_on) n.order.push_back(cur_);
            for (int t : runnable)
                if (t != cur_ || !cur_could_go_on) n.order.push_back(t);
            for (auto [depth, k] : forced_)
                if (depth == depth_ && k < n.order.size()) n.k = k;
            pick = n.order[n.k];
            trail_.push_back(std::move(n));
        }
        ++depth_;
    }
    if (cur_could_go_on && pick != cur_) ++preemptions_;
    return pick;
}

void scheduler::switch_to(int next) {
    if (next == cur_) return;
    const int prev = cur_;
    cur_ = next;
    if (verbose_) log_.push_back("-- " + threads_[size_t(next)]->name + " runs");
    thread& p = *threads_[size_t(prev)];
    if (p.state == run_state::done) setcontext(&threads_[size_t(next)]->ctx);
    else swapcontext(&p.ctx, &threads_[size_t(next)]->ctx);
}

// ---- The search ----------------------------------------------------------

scheduler::outcome scheduler::run(entry bp, void* arg, bool verbose) {
    threads_.clear();
    cur_ = 0;
    clock_ns_ = 0;
    tick_ = 0;
    steps_ = 0;
    preemptions_ = 0;
    hushed_ = 0;
    exploring_ = true;
    verbose_ = verbose;
    why_.clear();
    log_.clear();
    depth_ = 0;
    spawn("bp", bp, arg);
    running = this;
    swapcontext(&main_, &threads_[0]->ctx);   // back here when the schedule ends
    running = nullptr;
    trail_.resize(depth_);   // a violation may end a run early

    outcome o;
    o.violated = !why_.empty();
    o.why = std::move(why_);
    o.log = std::move(log_);
    o.steps = steps_;
    o.preemptions = preemptions_;
    for (size_t i = 0; i < trail_.size(); ++i) {
        if (trail_[i].k == 0) continue;
        if (!o.choices.empty()) o.choices += ',';
        o.choices += std::to_string(i) + '.' + std::to_string(trail_[i].k);
    }
    if (o.choices.empty()) o.choices = "-";
    return o;
}

bool scheduler::advance() {
    forced_.clear();
    while (!trail_.empty()) {
        node& n = trail_.back();
        for (size_t k = n.k + 1; k < n.order.size(); ++k) {
            // order[0] is the CPU that could have gone on: any other is a preemption.
            const int cost = n.cur_could_go_on ? 1 : 0;
            if (n.preemptions_before + cost <= lim_.preemptions) {
                n.k = k;
                return true;
            }
        }
        trail_.pop_back();
    }
    return false;
}

bool scheduler::force(const std::string& choices) {
    trail_.clear();
    forced_.clear();
    if (choices == "-" || choices.empty()) return true;
    size_t pos = 0;
    while (pos < choices.size()) {
        size_t depth = 0, k = 0;
        int used = 0;
        if (std::sscanf(choices.c_str() + pos, "%zu.%zu%n", &depth, &k, &used) != 2) return false;
        forced_.push_back({depth, k});
        pos += size_t(used);
        if (pos < choices.size() && choices[pos] == ',') ++pos;
        else if (pos < choices.size()) return false;
    }
    return true;
}

}  // namespace explore
