// SPDX-License-Identifier: MIT
// arm64 discovery from ACPI: MADT GICC structures and the FADT's PSCI flags,
// on tables built here byte by byte after ACPI 6.5 Tables 5.9, 5.47, 5.48.
#include <doctest/doctest.h>

#include <smpboot/arm64/acpi.hpp>

#include "test_acpi_builder.hpp"

#include <cstring>
#include <string>
#include <vector>

using smpboot::cpu_desc;
using smpboot::hwid_t;
using smpboot::log_level;
using smpboot::no_cpu;
namespace arm64 = smpboot::arm64;
namespace acpi = smpboot::arm64::acpi;
namespace gen = smpboot::acpi;

namespace {

using acpi_test::bytes;
using acpi_test::fix_checksum;
using acpi_test::put;
using acpi_test::sdt;

struct gicc_fields {
    uint64_t mpidr = 0;
    uint32_t flags = acpi::gicc_enabled;
    uint32_t uid = 0;
    uint32_t parking_version = 0;
    uint64_t parked = 0;
    uint8_t length = acpi::gicc_len_6_0;
};

/// ACPI 6.5 Table 5.47.
bytes gicc(const gicc_fields& f) {
    bytes e(f.length, 0);
    e[0] = 0xb;
    e[1] = f.length;
    put(e, 4, f.uid, 4);   // CPU interface number = UID, as QEMU writes it
    put(e, 8, f.uid, 4);
    put(e, 12, f.flags, 4);
    put(e, 16, f.parking_version, 4);
    put(e, 20, 23, 4);
    if (f.length >= 32) put(e, 24, f.parked, 8);
    if (f.length >= 76) {
        put(e, 60, 0x80a0000 + 0x20000 * f.uid, 8);
        put(e, 68, f.mpidr, 8);
    }
    return e;
}
bytes gicd() {
    bytes e(24, 0);
    e[0] = 0xc, e[1] = 24;
    put(e, 8, 0x8000000, 8);
    e[20] = 3;
    return e;
}

bytes madt(const std::vector<bytes>& entries, uint8_t rev = 5) {
    bytes payload(8, 0);
    for (const bytes& e : entries) payload.insert(payload.end(), e.begin(), e.end());
    return sdt("APIC", rev, payload);
}

/// A FADT (ACPI 6.5 Table 5.9, 276 bytes) with ARM_BOOT_ARCH set, cut to
/// `length` bytes (its length field too) when that is shorter.
bytes fadt(uint16_t arm_boot, uint8_t rev = 6, uint8_t minor = 0, size_t length = 276) {
    bytes t = sdt("FACP", rev, bytes(276 - 36, 0));
    put(t, 112, 1u << 20, 4);   // HW_REDUCED_ACPI
    put(t, 129, arm_boot, 2);
    t[131] = minor;
    t.resize(length);
    put(t, 4, length, 4);
    fix_checksum(t, 9, t.size());
    return t;
}

acpi::fadt_info fadt_hvc() {
    acpi::fadt_info f;
    f.revision = 6;
    f.arm_boot = acpi::boot_psci_compliant | acpi::boot_psci_use_hvc;
    return f;
}

struct run {
    arm64::cpu_info cpus[64];
    cpu_desc descs[64];
    arm64::cpu_node_report nodes[64];
    std::vector<acpi::madt_entry> entries;
    acpi::madt_info info;
    arm64::discovery_result res;
    acpi_test::log_capture log;

    static void visit(void* ctx, const acpi::madt_entry& e) { static_cast<run*>(ctx)->entries.push_back(e); }

    run(const bytes& t, uint64_t boot, const acpi::fadt_info& f = fadt_hvc(), uint32_t cap = 64) {
        arm64::discovery_log l{&acpi_test::log_capture::fn, &log};
        res = acpi::discover_cpus(t.data(), t.size(), f, boot, {cpus, cap, descs, nodes, 64}, &l,
                                  {&run::visit, this, &info});
    }
    std::vector<hwid_t> hwids() const {
        std::vector<hwid_t> v;
        for (uint32_t i = 0; i < res.count; ++i) v.push_back(cpus[i].hwid);
        return v;
    }
    std::string text() const {
        smpboot::line<200> l;
        gen::describe(res.acpi, l);
        return l.c_str();
    }
};

}  // namespace

