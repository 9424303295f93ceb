// SPDX-License-Identifier: MIT
// The texts behind errc and trace_kind: one copy in the compiled part of core.
#include <smpboot/result.hpp>
#include <smpboot/states.hpp>
#include <smpboot/trace.hpp>

namespace smpboot {

// result.hpp only declares the state type; its default must be offline.
static_assert(state{} == state::offline);

const char* to_string(errc e) {
    switch (e) {
    case errc::ok: return "ok";
    case errc::invalid_cpu: return "no such cpu";
    case errc::not_present: return "cpu not present";
    case errc::already_online: return "already online";
    case errc::already_offline: return "already offline";
    case errc::boot_cpu: return "the boot cpu cannot go offline";
    case errc::last_cpu: return "last online cpu";
    case errc::busy: return "busy";
    case errc::table_full: return "no free state slot";
    case errc::not_initialized: return "not initialized";
    case errc::no_image: return "cpu runs no other image";
    case errc::wrong_cpu: return "not allowed on this cpu";
    case errc::nested_call: return "operation nested in another";
    case errc::callback_failed: return "callback failed";
    case errc::no_stack: return "no stack";
    case errc::callin_timeout: return "callin timeout";
    case errc::online_timeout: return "online timeout";
    case errc::down_timeout: return "offline request timeout";
    case errc::ready_timeout: return "ready timeout";
    case errc::offline_timeout: return "cpu did not power off";
    case errc::cpu_stuck: return "cpu stuck after an earlier timeout";
    case errc::rollback_failed: return "rollback failed";
    case errc::hw_timeout: return "hardware did not respond";
    case errc::kick_failed: return "kick failed";
    case errc::firmware_refused: return "firmware refused";
    case errc::no_enable_method: return "no enable method";
    case errc::bad_firmware_table: return "malformed firmware table";
    }
    return "unknown error";
}

const char* to_string(trace_kind k) {
    switch (k) {
    case trace_kind::up: return "up";
    case trace_kind::down: return "down";
    case trace_kind::fail: return "fail";
    case trace_kind::kick: return "kick";
    case trace_kind::callin: return "callin";
    }
    return "?";
}

}  // namespace smpboot
