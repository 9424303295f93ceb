// SPDX-License-Identifier: MIT
// A backend that starts nothing: enough for hotplug<> to compile, for the
// tests that only need the state machine instantiated.
#pragma once

#include <smpboot/backend.hpp>

namespace smpboot_test {
struct null_backend {
    smpboot::result kick(smpboot::ap_boot& b) { return smpboot::result::success(b.cpu); }
    void kick_all(smpboot::ap_boot* const* batch, uint32_t n, smpboot::result* outcomes) {
        for (uint32_t i = 0; i < n; ++i) outcomes[i] = kick(*batch[i]);
    }
    bool abandon(smpboot::cpu_id) { return true; }
    smpboot::result wait_off(smpboot::cpu_id c, uint64_t) { return smpboot::result::success(c); }
    smpboot::result ap_init(smpboot::cpu_id c) { return smpboot::result::success(c); }
    void ap_exit(smpboot::cpu_id) {}
    void ap_leave(smpboot::cpu_id) { __builtin_trap(); }
    void relax() {}
    smpboot::hwid_t this_hwid() const { return 0; }
};
static_assert(smpboot::backend<null_backend>);
}  // namespace smpboot_test
