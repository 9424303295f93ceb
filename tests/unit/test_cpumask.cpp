// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include <smpboot/cpumask.hpp>
#include <smpboot/format.hpp>
#include <smpboot/states.hpp>

#include <string>
#include <vector>

using namespace smpboot;

TEST_CASE("cpu_mask works at 4096 and beyond - across word boundaries") {
    static cpu_mask<4100> m;
    for (cpu_id c : {0u, 63u, 64u, 127u, 4095u, 4099u}) m.set(c);
    CHECK(m.count() == 6);
    std::vector<cpu_id> seen;
    for (cpu_id c : m) seen.push_back(c);
    CHECK(seen == std::vector<cpu_id>{0, 63, 64, 127, 4095, 4099});
    m.clear(64);
    CHECK_FALSE(m.test(64));
    CHECK(m.next(64) == 127);
    CHECK_FALSE(m.test(5000));
    m.clear_all();
    CHECK(m.empty());
    CHECK(m.begin().c == no_cpu);
}

TEST_CASE("line<N> formats and never overflows") {
    line<16> l;
    l.str("cpu ").dec(12).chr(' ').hex(0x1f0);
    CHECK(std::string(l.c_str()) == "cpu 12 0x1f0");
    l.str("-overflowing-text");
    CHECK(l.size() == 15);
    line<32> z;
    z.hex(0).chr(' ').sdec(-42).chr(' ').hex(0x8000000000000000ull);
    CHECK(std::string(z.c_str()) == "0x0 -42 0x8000000000000000");
}

TEST_CASE("the state table: order - sides - labels - dynamic ranges") {
    CHECK(uint16_t(state::offline) == 0);
    CHECK(state::bp_prepare < state::bp_bringup);
    CHECK(state::bp_bringup < state::ap_starting);
    CHECK(state::ap_online_dyn_last < state::online);
    CHECK(runs_on(state::bp_prepare_dyn_last) == side::bp);
    CHECK(runs_on(state::ap_starting_dyn) == side::ap);
    CHECK(std::string(label_of(state::bp_bringup)) == "bp:bringup");
    CHECK(is_dynamic(state::ap_online_dyn));
    CHECK_FALSE(is_dynamic(state::ap_online));
    state_range r = dynamic_range(section::online);
    CHECK(uint16_t(r.last) - uint16_t(r.first) + 1 == SMPBOOT_DYN_STATES);
}
