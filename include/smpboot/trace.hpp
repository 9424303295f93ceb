// SPDX-License-Identifier: MIT
// Bring-up tracing: a timestamp per CPU at every state transition, on the
// boot CPU's side and the AP's, written into a buffer the host owns.
// hotplug<> records only when its Config::tracing is true; otherwise the
// calls compile to nothing.
#pragma once

#include <smpboot/base.hpp>
#include <smpboot/states.hpp>

namespace smpboot {

enum class trace_kind : uint8_t {
    up,       ///< a startup step completed (state = the state reached)
    down,     ///< a teardown step completed (state = the state torn down)
    fail,     ///< a step failed (state = the failing state)
    kick,     ///< the backend started the CPU
    callin,   ///< the AP called in
};

struct trace_event {
    uint64_t t_ns;
    cpu_id cpu;
    state st;
    trace_kind kind;
    side by;   ///< which CPU recorded it: bp or ap
};

/// Host-owned storage. Events past `capacity` are counted in `dropped`.
struct trace_buffer {
    trace_event* events = nullptr;
    uint32_t capacity = 0;
    atomic<uint32_t> used{0};
    atomic<uint32_t> dropped{0};

    void record(const trace_event& e) {
        // relaxed: slots are claimed, not ordered; readers look after all
        // CPUs have reported back through the hotplug handshake.
        uint32_t i = used.fetch_add(1, memory_order::relaxed);
        if (i < capacity) events[i] = e;
        else dropped.fetch_add(1, memory_order::relaxed);
    }
    uint32_t size() const {
        uint32_t n = used.load(memory_order::relaxed);
        return n < capacity ? n : capacity;
    }
    void reset() {
        used.store(0, memory_order::relaxed);
        dropped.store(0, memory_order::relaxed);
    }
};

const char* to_string(trace_kind k);

}  // namespace smpboot
