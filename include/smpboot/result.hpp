// SPDX-License-Identifier: MIT
// Error codes a program can switch on, and the result every operation
// returns. Arch-neutral: a backend reports "the firmware refused" or "the
// hardware did not respond" and names its own raw code in result::detail
// (PSCI's codes live in arm64/psci.hpp, the xAPIC's in x86/apic.hpp).
// Needs no Boost.PP: the state is only declared here (states.hpp defines it).
#pragma once

#include <smpboot/cpu.hpp>

namespace smpboot {

/// A hotplug state number; the table of states is in states.hpp. state{} is
/// `offline`.
enum class state : uint16_t;

/// Why an operation failed. Stable names: to_string() gives the text that the
/// example kernels print after "failed:".
enum class errc : uint16_t {
    ok = 0,
    // Caller errors.
    invalid_cpu,        ///< no such logical CPU
    not_present,        ///< possible but not present (e.g. disabled, online-capable)
    already_online,     ///< cpu_up of a CPU that is online
    already_offline,    ///< cpu_down of a CPU that is offline
    boot_cpu,           ///< the boot CPU cannot be taken down
    last_cpu,           ///< would leave no CPU online
    busy,               ///< registration after APs came up, or an operation in flight
    table_full,         ///< no free dynamic state slot in that section
    not_initialized,    ///< init() was not called or failed
    no_image,           ///< reclaim() of a CPU that start_image() did not give away
    wrong_cpu,          ///< called on a CPU that cannot do it (cpu_down of itself, ap_ready for another)
    nested_call,        ///< an operation from inside one: a host step, or a CPU walking its rows
    // Failures during bring-up or teardown.
    callback_failed,    ///< a startup or teardown callback returned non-zero
    no_stack,           ///< host's alloc_stack returned nothing
    callin_timeout,     ///< the AP never called in
    online_timeout,     ///< the AP called in but did not finish its states in time
    down_timeout,       ///< an online AP did not answer the offline request
    ready_timeout,      ///< online, but the kernel's ap_main never called ap_ready()
    offline_timeout,    ///< the CPU said goodbye but firmware never reported it off
    cpu_stuck,          ///< a previous timeout left this CPU in an unknown state
    rollback_failed,    ///< undoing a failed step failed too; the CPU was forced offline
    // Hardware and firmware: rc holds the raw code, detail names it.
    hw_timeout,         ///< the hardware did not respond in time
    kick_failed,        ///< the backend could not start the CPU (see rc)
    firmware_refused,   ///< firmware returned an error
    no_enable_method,   ///< discovery found no way to start this CPU
    bad_firmware_table, ///< MADT / DTB malformed
};

/// A short lower-case reason, e.g. "callin timeout". Never null.
const char* to_string(errc e);

/// The outcome of an operation: which CPU, which state, and why.
/// `rc` carries the callback's own return value or the firmware's raw code;
/// `detail`, when set, is the backend's name for it ("PSCI DENIED").
struct [[nodiscard]] result {
    errc code = errc::ok;
    cpu_id cpu = no_cpu;
    state failed_state{};
    int32_t rc = 0;
    const char* detail = nullptr;

    constexpr explicit operator bool() const { return code == errc::ok; }
    constexpr bool ok() const { return code == errc::ok; }
    static constexpr result success(cpu_id c = no_cpu) { return {errc::ok, c, state{}, 0, nullptr}; }
    static constexpr result fail(errc e, cpu_id c, state s = state{}, int32_t raw = 0,
                                 const char* detail = nullptr) {
        return {e, c, s, raw, detail};
    }
};

}  // namespace smpboot
