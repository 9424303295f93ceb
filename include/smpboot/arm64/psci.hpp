// SPDX-License-Identifier: MIT
// PSCI (Arm DEN0022, "Power State Coordination Interface"): function IDs,
// return codes with their names and how they become a smpboot result, and
// the device-tree node that says which conduit to use. Host-testable: the
// calls themselves (HVC / SMC) are in the arm64 backend.
#pragma once

#include <smpboot/base.hpp>
#include <smpboot/fdt.hpp>
#include <smpboot/result.hpp>

namespace smpboot::arm64 {

/// How PSCI is reached: the node's `method` property (Linux binding
/// Documentation/devicetree/bindings/arm/psci.yaml).
enum class conduit : uint8_t { none, hvc, smc };
const char* to_string(conduit c);

namespace psci {

/// DEN0022D section 5.1, function IDs of PSCI 0.2 and later (SMC32 0x84..,
/// SMC64 0xC4..). CPU_ON and AFFINITY_INFO are used in their 64-bit form.
inline constexpr uint32_t fn_version = 0x84000000;
inline constexpr uint32_t fn_cpu_off = 0x84000002;
inline constexpr uint32_t fn_cpu_on64 = 0xc4000003;
inline constexpr uint32_t fn_affinity_info64 = 0xc4000004;
inline constexpr uint32_t fn_system_off = 0x84000008;
inline constexpr uint32_t fn_features = 0x8400000a;   ///< PSCI 1.0 and later

/// DEN0022D section 5.2.2, "Return error codes".
inline constexpr int32_t success = 0;
inline constexpr int32_t not_supported = -1;
inline constexpr int32_t invalid_parameters = -2;
inline constexpr int32_t denied = -3;
inline constexpr int32_t already_on = -4;
inline constexpr int32_t on_pending = -5;
inline constexpr int32_t internal_failure = -6;
inline constexpr int32_t not_present = -7;
inline constexpr int32_t disabled = -8;
inline constexpr int32_t invalid_address = -9;

/// DEN0022D section 5.1.5, AFFINITY_INFO results.
inline constexpr int32_t affinity_on = 0;
inline constexpr int32_t affinity_off = 1;
inline constexpr int32_t affinity_on_pending = 2;

/// DEN0022D 5.2.2's name for a return code, as the spec writes it
/// ("PSCI DENIED"); "PSCI unknown code" for anything it does not define.
constexpr const char* to_string(int32_t rc) {
    switch (rc) {
    case success: return "PSCI SUCCESS";
    case not_supported: return "PSCI NOT_SUPPORTED";
    case invalid_parameters: return "PSCI INVALID_PARAMETERS";
    case denied: return "PSCI DENIED";
    case already_on: return "PSCI ALREADY_ON";
    case on_pending: return "PSCI ON_PENDING";
    case internal_failure: return "PSCI INTERNAL_FAILURE";
    case not_present: return "PSCI NOT_PRESENT";
    case disabled: return "PSCI DISABLED";
    case invalid_address: return "PSCI INVALID_ADDRESS";
    default: return "PSCI unknown code";
    }
}

/// A PSCI call's return value as a result: success for SUCCESS, otherwise
/// errc::firmware_refused with the raw code in rc and its name in detail.
constexpr result to_result(int64_t rc, cpu_id cpu, state st) {
    if (rc == success) return result::success(cpu);
    return result::fail(errc::firmware_refused, cpu, st, int32_t(rc), to_string(int32_t(rc)));
}

/// A PSCI version word: major in bits [30:16], minor in [15:0] (DEN0022D 5.1.1).
constexpr uint32_t major(uint32_t v) { return (v >> 16) & 0x7fff; }
constexpr uint32_t minor(uint32_t v) { return v & 0xffff; }

}  // namespace psci

/// What the device tree (or the ACPI FADT) says about PSCI.
struct psci_info {
    bool present = false;
    conduit method = conduit::none;
    /// From the compatible list: 0x10000 (1.0), 0x2 (0.2), 0x1 (0.1 only).
    /// From the FADT: 0x2, since ACPI names no version and Arm's Server Base
    /// Boot Requirements ask for PSCI 0.2 or later: the standard IDs apply.
    uint32_t dt_version = 0;
    /// Function IDs to use. 0.2+ : the standard IDs; 0.1: the node's
    /// cpu_on / cpu_off properties, 0 when absent (PSCI_VERSION,
    /// AFFINITY_INFO and SYSTEM_OFF do not exist in 0.1).
    uint32_t fn_cpu_on = 0;
    uint32_t fn_cpu_off = 0;
    uint32_t fn_affinity_info = 0;
    uint32_t fn_system_off = 0;
    uint32_t fn_version = 0;
    uint32_t fn_features = 0;
    /// Why a node that exists is unusable (nullptr when fine or absent).
    const char* problem = nullptr;
    fdt::node node{};   ///< DT only
};

/// Find and read the PSCI node (anywhere in the tree, normally /psci).
psci_info read_psci(const fdt::tree& t);

}  // namespace smpboot::arm64
