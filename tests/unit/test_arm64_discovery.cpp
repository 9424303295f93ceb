// SPDX-License-Identifier: MIT
// /cpus discovery and the PSCI node, on dtc-made and QEMU-made blobs.
#include <doctest/doctest.h>

#include <smpboot/arm64/discovery.hpp>
#include <smpboot/arm64/psci.hpp>
#include <smpboot/states.hpp>

#include <string>
#include <vector>

#include "test_acpi_builder.hpp"
#include "test_fdt_builder.hpp"

using namespace smpboot;
using namespace smpboot::arm64;

namespace {

struct run {
    std::vector<uint8_t> blob;
    fdt::tree tree;
    cpu_info cpus[300];
    cpu_node_report nodes[300];
    discovery_result res;
    acpi_test::log_capture log;

    run(std::vector<uint8_t> b, uint64_t boot_mpidr, uint32_t max_cpus = 256) : blob(std::move(b)) {
        auto st = fdt::tree::open(blob.data(), blob.size(), tree);
        REQUIRE_MESSAGE(st, fdt::to_string(st.code));
        discovery_log l{&acpi_test::log_capture::fn, &log};
        res = discover_cpus(tree, boot_mpidr, {cpus, max_cpus < 300 ? max_cpus : 300, nullptr, nodes, 300}, &l);
    }
    std::vector<hwid_t> hwids() const {
        std::vector<hwid_t> v;
        for (uint32_t i = 0; i < res.count; ++i) v.push_back(cpus[i].hwid);
        return v;
    }
};

}  // namespace

TEST_CASE("arm64 discovery: QEMU virt with GICv3 and 20 CPUs (Aff1 in use)") {
    run r(fdt_test::load("virt-gicv3-smp20.dtb"), 0x80000000);   // MPIDR_EL1.U=0, bit 31 RES1
    REQUIRE(r.res.ok());
    CHECK(r.res.count == 20);
    CHECK(r.res.rejected == 0);
    CHECK(r.res.boot_cpu_found);
    std::vector<hwid_t> want;
    for (hwid_t i = 0; i < 16; ++i) want.push_back(i);
    for (hwid_t i = 0; i < 4; ++i) want.push_back(0x100 + i);
    CHECK(r.hwids() == want);
    // QEMU's cpu-map puts all 20 in cluster0 (it ignores MPIDR clusters), and
    // cpu-map wins over the affinity fields.
    CHECK(r.cpus[17].topo.from_cpu_map);
    CHECK(r.cpus[17].topo.cluster == 0);
    CHECK(r.cpus[17].topo.core == 17);
    CHECK(r.cpus[5].method == enable_method::psci);
    CHECK(r.res.psci.present);
    CHECK(r.res.psci.method == conduit::hvc);
    CHECK(r.res.psci.dt_version == 0x10000);
    CHECK(r.res.psci.fn_cpu_on == psci::fn_cpu_on64);
    CHECK(r.res.psci.fn_affinity_info == psci::fn_affinity_info64);
    CHECK(r.log.lines.empty());
}

TEST_CASE("arm64 discovery: virtualization=on says smc") {
    run r(fdt_test::load("virt-el2-smp2.dtb"), 1);
    REQUIRE(r.res.ok());
    CHECK(r.res.psci.method == conduit::smc);
    CHECK(r.hwids() == std::vector<hwid_t>{1, 0});   // boot CPU first
    CHECK(r.nodes[0].logical == 1);
    CHECK(r.nodes[1].logical == 0);
}

