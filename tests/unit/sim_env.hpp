// SPDX-License-Identifier: MIT
// A hotplug<> on the simulation backend, with host callbacks that record
// what ran, on which CPU, in which order, and can be told to fail.
#pragma once

#include <smpboot/hotplug.hpp>

#include <sim.hpp>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace test {

using namespace smpboot;

struct test_config : default_config {
    static constexpr uint32_t max_cpus = 128;
    static constexpr bool fail_injection = true;
};
using hotplug_t = hotplug<sim::machine, test_config>;

/// Short timeouts: every test that waits for one is about a timeout.
inline timeouts fast_timeouts() {
    timeouts t;
    t.callin_ns = 300'000'000;
    t.online_ns = 2'000'000'000;
    t.down_ns = 300'000'000;
    t.off_ns = 300'000'000;
    t.ready_ns = 300'000'000;
    return t;
}

class env {
public:
    /// `n` CPUs; those in `possible_only` are possible but not present.
    explicit env(uint32_t n, timeouts t = fast_timeouts(), std::vector<cpu_id> possible_only = {},
                 bool waits_for_ready = false)
        : machine_(n), hp_(machine_, make_host(waits_for_ready), t) {
        machine_.set_boot_hwid(0x100);   // this thread is CPU 0
        std::vector<cpu_desc> cpus(n);
        for (uint32_t i = 0; i < n; ++i) cpus[i] = {hwid_t(0x100 + i), true};
        for (cpu_id c : possible_only) cpus[c].present = false;
        result r = hp_.init(cpus.data(), n);
        if (!r) std::abort();
        hp_.set_trace(&trace_);
    }
    ~env() {
        machine_.shut_down();
        for (void* stack : stack_of_) std::free(stack);   // CPUs still online at the end
    }

    hotplug_t& hp() { return hp_; }
    sim::machine& machine() { return machine_; }
    trace_buffer& trace() { return trace_; }

    /// Register a recording host state; its name is what the events show.
    state add(section sec, const char* name) {
        state st{};
        result r = hp_.add_state(sec, name, &env::on_startup, &env::on_teardown, this, &st);
        if (!r) std::abort();
        return st;
    }

    /// Make the named host state's startup (up) or teardown (down) fail on `cpu`
    /// `times` times (0: forever).
    void fail_host(cpu_id cpu, const std::string& name, bool up, int times = 0) {
        std::lock_guard<std::mutex> g(mu_);
        host_failures_.push_back({cpu, name, up, times});
    }

    /// "up:<name>:<cpu>" / "down:<name>:<cpu>" in the order they ran.
    std::vector<std::string> events() {
        std::lock_guard<std::mutex> g(mu_);
        return events_;
    }
    std::vector<std::string> events_of(cpu_id cpu) {
        std::vector<std::string> out;
        const std::string suffix = ":" + std::to_string(cpu);
        for (const auto& e : events())
            if (e.size() > suffix.size() && e.compare(e.size() - suffix.size(), suffix.size(), suffix) == 0)
                out.push_back(e.substr(0, e.size() - suffix.size()));
        return out;
    }
    void clear_events() {
        std::lock_guard<std::mutex> g(mu_);
        events_.clear();
    }
    /// Which CPU ran each host callback (must be the AP for AP states).
    bool ran_on_wrong_cpu() const { return wrong_cpu_.load(); }
    int stacks_outstanding() const { return stacks_.load(); }
    /// free_stack ran while that CPU's thread was still running.
    bool stack_freed_while_running() const { return freed_while_running_.load(); }
    /// What a CPU's ap_main does before its idle loop (host_ops::waits_for_ready).
    enum class ready_call { once, never, twice, for_cpu_0 };
    void set_ready_call(cpu_id cpu, ready_call how) { ready_call_.at(cpu) = how; }
    /// What its ap_ready calls returned, in order.
    std::vector<result> ready_results(cpu_id cpu) {
        std::lock_guard<std::mutex> g(mu_);
        return ready_results_.at(cpu);
    }
    /// A function the CPU's ap_main runs once, before the idle loop.
    void on_ap_main(cpu_id cpu, std::function<void(cpu_id)> f) {
        std::lock_guard<std::mutex> g(mu_);
        ap_main_hook_.at(cpu) = std::move(f);
    }

    uint32_t idle_loops_entered(cpu_id cpu) {
        std::lock_guard<std::mutex> g(mu_);
        return cpu < idle_entries_.size() ? idle_entries_[cpu] : 0;
    }

private:
    struct host_failure {
        cpu_id cpu;
        std::string name;
        bool up;
        int times;
    };

