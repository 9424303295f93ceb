// SPDX-License-Identifier: MIT
// smpboot-trace's view of a serial log: the contract lines of one run
// (docs/trace-format.md), and the per-CPU timeline built from them.
#pragma once

#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <vector>

namespace smpboot_trace {

enum class kind { up, down, fail, kick, callin };

struct event {
    uint32_t cpu = 0;
    uint64_t t_ns = 0;
    kind k = kind::up;
    bool by_ap = false;
    std::string state;
    unsigned line = 0;   ///< in the log, for messages and stable ordering
};

struct cpu_line {
    uint32_t cpu = 0;
    uint64_t hwid = 0;
    bool online = false;
    std::string failure;   ///< "failed: <reason>" text when !online
};

struct result_line {
    std::string arch;
    uint32_t online = 0, present = 0;
    std::string mode;   ///< "seq" or "parallel"
    uint64_t bringup_us = 0;
};

/// Everything the log said about the last run in it.
struct run {
    std::vector<cpu_line> cpus;
    std::vector<event> events;
    std::optional<result_line> result;
    uint64_t dropped = 0;
    std::vector<std::string> warnings;   ///< lines that looked like the contract but were not
};

/// Reads a serial log. Non-contract lines are ignored; a trailing '\r' is
/// tolerated. If the log holds several runs, the last one is kept.
run parse_log(std::istream& in);

/// What a slice stands for, which decides its colour.
enum class category {
    prepare,        ///< bp:prepare (stack, backend)
    prepare_host,   ///< host states of the prepare section
    bringup,        ///< bp:bringup: from the last prepare step to the AP's callin
    starting,       ///< ap:starting (backend per-CPU init)
    starting_host,  ///< host states of the starting section
    ap_online,      ///< ap:online (online mask)
    online_host,    ///< host states of the online section
    online,         ///< the online step (active mask)
    teardown,       ///< any down step
    failed,         ///< a step that failed
    kick_all,       ///< parallel mode, boot CPU: the backend's kick_all
};
const char* category_name(category c);

/// A step: the time between one transition of a CPU and the next, named by
/// the state the second one reached (or tore down, or failed).
struct slice {
    uint32_t cpu = 0;
    uint64_t start_ns = 0, end_ns = 0;
    std::string name;
    category cat = category::prepare;
    bool by_ap = false;
    kind k = kind::up;
    unsigned merged = 1;   ///< consecutive identical steps (empty host slots) folded in
};

struct instant {
    uint32_t cpu = 0;
    uint64_t t_ns = 0;
    kind k = kind::kick;
    std::string state;
};

struct lane {
    uint32_t cpu = 0;
    std::optional<uint64_t> hwid;
    std::string status;   ///< "online", "failed: ...", or "" if no cpu line
    std::optional<uint64_t> online_ns;   ///< when it reached `online`
};

struct timeline {
    std::vector<lane> lanes;        ///< by logical CPU number
    std::vector<slice> slices;      ///< per CPU in time order
    std::vector<instant> instants;
    uint64_t total_ns = 0;          ///< the result line's bring-up time, else the last event
    uint64_t end_ns = 0;            ///< the last event or total, whichever is later
};

timeline build_timeline(const run& r);

}  // namespace smpboot_trace
