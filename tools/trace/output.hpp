// SPDX-License-Identifier: MIT
// The three things smpboot-trace writes from a timeline.
#pragma once

#include "model.hpp"

#include <string>

namespace smpboot_trace {

/// Chrome Trace Event Format (JSON object form): one thread per CPU, a
/// complete ("X") event per slice, instant events for kick/callin/fail, and
/// an "online CPUs" counter. Opens in Perfetto and chrome://tracing.
std::string chrome_json(const run& r, const timeline& tl);

/// A standalone SVG: one lane per CPU, slices coloured by category with a
/// legend, the bring-up total on top, a time axis.
std::string svg(const run& r, const timeline& tl);

/// Plain text: where the time went, per step, over all CPUs.
std::string summary(const run& r, const timeline& tl);

/// "812 ns", "12.3 us", "4.56 ms".
std::string human_time(uint64_t ns);

}  // namespace smpboot_trace