TEST_CASE("arm64 ACPI: GICCs in table order, the boot CPU first, PSCI by HVC from the FADT") {
    run r(madt({gicd(), gicc({.mpidr = 0x0, .uid = 0}), gicc({.mpidr = 0x1, .uid = 1}),
                gicc({.mpidr = 0x100, .uid = 2}), gicc({.mpidr = 0x101, .uid = 3})}),
          0x80000100);   // MPIDR_EL1 with bit 31 (RES1): only the affinity bits count
    REQUIRE_MESSAGE(r.res.ok(), r.text());
    CHECK(r.hwids() == std::vector<hwid_t>{0x100, 0x0, 0x1, 0x101});
    CHECK(r.res.boot_cpu_found);
    CHECK(r.res.psci.present);
    CHECK(r.res.psci.method == arm64::conduit::hvc);
    CHECK(r.res.psci.fn_cpu_on == arm64::psci::fn_cpu_on64);
    CHECK(r.res.psci.fn_features == 0);   // PSCI 1.0 is not assumed
    for (uint32_t i = 0; i < r.res.count; ++i) {
        CHECK(r.cpus[i].method == arm64::enable_method::psci);
        CHECK(r.descs[i].present);
        CHECK(r.descs[i].hwid == r.cpus[i].hwid);
    }
    CHECK(r.cpus[0].uid == 2);
    CHECK(r.cpus[3].topo.cluster == 1);
    CHECK(r.info.entries == 5);
    CHECK(r.info.giccs == 4);
    REQUIRE(r.entries.size() == 5);
    CHECK(r.entries[0].use == gen::usage::info);
    CHECK(r.entries[3].boot);
    CHECK(r.entries[3].logical == 0);
    CHECK(r.entries[3].cpu.gicr_base == 0x80a0000 + 0x40000);
    CHECK(std::string(r.nodes[0].path) == "MADT entry 1 at offset 0x44");
    CHECK(r.log.lines.empty());
}

TEST_CASE("arm64 ACPI: the FADT's ARM boot flags choose PSCI and its conduit") {
    const bytes t = madt({gicc({.mpidr = 0}), gicc({.mpidr = 1})});
    SUBCASE("PSCI_COMPLIANT without PSCI_USE_HVC: SMC") {
        acpi::fadt_info f;
        REQUIRE(acpi::read_fadt(fadt(acpi::boot_psci_compliant).data(), 276, f).ok());
        CHECK(f.arm_boot == acpi::boot_psci_compliant);
        CHECK((f.flags & acpi::fadt_hw_reduced) != 0);
        run r(t, 0, f);
        REQUIRE(r.res.ok());
        CHECK(r.res.psci.method == arm64::conduit::smc);
        CHECK(r.res.count == 2);
    }
    SUBCASE("not PSCI compliant and no parked address: no enable method") {
        acpi::fadt_info f;
        REQUIRE(acpi::read_fadt(fadt(0).data(), 276, f).ok());
        run r(t, 0, f);
        REQUIRE(r.res.ok());
        CHECK_FALSE(r.res.psci.present);
        CHECK(r.res.count == 1);
        CHECK(r.res.rejected == 1);
        CHECK(r.log.has("MADT entry 1 at offset 0x7c: no enable method: the FADT has no PSCI and the GICC no "
                        "parked address 0x1"));
    }
    SUBCASE("a FADT older than ACPI 5.1 is refused") {
        acpi::fadt_info f;
        const acpi::status st = acpi::read_fadt(fadt(1, 5, 0).data(), 276, f);
        CHECK(std::string(st.why) == "older than ACPI 5.1, so it has no ARM boot flags");
        CHECK(acpi::read_fadt(fadt(1, 5, 1).data(), 276, f).ok());
    }
    SUBCASE("a FADT too short for ARM_BOOT_ARCH is refused") {
        acpi::fadt_info f;
        const bytes s = fadt(1, 6, 0, 129);
        const acpi::status st = acpi::read_fadt(s.data(), s.size(), f);
        CHECK(std::string(st.why) == "too short for the ARM boot flags (ACPI 5.1)");
    }
}

