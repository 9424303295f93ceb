// SPDX-License-Identifier: MIT
// One number fixes how many CPUs a kernel supports: the backend's template
// argument. Its discovery buffer and hotplug<>'s Config follow from it
// (x86::backend<N>::hotplug<>, arm64::backend<N>::hotplug<>), and hotplug<>
// refuses at compile time a Config whose capacity differs from its backend's.
#pragma once

#include <stdint.h>

namespace smpboot {

/// `Config` with its capacity replaced by `N`.
template <class Config, uint32_t N>
struct with_capacity : Config {
    static constexpr uint32_t max_cpus = N;
};

/// A backend that states its capacity must agree with hotplug's Config.
template <class Backend, class Config>
inline constexpr bool capacity_matches = [] {
    if constexpr (requires { Backend::max_cpus; }) return Backend::max_cpus == Config::max_cpus;
    else return true;
}();

}  // namespace smpboot
