// SPDX-License-Identifier: MIT
// A downstream program: links smpboot::core, brings a one-CPU "machine" up,
// and prints what the library says. Built three ways by tests/consume.
#include <smpboot/hotplug.hpp>

#include <cstdio>

namespace {
struct no_aps {
    smpboot::result kick(smpboot::ap_boot& b) { return smpboot::result::fail(smpboot::errc::kick_failed, b.cpu); }
    void kick_all(smpboot::ap_boot* const* batch, uint32_t n, smpboot::result* outcomes) {
        for (uint32_t i = 0; i < n; ++i) outcomes[i] = kick(*batch[i]);
    }
    bool abandon(smpboot::cpu_id) { return true; }
    smpboot::result wait_off(smpboot::cpu_id c, uint64_t) { return smpboot::result::success(c); }
    smpboot::result ap_init(smpboot::cpu_id c) { return smpboot::result::success(c); }
    void ap_exit(smpboot::cpu_id) {}
    void ap_leave(smpboot::cpu_id) { __builtin_trap(); }
    void relax() {}
    smpboot::hwid_t this_hwid() const { return 0; }   // the only CPU that runs
};
}  // namespace

int main() {
    no_aps backend;
    smpboot::host_ops host;
    host.monotonic_ns = [](void*) -> uint64_t { return 0; };
    host.alloc_stack = [](void*, smpboot::cpu_id) { return smpboot::stack_region{}; };
    smpboot::hotplug<no_aps> hp{backend, host};
    smpboot::cpu_desc cpus[2] = {{0x0, true}, {0x1, true}};
    if (!hp.init(cpus, 2)) return 1;
    smpboot::result r = hp.cpu_up(1);
    std::printf("online=%u cpu1=%s\n", hp.online().count(), smpboot::to_string(r.code));
    return hp.online().count() == 1 && r.code == smpboot::errc::no_stack ? 0 : 1;
}