TEST_CASE("arm64 ACPI: flags, duplicates and bad MPIDRs are decided per entry") {
    run r(madt({
              gicc({.mpidr = 0x0, .uid = 0}),                                                       // 0 boot
              gicc({.mpidr = 0x1, .flags = 0, .uid = 1}),                                           // 1 disabled
              gicc({.mpidr = 0x2, .flags = acpi::gicc_online_capable, .uid = 2}),                   // 2 possible
              gicc({.mpidr = 0x3, .flags = acpi::gicc_enabled | acpi::gicc_online_capable, .uid = 3}),   // 3 note
              gicc({.mpidr = 0x3, .uid = 4}),                                                       // 4 duplicate
              gicc({.mpidr = 0x0, .uid = 5}),                                                       // 5 boot dup
              gicc({.mpidr = 0x80000004, .uid = 6}),                                                // 6 bad bits
              gicc({.mpidr = 0x1, .uid = 7}),                        // 7 fine: the disabled 0x1 took no ID
          }),
          0);
    REQUIRE_MESSAGE(r.res.ok(), r.text());
    CHECK(r.hwids() == std::vector<hwid_t>{0x0, 0x2, 0x3, 0x1});
    CHECK_FALSE(r.descs[1].present);   // online capable: possible, not present
    CHECK(r.descs[2].present);
    CHECK(r.res.possible == 1);
    CHECK(r.res.rejected == 3);
    CHECK(r.info.disabled == 1);
    CHECK(r.info.present == 3);
    REQUIRE(r.entries.size() == 8);
    CHECK(r.entries[1].use == gen::usage::disabled);
    CHECK(r.entries[2].use == gen::usage::possible);
    CHECK(r.entries[2].logical == 1);
    CHECK(std::string(r.entries[3].problem) == "online capable set on an enabled GICC (ignored)");
    CHECK(std::string(r.entries[4].problem) == "duplicate CPU MPIDR");
    CHECK(std::string(r.entries[5].problem) == "duplicate CPU MPIDR (the boot CPU's)");
    CHECK(std::string(r.entries[6].problem) == "invalid MPIDR (bits outside the affinity fields)");
    CHECK(r.log.has("MADT entry 4 at offset 0x16c: duplicate CPU MPIDR 0x3"));
    CHECK(std::string(r.nodes[4].problem) == "duplicate CPU MPIDR");
}

TEST_CASE("arm64 ACPI: the parking protocol fields are kept, PSCI still wins") {
    const bytes t = madt({gicc({.mpidr = 0}), gicc({.mpidr = 1, .parking_version = 1, .parked = 0x8fff0000})});
    SUBCASE("with PSCI in the FADT") {
        run r(t, 0);
        REQUIRE(r.res.count == 2);
        CHECK(r.cpus[1].method == arm64::enable_method::psci);
        CHECK(r.cpus[1].parking_version == 1);
        CHECK(r.cpus[1].mailbox == 0x8fff0000);
        CHECK(r.entries[1].cpu.parked_address == 0x8fff0000);
    }
    SUBCASE("without PSCI: the parking protocol, version 1, accepted") {
        run r(t, 0, acpi::fadt_info{6, 0, 0, 0});
        REQUIRE_MESSAGE(r.res.count == 2, r.text());
        CHECK(r.cpus[1].method == arm64::enable_method::parking_protocol);
        CHECK(r.cpus[1].parking_version == 1);
        CHECK(r.cpus[1].mailbox == 0x8fff0000);
        CHECK(r.entries[1].method == arm64::enable_method::parking_protocol);
        CHECK(r.entries[1].use == gen::usage::present);
        CHECK(r.nodes[1].method == arm64::enable_method::parking_protocol);
        CHECK(std::string(r.nodes[1].method_name) == "parking-protocol");
    }
}

TEST_CASE("arm64 ACPI: a parking protocol GICC the backend cannot drive is refused with the reason") {
    const acpi::fadt_info no_psci{6, 0, 0, 0};
    SUBCASE("version 2") {
        run r(madt({gicc({.mpidr = 0}), gicc({.mpidr = 1, .parking_version = 2, .parked = 0x8fff0000})}), 0, no_psci);
        CHECK(r.res.count == 1);
        CHECK(r.entries[1].use == gen::usage::rejected);
        CHECK(std::string(r.nodes[1].problem) == "parking protocol: version is not 1");
    }
    SUBCASE("a mailbox that is not 4 KiB aligned") {
        run r(madt({gicc({.mpidr = 0}), gicc({.mpidr = 1, .parking_version = 1, .parked = 0x8fff0800})}), 0, no_psci);
        CHECK(r.res.count == 1);
        CHECK(r.entries[1].use == gen::usage::rejected);
        CHECK(std::string(r.nodes[1].problem) == "parking protocol: mailbox not 4 KiB aligned");
    }
}

