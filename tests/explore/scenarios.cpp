// SPDX-License-Identifier: MIT
#include "scenarios.hpp"

#include <vector>

namespace explore {

namespace {

using smpboot::bringup_mode;

// The two ways firmware treats a CPU the boot CPU no longer controls.
// arm64 PSCI: nothing stops a CPU from outside, and CPU_ON of a CPU that is
// still on answers ALREADY_ON (DEN0022 5.6.2).
constexpr cpu_behaviour psci(cpu_behaviour b) {
    b.abandon_stops = false;
    b.running = when_running::already_on;
    return b;
}
// x86: INIT stops a CPU (abandon) and resets one that still runs before the
// next SIPI starts it (Intel SDM Vol. 3A 9.4.4).
constexpr cpu_behaviour x86(cpu_behaviour b) {
    b.abandon_stops = true;
    b.running = when_running::restarts;
    return b;
}

constexpr kick_answer fails_before = kick_answer::fails_before_start;
constexpr kick_answer fails_after_start = kick_answer::fails_after_start;
constexpr kick_answer fails_after_callin = kick_answer::fails_after_callin;

void up1(world& w) { (void)w.up(1); }
void up_down1(world& w) {
    if (w.up(1)) (void)w.down(1);
}
void retry_up1(world& w) {
    if (!w.up(1)) (void)w.up(1);
}

const scenario table[] = {
    {"up_down", "a CPU comes up and goes down", 2, {{}, psci({})}, up_down1},
    {"kick_fails_before_start", "the kick fails and the CPU never ran", 2,
     {{}, psci({.kick = {fails_before}})}, up1},
    {"kick_fails_after_start", "x86: the first SIPI started the CPU, the second one's ICR never idles", 2,
     {{}, x86({.kick = {fails_after_start}})}, up1},
    {"kick_fails_after_callin", "the kick fails after the CPU called in", 2,
     {{}, psci({.kick = {fails_after_callin}})}, up1},
    {"callin_late_x86", "the CPU calls in after the timeout; abandon sends INIT", 2,
     {{}, x86({.late_ticks = 1})}, up1},
    {"callin_late_psci", "the CPU calls in after the timeout; nothing can stop it", 2,
     {{}, psci({.late_ticks = 1})}, up1},
    {"retry_late_x86", "cpu_up again after a missed callin; INIT resets the late CPU", 2,
     {{}, x86({.late_ticks = 1})}, retry_up1},
    {"retry_late_ap", "cpu_up again after a missed callin; CPU_ON answers ALREADY_ON while the late CPU runs", 2,
     {{}, psci({.late_ticks = 1})}, retry_up1},
    {"down_cancelled_or_claimed", "the CPU answers the down request just as it times out", 2,
     {{}, psci({.slow_polls = 2})}, up_down1},
    {"no_stack", "the host has no stack for the CPU", 2, {{}, psci({.no_stack = 1})}, up1},
    {"startup_fails_bp", "a prepare step fails on the boot CPU", 2, {{}, psci({.prep_up_fails = 1})}, up1},
    {"startup_fails_ap_init", "the backend's ap:starting step fails on the CPU", 2,
     {{}, psci({.ap_init_fails = 1})}, up1},
    {"startup_fails_ap", "an online step fails on the CPU", 2, {{}, psci({.online_up_fails = 1})}, up1},
    {"startup_and_its_rollback_fail_ap", "an online step fails, then a starting teardown fails too", 2,
     {{}, psci({.start_down_fails = 1, .online_up_fails = 1})}, up1},
    {"teardown_fails_ap", "an online teardown fails on the CPU: it stays online", 2,
     {{}, psci({.online_down_fails = 1})}, up_down1},
    {"teardown_fails_bp", "a prepare teardown fails after the CPU left: it comes back", 2,
     {{}, psci({.prep_down_fails = 1})}, up_down1},
    {"teardown_fails_bp_rekick_fails", "a prepare teardown fails and the kick that brings it back fails", 2,
     {{}, psci({.kick = {kick_answer::ok, fails_before}, .prep_down_fails = 1})}, up_down1},
    {"teardown_fails_bp_rekick_fails_after_callin",
     "a prepare teardown fails and the kick that brings it back fails after the CPU called in", 2,
     {{}, psci({.kick = {kick_answer::ok, fails_after_callin}, .prep_down_fails = 1})}, up_down1},
    {"teardown_and_rollback_fail_ap", "a starting teardown fails and so does the online startup that undoes it", 2,
     {{}, psci({.start_down_fails = 1, .online_up_fails = 2})}, up_down1},
    {"online_timeout", "the CPU called in but an online step takes longer than the limit", 2,
     {{}, psci({.online_up_slow = 1})}, up1},
    {"offline_timeout_after_failed_startup", "an online step fails and firmware never reports the CPU off", 2,
     {{}, psci({.online_up_fails = 1, .never_off = 1})}, up1},
    {"offline_timeout_on_down", "the CPU leaves but firmware never reports it off", 2,
     {{}, psci({.never_off = 1})}, up_down1},
    {"image_and_reclaim", "another image on the CPU, stopped, reclaimed, then cpu_up", 2, {{}, psci({})},
     [](world& w) {
         if (!w.start_image(1)) return;
         w.stop_image(1);
         if (w.reclaim(1)) (void)w.up(1);
     }},
    {"image_kick_fails", "start_image's kick fails and the CPU never ran", 2,
     {{}, psci({.kick = {fails_before}})}, [](world& w) { (void)w.start_image(1); }},
    {"image_kick_fails_after_start", "x86: start_image's first SIPI started the image, the second failed", 2,
     {{}, x86({.kick = {fails_after_start}})}, [](world& w) { (void)w.start_image(1); }},
    {"parallel", "bring_up_all(parallel) of two CPUs", 3, {{}, psci({}), psci({})},
     [](world& w) { w.up_all(bringup_mode::parallel); }},
    {"parallel_one_late", "bring_up_all(parallel): one CPU calls in after the timeout", 3,
     {{}, psci({.late_ticks = 1}), psci({})}, [](world& w) { w.up_all(bringup_mode::parallel); }},
    {"parallel_one_fails", "bring_up_all(parallel): an online step fails on one CPU", 3,
     {{}, psci({.online_up_fails = 1}), psci({})}, [](world& w) { w.up_all(bringup_mode::parallel); }},
    {"parallel_kick_fails_after_callin", "bring_up_all(parallel): one kick fails after its CPU called in", 3,
     {{}, psci({}), psci({.kick = {fails_after_callin}})}, [](world& w) { w.up_all(bringup_mode::parallel); }},
    {"one_by_one_first_late", "cpu_up of two CPUs in turn: the first calls in after the timeout", 3,
     {{}, psci({.late_ticks = 1}), psci({})}, [](world& w) {
         (void)w.up(1);
         (void)w.up(2);
     }},
    {"sequential_one_late", "bring_up_all(sequential): the first CPU calls in after the timeout (x86)", 3,
     {{}, x86({.late_ticks = 1}), psci({})}, [](world& w) { w.up_all(bringup_mode::sequential); }},
};

// The bugs the explorer finds in the current core, by scenario. Each must
// still be found (the run fails when one is not: the bug is fixed, take it off
// here); after the fixes this list is empty: `known = {};`.
const std::vector<const char*> known = {};

}  // namespace

std::span<const scenario> all_scenarios() { return table; }
std::span<const char* const> known_bugs() { return {known.data(), known.size()}; }

}  // namespace explore
