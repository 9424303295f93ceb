// SPDX-License-Identifier: MIT
// Instantiates hotplug<> with a do-nothing backend so that the cross builds
// compile every line of the core; tests/freestanding/check-symbols.sh then
// checks that the object needs nothing from libc or the C++ runtime.
#include <smpboot/hotplug.hpp>

namespace {
struct null_backend {
    smpboot::result kick(smpboot::ap_boot& b) { return smpboot::result::success(b.cpu); }
    void kick_all(smpboot::ap_boot* const* batch, uint32_t n, smpboot::result* outcomes) {
        for (uint32_t i = 0; i < n; ++i) outcomes[i] = kick(*batch[i]);
    }
    void abandon(smpboot::cpu_id) {}
    smpboot::result wait_off(smpboot::cpu_id c, uint64_t) { return smpboot::result::success(c); }
    smpboot::result ap_init(smpboot::cpu_id c) { return smpboot::result::success(c); }
    void ap_exit(smpboot::cpu_id) {}
    void ap_leave(smpboot::cpu_id) { __builtin_trap(); }
    void relax() {}
};
static_assert(smpboot::backend<null_backend>);

struct big_config : smpboot::default_config {
    static constexpr uint32_t max_cpus = 4096;
};
}  // namespace

null_backend the_backend;
smpboot::hotplug<null_backend> hp{the_backend, smpboot::host_ops{}};
smpboot::hotplug<null_backend, big_config> hp_big{the_backend, smpboot::host_ops{}};

extern "C" int smpboot_freestanding_probe() {
    smpboot::cpu_desc cpus[2] = {{0, true}, {1, true}};
    int n = 0;
    n += hp.init(cpus, 2).ok();
    n += hp.bring_up_all(smpboot::bringup_mode::parallel).online;
    n += hp.cpu_down(1).ok();
    n += hp.cpu_up(1).ok();
    hp.ap_poll(1);
    n += hp.start_image(1, 0x1000, 0x2000, 7).ok();
    n += hp_big.init(cpus, 2).ok();
    n += hp_big.bring_up_all(smpboot::bringup_mode::sequential).online;
    return n;
}
