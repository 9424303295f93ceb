// SPDX-License-Identifier: MIT
// The example kernels' shared logic (examples/common/demo.hpp) on simulated
// CPUs: the serial contract, fault injection by command line, and the stress
// checker, which must also notice when something is wrong.
#include <doctest/doctest.h>

#include "sim_env.hpp"

#include <demo.hpp>

#include <memory>
#include <mutex>
#include <regex>
#include <string>
#include <vector>

using namespace smpboot;

namespace {

std::mutex out_mu;
std::vector<std::string> out;
sim::machine* current_machine = nullptr;
test::hotplug_t* current_hp = nullptr;

struct demo_env {
    sim::machine machine;
    host_ops host;
    test::hotplug_t hp;
    std::unique_ptr<example::demo<test::hotplug_t>> demo;   // outlived by nothing that runs

    /// The default timeouts are hang detectors; a test about a timeout passes short ones.
    explicit demo_env(uint32_t n, timeouts t = {}) : machine(n), host(make_host()), hp(machine, host, t) {
        std::vector<cpu_desc> cpus(n);
        for (uint32_t i = 0; i < n; ++i) cpus[i] = {hwid_t(0x10 * i), true};
        REQUIRE(hp.init(cpus.data(), n).ok());
        current_machine = &machine;
        current_hp = &hp;
        out.clear();
    }
    ~demo_env() { machine.shut_down(); }   // before the demo the APs run in goes

    example::demo<test::hotplug_t>& make_demo(const example::platform& pf) {
        demo = std::make_unique<example::demo<test::hotplug_t>>(hp, pf);
        return *demo;
    }

    host_ops make_host() {
        host_ops h;
        h.ctx = this;
        h.monotonic_ns = [](void*) { return sim::machine::now_ns(); };
        h.alloc_stack = [](void*, cpu_id) { return stack_region{&stack_area, sizeof stack_area}; };
        h.ap_main = [](void* ctx, cpu_id cpu) { static_cast<demo_env*>(ctx)->demo->ap_idle(cpu); };
        return h;
    }
    static inline char stack_area[64];   // never used by simulated CPUs (they run on threads)
};

bool is_main_thread() {
    static const std::thread::id main_id = std::this_thread::get_id();
    return std::this_thread::get_id() == main_id;
}

example::platform make_platform(const char* cmdline) {
    example::platform pf;
    pf.arch = "sim";
    pf.name = "sim";
    pf.cmdline = cmdline;
    pf.puts = [](const char* line) {
        std::lock_guard<std::mutex> g(out_mu);
        out.emplace_back(line);
    };
    pf.now_ns = [] { return sim::machine::now_ns(); };
    pf.relax = [] { std::this_thread::yield(); };
    pf.idle_once = [](cpu_id cpu) {
        current_hp->ap_poll(cpu);
        std::this_thread::yield();
        // The simulated CPUs' way out of the idle loop at the end of a test.
        if (current_machine->shutting_down()) throw sim::cpu_left{};
    };
    pf.own_hwid = [] { return sim::machine::this_cpu_hwid(); };
    return pf;
}

int count_matching(const char* pattern) {
    std::regex re(pattern);
    int n = 0;
    for (const auto& l : out) n += std::regex_search(l, re);
    return n;
}

}  // namespace

TEST_CASE("the demo brings every CPU up and prints the contract with the result last") {
    is_main_thread();
    demo_env e(8);
    auto& d = e.make_demo(make_platform("smpboot.mode=seq"));
    CHECK(d.run());
    CHECK(count_matching("^smpboot: cpu [0-7] hwid 0x[0-9a-f]+ online$") == 8);
    CHECK(count_matching("^smpboot: cpu 5 hwid 0x50 online$") == 1);
    CHECK(count_matching("^smpboot: trace [1-7] [0-9]+ callin ap bp:bringup$") == 7);
    CHECK(count_matching("^smpboot: trace [1-7] [0-9]+ up ap demo:online$") == 7);
    REQUIRE_FALSE(out.empty());
    CHECK(std::regex_match(out.back(), std::regex("smpboot: result arch=sim online=8/8 mode=seq bringup_us=[0-9]+")));
    CHECK(count_matching("^sim: starting and online steps ran on the AP itself for 7/7 online APs "
                         "\\(runs: starting 7, online 7, on another cpu 0\\); teardowns prepare=0 starting=0 online=0$") == 1);
}

TEST_CASE("smpboot.fail fails one CPU at the named section and no other") {
    is_main_thread();
    for (const char* section : {"prepare", "starting", "online"}) {
        CAPTURE(section);
        demo_env e(4);
        std::string cmd = std::string("smpboot.fail=2:") + section;
        auto& d = e.make_demo(make_platform(cmd.c_str()));
        CHECK_FALSE(d.run());
        std::string want = std::string("^smpboot: cpu 2 hwid 0x20 failed: callback failed at demo:") + section +
                           " \\(rc -22\\)$";
        CHECK(count_matching(want.c_str()) == 1);
        CHECK(count_matching("^sim: cpu 2 rolled back to offline$") == 1);
        CHECK(count_matching("^smpboot: cpu [013] hwid 0x[0-9a-f]+ online$") == 3);
        CHECK(e.hp.state_of(2) == state::offline);
        CHECK(std::regex_match(out.back(), std::regex("smpboot: result arch=sim online=3/4 mode=parallel .*")));
    }
}

TEST_CASE("stress: CPUs go down and up at random and every check holds") {
    is_main_thread();
    demo_env e(8);
    auto& d = e.make_demo(make_platform("smpboot.stress=200 smpboot.seed=7"));
    CHECK(d.run());
    std::smatch m;
    bool found = false;
    for (const auto& l : out) {
        if (std::regex_match(l, m, std::regex("smpboot: stress cycles=(\\d+) downs=(\\d+) ups=(\\d+) errors=(\\d+)"))) {
            found = true;
            CHECK(std::stoi(m[1]) == 200);
            CHECK(std::stoi(m[2]) > 50);
            CHECK(std::stoi(m[2]) == std::stoi(m[3]));   // everything that went down came back
            CHECK(std::stoi(m[4]) == 0);
        }
    }
    CHECK(found);
    CHECK(e.hp.online().count() == 8);
    CHECK(std::regex_match(out.back(), std::regex("smpboot: result arch=sim online=8/8 .*")));
}

TEST_CASE("stress notices a CPU that will not go down") {
    is_main_thread();
    demo_env e(4, test::fast_timeouts());
    auto& d = e.make_demo(make_platform("smpboot.stress=20"));
    e.machine.fault(2).never_off = true;   // cpu 2 says goodbye but is never seen off
    CHECK_FALSE(d.run());
    CHECK(count_matching("errors=[1-9]") == 1);
}

TEST_CASE("the demo notices AP steps that did not run on their own CPU") {
    is_main_thread();
    demo_env e(4);
    example::platform pf = make_platform("");
    pf.own_hwid = [] { return hwid_t(0xdead); };   // every AP claims a foreign ID
    auto& d = e.make_demo(pf);
    CHECK_FALSE(d.run());
    CHECK(count_matching("for 3/3 online APs \\(runs: starting 3, online 3, on another cpu 6\\)") == 1);
}
