// SPDX-License-Identifier: MIT
// The state machine on simulated CPUs: bring-up, take-down, rollback at
// every state in both directions, timeouts, and caller errors.
#include <doctest/doctest.h>

#include "sim_env.hpp"

#include <algorithm>

using namespace smpboot;
using test::env;

namespace {

// Host states registered by with_host_states(), in state order.
struct host_states {
    std::vector<state> ids;
    std::vector<std::string> names;
};

host_states with_host_states(env& e) {
    host_states h;
    const std::pair<section, const char*> regs[] = {
        {section::prepare, "prep-a"},   {section::prepare, "prep-b"},
        {section::starting, "start-a"}, {section::starting, "start-b"},
        {section::online, "online-a"},  {section::online, "online-b"},
    };
    for (auto [sec, name] : regs) {
        h.ids.push_back(e.add(sec, name));
        h.names.push_back(name);
    }
    return h;
}

// Every state a failure can be injected at: all but offline.
std::vector<state> steppable_states() {
    std::vector<state> out;
    for (uint16_t i = 1; i < state_count; ++i) out.push_back(state(i));
    return out;
}

std::vector<std::string> ups(const host_states& h, auto pred) {
    std::vector<std::string> out;
    for (size_t i = 0; i < h.ids.size(); ++i)
        if (pred(h.ids[i])) out.push_back("up:" + h.names[i]);
    return out;
}
std::vector<std::string> downs(const host_states& h, auto pred) {
    std::vector<std::string> out;
    for (size_t i = h.ids.size(); i-- > 0;)
        if (pred(h.ids[i])) out.push_back("down:" + h.names[i]);
    return out;
}
std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

// Offline, its thread gone, and `stacks` stacks still held by other CPUs.
void require_offline_and_clean(env& e, cpu_id cpu, int stacks = 0) {
    CHECK(e.hp().state_of(cpu) == state::offline);
    CHECK_FALSE(e.hp().online().test(cpu));
    CHECK_FALSE(e.hp().active().test(cpu));
    CHECK_FALSE(e.machine().running(cpu));
    CHECK_FALSE(e.hp().is_stuck(cpu));
    CHECK(e.stacks_outstanding() == stacks);
}

void require_online(env& e, cpu_id cpu) {
    CHECK(e.hp().state_of(cpu) == state::online);
    CHECK(e.hp().online().test(cpu));
    CHECK(e.hp().active().test(cpu));
    CHECK(e.machine().running(cpu));
}

}  // namespace

TEST_CASE("a CPU comes up through every state and goes down through them in reverse") {
    env e(2);
    host_states h = with_host_states(e);
    REQUIRE(e.hp().cpu_up(1).ok());
    require_online(e, 1);
    auto all = [](state) { return true; };
    CHECK(e.events_of(1) == ups(h, all));
    CHECK_FALSE(e.ran_on_wrong_cpu());
    CHECK(e.idle_loops_entered(1) == 1);

    e.clear_events();
    REQUIRE(e.hp().cpu_down(1).ok());
    require_offline_and_clean(e, 1);
    CHECK(e.events_of(1) == downs(h, all));
    CHECK_FALSE(e.ran_on_wrong_cpu());
}

TEST_CASE("an up failure at any state rolls back exactly the states already passed") {
    for (state failing : steppable_states()) {
        CAPTURE(label_of(failing));
        CAPTURE(uint16_t(failing));
        env e(2);
        host_states h = with_host_states(e);
        e.hp().inject_failure(1, failing, true);
        result r = e.hp().cpu_up(1);
        CHECK(r.code == errc::callback_failed);
        CHECK(r.cpu == 1);
        CHECK(r.failed_state == failing);
        CHECK(r.rc == -1);
        auto before = [&](state s) { return s < failing; };
        CHECK(e.events_of(1) == concat(ups(h, before), downs(h, before)));
        require_offline_and_clean(e, 1);
        CHECK(e.hp().last_result(1).failed_state == failing);

        // Nothing was left half-done: with the fault gone, it comes up.
        e.hp().clear_injected_failure();
        e.clear_events();
        REQUIRE(e.hp().cpu_up(1).ok());
        require_online(e, 1);
        CHECK(e.events_of(1) == ups(h, [](state) { return true; }));
    }
}

