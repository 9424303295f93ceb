// SPDX-License-Identifier: MIT
// The capacity is fixed once, by the backend: hotplug<> with a Config that
// disagrees must not compile. Built twice by freestanding.capacity_*: as is
// (must compile), and with SMPBOOT_MISMATCH (must fail with hotplug's
// static_assert message).
#include <smpboot/hotplug.hpp>

#include "null_backend.hpp"

namespace {
struct sized_backend : smpboot_test::null_backend {
    static constexpr uint32_t max_cpus = 4;
};

#ifdef SMPBOOT_MISMATCH
using config = smpboot::default_config;   // 256 CPUs against the backend's 4
#else
using config = smpboot::with_capacity<smpboot::default_config, sized_backend::max_cpus>;
#endif
}  // namespace

sized_backend the_backend;
smpboot::hotplug<sized_backend, config> hp{the_backend, smpboot::host_ops{}};
static_assert(decltype(hp)::max_cpus == 4);