    host_ops make_host(bool waits_for_ready) {
        host_ops h;
        h.ctx = this;
        h.waits_for_ready = waits_for_ready;
        h.monotonic_ns = [](void*) { return sim::machine::now_ns(); };
        h.delay_us = [](void*, uint32_t us) { std::this_thread::sleep_for(std::chrono::microseconds(us)); };
        h.log = [](void*, log_level, const char*) {};
        // Stacks are taken and given back on the boot CPU (the test thread).
        h.alloc_stack = [](void* ctx, cpu_id cpu) {
            env& self = *static_cast<env*>(ctx);
            self.stacks_.fetch_add(1);
            self.stack_of_.at(cpu) = std::malloc(16384);
            return stack_region{self.stack_of_[cpu], 16384};
        };
        h.free_stack = [](void* ctx, cpu_id cpu, stack_region s) {
            env& self = *static_cast<env*>(ctx);
            self.stacks_.fetch_sub(1);
            if (self.machine_.running(cpu)) self.freed_while_running_ = true;
            self.stack_of_.at(cpu) = nullptr;
            std::free(s.base);
        };
        h.ap_main = [](void* ctx, cpu_id cpu) { static_cast<env*>(ctx)->idle(cpu); };
        return h;
    }

    // The AP idle loop of a simulated kernel.
    void idle(cpu_id cpu) {
        std::function<void(cpu_id)> hook;
        {
            std::lock_guard<std::mutex> g(mu_);
            if (idle_entries_.size() <= cpu) idle_entries_.resize(cpu + 1);
            ++idle_entries_[cpu];
            hook = ap_main_hook_.at(cpu);
        }
        if (hook) hook(cpu);
        const ready_call how = ready_call_.at(cpu);
        const int calls = how == ready_call::never ? 0 : how == ready_call::twice ? 2 : 1;
        for (int i = 0; i < calls; ++i) {
            result r = hp_.ap_ready(how == ready_call::for_cpu_0 ? 0 : cpu);
            std::lock_guard<std::mutex> g(mu_);
            ready_results_.at(cpu).push_back(r);
        }
        while (!machine_.shutting_down()) {
            if (!machine_.fault(cpu).ignores_down) hp_.ap_poll(cpu);
            std::this_thread::yield();
        }
        throw sim::cpu_left{};
    }

    static int on_startup(cpu_id cpu, void* ctx) { return static_cast<env*>(ctx)->record(cpu, true); }
    static int on_teardown(cpu_id cpu, void* ctx) { return static_cast<env*>(ctx)->record(cpu, false); }

    // Which host state is running is not passed to the callback, so find it
    // from the CPU's state: a startup enters next(current), a teardown leaves current.
    int record(cpu_id cpu, bool up) {
        state cur = hp_.state_of(cpu);
        state st = up ? next(cur) : cur;
        // Skip empty slots to the registered one (walk() passes through them).
        const char* name = hp_.state_name(st);
        std::lock_guard<std::mutex> g(mu_);
        if (runs_on(st) == side::ap && !on_ap_thread()) wrong_cpu_ = true;
        events_.push_back(std::string(up ? "up:" : "down:") + name + ":" + std::to_string(cpu));
        for (auto it = host_failures_.begin(); it != host_failures_.end(); ++it) {
            if (it->cpu == cpu && it->name == name && it->up == up) {
                if (it->times > 0 && --it->times == 0) host_failures_.erase(it);
                return -5;
            }
        }
        return 0;
    }

    bool on_ap_thread() const { return std::this_thread::get_id() != main_thread_; }

    sim::machine machine_;
    hotplug_t hp_;
    std::mutex mu_;
    std::vector<std::string> events_;
    std::vector<host_failure> host_failures_;
    std::vector<uint32_t> idle_entries_;
    std::vector<ready_call> ready_call_ = std::vector<ready_call>(test_config::max_cpus, ready_call::once);
    std::vector<std::vector<result>> ready_results_ = std::vector<std::vector<result>>(test_config::max_cpus);
    std::vector<std::function<void(cpu_id)>> ap_main_hook_ =
        std::vector<std::function<void(cpu_id)>>(test_config::max_cpus);
    std::atomic<bool> wrong_cpu_{false};
    std::atomic<int> stacks_{0};
    std::atomic<bool> freed_while_running_{false};
    std::vector<void*> stack_of_ = std::vector<void*>(test_config::max_cpus, nullptr);
    std::thread::id main_thread_ = std::this_thread::get_id();
    trace_event trace_storage_[4096];
    trace_buffer trace_{trace_storage_, 4096};
};

}  // namespace test