TEST_CASE("a down failure at any state rolls forward again and the CPU stays online") {
    for (state failing : steppable_states()) {
        CAPTURE(label_of(failing));
        CAPTURE(uint16_t(failing));
        env e(3);
        host_states h = with_host_states(e);
        REQUIRE(e.hp().cpu_up(1).ok());
        REQUIRE(e.hp().cpu_up(2).ok());
        e.clear_events();
        e.hp().inject_failure(1, failing, false);
        result r = e.hp().cpu_down(1);
        CHECK(r.code == errc::callback_failed);
        CHECK(r.cpu == 1);
        CHECK(r.failed_state == failing);
        auto after = [&](state s) { return s > failing; };
        CHECK(e.events_of(1) == concat(downs(h, after), ups(h, after)));
        require_online(e, 1);
        CHECK(e.stacks_outstanding() == 2);
        CHECK(e.events_of(2).empty());

        e.hp().clear_injected_failure();
        REQUIRE(e.hp().cpu_down(1).ok());
        require_offline_and_clean(e, 1, 1);
    }
}

TEST_CASE("a failing teardown during rollback forces the CPU down and says so") {
    env e(2);
    host_states h = with_host_states(e);
    REQUIRE(e.hp().cpu_up(1).ok());
    // online-a's teardown fails, and so does the startup of online-b that would undo it.
    e.fail_host(1, "online-a", false, 1);
    e.fail_host(1, "online-b", true, 1);
    result r = e.hp().cpu_down(1);
    CHECK(r.code == errc::rollback_failed);
    CHECK(r.failed_state == h.ids[4]);
    require_offline_and_clean(e, 1);
}

TEST_CASE("host callback failures carry their return code and state name") {
    env e(2);
    host_states h = with_host_states(e);
    e.fail_host(1, "start-b", true);
    result r = e.hp().cpu_up(1);
    CHECK(r.code == errc::callback_failed);
    CHECK(r.rc == -5);
    CHECK(r.failed_state == h.ids[3]);
    CHECK(std::string(e.hp().state_name(r.failed_state)) == "start-b");
    CHECK(std::string(to_string(r.code)) == "callback failed");
    require_offline_and_clean(e, 1);
}

TEST_CASE("an AP that never calls in times out - is abandoned - and the others go on") {
    env e(4);
    e.machine().fault(2).never_calls_in = true;
    bringup_summary s = e.hp().bring_up_all(bringup_mode::parallel);
    CHECK(s.attempted == 3);
    CHECK(s.online == 2);
    CHECK(s.first_error.code == errc::callin_timeout);
    CHECK(s.first_error.cpu == 2);
    CHECK(s.first_error.failed_state == state::bp_bringup);
    CHECK(e.hp().last_result(2).code == errc::callin_timeout);
    CHECK(e.machine().abandons(2) == 1);
    CHECK(e.hp().state_of(2) == state::offline);
    CHECK(e.hp().online().count() == 3);
    require_online(e, 1);
    require_online(e, 3);
    // Its stack stays reserved: a late AP could still run on it.
    CHECK(e.stacks_outstanding() == 3);

    e.machine().fault(2).never_calls_in = false;
    REQUIRE(e.hp().cpu_up(2).ok());
    CHECK(e.stacks_outstanding() == 3);
    CHECK(e.hp().online().count() == 4);
}

