// SPDX-License-Identifier: MIT
// The hotplug states, declared once.
//
// A CPU climbs these states to come online and descends them to go offline,
// one step at a time, running each step's startup (up) or teardown (down):
//
//   boot CPU (bp_*)                  |  the new CPU itself (ap_*, irqs off until online)
//                                    |
//   offline                          |
//     bp_prepare      stack, backend |
//     bp_prepare_dyn  host slots     |
//     bp_bringup      kick, wait ----+--> callin
//                                    |    ap_starting      backend per-CPU init
//                                    |    ap_starting_dyn  host slots
//                                    |    ap_online        set in online mask
//                                    |    ap_online_dyn    host slots
//                                    |    online           set in active mask
//
// Like Linux's cpuhp (kernel/cpu.c), the BP states run on the boot CPU, the AP
// states on the CPU being brought up; taking a CPU down runs the teardowns in
// reverse, AP states on the AP, then BP states on the boot CPU. The *_dyn
// entries are ranges of SMPBOOT_DYN_STATES slots that the host fills with
// hotplug::add_state(); an empty slot is skipped.
#pragma once

#include <boost/preprocessor/control/iif.hpp>
#include <boost/preprocessor/seq/for_each.hpp>
#include <boost/preprocessor/tuple/eat.hpp>
#include <boost/preprocessor/tuple/elem.hpp>

#include <smpboot/base.hpp>

#ifndef SMPBOOT_DYN_STATES
/// Dynamic slots per section (prepare, starting, online).
#define SMPBOOT_DYN_STATES 8
#endif

// (name, side, dynamic range?, label)
#define SMPBOOT_STATE_TABLE                                    \
    ((offline,         none, 0, "offline"))                    \
    ((bp_prepare,      bp,   0, "bp:prepare"))                 \
    ((bp_prepare_dyn,  bp,   1, "bp:prepare-dyn"))             \
    ((bp_bringup,      bp,   0, "bp:bringup"))                 \
    ((ap_starting,     ap,   0, "ap:starting"))                \
    ((ap_starting_dyn, ap,   1, "ap:starting-dyn"))            \
    ((ap_online,       ap,   0, "ap:online"))                  \
    ((ap_online_dyn,   ap,   1, "ap:online-dyn"))              \
    ((online,          ap,   0, "online"))

namespace smpboot {

/// Which CPU runs a state's callbacks.
enum class side : uint8_t { none, bp, ap };

#define SMPBOOT_STATE_LAST_I_(name) name##_last = name + (SMPBOOT_DYN_STATES - 1),
#define SMPBOOT_STATE_LAST_(name) SMPBOOT_STATE_LAST_I_(name)
#define SMPBOOT_STATE_ENUM_(r, _, e)                                                  \
    BOOST_PP_TUPLE_ELEM(4, 0, e),                                                     \
    BOOST_PP_IIF(BOOST_PP_TUPLE_ELEM(4, 2, e), SMPBOOT_STATE_LAST_, BOOST_PP_TUPLE_EAT(1))( \
        BOOST_PP_TUPLE_ELEM(4, 0, e))

/// A hotplug state. Values are ordered: a CPU in state S has completed every
/// step up to and including S.
enum class state : uint16_t { BOOST_PP_SEQ_FOR_EACH(SMPBOOT_STATE_ENUM_, _, SMPBOOT_STATE_TABLE) };

inline constexpr uint16_t state_count = uint16_t(state::online) + 1;

/// The sections a host can add states to, and the range of slots of each.
enum class section : uint8_t { prepare, starting, online };

struct state_range {
    state first, last;
};
constexpr state_range dynamic_range(section s) {
    switch (s) {
    case section::prepare: return {state::bp_prepare_dyn, state::bp_prepare_dyn_last};
    case section::starting: return {state::ap_starting_dyn, state::ap_starting_dyn_last};
    case section::online: return {state::ap_online_dyn, state::ap_online_dyn_last};
    }
    return {state::offline, state::offline};
}

constexpr state next(state s) { return state(uint16_t(s) + 1); }
constexpr state prev(state s) { return state(uint16_t(s) - 1); }

/// Facts about one built-in state, as declared in SMPBOOT_STATE_TABLE.
struct state_info {
    state first;
    state last;   ///< == first unless a dynamic range
    side runs_on;
    const char* label;
};

#define SMPBOOT_STATE_INFO_(r, _, e)                                                   \
    state_info{state::BOOST_PP_TUPLE_ELEM(4, 0, e),                                    \
               state(uint16_t(state::BOOST_PP_TUPLE_ELEM(4, 0, e)) +                   \
                     BOOST_PP_TUPLE_ELEM(4, 2, e) * (SMPBOOT_DYN_STATES - 1)),         \
               side::BOOST_PP_TUPLE_ELEM(4, 1, e), BOOST_PP_TUPLE_ELEM(4, 3, e)},

/// The built-in state table, in state order.
inline constexpr state_info builtin_states[] = {
    BOOST_PP_SEQ_FOR_EACH(SMPBOOT_STATE_INFO_, _, SMPBOOT_STATE_TABLE)};

#undef SMPBOOT_STATE_INFO_
#undef SMPBOOT_STATE_ENUM_
#undef SMPBOOT_STATE_LAST_
#undef SMPBOOT_STATE_LAST_I_

namespace detail {
inline constexpr uint8_t builtin_count = sizeof builtin_states / sizeof builtin_states[0];

/// For every state, the index of its builtin_states entry, computed at
/// compile time: hotplug asks on each step of each CPU, and a search there
/// cost tens of instructions per step.
struct state_index {
    uint8_t of[state_count];
};
constexpr state_index make_state_index() {
    state_index t{};
    for (uint16_t s = 0; s < state_count; ++s)
        for (uint8_t i = 0; i < builtin_count; ++i)
            if (uint16_t(builtin_states[i].first) <= s) t.of[s] = i;
    return t;
}
inline constexpr state_index state_index_table = make_state_index();
}  // namespace detail

/// The table entry that state `s` belongs to (its dynamic range, if any).
constexpr const state_info& info_of(state s) {
    const uint16_t i = uint16_t(s);
    return builtin_states[i < state_count ? detail::state_index_table.of[i] : detail::builtin_count - 1];
}

constexpr bool is_dynamic(state s) { return info_of(s).first != info_of(s).last; }
constexpr side runs_on(state s) { return info_of(s).runs_on; }

/// Built-in label of `s` ("ap:starting-dyn" for any slot of that range).
constexpr const char* label_of(state s) { return info_of(s).label; }

static_assert(uint16_t(state::bp_prepare_dyn_last) - uint16_t(state::bp_prepare_dyn) ==
              SMPBOOT_DYN_STATES - 1);
static_assert(runs_on(state::bp_bringup) == side::bp && runs_on(state::ap_starting) == side::ap);
static_assert(info_of(state::ap_online_dyn_last).first == state::ap_online_dyn);

}  // namespace smpboot