TEST_CASE("arm64 ACPI: GICC lengths of every revision; shorter ones are malformed") {
    SUBCASE("76 (ACPI 5.1), 80 (6.0), 82 (6.5) and a longer one") {
        run r(madt({gicc({.mpidr = 0, .length = 76}), gicc({.mpidr = 1, .length = 80}),
                    gicc({.mpidr = 2, .length = 82}), gicc({.mpidr = 3, .length = 90})}),
              0);
        REQUIRE_MESSAGE(r.res.ok(), r.text());
        CHECK(r.res.count == 4);
        CHECK(r.log.has("MADT entry 3 at offset 0x11a: longer than ACPI 6.5 defines (the extra bytes are ignored)"));
    }
    SUBCASE("40 (ACPI 5.0: no MPIDR)") {
        run r(madt({gicc({.mpidr = 0}), gicc({.mpidr = 1, .length = 40})}), 0);
        CHECK_FALSE(r.res.ok());
        CHECK(r.text() == "MADT entry 1 at offset 0x7c: too short for a GICC (ACPI 5.1: 76 bytes) (0x28)");
        CHECK(r.res.count == 0);
    }
    SUBCASE("a structure running past the end") {
        bytes t = madt({gicc({.mpidr = 0}), gicc({.mpidr = 1})});
        t[44 + 80 + 1] = 120;
        fix_checksum(t, 9, t.size());
        run r(t, 0);
        CHECK(r.text() == "MADT entry 1 at offset 0x7c: structure runs past the end of the table (0x78)");
    }
    SUBCASE("a bad checksum") {
        bytes t = madt({gicc({.mpidr = 0})});
        t[50] ^= 1;
        run r(t, 0);
        CHECK(r.text() == "MADT at offset 0x9: bad checksum");
    }
}

TEST_CASE("arm64 ACPI: a missing boot CPU enables no secondaries; capacity drops are counted") {
    const bytes t = madt({gicc({.mpidr = 0}), gicc({.mpidr = 1}), gicc({.mpidr = 2})});
    SUBCASE("boot CPU absent") {
        run r(t, 0x7);
        REQUIRE(r.res.ok());
        CHECK_FALSE(r.res.boot_cpu_found);
        CHECK(r.res.count == 1);
        CHECK(r.cpus[0].hwid == 0x7);
        CHECK(r.res.rejected == 3);
        CHECK(r.log.has("MADT: missing boot CPU MPIDR, not enabling secondaries"));
    }
    SUBCASE("capacity 2") {
        run r(t, 0x1, fadt_hvc(), 2);
        CHECK(r.hwids() == std::vector<hwid_t>{0x1, 0x0});
        CHECK(r.res.dropped == 1);
        CHECK(r.entries[2].use == gen::usage::dropped);
        CHECK(r.log.has("MADT: cpus dropped past max_cpus: 0x1"));
    }
}

TEST_CASE("arm64 ACPI: discover() walks RSDP, XSDT, FADT and MADT") {
    bytes mem(1u << 16, 0);
    const uint64_t base = 0x40000000, rsdp_at = base, xsdt_at = base + 0x100, fadt_at = base + 0x1000,
                   madt_at = base + 0x2000;
    const bytes f = fadt(acpi::boot_psci_compliant), m = madt({gicc({.mpidr = 0}), gicc({.mpidr = 0x100})});
    bytes ptrs(16, 0);
    put(ptrs, 0, fadt_at, 8);
    put(ptrs, 8, madt_at, 8);
    const bytes x = sdt("XSDT", 1, ptrs);
    bytes r(36, 0);
    std::memcpy(r.data(), "RSD PTR ", 8);
    r[15] = 2;
    put(r, 20, 36, 4);
    put(r, 24, xsdt_at, 8);
    fix_checksum(r, 8, 20);
    fix_checksum(r, 32, 36);
    auto place = [&](uint64_t at, const bytes& b) { std::copy(b.begin(), b.end(), mem.begin() + long(at - base)); };
    place(rsdp_at, r);
    place(xsdt_at, x);
    place(fadt_at, f);
    place(madt_at, m);
    gen::buffer_memory view{mem.data(), base, mem.size()};
    arm64::cpu_info cpus[4];
    cpu_desc descs[4];
    arm64::discovery_result res = acpi::discover(view.reader(), rsdp_at, 0x100, {cpus, 4, descs, nullptr, 0});
    REQUIRE(res.ok());
    CHECK(res.count == 2);
    CHECK(cpus[0].hwid == 0x100);
    CHECK(res.psci.method == arm64::conduit::smc);

    // No FADT: refused, with the root table named.
    put(mem, xsdt_at - base + 36, 0, 8);
    fix_checksum(mem, xsdt_at - base + 9, x.size(), xsdt_at - base);
    res = acpi::discover(view.reader(), rsdp_at, 0x100, {cpus, 4, descs, nullptr, 0});
    CHECK_FALSE(res.ok());
    CHECK(std::string(res.acpi.why) == "no table with the wanted signature");
}