TEST_CASE("a late AP that misses its callin leaves without touching anything") {
    env e(2);
    host_states h = with_host_states(e);
    e.machine().fault(1).callin_delay_ns = 600'000'000;   // 2x the callin timeout
    result r = e.hp().cpu_up(1);
    CHECK(r.code == errc::callin_timeout);
    std::this_thread::sleep_for(std::chrono::milliseconds(800));
    CHECK_FALSE(e.machine().running(1));     // it called in, found itself abandoned, left
    auto bp_only = [](state s) { return s < state::bp_bringup; };
    CHECK(e.events_of(1) == concat(ups(h, bp_only), downs(h, bp_only)));   // no AP state ran
    CHECK(e.hp().state_of(1) == state::offline);
    CHECK_FALSE(e.hp().online().test(1));

    e.machine().fault(1).callin_delay_ns = 0;
    REQUIRE(e.hp().cpu_up(1).ok());
    require_online(e, 1);
}

TEST_CASE("an AP that calls in late but within the timeout comes online") {
    env e(2);
    e.machine().fault(1).callin_delay_ns = 50'000'000;
    REQUIRE(e.hp().cpu_up(1).ok());
    require_online(e, 1);
}

TEST_CASE("backend failures: the kick - and the AP's own init") {
    env e(3);
    e.machine().fault(1).kick_fails = true;
    e.machine().fault(2).ap_init_fails = true;
    bringup_summary s = e.hp().bring_up_all(bringup_mode::sequential);
    CHECK(s.online == 0);
    CHECK(e.hp().last_result(1).code == errc::kick_failed);
    CHECK(e.hp().last_result(1).failed_state == state::bp_bringup);
    CHECK(e.hp().last_result(2).failed_state == state::ap_starting);
    require_offline_and_clean(e, 1);
    require_offline_and_clean(e, 2);
}

TEST_CASE("a CPU that will not go offline: the request times out and it stays online") {
    env e(3);
    REQUIRE(e.hp().bring_up_all(bringup_mode::parallel).online == 2);
    e.machine().fault(1).ignores_down = true;
    result r = e.hp().cpu_down(1);
    CHECK(r.code == errc::down_timeout);
    require_online(e, 1);
    e.machine().fault(1).ignores_down = false;
    REQUIRE(e.hp().cpu_down(1).ok());
    require_offline_and_clean(e, 1, 1);
}

TEST_CASE("a CPU that firmware never reports off is marked stuck - not reused") {
    env e(2);
    REQUIRE(e.hp().cpu_up(1).ok());
    e.machine().fault(1).never_off = true;
    result r = e.hp().cpu_down(1);
    CHECK(r.code == errc::offline_timeout);
    CHECK(e.hp().is_stuck(1));
    CHECK_FALSE(e.hp().online().test(1));
    CHECK(e.hp().cpu_up(1).code == errc::cpu_stuck);
    CHECK(e.hp().cpu_down(1).code == errc::cpu_stuck);
    CHECK(e.stacks_outstanding() == 1);   // never freed under a CPU that may run
}

TEST_CASE("caller errors") {
    env e(4, test::fast_timeouts(), {3});
    CHECK(e.hp().cpu_down(0).code == errc::boot_cpu);
    CHECK(e.hp().cpu_up(0).code == errc::already_online);
    CHECK(e.hp().cpu_down(1).code == errc::already_offline);
    CHECK(e.hp().cpu_up(7).code == errc::invalid_cpu);
    CHECK(e.hp().cpu_up(3).code == errc::not_present);
    CHECK(e.hp().possible().count() == 4);
    CHECK(e.hp().present().count() == 3);
    REQUIRE(e.hp().cpu_up(1).ok());
    CHECK(e.hp().cpu_up(1).code == errc::already_online);
    CHECK(e.hp().add_state(section::online, "late", nullptr, nullptr).code == errc::busy);
    CHECK(e.hp().find_hwid(0x101) == 1);
    CHECK(e.hp().find_hwid(0x999) == no_cpu);
    CHECK(e.hp().hwid_of(2) == 0x102);
}

TEST_CASE("a section holds SMPBOOT_DYN_STATES host states - then says table_full") {
    env e(1);
    for (int i = 0; i < SMPBOOT_DYN_STATES; ++i)
        CHECK(e.hp().add_state(section::starting, "s", nullptr, nullptr).ok());
    result r = e.hp().add_state(section::starting, "one-too-many", nullptr, nullptr);
    CHECK(r.code == errc::table_full);
    CHECK(e.hp().add_state(section::online, "other-section", nullptr, nullptr).ok());
}

