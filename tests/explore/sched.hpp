// SPDX-License-Identifier: MIT
// A deterministic scheduler of simulated CPUs, and the depth-first search over
// its choices. Knows nothing about hotplug: the world (world.hpp) runs the
// library on it.
//
// Each simulated CPU is a coroutine (ucontext) and exactly one runs at a time.
// It gives the scheduler control at every access of a shared word (the hook in
// smpboot/base.hpp), at every clock read and in every spin-wait iteration; the
// scheduler then lets it go on or switches to another. A schedule is the list
// of those choices, so replaying a prefix of choices replays the run exactly.
//
// The search enumerates schedules depth-first with a bound on preemptions (a
// switch away from a CPU that could have gone on), after CHESS's iterative
// context bounding (Musuvathi and Qadeer, PLDI 2007): switches at a point where
// the running CPU waits are free, so every bounded schedule is explored.
//
// Spin loops do not multiply schedules: a CPU that relaxes is blocked until a
// word it read since its last relax changes. Time is virtual and advances by one
// tick, longer than any timeout the world sets, only when no CPU can run; so a
// deadline expires exactly when waiting longer could not change anything, and
// which CPU runs next after it expired is again a choice.
#pragma once

#include <ucontext.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace explore {

/// The accesses the hook reports, numbered as smpboot::sync_op (world.cpp checks).
enum class access : int { load, store, exchange, cas, rmw };

struct limits {
    int preemptions = 1;            ///< the CHESS bound
    uint64_t max_steps = 100'000;   ///< scheduling points in one schedule: more is a hang
    uint32_t max_ticks = 40;        ///< time advances in one schedule: more is a hang
};

class scheduler {
public:
    using entry = void (*)(void*);
    static constexpr uint64_t tick_ns = 1'000'000'000;

    explicit scheduler(limits l);
    ~scheduler();
    scheduler(const scheduler&) = delete;

    // ---- Called by the simulated CPUs, inside a schedule ------------------

    /// A new simulated CPU, runnable now or only after `after_ticks` ticks.
    int spawn(std::string name, entry fn, void* arg, uint32_t after_ticks = 0);
    /// The running CPU is about to access a shared word (the hook).
    void point(const void* address, size_t size, access a);
    /// A point that reads nothing a spin-wait depends on.
    void yield();
    /// One iteration of a spin-wait: wait until something it read changes.
    void relax();
    /// The virtual clock, in nanoseconds; reading it is a point.
    uint64_t now();
    /// Wait until `ticks` ticks have passed.
    void sleep(uint32_t ticks);
    /// Wait until no other CPU can run before time advances.
    void settle();
    /// The running CPU reads model state that a spin-wait depends on.
    void observe(const void* address, size_t size);
    /// The running CPU ends here; it is never resumed.
    [[noreturn]] void exit();
    /// Another CPU ends (it was reset or switched off); it is never resumed.
    void end(int tid);
    /// A violation; the schedule goes on, so that later ones show too.
    void flag(std::string why);
    /// A violation after which the schedule cannot go on: it ends here.
    [[noreturn]] void fail(std::string why);

    /// While one is alive, accesses are not points: checks look without
    /// moving the schedule.
    class hush {
    public:
        explicit hush(scheduler& s) : s_(s) { ++s_.hushed_; }
        ~hush() { --s_.hushed_; }
        hush(const hush&) = delete;

    private:
        scheduler& s_;
    };

    int current() const { return cur_; }
    bool ended(int tid) const { return threads_[size_t(tid)]->state == run_state::done; }
    const std::string& name(int tid) const { return threads_[size_t(tid)]->name; }
    uint32_t ticks() const { return tick_; }
    /// Off: the next choices are fixed (the running CPU goes on, else the
    /// first runnable one), for follow-up work that is not being explored.
    void set_exploring(bool on) { exploring_ = on; }
    bool verbose() const { return verbose_; }
    /// A line of the readable schedule (only kept when verbose), with the
    /// running CPU's name in front.
    void note(const std::string& line);
    /// Verbose runs: a description of an access, or "" to leave it out.
    std::function<std::string(const void*, size_t, access)> describe;

    // ---- The driver, outside any schedule ---------------------------------

    struct outcome {
        bool violated = false;
        std::vector<std::string> why;   ///< the violations, in order
        std::vector<std::string> log;   ///< verbose runs only
        std::string choices;            ///< replays this schedule (see force())
        uint64_t steps = 0;
        int preemptions = 0;
    };
    /// One schedule from the start: `bp` runs as CPU 0 and the choices follow
    /// the search's current path, then the default (go on, else the first).
    outcome run(entry bp, void* arg, bool verbose);
    /// Move to the next schedule within the bound; false when all are done.
    bool advance();
    /// Follow these choices ("depth.choice,..." as outcome::choices) instead.
    bool force(const std::string& choices);

private:
    enum class run_state { runnable, spinning, sleeping, settling, done };
    struct seen_word {
        const void* address;
        size_t size;
        uint64_t value;
    };
    struct thread {
        std::string name;
        entry fn = nullptr;
        void* arg = nullptr;
        ucontext_t ctx{};
        run_state state = run_state::runnable;
        uint32_t wake_tick = 0;
        std::vector<seen_word> seen;      ///< read since the last relax
        const void* pending = nullptr;    ///< accessed at the last point: value taken at the next
        size_t pending_size = 0;
        bool pending_reads = false;
    };
    /// A choice the search can revisit.
    struct node {
        std::vector<int> runnable;   ///< to check that a replay is faithful
        std::vector<int> order;      ///< the running CPU first when it could go on
        bool cur_could_go_on = false;
        int preemptions_before = 0;
        size_t k = 0;                ///< index into order
    };

    static void trampoline();
    static uint64_t read_word(const void* address, size_t size);
    bool changed(const thread& t) const;
    bool watches_clock(const thread& t) const;
    void take_pending(thread& t);
    /// A point at which the running CPU is in state `until` (runnable: none).
    void wait(run_state until);
    void step();
    int decide();
    void switch_to(int next);

    limits lim_;
    // Pointers: a ucontext_t must not move (it points into itself).
    std::vector<std::unique_ptr<thread>> threads_;
    std::vector<std::unique_ptr<char[]>> stacks_;
    ucontext_t main_{};
    int cur_ = 0;
    uint64_t clock_ns_ = 0;
    uint32_t tick_ = 0;
    uint64_t steps_ = 0;
    int preemptions_ = 0;
    int hushed_ = 0;
    bool exploring_ = true;
    bool verbose_ = false;
    std::vector<std::string> why_;
    std::vector<std::string> log_;
    std::vector<node> trail_;
    size_t depth_ = 0;
    std::vector<std::pair<size_t, size_t>> forced_;
};

}  // namespace explore
