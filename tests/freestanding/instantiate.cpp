// SPDX-License-Identifier: MIT
// Instantiates hotplug<> with a do-nothing backend so that the cross builds
// compile every line of the core; tests/freestanding/check-symbols.sh then
// checks that the object needs nothing from libc or the C++ runtime.
#include <smpboot/hotplug.hpp>

#include "null_backend.hpp"

namespace {
using smpboot_test::null_backend;

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
    n += hp.ap_ready(1).ok() + hp.is_ready(1) + (hp.this_cpu() == 0);
    n += hp.start_image(1, 0x1000, 0x2000, 7).ok();
    n += hp_big.init(cpus, 2).ok();
    n += hp_big.bring_up_all(smpboot::bringup_mode::sequential).online;
    return n;
}
