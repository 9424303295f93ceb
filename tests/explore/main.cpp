// SPDX-License-Identifier: MIT
// smpboot-explore: every schedule of the boot CPU and one or two APs, within a
// preemption bound, for each scenario; see docs/explorer.md.
//
//   smpboot-explore [--bound N] [--only NAME] [--replay NAME CHOICES] [--list]
//
// SMPBOOT_EXPLORE_BOUND sets the bound when --bound is not given (default 1).
// Exit status 0 iff no scenario outside known_bugs() finds a violation and
// each one on it does.
#include "scenarios.hpp"

#include <smpboot/base.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>

using namespace explore;

namespace {

struct tally {
    uint64_t schedules = 0;
    uint64_t violating = 0;
    uint64_t most_steps = 0;
    scheduler::outcome first;   ///< the first violating schedule
    std::map<std::string, uint64_t> outcomes;   ///< what the operations returned: schedules
};

limits bounds(int preemptions) {
    limits l;
    l.preemptions = preemptions;
    return l;
}

tally explore_one(const scenario& sc, int bound) {
    tally t;
    scheduler s(bounds(bound));
    do {
        world w(s, sc);
        scheduler::outcome o = s.run(&world::boot_cpu, &w, false);
        ++t.schedules;
        if (o.steps > t.most_steps) t.most_steps = o.steps;
        if (!o.violated) ++t.outcomes[w.outcome()];
        if (o.violated && t.violating++ == 0) t.first = std::move(o);
    } while (s.advance());
    return t;
}

/// Runs one schedule again with its readable log.
scheduler::outcome replay(const scenario& sc, const std::string& choices, int bound) {
    scheduler s(bounds(bound));
    if (!s.force(choices)) {
        std::fprintf(stderr, "smpboot-explore: bad choices '%s'\n", choices.c_str());
        std::exit(2);
    }
    world w(s, sc);
    return s.run(&world::boot_cpu, &w, true);
}

void print_schedule(const scenario& sc, const scheduler::outcome& o, int bound) {
    for (const std::string& why : o.why) std::printf("  violation: %s\n", why.c_str());
    std::printf("  schedule (replay: smpboot-explore --replay %s %s):\n", sc.name, o.choices.c_str());
    const scheduler::outcome again = replay(sc, o.choices, bound);
    for (const std::string& line : again.log) std::printf("    %s\n", line.c_str());
    if (again.why != o.why) std::printf("  (the replay ended differently)\n");
}

bool is_known_bug(const char* name) {
    for (const char* b : known_bugs())
        if (std::strcmp(b, name) == 0) return true;
    return false;
}

const scenario* find(const char* name) {
    for (const scenario& sc : all_scenarios())
        if (std::strcmp(sc.name, name) == 0) return &sc;
    std::fprintf(stderr, "smpboot-explore: no scenario '%s' (--list shows them)\n", name);
    std::exit(2);
}

// The hook must reach the scheduler: if another translation unit's copy of
// atomic<> without it were linked in, every schedule would be one schedule.
void check_hook() {
    struct probe {
        static void run(void* arg) {
            auto& word = *static_cast<smpboot::atomic<uint32_t>*>(arg);
            word.store(1, smpboot::memory_order::relaxed);
            (void)word.load(smpboot::memory_order::relaxed);
        }
    };
    scheduler s(bounds(0));
    smpboot::atomic<uint32_t> word{0};
    if (s.run(&probe::run, &word, false).steps != 2) {
        std::fprintf(stderr, "smpboot-explore: the atomic<> hook does not reach the scheduler\n");
        std::exit(2);
    }
}

}  // namespace

int main(int argc, char** argv) {
    int bound = 1;
    if (const char* env = std::getenv("SMPBOOT_EXPLORE_BOUND")) bound = std::atoi(env);
    const char* only = nullptr;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--bound") && i + 1 < argc) {
            bound = std::atoi(argv[++i]);
        } else if (!std::strcmp(argv[i], "--only") && i + 1 < argc) {
            only = argv[++i];
        } else if (!std::strcmp(argv[i], "--replay") && i + 2 < argc) {
            const scenario& sc = *find(argv[i + 1]);
            const scheduler::outcome o = replay(sc, argv[i + 2], bound);
            for (const std::string& line : o.log) std::printf("%s\n", line.c_str());
            for (const std::string& why : o.why) std::printf("violation: %s\n", why.c_str());
            if (!o.violated) std::printf("no violation\n");
            return o.violated ? 1 : 0;
        } else if (!std::strcmp(argv[i], "--list")) {
            for (const scenario& sc : all_scenarios())
                std::printf("%-46s %s%s\n", sc.name, sc.what, is_known_bug(sc.name) ? " [known bug]" : "");
            return 0;
        } else {
            std::fprintf(stderr, "usage: smpboot-explore [--bound N] [--only NAME] [--replay NAME CHOICES] [--list]\n");
            return 2;
        }
    }
    check_hook();
    for (const char* b : known_bugs()) (void)find(b);

    std::printf("smpboot-explore: preemption bound %d\n", bound);
    std::printf("%-46s %10s %10s %7s  %s\n", "scenario", "schedules", "violating", "steps", "verdict");
    uint64_t total = 0;
    int wrong = 0;
    for (const scenario& sc : all_scenarios()) {
        if (only && std::strcmp(only, sc.name) != 0) continue;
        const tally t = explore_one(sc, bound);
        total += t.schedules;
        const bool known = is_known_bug(sc.name);
        const char* verdict = known ? (t.violating ? "known bug, found" : "KNOWN BUG NOT FOUND")
                                    : (t.violating ? "VIOLATION" : "ok");
        std::printf("%-46s %10llu %10llu %7llu  %s\n", sc.name, (unsigned long long)t.schedules,
                    (unsigned long long)t.violating, (unsigned long long)t.most_steps, verdict);
        for (const auto& [what, n] : t.outcomes)
            std::printf("  %8llu x %s\n", (unsigned long long)n, what.c_str());
        if (t.violating) print_schedule(sc, t.first, bound);
        if (known && !t.violating)
            std::printf("  no schedule violates an invariant: if the bug is fixed, take '%s' off known_bugs "
                        "(tests/explore/scenarios.cpp)\n",
                        sc.name);
        if (known != (t.violating != 0)) ++wrong;
        std::fflush(stdout);
    }
    std::printf("smpboot-explore: %llu schedules, %d scenario(s) not as expected\n", (unsigned long long)total,
                wrong);
    return wrong ? 1 : 0;
}