TEST_CASE("host states run in registration order within their section") {
    env e(2);
    e.add(section::online, "third-registered-first");
    e.add(section::prepare, "p1");
    e.add(section::online, "o2");
    e.add(section::starting, "s1");
    e.add(section::prepare, "p2");
    e.add(section::online, "o3");
    REQUIRE(e.hp().cpu_up(1).ok());
    const std::vector<std::string> want = {"up:p1", "up:p2", "up:s1", "up:third-registered-first", "up:o2",
                                           "up:o3"};
    CHECK(e.events_of(1) == want);
}

TEST_CASE("64 CPUs sequentially and in parallel - then all down and up again") {
    for (bringup_mode mode : {bringup_mode::sequential, bringup_mode::parallel}) {
        CAPTURE(int(mode));
        env e(64, timeouts{});   // no timeout is tested: the defaults, hang detectors
        host_states h = with_host_states(e);
        bringup_summary s = e.hp().bring_up_all(mode);
        CHECK(s.attempted == 63);
        CHECK(s.online == 63);
        CHECK(s.first_error.ok());
        CHECK(s.last_online_ns >= s.first_kick_ns);
        CHECK(e.hp().online().count() == 64);
        CHECK(e.hp().active().count() == 64);
        for (cpu_id c = 1; c < 64; ++c) CHECK(e.events_of(c).size() == h.ids.size());

        for (cpu_id c = 63; c >= 1; --c) REQUIRE(e.hp().cpu_down(c).ok());
        CHECK(e.hp().online().count() == 1);
        CHECK(e.stacks_outstanding() == 0);

        s = e.hp().bring_up_all(mode);
        CHECK(s.online == 63);
        CHECK(e.hp().online().count() == 64);
        for (cpu_id c = 1; c < 64; ++c) {
            CHECK(e.events_of(c).size() == 3 * h.ids.size());
            CHECK(e.machine().kicks(c) == 2);
        }
        CHECK_FALSE(e.ran_on_wrong_cpu());
    }
}

TEST_CASE("parallel bring-up with failures in the middle: the rest come online") {
    timeouts t = test::fast_timeouts();
    t.callin_ns = 1'000'000'000;   // CPU 12's timeout; long enough for 15 threads on a loaded host
    env e(16, t);
    with_host_states(e);
    e.fail_host(5, "prep-b", true);
    e.fail_host(9, "start-a", true);
    e.machine().fault(12).never_calls_in = true;
    bringup_summary s = e.hp().bring_up_all(bringup_mode::parallel);
    CHECK(s.attempted == 15);
    CHECK(s.online == 12);
    for (cpu_id c : {5u, 9u, 12u}) CHECK_FALSE(e.hp().online().test(c));
    CHECK(e.hp().last_result(5).code == errc::callback_failed);
    CHECK(e.hp().last_result(9).code == errc::callback_failed);
    CHECK(e.hp().last_result(12).code == errc::callin_timeout);
    CHECK(e.hp().online().count() == 13);
}

TEST_CASE("trace records each transition with its side") {
    env e(2);
    REQUIRE(e.hp().cpu_up(1).ok());
    REQUIRE(e.hp().cpu_down(1).ok());
    trace_buffer& t = e.trace();
    bool kick = false, callin = false, ap_up = false, bp_down = false, ap_down = false;
    uint64_t last = 0;
    for (uint32_t i = 0; i < t.size(); ++i) {
        const trace_event& ev = t.events[i];
        CHECK(ev.cpu == 1);
        if (ev.kind == trace_kind::kick) kick = true;
        if (ev.kind == trace_kind::callin) callin = (ev.by == side::ap);
        if (ev.kind == trace_kind::up && ev.st == state::online) ap_up = (ev.by == side::ap);
        if (ev.kind == trace_kind::down && ev.st == state::bp_prepare) bp_down = (ev.by == side::bp);
        if (ev.kind == trace_kind::down && ev.st == state::ap_starting) ap_down = (ev.by == side::ap);
        CHECK(ev.t_ns >= last);
        last = ev.t_ns;
    }
    CHECK(kick);
    CHECK(callin);
    CHECK(ap_up);
    CHECK(bp_down);
    CHECK(ap_down);
    CHECK(t.dropped.load(memory_order::relaxed) == 0);
}

