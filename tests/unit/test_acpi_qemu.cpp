// SPDX-License-Identifier: MIT
// Discovery on real firmware tables: RSDP, RSDT and MADT as QEMU 7.2 built
// them, dumped by the x86_64 example (smpboot.acpidump=1) and converted by
// tests/data/acpi/acpidump-to-bin.py. Each table sits at its original
// physical address behind a sparse phys_reader.
#include <doctest/doctest.h>

#include <smpboot/arm64/acpi.hpp>
#include <smpboot/x86/acpi.hpp>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

// smpboot::acpi (the shared reader) and smpboot::x86::acpi would both be
// "acpi" under two using-directives: name the x86 one.
using smpboot::cpu_desc;
using smpboot::cpu_id;
using smpboot::hwid_t;
using smpboot::line;
using smpboot::no_cpu;
namespace acpi = smpboot::x86::acpi;

namespace {

struct region {
    uint64_t phys;
    std::vector<uint8_t> bytes;
};

struct dump {
    std::vector<region> regions;
    std::vector<acpi::madt_entry> listing;

    explicit dump(const char* name) {
        const std::string path = std::string(SMPBOOT_TEST_DATA_DIR) + "/acpi/" + name + ".tables";
        std::ifstream f(path, std::ios::binary);
        REQUIRE_MESSAGE(f.good(), "missing " << path);
        const std::vector<uint8_t> all{std::istreambuf_iterator<char>(f), {}};
        REQUIRE(all.size() >= 8);
        REQUIRE(std::memcmp(all.data(), "SMPBACPI", 8) == 0);
        size_t at = 8;
        while (at + 16 <= all.size()) {
            uint64_t phys;
            uint32_t len;
            std::memcpy(&phys, &all[at], 8);
            std::memcpy(&len, &all[at + 8], 4);
            at += 16;
            REQUIRE(at + len <= all.size());
            regions.push_back({phys, {all.begin() + long(at), all.begin() + long(at + len)}});
            at += (len + 7) & ~size_t{7};
        }
    }

    static const void* map(void* ctx, uint64_t phys, size_t len) {
        for (const region& r : static_cast<dump*>(ctx)->regions)
            if (phys >= r.phys && phys - r.phys <= r.bytes.size() && len <= r.bytes.size() - (phys - r.phys))
                return r.bytes.data() + (phys - r.phys);
        return nullptr;
    }
    static void visit(void* ctx, const acpi::madt_entry& e) { static_cast<dump*>(ctx)->listing.push_back(e); }

    acpi::status discover(hwid_t boot, cpu_desc* out, uint32_t cap, uint32_t& n, acpi::madt_info& info) {
        listing.clear();
        return acpi::discover({&dump::map, this}, regions.at(0).phys, boot, out, cap, n, info, &dump::visit,
                              this);
    }
};

std::string text(const acpi::status& st) {
    line<200> l;
    acpi::describe(st, l);
    return l.c_str();
}

}  // namespace

TEST_CASE("QEMU q35 -smp 2,maxcpus=8: disabled hot-add entries are skipped") {
    dump d("qemu72-q35-smp2-maxcpus8");
    cpu_desc cpus[16];
    uint32_t n = 0;
    acpi::madt_info info;
    acpi::status st = d.discover(0, cpus, 16, n, info);
    REQUIRE_MESSAGE(st.ok(), text(st));
    CHECK(n == 2);
    CHECK(cpus[0].hwid == 0);
    CHECK(cpus[1].hwid == 1);
    CHECK(info.present == 2);
    CHECK(info.disabled == 6);
    CHECK(info.lapic_phys == 0xfee00000);
    CHECK_FALSE(info.lapic_override);
}

TEST_CASE("QEMU pc -smp 6,sockets=2,cores=3: non-contiguous APIC IDs") {
    dump d("qemu72-pc-smp6-2x3");
    cpu_desc cpus[16];
    uint32_t n = 0;
    acpi::madt_info info;
    acpi::status st = d.discover(4, cpus, 16, n, info);   // pretend we boot on socket 1
    REQUIRE_MESSAGE(st.ok(), text(st));
    const hwid_t want[] = {4, 0, 1, 2, 5, 6};
    REQUIRE(n == 6);
    for (uint32_t i = 0; i < n; ++i) CHECK(cpus[i].hwid == want[i]);
}