TEST_CASE("arm64 discovery: boot CPU in the middle, cpu-map topology, #address-cells 2") {
    run r(fdt_test::load("cpus-psci.dtb"), 0x100 | (1ull << 31) | (1ull << 24));   // MT bit ignored
    REQUIRE(r.res.ok());
    CHECK(r.hwids() == std::vector<hwid_t>{0x100, 0x0, 0x1, 0x101});
    CHECK(r.res.nodes == 4);   // l2-cache0 and cpu-map are not cpu nodes
    CHECK(r.cpus[0].topo.from_cpu_map);
    CHECK(r.cpus[0].topo.cluster == 1);
    CHECK(r.cpus[0].topo.core == 0);
    CHECK(r.cpus[3].topo.cluster == 1);
    CHECK(r.cpus[3].topo.core == 1);
    CHECK(r.cpus[2].topo.cluster == 0);
    CHECK(r.cpus[2].topo.core == 1);
    CHECK(std::string(r.nodes[2].path) == "/cpus/cpu@100");
    CHECK(std::string(r.nodes[2].method_name) == "psci");
}

TEST_CASE("arm64 discovery: spin-table with #address-cells 1") {
    run r(fdt_test::load("cpus-spin.dtb"), 0);
    REQUIRE(r.res.ok());
    CHECK(r.res.count == 4);
    CHECK_FALSE(r.res.psci.present);
    for (uint32_t i = 0; i < 4; ++i) {
        CHECK(r.cpus[i].method == enable_method::spin_table);
        CHECK(r.cpus[i].release_addr == 0xd8 + 8 * i);
        CHECK(r.cpus[i].topo.core == i);
    }
}

TEST_CASE("arm64 discovery: every refused node is named with its reason") {
    run r(fdt_test::load("cpus-bad.dtb"), 0);
    CHECK(r.res.ok());
    CHECK(r.hwids() == std::vector<hwid_t>{0, 1});
    CHECK(r.res.nodes == 11);
    CHECK(r.res.rejected == 9);
    CHECK(r.res.psci.dt_version == 1);
    CHECK(r.res.psci.method == conduit::smc);
    CHECK(r.res.psci.fn_cpu_on == 0x95c1ba5e);
    CHECK(r.res.psci.fn_cpu_off == 0x95c1ba5f);
    CHECK(r.res.psci.fn_affinity_info == 0);   // not in PSCI 0.1
    CHECK(r.res.psci.fn_version == 0);
    CHECK(r.log.has("/cpus/cpu@2: missing reg property"));
    CHECK(r.log.has("/cpus/cpu@1000000: invalid reg property (bits outside the MPIDR affinity fields)"));
    CHECK(r.log.has("/cpus/cpu-dup@1: duplicate cpu reg properties in the DT"));
    CHECK(r.log.has("/cpus/cpu@3: unsupported enable-method property"));
    CHECK(r.log.has("/cpus/cpu@4: spin-table without a valid cpu-release-addr"));
    CHECK(r.log.has("/cpus/cpu@5: missing enable-method property"));
    CHECK(r.log.has("/cpus/cpu@6: invalid reg property (not #address-cells long)"));
    CHECK(r.log.has("/cpus/cpu@7: invalid reg property (bits outside the MPIDR affinity fields)"));
    CHECK(r.log.has("/cpus/cpu@8: status is not okay"));
    CHECK(r.log.lines.size() == 9);
    CHECK(r.nodes[2].problem != nullptr);
    CHECK_FALSE(r.nodes[2].usable);
    CHECK(std::string(r.nodes[5].method_name) == "parking-protocol");
    CHECK(r.nodes[5].method == enable_method::unknown);
}

TEST_CASE("arm64 discovery: CPUs past max_cpus are dropped with a warning, never the boot CPU") {
    run r(fdt_test::load("virt-gicv3-smp20.dtb"), 0x103, 8);
    CHECK(r.res.count == 8);
    CHECK(r.res.dropped == 12);
    CHECK(r.cpus[0].hwid == 0x103);
    CHECK(r.cpus[7].hwid == 6);
    CHECK(r.log.has("/cpus/cpu@7: beyond the configured maximum number of cpus, dropped"));
    CHECK(r.log.has("/cpus: cpus dropped past max_cpus: 12"));
    CHECK(r.nodes[19].usable);   // the boot CPU is the last node
    CHECK(r.nodes[19].logical == 0);
}

