// SPDX-License-Identifier: MIT
// The boot CPU / AP handshake: one word per CPU, and the only ways it moves.
//
// hotplug.hpp owns the words; backends may read one (x86 sends the second
// SIPI only to a CPU that has not called in). Every change of a word goes
// through advance(), which checks at compile time that the move is in the
// table below and made by the side the table names.
#pragma once

#include <smpboot/base.hpp>
#include <smpboot/states.hpp>

namespace smpboot {

enum class ap_sync : uint32_t {
    idle,            ///< offline, and no AP from an earlier kick can turn up
    kicked,          ///< boot block published; the AP may call in
    alive,           ///< called in: walking its rows up
    up_done,         ///< online
    up_failed,       ///< its rows failed and were undone; it is leaving
    abandoned,       ///< offline, but an AP (or another image) may still run
    down_requested,  ///< the boot CPU asks it to go offline
    down_claimed,    ///< it walks its rows down
    down_failed,     ///< a teardown failed; it rolled back and is online
    dying,           ///< its rows are down; it is leaving
};

namespace handshake {

struct move {
    ap_sync from, to;
    side by;              ///< who may make it
    memory_order order;   ///< on success; a failed attempt acquires
};

using enum ap_sync;
/// Every allowed transition. The release moves publish what the mover wrote
/// before (boot block, report); the acquire ones take it.
inline constexpr move moves[] = {
    {idle,           kicked,         side::bp, memory_order::release},  // arm
    {abandoned,      kicked,         side::bp, memory_order::release},  // arm again; a late AP may take it
    {kicked,         alive,          side::ap, memory_order::acq_rel},  // callin, races the next one
    {kicked,         abandoned,      side::bp, memory_order::acq_rel},  // callin timeout, failed kick, image
    {alive,          up_done,        side::ap, memory_order::release},
    {alive,          up_failed,      side::ap, memory_order::release},
    {up_failed,      idle,           side::bp, memory_order::relaxed},  // it is off
    {abandoned,      idle,           side::bp, memory_order::relaxed},  // nothing runs there (reclaim, refused kick)
    {up_done,        down_requested, side::bp, memory_order::release},
    {down_requested, down_claimed,   side::ap, memory_order::acquire},  // races the next one
    {down_requested, up_done,        side::bp, memory_order::acq_rel},  // nobody answered: cancelled
    {down_claimed,   dying,          side::ap, memory_order::release},
    {down_claimed,   down_failed,    side::ap, memory_order::release},
    {down_failed,    up_done,        side::bp, memory_order::relaxed},
    {dying,          idle,           side::bp, memory_order::relaxed},  // it is off
};

constexpr const move* find(ap_sync from, ap_sync to) {
    for (const move& m : moves)
        if (m.from == from && m.to == to) return &m;
    return nullptr;
}
/// Only `by` ever moves a word out of `from`: a CAS by it cannot lose.
constexpr bool sole_mover(ap_sync from, side by) {
    for (const move& m : moves)
        if (m.from == from && m.by != by) return false;
    return true;
}

/// Move `word` from `From` to `To` as `By`, if it holds `From`; true if this
/// CPU won. A move that the table does not allow does not compile; a lost
/// move that nobody else could have made means the protocol is broken, and
/// traps.
template <ap_sync From, ap_sync To, side By>
bool advance(atomic<ap_sync>& word) {
    constexpr const move* m = find(From, To);
    static_assert(m != nullptr && m->by == By, "not a handshake transition for this side");
    constexpr memory_order fail_order =
        (m->order == memory_order::acquire || m->order == memory_order::acq_rel) ? memory_order::acquire
                                                                                 : memory_order::relaxed;
    ap_sync expected = From;
    if (word.compare_exchange(expected, To, m->order, fail_order)) return true;
    if constexpr (sole_mover(From, By)) __builtin_trap();
    return false;
}
template <ap_sync From, ap_sync To>
bool bp_moves(atomic<ap_sync>& word) { return advance<From, To, side::bp>(word); }
template <ap_sync From, ap_sync To>
bool ap_moves(atomic<ap_sync>& word) { return advance<From, To, side::ap>(word); }

/// Not a transition: init() sets the words while no AP runs.
inline void reset(atomic<ap_sync>& word, ap_sync v) { word.store(v, memory_order::relaxed); }

}  // namespace handshake
}  // namespace smpboot
