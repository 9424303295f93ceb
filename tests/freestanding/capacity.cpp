// SPDX-License-Identifier: MIT
// The capacity is fixed once, by the backend: hotplug<> with a Config that
// disagrees must not compile. Built twice by freestanding.capacity_*: as is
// (must compile), and with SMPBOOT_MISMATCH (must fail with hotplug's
// static_assert message).
#include <smpboot/hotplug.hpp>

namespace {
struct sized_backend {
    static constexpr uint32_t max_cpus = 4;
    smpboot::result kick(smpboot::ap_boot& b) { return smpboot::result::success(b.cpu); }
    void kick_all(smpboot::ap_boot* const*, uint32_t) {}
    void abandon(smpboot::cpu_id) {}
    smpboot::result wait_off(smpboot::cpu_id c, uint64_t) { return smpboot::result::success(c); }
    smpboot::result ap_init(smpboot::cpu_id c) { return smpboot::result::success(c); }
    void ap_exit(smpboot::cpu_id) {}
    void ap_leave(smpboot::cpu_id) { __builtin_trap(); }
    void relax() {}
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