TEST_CASE("start_image hands a CPU to another image - which the kernel then leaves alone") {
    env e(3);
    e.machine().fault(2).never_calls_in = true;   // the "image" runs no library code
    REQUIRE(e.hp().start_image(2, 0x80000, 0x90000, 42).ok());
    CHECK(e.hp().foreign().test(2));
    CHECK(e.machine().kicks(2) == 1);
    CHECK_FALSE(e.hp().online().test(2));
    CHECK(e.hp().cpu_up(2).code == errc::busy);
    bringup_summary s = e.hp().bring_up_all(bringup_mode::parallel);
    CHECK(s.attempted == 1);
    CHECK(e.hp().online().count() == 2);

    // Once the host has stopped the image, the kernel takes the CPU back.
    CHECK(e.hp().reclaim(1).code == errc::no_image);
    REQUIRE(e.hp().reclaim(2).ok());
    CHECK_FALSE(e.hp().foreign().test(2));
    e.machine().fault(2).never_calls_in = false;
    REQUIRE(e.hp().cpu_up(2).ok());
    CHECK(e.hp().online().count() == 3);
}

TEST_CASE("a kick that fails after the AP called in: the AP is in - and is treated as in") {
    env e(3);
    host_states h = with_host_states(e);
    auto all = [](state) { return true; };
    e.machine().fault(1).kick_fails_after_callin = true;
    result r = e.hp().cpu_up(1);
    CHECK(r.ok());
    require_online(e, 1);
    CHECK(e.events_of(1) == ups(h, all));
    CHECK(e.stacks_outstanding() == 1);
    CHECK_FALSE(e.stack_freed_while_running());
    REQUIRE(e.hp().cpu_down(1).ok());
    require_offline_and_clean(e, 1);

    // The same through kick_all.
    e.machine().fault(2).kick_fails_after_callin = true;
    bringup_summary s = e.hp().bring_up_all(bringup_mode::parallel);
    CHECK(s.online == 2);
    require_online(e, 1);
    require_online(e, 2);
    CHECK_FALSE(e.stack_freed_while_running());
    REQUIRE(e.hp().cpu_down(2).ok());
    require_offline_and_clean(e, 2, 1);
}