TEST_CASE("QEMU q35 -smp 255: every ID 0..254 once, in order") {
    dump d("qemu72-q35-smp255");
    cpu_desc cpus[256];
    uint32_t n = 0;
    acpi::madt_info info;
    acpi::status st = d.discover(0, cpus, 256, n, info);
    REQUIRE_MESSAGE(st.ok(), text(st));
    REQUIRE(n == 255);
    for (uint32_t i = 0; i < n; ++i) CHECK(cpus[i].hwid == i);
    // With room for 64 the rest is dropped, not an error.
    st = d.discover(0, cpus, 64, n, info);
    REQUIRE(st.ok());
    CHECK(n == 64);
    CHECK(info.dropped == 255 - 64);
}

TEST_CASE("QEMU q35 (KVM) maxcpus=258: x2APIC entries for IDs above 255") {
    dump d("qemu72-q35-kvm-maxcpus258");
    cpu_desc cpus[300];
    uint32_t n = 0;
    acpi::madt_info info;
    acpi::status st = d.discover(0, cpus, 300, n, info);
    REQUIRE_MESSAGE(st.ok(), text(st));
    CHECK(n == 1);
    CHECK(info.disabled == 257);
    uint32_t x2 = 0;
    bool saw_0x100 = false;
    for (const acpi::madt_entry& e : d.listing) {
        if (e.type != uint8_t(acpi::madt_type::local_x2apic)) continue;
        ++x2;
        CHECK(e.hwid >= 0x100);
        CHECK(e.use == acpi::usage::disabled);
        saw_0x100 |= e.hwid == 0x100;
    }
    CHECK(x2 == 129);
    CHECK(saw_0x100);
}

TEST_CASE("QEMU tables, truncated: every cut gives a located error, never a crash") {
    dump d("qemu72-q35-smp2-maxcpus8");
    region& madt = d.regions.back();
    const std::vector<uint8_t> full = madt.bytes;
    for (size_t len = 0; len < full.size(); ++len) {
        madt.bytes.assign(full.begin(), full.begin() + long(len));
        madt.bytes.shrink_to_fit();
        cpu_desc cpus[16];
        uint32_t n = 0;
        acpi::madt_info info;
        acpi::status st = d.discover(0, cpus, 16, n, info);
        CHECK_FALSE(st.ok());
        CHECK(st.why != nullptr);
    }
}

// arm64: QEMU 7.2 virt under AAVMF, dumped by the arm64 example
// (smpboot.acpidump=1): RSDP -> XSDT -> FADT (PSCI flags) and MADT (GICCs).
namespace {
struct arm64_run {
    dump d;
    smpboot::arm64::cpu_info cpus[32];
    cpu_desc descs[32];
    smpboot::arm64::discovery_result res;
    arm64_run(const char* name, uint64_t boot) : d(name) {
        res = smpboot::arm64::acpi::discover({&dump::map, &d}, d.regions.at(0).phys, boot, {cpus, 32, descs, nullptr, 0});
    }
};
}  // namespace

TEST_CASE("QEMU virt GICv3 -smp 20 (ACPI): 16 CPUs per cluster, PSCI by HVC") {
    arm64_run r("qemu72-virt-gicv3-smp20", 0x80000000);
    REQUIRE_MESSAGE(r.res.ok(), text(r.res.acpi));
    REQUIRE(r.res.count == 20);
    for (uint32_t i = 0; i < 20; ++i) CHECK(r.cpus[i].hwid == (i < 16 ? i : 0x100 + (i - 16)));
    CHECK(r.res.psci.method == smpboot::arm64::conduit::hvc);
    CHECK(r.res.rejected == 0);
    CHECK(r.cpus[19].uid == 19);
    CHECK(r.cpus[1].parking_version == 0);
}

TEST_CASE("QEMU virt GICv2 virtualization=on -smp 4 (ACPI): PSCI by SMC, boot CPU first") {
    arm64_run r("qemu72-virt-gicv2-el2-smp4", 0x2);
    REQUIRE_MESSAGE(r.res.ok(), text(r.res.acpi));
    REQUIRE(r.res.count == 4);
    CHECK(r.cpus[0].hwid == 2);
    CHECK(r.cpus[1].hwid == 0);
    CHECK(r.cpus[3].hwid == 3);
    CHECK(r.res.psci.method == smpboot::arm64::conduit::smc);
}
