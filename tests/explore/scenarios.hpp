// SPDX-License-Identifier: MIT
// The scenarios the explorer runs, and the ones known to fail today.
#pragma once

#include "world.hpp"

#include <span>

namespace explore {

std::span<const scenario> all_scenarios();

/// Scenarios that find a violation on the current core: a known bug each. The
/// run fails if one of them finds none (the bug is fixed: take it off this
/// list) or if any other scenario finds one.
std::span<const char* const> known_bugs();

}  // namespace explore