TEST_CASE("a retry after a missed callin keeps the stack and block the late AP runs on") {
    timeouts t = test::fast_timeouts();
    t.callin_ns = 100'000'000;
    env e(2, t);
    e.machine().fault(1).callin_delay_ns = 400'000'000;
    CHECK(e.hp().cpu_up(1).code == errc::callin_timeout);
    // The retry's kick is refused because the late AP is still on its way
    // (PSCI: ALREADY_ON / ON_PENDING).
    e.machine().fault(1).kick_fails = true;
    CHECK(e.hp().cpu_up(1).code == errc::kick_failed);
    CHECK(e.stacks_outstanding() == 1);
    for (int i = 0; i < 200 && e.machine().running(1); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK_FALSE(e.machine().running(1));   // it called in, found itself unwanted, left
    CHECK_FALSE(e.stack_freed_while_running());
    CHECK(e.stacks_outstanding() == 1);
    CHECK(e.hp().state_of(1) == state::offline);
    CHECK_FALSE(e.hp().online().test(1));

    e.machine().fault(1).kick_fails = false;
    e.machine().fault(1).callin_delay_ns = 0;
    REQUIRE(e.hp().cpu_up(1).ok());
    require_online(e, 1);
    CHECK(e.stacks_outstanding() == 1);
    REQUIRE(e.hp().cpu_down(1).ok());
    require_offline_and_clean(e, 1);
}

TEST_CASE("a teardown failing while a failed startup rolls back says rollback_failed") {
    env e(2);
    host_states h = with_host_states(e);
    // On the AP: start-b fails, and undoing start-a fails too.
    e.fail_host(1, "start-b", true, 1);
    e.fail_host(1, "start-a", false, 1);
    result r = e.hp().cpu_up(1);
    CHECK(r.code == errc::rollback_failed);
    CHECK(r.failed_state == h.ids[3]);
    CHECK(r.rc == -5);
    require_offline_and_clean(e, 1);
    // On the boot CPU: prep-b fails, and undoing prep-a fails too.
    e.fail_host(1, "prep-b", true, 1);
    e.fail_host(1, "prep-a", false, 1);
    r = e.hp().cpu_up(1);
    CHECK(r.code == errc::rollback_failed);
    CHECK(r.failed_state == h.ids[1]);
    require_offline_and_clean(e, 1);
    REQUIRE(e.hp().cpu_up(1).ok());
}

TEST_CASE("parallel bring-up records each kick when kick_all returns - not after earlier waits") {
    env e(4);
    e.machine().fault(1).callin_delay_ns = 100'000'000;
    REQUIRE(e.hp().bring_up_all(bringup_mode::parallel).online == 3);
    uint64_t kick[4] = {}, callin[4] = {};
    const trace_buffer& t = e.trace();
    for (uint32_t i = 0; i < t.size(); ++i) {
        const trace_event& ev = t.events[i];
        if (ev.kind == trace_kind::kick) kick[ev.cpu] = ev.t_ns;
        if (ev.kind == trace_kind::callin) callin[ev.cpu] = ev.t_ns;
    }
    for (cpu_id c = 1; c < 4; ++c) {
        CAPTURE(c);
        CHECK(kick[c] != 0);
        CHECK(kick[c] < callin[1]);   // cpu 1 calls in 100 ms after kick_all
    }
}

TEST_CASE("queries and ap_poll check their cpu argument") {
    env e(2);
    for (cpu_id bad : {cpu_id(2), cpu_id(test::test_config::max_cpus), no_cpu}) {
        CAPTURE(bad);
        CHECK(e.hp().state_of(bad) == state::offline);
        CHECK_FALSE(e.hp().is_stuck(bad));
        CHECK(e.hp().last_result(bad).code == errc::invalid_cpu);
        e.hp().ap_poll(bad);   // returns: nothing to do for a CPU that does not exist
    }
}

// ---- Readiness: host_ops::waits_for_ready and ap_ready ---------------------

namespace {
env ready_env(uint32_t n) { return env(n, test::fast_timeouts(), {}, true); }
}  // namespace

TEST_CASE("readiness: cpu_up returns once the AP's ap_main said ap_ready - not before") {
    for (bool waits : {false, true}) {
        CAPTURE(waits);
        env e(2, test::fast_timeouts(), {}, waits);
        // The kernel's per-CPU entry takes a while before it is in its scheduler.
        e.on_ap_main(1, [](cpu_id) { std::this_thread::sleep_for(std::chrono::milliseconds(100)); });
        REQUIRE(e.hp().cpu_up(1).ok());
        CHECK(e.hp().is_ready(1) == waits);   // without waiting, ap_main is still asleep
        require_online(e, 1);
    }
}

TEST_CASE("readiness: bring_up_all waits for every AP's ap_ready, in both modes") {
    for (bringup_mode mode : {bringup_mode::sequential, bringup_mode::parallel}) {
        CAPTURE(int(mode));
        env e = ready_env(6);
        for (cpu_id c = 1; c < 6; ++c)
            e.on_ap_main(c, [](cpu_id) { std::this_thread::sleep_for(std::chrono::milliseconds(20)); });
        bringup_summary s = e.hp().bring_up_all(mode);
        CHECK(s.online == 5);
        for (cpu_id c = 1; c < 6; ++c) CHECK(e.hp().is_ready(c));
    }
}

TEST_CASE("readiness: an AP that never says ready - ready_timeout - and it stays online until cpu_down") {
    env e = ready_env(3);
    e.set_ready_call(1, env::ready_call::never);
    result r = e.hp().cpu_up(1);
    CHECK(r.code == errc::ready_timeout);
    CHECK(r.cpu == 1);
    CHECK(r.failed_state == state::online);   // the state it was waiting in
    CHECK(e.hp().last_result(1).code == errc::ready_timeout);
    // Its states all ran and the kernel's ap_main has it: online, not stuck,
    // not ready. Its idle loop polls, so cpu_down takes it away cleanly.
    require_online(e, 1);
    CHECK_FALSE(e.hp().is_ready(1));
    CHECK_FALSE(e.hp().is_stuck(1));
    REQUIRE(e.hp().cpu_down(1).ok());
    require_offline_and_clean(e, 1);

    // In bring_up_all it is not counted, and the others come online.
    bringup_summary s = e.hp().bring_up_all(bringup_mode::parallel);
    CHECK(s.attempted == 2);
    CHECK(s.online == 1);
    CHECK(s.first_error.code == errc::ready_timeout);
    CHECK(e.hp().is_ready(2));
    CHECK(e.hp().online().test(1));
}

TEST_CASE("readiness: ap_ready twice is harmless - and a ready from a CPU's last life does not count") {
    env e = ready_env(2);
    e.set_ready_call(1, env::ready_call::twice);
    REQUIRE(e.hp().cpu_up(1).ok());
    CHECK(e.ready_results(1).size() == 2);
    for (const result& r : e.ready_results(1)) CHECK(r.ok());
    REQUIRE(e.hp().cpu_down(1).ok());
    CHECK_FALSE(e.hp().is_ready(1));
    e.set_ready_call(1, env::ready_call::never);
    CHECK(e.hp().cpu_up(1).code == errc::ready_timeout);
}

TEST_CASE("readiness: ap_ready for another CPU is refused - wrong_cpu - and readies nothing") {
    env e = ready_env(2);
    e.set_ready_call(1, env::ready_call::for_cpu_0);
    CHECK(e.hp().cpu_up(1).code == errc::ready_timeout);
    REQUIRE(e.ready_results(1).size() == 1);
    CHECK(e.ready_results(1)[0].code == errc::wrong_cpu);
    CHECK_FALSE(e.hp().is_ready(1));
    // Nor from the test's thread, the boot CPU, for an AP.
    CHECK(e.hp().ap_ready(1).code == errc::wrong_cpu);
    CHECK(e.hp().ap_ready(9).code == errc::invalid_cpu);
}

// ---- Which CPU may call what -----------------------------------------------

TEST_CASE("callers: cpu_down of the calling CPU itself is refused - wrong_cpu - not waited for") {
    timeouts t = test::fast_timeouts();
    t.down_ns = 3'000'000'000;
    // Before the env: its APs may read them until it is gone.
    std::atomic<int> code{-1};
    std::atomic<bool> go{false};
    env e(3, t);
    e.on_ap_main(1, [&](cpu_id self) {
        while (!go) std::this_thread::yield();   // the boot CPU's cpu_up has returned
        code = int(e.hp().cpu_down(self).code);
    });
    REQUIRE(e.hp().cpu_up(1).ok());
    const auto t0 = std::chrono::steady_clock::now();
    go = true;
    while (code == -1) std::this_thread::yield();
    CHECK(errc(code.load()) == errc::wrong_cpu);
    // At once, not after the down timeout (3 s) that waiting for itself would take.
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(2000));
    require_online(e, 1);
    CHECK(e.hp().last_result(1).code == errc::wrong_cpu);
}

