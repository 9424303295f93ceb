// SPDX-License-Identifier: MIT
// Error codes a program can switch on, and the result every operation returns.
#pragma once

#include <smpboot/base.hpp>
#include <smpboot/states.hpp>

namespace smpboot {

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
    // Failures during bring-up or teardown.
    callback_failed,    ///< a startup or teardown callback returned non-zero
    no_stack,           ///< host's alloc_stack returned nothing
    callin_timeout,     ///< the AP never called in
    online_timeout,     ///< the AP called in but did not finish its states in time
    down_timeout,       ///< an online AP did not answer the offline request
    offline_timeout,    ///< the CPU said goodbye but firmware never reported it off
    cpu_stuck,          ///< a previous timeout left this CPU in an unknown state
    rollback_failed,    ///< undoing a failed step failed too; the CPU was forced offline
    // Hardware and firmware.
    ipi_timeout,        ///< xAPIC ICR delivery status never cleared
    kick_failed,        ///< the backend could not start the CPU (see detail)
    fw_not_supported,   ///< PSCI NOT_SUPPORTED
    fw_invalid_parameters,
    fw_denied,
    fw_already_on,
    fw_on_pending,
    fw_internal_failure,
    fw_not_present,
    fw_disabled,
    fw_invalid_address,
    fw_unknown,         ///< firmware returned a code the spec does not define
    no_enable_method,   ///< discovery found no way to start this CPU
    bad_firmware_table, ///< MADT / DTB malformed
};

/// A short lower-case reason, e.g. "callin timeout". Never null.
const char* to_string(errc e);

/// The outcome of an operation: which CPU, which state, and why.
/// `rc` carries the callback's own return value or the firmware's raw code.
struct [[nodiscard]] result {
    errc code = errc::ok;
    cpu_id cpu = no_cpu;
    state failed_state = state::offline;
    int32_t rc = 0;

    constexpr explicit operator bool() const { return code == errc::ok; }
    constexpr bool ok() const { return code == errc::ok; }
    static constexpr result success(cpu_id c = no_cpu) { return {errc::ok, c, state::offline, 0}; }
    static constexpr result fail(errc e, cpu_id c, state s = state::offline, int32_t raw = 0) {
        return {e, c, s, raw};
    }
};

}  // namespace smpboot
