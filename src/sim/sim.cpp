// SPDX-License-Identifier: MIT
#include "sim.hpp"

namespace smpboot::sim {

namespace {
thread_local hwid_t running_hwid = machine::no_hwid;
}

hwid_t machine::this_cpu_hwid() { return running_hwid; }

machine::machine(uint32_t cpus) : cpus_(cpus) {}

machine::~machine() { shut_down(); }

void machine::shut_down() {
    shutdown_.store(true);
    for (sim_cpu& c : cpus_)
        if (c.thread.joinable()) c.thread.join();
}

uint64_t machine::now_ns() {
    return uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                        std::chrono::steady_clock::now().time_since_epoch())
                        .count());
}

// A CPU's previous thread has left (or never started): join it before reuse.
void machine::reap(cpu_id cpu) {
    sim_cpu& c = cpus_[cpu];
    if (c.thread.joinable()) c.thread.join();
}

result machine::kick(ap_boot& boot) {
    sim_cpu& c = cpus_[boot.cpu];
    c.kicks.fetch_add(1);
    // Whether this kick may have started anything, as a real backend knows:
    // a refused kick did not; a kick that went out may still arrive.
    c.may_arrive.store(!c.f.kick_fails);
    if (c.f.kick_fails) return result::fail(errc::kick_failed, boot.cpu);
    if (c.f.never_calls_in) return result::success(boot.cpu);
    reap(boot.cpu);
    c.running.store(true);
    const uint64_t delay = c.f.callin_delay_ns;
    const hwid_t hwid = boot.hwid;
    c.thread = std::thread([&c, &boot, delay, hwid] {
        running_hwid = hwid;
        if (delay) std::this_thread::sleep_for(std::chrono::nanoseconds(delay));
        try {
            boot.enter();
        } catch (const cpu_left&) {
        }
        c.running.store(false);
    });
    if (c.f.kick_fails_after_callin) {
        while (!boot.called_in()) std::this_thread::yield();
        return result::fail(errc::kick_failed, boot.cpu);
    }
    return result::success(boot.cpu);
}

void machine::kick_all(ap_boot* const* batch, uint32_t n, result* outcomes) {
    for (uint32_t i = 0; i < n; ++i) outcomes[i] = kick(*batch[i]);
}

bool machine::abandon(cpu_id cpu) {
    cpus_[cpu].abandons.fetch_add(1);
    // A simulated CPU cannot be stopped: only a kick that was refused before
    // it started anything leaves nothing to turn up.
    return !cpus_[cpu].may_arrive.load() && !cpus_[cpu].running.load();
}

result machine::wait_off(cpu_id cpu, uint64_t deadline_ns) {
    sim_cpu& c = cpus_[cpu];
    while (c.f.never_off || c.running.load()) {
        if (now_ns() >= deadline_ns) return result::fail(errc::offline_timeout, cpu);
        std::this_thread::yield();
    }
    reap(cpu);
    return result::success(cpu);
}

result machine::ap_init(cpu_id cpu) {
    if (cpus_[cpu].f.ap_init_fails) return result::fail(errc::kick_failed, cpu);
    return result::success(cpu);
}

void machine::ap_exit(cpu_id) {}

void machine::ap_leave(cpu_id) { throw cpu_left{}; }

}  // namespace smpboot::sim
