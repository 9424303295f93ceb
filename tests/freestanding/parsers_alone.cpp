// SPDX-License-Identifier: MIT
// The table parsers need only the words for "a CPU" and "a result": this TU
// includes every parser header and is compiled with no system include path
// at all (-nostdlibinc), so neither Boost.PP nor the state machine is
// reachable. If a parser header starts to include hotplug.hpp or states.hpp,
// this stops compiling.
#if __has_include(<boost/preprocessor/seq/for_each.hpp>)
#error "Boost.PP is on the include path: this test would prove nothing"
#endif

#include <smpboot/acpi/tables.hpp>
#include <smpboot/arm64/acpi.hpp>
#include <smpboot/arm64/discovery.hpp>
#include <smpboot/arm64/psci.hpp>
#include <smpboot/cpu.hpp>
#include <smpboot/fdt.hpp>
#include <smpboot/result.hpp>
#include <smpboot/x86/acpi.hpp>

#ifdef SMPBOOT_STATE_TABLE
#error "a parser header pulled in states.hpp"
#endif

// Use the vocabulary, so the test is more than a list of includes.
namespace {
[[maybe_unused]] smpboot::result parse_one(smpboot::cpu_desc* out) {
    out[0] = smpboot::cpu_desc{0x1, true};
    return smpboot::arm64::psci::to_result(smpboot::arm64::psci::denied, 1, smpboot::state{});
}
}  // namespace
