// SPDX-License-Identifier: MIT
// "Tracing costs nothing when compiled out": with Config::tracing == false,
// hotplug<> never writes the host's trace buffer and never reads the host's
// clock for a trace event, even with a buffer installed.
#include <smpboot/hotplug.hpp>

#include <sim.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <thread>
#include <vector>

using namespace smpboot;

namespace {

struct traced : default_config {
    static constexpr uint32_t max_cpus = 16;
    static constexpr bool tracing = true;
    static constexpr bool fail_injection = true;
};
struct untraced : traced {
    static constexpr bool tracing = false;
};

// The library keeps a pointer to the host's buffer and nothing else: turning
// tracing off or on does not change its footprint, and an event is 16 bytes
// (the host sizes its buffer as 16 bytes times the events it wants).
static_assert(sizeof(hotplug<sim::machine, traced>) == sizeof(hotplug<sim::machine, untraced>));
static_assert(sizeof(trace_event) == 16);

std::atomic<uint64_t> clock_reads{0};

template <class Config>
class rig {
public:
    explicit rig(uint32_t n) : machine_(n), hp_(machine_, ops()) {
        std::vector<cpu_desc> cpus(n);
        for (uint32_t i = 0; i < n; ++i) cpus[i] = {hwid_t(i), true};
        REQUIRE(hp_.init(cpus.data(), n).ok());
        hp_.set_trace(&buffer_);
        clock_reads = 0;
    }
    ~rig() {
        machine_.shut_down();
        for (void* s : stacks_) std::free(s);
    }
    hotplug<sim::machine, Config>& hp() { return hp_; }
    trace_buffer& buffer() { return buffer_; }

private:
    host_ops ops() {
        host_ops h;
        h.ctx = this;
        h.monotonic_ns = [](void*) {
            clock_reads.fetch_add(1);
            return sim::machine::now_ns();
        };
        h.delay_us = [](void*, uint32_t) {};
        h.alloc_stack = [](void* ctx, cpu_id cpu) {
            auto& self = *static_cast<rig*>(ctx);
            self.stacks_.at(cpu) = std::malloc(16384);
            return stack_region{self.stacks_[cpu], 16384};
        };
        h.free_stack = [](void* ctx, cpu_id cpu, stack_region s) {
            static_cast<rig*>(ctx)->stacks_.at(cpu) = nullptr;
            std::free(s.base);
        };
        h.ap_main = [](void* ctx, cpu_id cpu) {
            auto& self = *static_cast<rig*>(ctx);
            while (!self.machine_.shutting_down()) {
                self.hp_.ap_poll(cpu);
                std::this_thread::yield();
            }
            throw sim::cpu_left{};
        };
        return h;
    }

    sim::machine machine_;
    hotplug<sim::machine, Config> hp_;
    std::vector<void*> stacks_ = std::vector<void*>(Config::max_cpus, nullptr);
    trace_event events_[1024];
    trace_buffer buffer_{events_, 1024};
};

// A failure in bp:prepare-dyn is reached without any waiting, so the only
// clock reads on that path are the trace's own.
template <class Config>
uint64_t clock_reads_of_failed_prepare(rig<Config>& r) {
    r.hp().inject_failure(1, state::bp_prepare_dyn, true);
    clock_reads = 0;
    CHECK(r.hp().cpu_up(1).code == errc::callback_failed);
    return clock_reads.load();
}

}  // namespace

TEST_CASE("with tracing on, each event on a wait-free path costs one clock read") {
    rig<traced> r(2);
    const uint64_t reads = clock_reads_of_failed_prepare(r);
    // up bp:prepare, fail bp:prepare-dyn: the teardown of bp:prepare succeeds untraced.
    CHECK(r.buffer().size() == 2);
    CHECK(reads == r.buffer().size());
}

TEST_CASE("with tracing compiled out, the same path reads no clock and records nothing") {
    rig<untraced> r(2);
    CHECK(clock_reads_of_failed_prepare(r) == 0);
    CHECK(r.buffer().used.load(memory_order::relaxed) == 0);
    CHECK(r.buffer().dropped.load(memory_order::relaxed) == 0);
}

TEST_CASE("a full bring-up and take-down with tracing compiled out leaves the buffer empty") {
    rig<untraced> r(8);
    for (bringup_mode mode : {bringup_mode::parallel, bringup_mode::sequential}) {
        bringup_summary s = r.hp().bring_up_all(mode);
        CHECK(s.online == 7);
        for (cpu_id c = 1; c < 8; ++c) CHECK(r.hp().cpu_down(c).ok());
    }
    CHECK(r.buffer().used.load(memory_order::relaxed) == 0);
    CHECK(r.buffer().dropped.load(memory_order::relaxed) == 0);
}

TEST_CASE("the same run with tracing on fills the buffer (the check above can fail)") {
    rig<traced> r(8);
    bringup_summary s = r.hp().bring_up_all(bringup_mode::parallel);
    CHECK(s.online == 7);
    uint32_t callins = 0;
    for (uint32_t i = 0; i < r.buffer().size(); ++i)
        if (r.buffer().events[i].kind == trace_kind::callin) ++callins;
    CHECK(callins == 7);
}
