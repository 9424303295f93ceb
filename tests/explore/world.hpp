// SPDX-License-Identifier: MIT
// The library's real hotplug<> on simulated CPUs that the scheduler interleaves:
// a backend and a host whose faults a scenario chooses, the bookkeeping that
// knows what every simulated CPU can still touch, and the invariants checked
// after each operation and at the end of every schedule.
#pragma once

#include <smpboot/hotplug.hpp>

#include "sched.hpp"

#include <memory>
#include <string>
#include <vector>

namespace explore {

using smpboot::ap_boot;
using smpboot::cpu_id;
using smpboot::result;

/// How the simulated firmware answers one kick.
enum class kick_answer : uint8_t {
    ok,                   ///< starts the CPU
    fails_before_start,   ///< kick_failed; the CPU never runs
    fails_after_start,    ///< starts it, then ipi_timeout: x86, the second SIPI's ICR never idles
    fails_after_callin,   ///< starts it, waits until it called in, then ipi_timeout
};

/// What a kick does to a CPU that still runs from an earlier kick (a late AP).
enum class when_running : uint8_t {
    already_on,   ///< PSCI CPU_ON answers ALREADY_ON (DEN0022 5.6): nothing starts
    restarts,     ///< x86 INIT resets it (SDM Vol. 3A 9.4): the old one stops, a new one starts
};

/// One simulated CPU's behaviour. Fault masks count calls on that CPU from 0:
/// bit n set makes call n fail. Faults apply to the scenario's script only,
/// never to the follow-up that checks the CPU can come back.
struct cpu_behaviour {
    kick_answer kick[4] = {};        ///< per kick of this CPU; later kicks start it
    uint32_t late_ticks = 0;         ///< the CPU of the first kick runs only this many ticks later
    bool abandon_stops = false;      ///< x86 (INIT) stops a CPU on abandon(); PSCI cannot
    when_running running = when_running::already_on;
    uint32_t ap_init_fails = 0;      ///< the backend's ap:starting step
    uint32_t prep_up_fails = 0, prep_down_fails = 0;     ///< host state, prepare section (BP)
    uint32_t start_up_fails = 0, start_down_fails = 0;   ///< host state, starting section (AP)
    uint32_t online_up_fails = 0, online_down_fails = 0; ///< host state, online section (AP)
    uint32_t online_up_slow = 0;     ///< these online startups first sleep one tick
    uint32_t slow_polls = 0;         ///< the idle loop sleeps one tick before its first N polls
    uint32_t never_off = 0;          ///< these wait_off calls never see the CPU off
    uint32_t no_stack = 0;           ///< these alloc_stack calls return nothing
};

class world;

struct scenario {
    const char* name;
    const char* what;
    uint32_t cpus;                     ///< including the boot CPU; at most 3
    cpu_behaviour cpu[3];              ///< index 0 (the boot CPU) is unused
    void (*script)(world&);
};

/// The backend concept of smpboot/backend.hpp, on the world's simulated CPUs.
class sim_backend {
public:
    explicit sim_backend(world& w) : w_(w) {}
    result kick(ap_boot& boot);
    void kick_all(ap_boot* const* batch, uint32_t n, result* outcomes);
    bool abandon(cpu_id cpu);
    result wait_off(cpu_id cpu, uint64_t deadline_ns);
    result ap_init(cpu_id cpu);
    void ap_exit(cpu_id cpu);
    [[noreturn]] void ap_leave(cpu_id cpu);
    void relax();
    smpboot::hwid_t this_hwid();

private:
    world& w_;
};
static_assert(smpboot::backend<sim_backend>);

struct explore_config : smpboot::default_config {
    static constexpr uint32_t max_cpus = 4;
    /// Trace records are per-CPU slots and the clock: no part of the handshake.
    static constexpr bool tracing = false;
};
using hotplug_t = smpboot::hotplug<sim_backend, explore_config>;

class world {
public:
    world(scheduler& s, const scenario& sc);
    ~world() { s_.describe = nullptr; }
    world(const world&) = delete;

    /// The boot CPU's coroutine: the scenario's script, then finish().
    static void boot_cpu(void* self);

    // The script's operations: each one's result is checked against the
    // CPU's state as soon as it returns.
    result up(cpu_id cpu);
    result down(cpu_id cpu);
    void up_all(smpboot::bringup_mode mode);
    result start_image(cpu_id cpu);
    result reclaim(cpu_id cpu);
    /// The host stops the other image (x86: INIT; arm64: it returns to the park loop).
    void stop_image(cpu_id cpu);

    hotplug_t& hp() { return hp_; }
    /// What the script's operations returned, e.g. "cpu_up(1)=ok cpu_down(1)=ok".
    const std::string& outcome() const { return outcome_; }

private:
    friend class sim_backend;
    template <int Which, bool Up>
    friend int host_state_cb(cpu_id cpu, void* ctx);

    struct stack_rec {
        cpu_id cpu;
        uintptr_t base;
        size_t size;
        bool freed;
    };
    /// One run of a CPU: from a kick until it leaves, is stopped or reset.
    struct instance {
        world* w;
        cpu_id cpu;
        int tid;
        const ap_boot* block;   ///< the boot block its kick was given
        ap_boot at_kick;        ///< what the block held at the kick
        bool image;
        bool started = false;   ///< has read its boot block
        bool called_in = false; ///< reached ap:starting on this run
        bool idle = false;      ///< in the host's idle loop (ap_main)
        uintptr_t stack_top = 0;
    };
    struct cpu_model {
        cpu_behaviour b;
        std::vector<instance*> live;   ///< kicked and not yet known to be off
        uint64_t offs = 0;             ///< counts runs that ended: wait_off watches it
        uint32_t kicks = 0, runs = 0, wait_offs = 0, stacks = 0, ap_inits = 0, polls = 0;
        uint32_t calls[6] = {};        ///< host state calls: prep/start/online x up/down
        const void* sync_word = nullptr;   ///< its handshake word, once kicked (verbose runs name it)
    };

    static smpboot::host_ops make_host(world* self);
    void free_stack(cpu_id cpu, smpboot::stack_region st);
    static void ap_thread(void* self);
    void ap_run(instance& in);
    void idle_loop(instance& in);
    instance* running_instance();
    void stop(instance& in, const char* why);
    int host_step(int which, cpu_id cpu, bool up);
    void record(const std::string& op, cpu_id cpu, const result& r);
    bool faulty(uint32_t mask, uint32_t call) const { return faults_ && call < 32 && (mask >> call) & 1; }

    void finish();
    void come_back(cpu_id cpu);
    void check_masks(cpu_id cpu);
    void check_up(cpu_id cpu, const result& r, const char* op);
    void check_down(cpu_id cpu, const result& r);
    void check_rest(cpu_id cpu);
    bool has_idle_run(cpu_id cpu) const;
    bool has_called_in_run(cpu_id cpu) const;
    std::string where(cpu_id cpu) const;
    /// A violation that leaves the world unusable: the schedule ends.
    void require(bool ok, const std::string& why);
    /// A violated invariant: recorded, and the schedule goes on.
    void check(bool ok, const std::string& why);
    std::string describe(const void* address, size_t size, access a) const;
    std::string show(const result& r) const;

    scheduler& s_;
    const scenario& sc_;
    bool faults_ = true;
    sim_backend backend_;
    hotplug_t hp_;
    cpu_model cpus_[explore_config::max_cpus];
    std::vector<std::unique_ptr<instance>> instances_;
    std::vector<stack_rec> stacks_;
    std::string outcome_;
};

}  // namespace explore