TEST_CASE("arm64 discovery: boot CPU not in the tree") {
    run r(fdt_test::load("virt-gicv2-smp4.dtb"), 0x7);
    CHECK(r.res.count == 1);
    CHECK(r.cpus[0].hwid == 7);
    CHECK_FALSE(r.res.boot_cpu_found);
    CHECK(r.res.rejected == 4);
    CHECK(r.log.has("/cpus: missing boot CPU MPIDR, not enabling secondaries"));
}

TEST_CASE("arm64 discovery: trees without /cpus, bad #address-cells, PSCI problems") {
    using fdt_test::builder;
    {
        run r(builder().begin("").end().finish().blob(), 0);
        CHECK(std::string(r.res.problem) == "no /cpus node");
        CHECK(r.res.count == 0);
    }
    {
        run r(builder().begin("").begin("cpus").prop_u32("#address-cells", {3}).end().end().finish().blob(), 0);
        CHECK_FALSE(r.res.ok());
    }
    auto cpu = [](builder& b, const char* name, uint32_t reg) -> builder& {
        return b.begin(name).prop_str("device_type", "cpu").prop_u32("reg", {reg}).prop_str("enable-method", "psci").end();
    };
    {
        builder b;
        b.begin("").begin("psci").prop_str("compatible", "arm,psci-0.2").prop_str("method", "svc").end();
        b.begin("cpus").prop_u32("#address-cells", {1});
        cpu(b, "cpu@0", 0);
        cpu(b, "cpu@1", 1);
        b.end().end().finish();
        run r(b.blob(), 0);
        CHECK(r.res.psci.problem != nullptr);
        CHECK(r.res.count == 1);
        CHECK(r.log.has("/psci: psci method is neither hvc nor smc"));
        CHECK(r.log.has("/cpus/cpu@1: enable-method psci but no usable psci node"));
    }
    {
        builder b;
        b.begin("").begin("cpus").prop_u32("#address-cells", {1});
        // cpu-map whose leaves point nowhere or at non-cpus: ignored.
        b.begin("cpu-map").begin("cluster0").begin("core0").prop_u32("cpu", {77}).end().end().end();
        cpu(b, "cpu@0", 0);
        b.end().end().finish();
        run r(b.blob(), 0);
        CHECK(r.res.count == 1);
        CHECK_FALSE(r.cpus[0].topo.from_cpu_map);
    }
}

TEST_CASE("psci: return codes map to errors (DEN0022 5.2.2)") {
    CHECK(psci::to_result(0, 3, state::bp_bringup).ok());
    const struct { int32_t rc; const char* name; } codes[] = {
        {-1, "PSCI NOT_SUPPORTED"}, {-2, "PSCI INVALID_PARAMETERS"}, {-3, "PSCI DENIED"},
        {-4, "PSCI ALREADY_ON"},    {-5, "PSCI ON_PENDING"},        {-6, "PSCI INTERNAL_FAILURE"},
        {-7, "PSCI NOT_PRESENT"},   {-8, "PSCI DISABLED"},          {-9, "PSCI INVALID_ADDRESS"},
        {-10, "PSCI unknown code"}, {7, "PSCI unknown code"},
    };
    for (const auto& c : codes) {
        CAPTURE(c.rc);
        const result r = psci::to_result(c.rc, 3, state::bp_bringup);
        CHECK(r.code == errc::firmware_refused);
        CHECK(r.rc == c.rc);
        CHECK(r.cpu == 3);
        CHECK(r.failed_state == state::bp_bringup);
        CHECK(std::string(r.detail) == c.name);
        CHECK(std::string(psci::to_string(c.rc)) == c.name);
    }
    CHECK(std::string(to_string(errc::firmware_refused)) == "firmware refused");
    CHECK(psci::major(0x10001) == 1);
    CHECK(psci::minor(0x10001) == 1);
    CHECK(std::string(to_string(conduit::smc)) == "smc");
    CHECK(std::string(to_string(enable_method::spin_table)) == "spin-table");
}