TEST_CASE("callers: an online AP may bring CPUs up and take others down") {
    std::atomic<bool> go{false}, done{false};
    result up{}, all{}, down{};
    env e(4);
    e.on_ap_main(1, [&](cpu_id) {
        while (!go) std::this_thread::yield();
        up = e.hp().cpu_up(2);
        bringup_summary s = e.hp().bring_up_all(bringup_mode::parallel);
        all = s.online == 1 ? result::success() : result::fail(errc::busy, 3);
        down = e.hp().cpu_down(2);
        done = true;
    });
    REQUIRE(e.hp().cpu_up(1).ok());
    go = true;
    while (!done) std::this_thread::yield();
    CHECK(up.ok());
    CHECK(all.ok());
    CHECK(down.ok());
    CHECK(e.hp().online().count() == 3);   // 0, 1 and 3
    CHECK(e.hp().state_of(3) == state::online);
    require_offline_and_clean(e, 2, 2);
}

namespace {
// A host step that calls back into the library and keeps what it was told.
struct reentry {
    test::hotplug_t* hp;
    std::atomic<int> code{-1};
    bool in_startup;
    static int cb(cpu_id, void* ctx, bool up) {
        auto& self = *static_cast<reentry*>(ctx);
        if (self.in_startup == up) self.code = int(self.hp->cpu_up(2).code);
        return 0;
    }
    static int startup(cpu_id c, void* ctx) { return cb(c, ctx, true); }
    static int teardown(cpu_id c, void* ctx) { return cb(c, ctx, false); }
};
}  // namespace

