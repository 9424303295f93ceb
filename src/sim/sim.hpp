// SPDX-License-Identifier: MIT
// The host simulation backend: each simulated CPU is a thread that runs the
// AP side of the state machine for real. Faults are chosen per CPU by a test.
// Host only (std::thread); the third backend beside x86 and arm64.
#pragma once

#include <smpboot/backend.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace smpboot::sim {

/// What can go wrong with one simulated CPU. Atomic: a test may change a
/// fault while that CPU's thread runs.
struct faults {
    std::atomic<bool> never_calls_in{false};      ///< the kick "succeeds" but no code runs
    std::atomic<uint64_t> callin_delay_ns{0};     ///< calls in this late (a late AP)
    std::atomic<bool> kick_fails{false};          ///< the backend cannot start it (errc::kick_failed)
    /// The kick starts the AP, waits for its callin, then reports failure
    /// (x86: the first SIPI started it, the second one's ICR never went idle).
    std::atomic<bool> kick_fails_after_callin{false};
    std::atomic<bool> ap_init_fails{false};       ///< ap:starting fails on the AP
    std::atomic<bool> ignores_down{false};        ///< its idle loop never polls: cpu_down times out
    std::atomic<bool> never_off{false};           ///< says goodbye, but wait_off never sees it off
};

/// Thrown on a simulated CPU's thread by ap_leave(): unwinds to the thread's
/// top, which is how a simulated CPU "leaves the kernel".
struct cpu_left {};

class machine {
public:
    explicit machine(uint32_t cpus);
    ~machine();
    machine(const machine&) = delete;

    faults& fault(cpu_id cpu) { return cpus_[cpu].f; }
    /// Kicks so far (kick and kick_all both count), per CPU.
    uint32_t kicks(cpu_id cpu) const { return cpus_[cpu].kicks.load(); }
    uint32_t abandons(cpu_id cpu) const { return cpus_[cpu].abandons.load(); }
    /// True while a CPU's thread runs.
    bool running(cpu_id cpu) const { return cpus_[cpu].running.load(); }
    /// Make every simulated CPU leave (their idle loops check this) and join
    /// their threads. The host's state must outlive this call.
    void shut_down();
    bool shutting_down() const { return shutdown_.load(); }

    // The backend concept.
    result kick(ap_boot& boot);
    void kick_all(ap_boot* const* batch, uint32_t n, result* outcomes);
    bool abandon(cpu_id cpu);
    result wait_off(cpu_id cpu, uint64_t deadline_ns);
    result ap_init(cpu_id cpu);
    void ap_exit(cpu_id cpu);
    [[noreturn]] void ap_leave(cpu_id cpu);
    void relax() { std::this_thread::yield(); }
    /// this_cpu_hwid(), with `boot_hwid` for a thread that is no AP.
    hwid_t this_hwid() const { return this_cpu_hwid() == no_hwid ? boot_hwid_ : this_cpu_hwid(); }
    /// The hwid this_hwid() gives the test's own thread (the boot CPU).
    void set_boot_hwid(hwid_t h) { boot_hwid_ = h; }

    static uint64_t now_ns();
    /// The hardware ID of the simulated CPU running this thread (its
    /// "MPIDR"): the kicked hwid on an AP's thread, no_hwid elsewhere.
    static constexpr hwid_t no_hwid = ~hwid_t{0};
    static hwid_t this_cpu_hwid();

private:
    struct sim_cpu {
        faults f;
        std::thread thread;
        std::atomic<bool> running{false};
        std::atomic<uint32_t> kicks{0};
        std::atomic<uint32_t> abandons{0};
        std::atomic<bool> may_arrive{false};   ///< the last kick went out
    };
    void reap(cpu_id cpu);

    std::vector<sim_cpu> cpus_;
    std::atomic<bool> shutdown_{false};
    hwid_t boot_hwid_ = 0;
};

static_assert(backend<machine>);

}  // namespace smpboot::sim
