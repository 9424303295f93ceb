// SPDX-License-Identifier: MIT
// The hotplug states, declared once: one row per state says what it does.
//
// A CPU climbs these states to come online and descends them to go offline,
// one step at a time, running each row's startup (up) or teardown (down):
//
//   boot CPU (bp_*)                  |  the new CPU itself (ap_*, irqs off until online)
//                                    |
//   offline                          |
//     bp_prepare      stack          |
//     bp_prepare_dyn  host slots     |
//     bp_bringup      kick, wait ----+--> callin
//                                    |    ap_starting      backend per-CPU init
//                                    |    ap_starting_dyn  host slots
//                                    |    ap_online        set in online mask
//                                    |    ap_online_dyn    host slots
//                                    |    online           set in active mask
//
// Like Linux's cpuhp_hp_states (kernel/cpu.c), each row names its startup and
// teardown; hotplug<> runs the rows and has no other list of steps. A CPU runs
// only the rows of its own side. bp_bringup hands over: its startup starts the
// AP and returns once the AP has walked the ap_* rows up, its teardown asks
// the AP to walk them down and returns once the CPU is off (Linux's
// bringup_cpu / takedown_cpu, both cant_stop). The *_dyn rows are ranges of
// SMPBOOT_DYN_STATES slots that the host fills with hotplug::add_state(); an
// empty slot does nothing.
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

// The startup and teardown columns name member functions of hotplug<>.
//  name              side  slots  label               startup          teardown       hands over
#define SMPBOOT_STATE_TABLE                                                                       \
    ((offline,         none, 0, "offline",         no_step,         no_step,         0))           \
    ((bp_prepare,      bp,   0, "bp:prepare",      take_stack,      give_back_stack, 0))           \
    ((bp_prepare_dyn,  bp,   1, "bp:prepare-dyn",  host_startup,    host_teardown,   0))           \
    ((bp_bringup,      bp,   0, "bp:bringup",      bring_up_ap,     take_down_ap,    1))           \
    ((ap_starting,     ap,   0, "ap:starting",     arch_init,       arch_exit,       0))           \
    ((ap_starting_dyn, ap,   1, "ap:starting-dyn", host_startup,    host_teardown,   0))           \
    ((ap_online,       ap,   0, "ap:online",       mark_online,     clear_online,    0))           \
    ((ap_online_dyn,   ap,   1, "ap:online-dyn",   host_startup,    host_teardown,   0))           \
    ((online,          ap,   0, "online",          mark_active,     clear_active,    0))

/// Column `i` of a row of SMPBOOT_STATE_TABLE.
#define SMPBOOT_STATE_COL(i, row) BOOST_PP_TUPLE_ELEM(7, i, row)

namespace smpboot {

/// Which CPU runs a state's callbacks.
enum class side : uint8_t { none, bp, ap };

#define SMPBOOT_STATE_LAST_I_(name) name##_last = name + (SMPBOOT_DYN_STATES - 1),
#define SMPBOOT_STATE_LAST_(name) SMPBOOT_STATE_LAST_I_(name)
#define SMPBOOT_STATE_ENUM_(r, _, e)                                                    \
    SMPBOOT_STATE_COL(0, e),                                                            \
    BOOST_PP_IIF(SMPBOOT_STATE_COL(2, e), SMPBOOT_STATE_LAST_, BOOST_PP_TUPLE_EAT(1))(  \
        SMPBOOT_STATE_COL(0, e))

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

/// One row of SMPBOOT_STATE_TABLE, without its functions (hotplug<> has those).
struct state_info {
    state first;
    state last;        ///< == first unless a dynamic range
    side runs_on;
    const char* label;
    bool hands_over;   ///< its steps run while the other CPU walks its rows
};

#define SMPBOOT_STATE_INFO_(r, _, e)                                                   \
    state_info{state::SMPBOOT_STATE_COL(0, e),                                         \
               state(uint16_t(state::SMPBOOT_STATE_COL(0, e)) +                        \
                     SMPBOOT_STATE_COL(2, e) * (SMPBOOT_DYN_STATES - 1)),              \
               side::SMPBOOT_STATE_COL(1, e), SMPBOOT_STATE_COL(3, e),                 \
               SMPBOOT_STATE_COL(6, e) != 0},

/// The rows, in state order.
inline constexpr state_info builtin_states[] = {
    BOOST_PP_SEQ_FOR_EACH(SMPBOOT_STATE_INFO_, _, SMPBOOT_STATE_TABLE)};
inline constexpr uint16_t row_count = sizeof builtin_states / sizeof builtin_states[0];

#undef SMPBOOT_STATE_INFO_
#undef SMPBOOT_STATE_ENUM_
#undef SMPBOOT_STATE_LAST_
#undef SMPBOOT_STATE_LAST_I_

namespace detail {
struct row_index {
    uint8_t of[state_count];
};
constexpr row_index make_row_index() {
    row_index ix{};
    for (uint16_t r = 0; r < row_count; ++r)
        for (uint16_t s = uint16_t(builtin_states[r].first); s <= uint16_t(builtin_states[r].last); ++s)
            ix.of[s] = uint8_t(r);
    return ix;
}
/// State -> its row, computed once at compile time.
inline constexpr row_index rows = make_row_index();
}  // namespace detail

/// The row that state `s` belongs to (its dynamic range, if any).
constexpr uint16_t row_of(state s) { return detail::rows.of[uint16_t(s)]; }
constexpr const state_info& info_of(state s) { return builtin_states[row_of(s)]; }

constexpr bool is_dynamic(state s) { return info_of(s).first != info_of(s).last; }
constexpr side runs_on(state s) { return info_of(s).runs_on; }

/// Built-in label of `s` ("ap:starting-dyn" for any slot of that range).
constexpr const char* label_of(state s) { return info_of(s).label; }

static_assert(uint16_t(state::bp_prepare_dyn_last) - uint16_t(state::bp_prepare_dyn) ==
              SMPBOOT_DYN_STATES - 1);
static_assert(runs_on(state::bp_bringup) == side::bp && runs_on(state::ap_starting) == side::ap);
static_assert(info_of(state::ap_online_dyn_last).first == state::ap_online_dyn);
static_assert(info_of(state::online).last == state::online && row_of(state::online) == row_count - 1);

}  // namespace smpboot