TEST_CASE("callers: an operation from inside one is refused - nested_call - on either side") {
    struct where {
        section sec;
        bool in_startup;
        const char* what;
    };
    for (where w : {where{section::prepare, true, "boot CPU's prepare step"},
                    where{section::prepare, false, "boot CPU's prepare teardown"},
                    where{section::starting, true, "AP's starting step"},
                    where{section::online, true, "AP's online step"},
                    where{section::online, false, "teardown that ap_poll runs"}}) {
        CAPTURE(w.what);
        env e(3);
        reentry re{&e.hp(), -1, w.in_startup};
        REQUIRE(e.hp().add_state(w.sec, "reenter", &reentry::startup, &reentry::teardown, &re).ok());
        REQUIRE(e.hp().cpu_up(1).ok());
        if (!w.in_startup) REQUIRE(e.hp().cpu_down(1).ok());
        CHECK(errc(re.code.load()) == errc::nested_call);
        CHECK(e.hp().state_of(2) == state::offline);
        CHECK(e.machine().kicks(2) == 0);
    }
}

TEST_CASE("callers: a second operation from another CPU is busy - not nested") {
    std::atomic<int> code{-1};
    env e(3, test::fast_timeouts(), {}, true);
    e.set_ready_call(1, env::ready_call::never);
    // CPU 1's ap_main runs while the boot CPU's cpu_up(1) waits for its ready.
    e.on_ap_main(1, [&](cpu_id) { code = int(e.hp().cpu_up(2).code); });
    CHECK(e.hp().cpu_up(1).code == errc::ready_timeout);
    CHECK(errc(code.load()) == errc::busy);
}

TEST_CASE("callers: a CPU the library does not know is refused - wrong_cpu") {
    env e(2);
    e.machine().set_boot_hwid(0xdead);
    CHECK(e.hp().cpu_up(1).code == errc::wrong_cpu);
    CHECK(e.hp().bring_up_all(bringup_mode::parallel).first_error.code == errc::wrong_cpu);
    e.machine().set_boot_hwid(0x100);
    CHECK(e.hp().cpu_up(1).ok());
}

TEST_CASE("callers: ap_poll(c) on another CPU does not take either CPU down") {
    std::atomic<bool> stop{false};   // before the env: CPU 2 reads it until the env is gone
    env e(3);
    e.machine().fault(1).ignores_down = true;   // CPU 1 never polls for itself
    e.on_ap_main(2, [&](cpu_id) {
        while (!stop) {
            e.hp().ap_poll(1);   // wrong argument: CPU 2 polls for CPU 1
            std::this_thread::yield();
        }
    });
    REQUIRE(e.hp().cpu_up(1).ok());
    REQUIRE(e.hp().cpu_up(2).ok());
    CHECK(e.hp().cpu_down(1).code == errc::down_timeout);
    stop = true;
    require_online(e, 1);
    require_online(e, 2);   // before the check, CPU 2 ran CPU 1's teardowns and left
    CHECK(e.events_of(1).empty());
}
