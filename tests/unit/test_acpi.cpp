// SPDX-License-Identifier: MIT
// ACPI discovery: RSDP search, RSDT/XSDT, MADT classification, and that
// malformed tables give a located error instead of a crash.
#include <doctest/doctest.h>

#include <smpboot/x86/acpi.hpp>

#include "test_acpi_builder.hpp"

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

using acpi_test::bytes;
using acpi_test::fix_checksum;
using acpi_test::put16;
using acpi_test::put32;
using acpi_test::put64;
using acpi_test::sdt;

bytes lapic(uint8_t uid, uint8_t id, uint32_t flags) {
    bytes e(8, 0);
    e[0] = 0, e[1] = 8, e[2] = uid, e[3] = id;
    put32(e, 4, flags);
    return e;
}
bytes x2apic(uint32_t uid, uint32_t id, uint32_t flags) {
    bytes e(16, 0);
    e[0] = 9, e[1] = 16;
    put32(e, 4, id);
    put32(e, 8, flags);
    put32(e, 12, uid);
    return e;
}
bytes lapic_override(uint64_t addr) {
    bytes e(12, 0);
    e[0] = 5, e[1] = 12;
    put64(e, 4, addr);
    return e;
}
/// ACPI 6.4 Table 5.44 (16 bytes); version 1 adds ACPI 6.6's ResetVector.
bytes mp_wakeup(uint64_t mailbox, uint16_t version = 0, uint64_t reset_vector = 0) {
    bytes e(version >= 1 ? 24 : 16, 0);
    e[0] = 0x10, e[1] = uint8_t(e.size());
    put16(e, 2, version);
    put64(e, 8, mailbox);
    if (version >= 1) put64(e, 16, reset_vector);
    return e;
}
bytes ioapic() {
    bytes e(12, 0);
    e[0] = 1, e[1] = 12, e[2] = 0x10;
    put32(e, 4, 0xfec00000);
    return e;
}

bytes madt(uint8_t rev, const std::vector<bytes>& entries, uint32_t lapic_addr = 0xfee00000) {
    bytes payload(8, 0);
    put32(payload, 0, lapic_addr);
    put32(payload, 4, 1);
    for (const bytes& e : entries) payload.insert(payload.end(), e.begin(), e.end());
    return sdt("APIC", rev, payload);
}

/// Physical memory 0 .. 2 MiB with the tables placed in it.
struct machine {
    bytes mem = bytes(2u << 20, 0);
    acpi::buffer_memory view{};

    static constexpr uint64_t rsdp_at = 0xe0040, root_at = 0x100000, madt_at = 0x101000;

    void place(uint64_t at, const bytes& b) { std::copy(b.begin(), b.end(), mem.begin() + long(at)); }

    /// RSDP (revision 2 with XSDT, or 0 with RSDT) -> root -> other tables + MADT.
    void build(const bytes& madt_table, bool use_xsdt = true, uint64_t rsdp_phys = rsdp_at) {
        bytes fadt = sdt("FACP", 6, bytes(64, 0));
        place(0x102000, fadt);
        place(madt_at, madt_table);
        const std::vector<uint64_t> tables{0x102000, madt_at};
        bytes ptrs(tables.size() * (use_xsdt ? 8 : 4), 0);
        for (size_t i = 0; i < tables.size(); ++i) {
            if (use_xsdt) put64(ptrs, i * 8, tables[i]);
            else put32(ptrs, i * 4, uint32_t(tables[i]));
        }
        place(root_at, sdt(use_xsdt ? "XSDT" : "RSDT", 1, ptrs));
        bytes r(36, 0);
        std::memcpy(r.data(), "RSD PTR ", 8);
        std::memcpy(r.data() + 9, "SMPBT ", 6);
        r[15] = use_xsdt ? 2 : 0;
        put32(r, 16, use_xsdt ? 0 : uint32_t(root_at));
        put32(r, 20, 36);
        put64(r, 24, use_xsdt ? root_at : 0);
        fix_checksum(r, 8, 20);
        if (use_xsdt) fix_checksum(r, 32, 36);
        place(rsdp_phys, r);
        view = {mem.data(), 0, mem.size()};
    }
};

struct listing {
    std::vector<acpi::madt_entry> entries;
    static void visit(void* ctx, const acpi::madt_entry& e) {
        static_cast<listing*>(ctx)->entries.push_back(e);
    }
};

std::string text(const acpi::status& st) {
    line<200> l;
    acpi::describe(st, l);
    return l.c_str();
}

bytes load_aml(const char* name) {
#ifdef SMPBOOT_ACPI_AML_DIR
    std::ifstream f(std::string(SMPBOOT_ACPI_AML_DIR) + "/" + name + ".aml", std::ios::binary);
    REQUIRE_MESSAGE(f.good(), "missing compiled table " << name);
    return bytes(std::istreambuf_iterator<char>(f), {});
#else
    FAIL("built without the iasl tables (SMPBOOT_ACPI_AML_DIR)");
    return {};
#endif
}

/// Every warning, as describe() prints it.
struct warnings {
    std::vector<std::string> lines;
    acpi::warn_sink sink{&warnings::fn, this};
    static void fn(void* ctx, const acpi::status& w) {
        line<200> l;
        acpi::describe(w, l);
        static_cast<warnings*>(ctx)->lines.push_back(l.c_str());
    }
};

struct scan {
    cpu_desc cpus[512];
    uint32_t n = 0;
    acpi::madt_info info;
    listing list;
    warnings warned;
    acpi::status st;

    scan(const bytes& t, hwid_t boot, uint32_t cap = 512) {
        st = acpi::scan_madt(t.data(), t.size(), boot, cpus, cap, n, info, &listing::visit, &list, &warned.sink);
    }
};

}  // namespace

TEST_CASE("MADT: boot CPU first, then table order; flags decide present/possible/skipped") {
    const bytes t = madt(5, {ioapic(), lapic(0, 0, 1), lapic(1, 1, 0), lapic(2, 2, 1),
                             lapic(3, 3, 2), x2apic(4, 0x100, 1), x2apic(5, 0x101, 2),
                             x2apic(6, 0x102, 0), lapic(7, 7, 1)});
    scan s(t, 2);
    REQUIRE(s.st.ok());
    REQUIRE(s.n == 6);
    CHECK(s.cpus[0].hwid == 2);
    CHECK(s.cpus[0].present);
    const hwid_t want[] = {2, 0, 3, 0x100, 0x101, 7};
    const bool present[] = {true, true, false, true, false, true};
    for (uint32_t i = 0; i < s.n; ++i) {
        CHECK(s.cpus[i].hwid == want[i]);
        CHECK(s.cpus[i].present == present[i]);
    }
    CHECK(s.info.present == 4);
    CHECK(s.info.possible == 2);
    CHECK(s.info.disabled == 2);
    CHECK(s.info.entries == 9);
    CHECK(s.info.lapic_phys == 0xfee00000);
    CHECK_FALSE(s.info.lapic_override);

    REQUIRE(s.list.entries.size() == 9);
    CHECK(s.list.entries[0].use == acpi::usage::info);
    CHECK(s.list.entries[1].logical == 1);
    CHECK(s.list.entries[2].use == acpi::usage::disabled);
    CHECK(s.list.entries[2].logical == no_cpu);
    CHECK(s.list.entries[3].boot);
    CHECK(s.list.entries[3].logical == 0);
    CHECK(s.list.entries[4].use == acpi::usage::possible);
    CHECK(s.list.entries[6].use == acpi::usage::possible);
    CHECK(s.list.entries[6].hwid == 0x101);
    CHECK(s.list.entries[7].use == acpi::usage::disabled);
    CHECK(s.list.entries[8].offset == 44 + 12 + 4 * 8 + 3 * 16);
}

TEST_CASE("MADT: Online Capable is reserved before revision 5") {
    const bytes t = madt(4, {lapic(0, 0, 1), lapic(1, 1, 2), x2apic(2, 0x200, 2)});
    scan s(t, 0);
    REQUIRE(s.st.ok());
    CHECK(s.n == 1);
    CHECK(s.info.disabled == 2);
    CHECK(s.info.possible == 0);
}

TEST_CASE("MADT: the Local APIC Address Override wins over the header") {
    const bytes t = madt(3, {lapic(0, 0, 1), lapic_override(0x1'fee0'0000), lapic_override(0x1234000)});
    scan s(t, 0);
    REQUIRE(s.st.ok());
    CHECK(s.info.lapic_override);
    CHECK(s.info.lapic_phys == 0x1'fee0'0000);
    CHECK(s.list.entries[2].problem != nullptr);   // the second override is ignored
}

TEST_CASE("MADT: the Multiprocessor Wakeup structure gives the mailbox; bad or second ones are listed, not used") {
    {
        scan s(madt(5, {lapic(0, 0, 1), mp_wakeup(0x7fff000), lapic(1, 1, 1)}), 0);
        REQUIRE(s.st.ok());
        CHECK(s.info.mp_wakeup_mailbox == 0x7fff000);
        CHECK(s.info.mp_wakeup_version == 0);
        CHECK(s.info.mp_wakeup_reset_vector == 0);
        CHECK(s.n == 2);   // not a CPU
        CHECK(s.list.entries[1].type == 0x10);
        CHECK(s.list.entries[1].use == acpi::usage::info);
        CHECK(s.list.entries[1].address == 0x7fff000);
        CHECK(s.list.entries[1].problem == nullptr);
    }
    {
        // ACPI 6.6: MailboxVersion 1 with a ResetVector; a second structure is ignored.
        scan s(madt(5, {lapic(0, 0, 1), mp_wakeup(0x100000, 1, 0x9f000), mp_wakeup(0x200000)}), 0);
        REQUIRE(s.st.ok());
        CHECK(s.info.mp_wakeup_mailbox == 0x100000);
        CHECK(s.info.mp_wakeup_version == 1);
        CHECK(s.info.mp_wakeup_reset_vector == 0x9f000);
        REQUIRE(s.list.entries[2].problem != nullptr);
        CHECK(std::string(s.list.entries[2].problem).find("second") != std::string::npos);
    }
    {
        // "a 4K-aligned 4K-size memory block": anything else is not used.
        scan s(madt(5, {lapic(0, 0, 1), mp_wakeup(0x100800)}), 0);
        REQUIRE(s.st.ok());
        CHECK(s.info.mp_wakeup_mailbox == 0);
        REQUIRE(s.list.entries[1].problem != nullptr);
        CHECK(std::string(s.list.entries[1].problem).find("4 KiB") != std::string::npos);
    }
    {
        // Too short to hold MailboxAddress: a structural error naming the entry.
        bytes e = mp_wakeup(0x100000);
        e.resize(12);
        e[1] = 12;
        scan s(madt(5, {lapic(0, 0, 1), e}), 0);
        CHECK_FALSE(s.st.ok());
        CHECK(s.st.entry == 1);
        CHECK(text(s.st).find("Multiprocessor Wakeup") != std::string::npos);
    }
}

TEST_CASE("MADT: duplicate and broadcast IDs are rejected, the rest still read") {
    const bytes t = madt(5, {lapic(0, 0, 1), lapic(1, 1, 1), lapic(2, 1, 1), lapic(3, 0xff, 1),
                             x2apic(4, 0xffffffff, 1), x2apic(5, 0, 1), lapic(6, 6, 1)});
    scan s(t, 0);
    REQUIRE(s.st.ok());
    REQUIRE(s.n == 3);
    CHECK(s.cpus[2].hwid == 6);
    CHECK(s.info.rejected == 4);
    CHECK(std::string(s.list.entries[2].problem) == "duplicate APIC ID");
    CHECK(s.list.entries[3].use == acpi::usage::rejected);
    CHECK(s.list.entries[5].use == acpi::usage::rejected);   // x2APIC ID 0 = the boot CPU again
}

TEST_CASE("MADT: CPUs beyond the capacity are dropped and counted") {
    std::vector<bytes> e;
    for (uint8_t i = 0; i < 10; ++i) e.push_back(lapic(i, i, 1));
    scan s(madt(5, e), 9, 4);
    REQUIRE(s.st.ok());
    CHECK(s.n == 4);
    CHECK(s.cpus[0].hwid == 9);
    CHECK(s.cpus[3].hwid == 2);
    CHECK(s.info.dropped == 6);
    CHECK(s.info.present == 4);
}

TEST_CASE("MADT: a tool without a boot CPU takes the first enabled entry") {
    scan s(madt(5, {lapic(0, 4, 0), lapic(1, 5, 1), lapic(2, 6, 1)}), acpi::any_boot_cpu);
    REQUIRE(s.st.ok());
    CHECK(s.cpus[0].hwid == 5);
    CHECK(s.n == 2);
}

TEST_CASE("MADT: malformed tables name the entry and the reason") {
    SUBCASE("bad checksum") {
        bytes t = madt(5, {lapic(0, 0, 1)});
        t[40] ^= 1;
        scan s(t, 0);
        CHECK(text(s.st) == "MADT at offset 0x9: bad checksum");
    }
    SUBCASE("structure length 0 would loop forever") {
        bytes t = madt(5, {lapic(0, 0, 1), lapic(1, 1, 1)});
        t[44 + 8 + 1] = 0;
        fix_checksum(t, 9, t.size());
        scan s(t, 0);
        CHECK(text(s.st) == "MADT entry 1 at offset 0x34: structure length below 2 (0x0)");
        CHECK(s.st.entry == 1);
    }
    SUBCASE("structure runs past the end") {
        bytes t = madt(5, {lapic(0, 0, 1), lapic(1, 1, 1)});
        t[44 + 8 + 1] = 9;
        fix_checksum(t, 9, t.size());
        scan s(t, 0);
        CHECK(s.st.entry == 1);
        CHECK(std::string(s.st.why) == "structure runs past the end of the table");
    }
    SUBCASE("a type 0 structure too short for its fields") {
        bytes t = madt(5, {lapic(0, 0, 1), lapic(1, 1, 1), lapic(2, 2, 1)});
        t[44 + 16 + 1] = 6;   // 8 -> 6: the chain stays inside the table
        fix_checksum(t, 9, t.size());
        scan s(t, 0);
        CHECK(s.st.entry == 2);
        CHECK(std::string(s.st.why) == "too short for a Processor Local APIC");
    }
    SUBCASE("a truncated structure header") {
        bytes t = madt(5, {lapic(0, 0, 1)});
        t.push_back(0);
        put32(t, 4, uint32_t(t.size()));
        fix_checksum(t, 9, t.size());
        scan s(t, 0);
        CHECK(s.st.entry == 1);
        CHECK(std::string(s.st.why) == "truncated structure header");
    }
    SUBCASE("length field larger than what is readable") {
        bytes t = madt(5, {lapic(0, 0, 1)});
        put32(t, 4, 4096);
        scan s(t, 0);
        CHECK(std::string(s.st.why) == "length beyond the readable table");
    }
    SUBCASE("wrong signature") {
        bytes t = madt(5, {lapic(0, 0, 1)});
        t[0] = 'X';
        scan s(t, 0);
        CHECK(std::string(s.st.why) == "bad signature");
    }
}

TEST_CASE("MADT: what Linux accepts is accepted with a warning") {
    SUBCASE("a Local APIC structure longer than 8 bytes") {
        bytes longer = lapic(1, 1, 1);
        longer.resize(10, 0);
        longer[1] = 10;
        scan s(madt(5, {lapic(0, 0, 1), longer, lapic(2, 2, 1)}), 0);
        REQUIRE_MESSAGE(s.st.ok(), text(s.st));
        CHECK(s.n == 3);
        CHECK(s.cpus[1].hwid == 1);
        CHECK(s.cpus[2].hwid == 2);
        REQUIRE(s.warned.lines.size() == 1);
        CHECK(s.warned.lines[0] ==
              "MADT entry 1 at offset 0x34: longer than ACPI 6.5 defines (the extra bytes are ignored) (0xa)");
        CHECK(s.list.entries[1].problem != nullptr);
    }
    SUBCASE("the boot CPU is not listed: logical 0 anyway, the others follow") {
        scan s(madt(5, {lapic(0, 0, 1), lapic(1, 1, 1)}), 3);
        REQUIRE_MESSAGE(s.st.ok(), text(s.st));
        CHECK_FALSE(s.info.boot_listed);
        REQUIRE(s.n == 3);
        CHECK(s.cpus[0].hwid == 3);
        CHECK(s.cpus[1].hwid == 0);
        CHECK(s.cpus[2].hwid == 1);
        CHECK(s.info.present == 3);
        REQUIRE(s.warned.lines.size() == 1);
        CHECK(s.warned.lines[0] == "MADT: the boot CPU's APIC ID is not listed (it runs as logical 0 anyway) (0x3)");
    }
}

TEST_CASE("discover: RSDP in the BIOS area, XSDT, MADT") {
    machine m;
    m.build(madt(5, {lapic(0, 0, 1), lapic(1, 1, 1), x2apic(2, 0x300, 1)}));
    cpu_desc cpus[8];
    uint32_t n = 0;
    acpi::madt_info info;
    acpi::status st = acpi::discover(m.view.reader(), 0, 1, cpus, 8, n, info);
    REQUIRE_MESSAGE(st.ok(), text(st));
    CHECK(n == 3);
    CHECK(cpus[0].hwid == 1);
    CHECK(cpus[1].hwid == 0);
    CHECK(cpus[2].hwid == 0x300);

    uint64_t found = 0;
    REQUIRE(acpi::find_rsdp(m.view.reader(), found).ok());
    CHECK(found == machine::rsdp_at);
}

TEST_CASE("discover: RSDP in the EBDA, revision 0 with an RSDT; a stray signature is skipped") {
    machine m;
    const uint64_t ebda = 0x9fc00;
    m.build(madt(1, {lapic(0, 0, 1), lapic(1, 1, 1)}), false, ebda + 0x20);
    put16(m.mem, 0x40e, uint16_t(ebda >> 4));
    std::memcpy(m.mem.data() + ebda, "RSD PTR ", 8);   // bad checksum: not it
    uint64_t found = 0;
    REQUIRE(acpi::find_rsdp(m.view.reader(), found).ok());
    CHECK(found == ebda + 0x20);
    cpu_desc cpus[8];
    uint32_t n = 0;
    acpi::madt_info info;
    acpi::status st = acpi::discover(m.view.reader(), 0, 0, cpus, 8, n, info);
    REQUIRE_MESSAGE(st.ok(), text(st));
    CHECK(n == 2);
}

TEST_CASE("discover: an XSDT with a partial pointer at its end is read, with a warning") {
    machine m;
    m.build(madt(5, {lapic(0, 0, 1), lapic(1, 1, 1)}));
    // Four more bytes in the XSDT: 2.5 pointers; ACPICA reads the whole two.
    put32(m.mem, machine::root_at + 4, 36 + 16 + 4);
    fix_checksum(m.mem, machine::root_at + 9, 36 + 16 + 4, machine::root_at);
    cpu_desc cpus[4];
    uint32_t n = 0;
    acpi::madt_info info;
    warnings w;
    acpi::status st = acpi::discover(m.view.reader(), machine::rsdp_at, 0, cpus, 4, n, info, nullptr, nullptr, &w.sink);
    REQUIRE_MESSAGE(st.ok(), text(st));
    CHECK(n == 2);
    REQUIRE(w.lines.size() == 1);
    CHECK(w.lines[0] == "XSDT at offset 0x4: length is not a whole number of pointers (the tail is ignored) (0x38)");
}

TEST_CASE("discover: root table problems are located") {
    machine m;
    m.build(madt(5, {lapic(0, 0, 1)}));
    cpu_desc cpus[4];
    uint32_t n = 0;
    acpi::madt_info info;
    SUBCASE("no RSDP anywhere") {
        std::fill(m.mem.begin() + 0xe0000, m.mem.begin() + 0x100000, 0);
        acpi::status st = acpi::discover(m.view.reader(), 0, 0, cpus, 4, n, info);
        CHECK(std::string(st.table) == "RSDP");
    }
    SUBCASE("XSDT pointer to unmapped memory") {
        put64(m.mem, machine::root_at + 36 + 8, 0x4000'0000);
        fix_checksum(m.mem, machine::root_at + 9, 36 + 16, machine::root_at);
        acpi::status st = acpi::discover(m.view.reader(), machine::rsdp_at, 0, cpus, 4, n, info);
        CHECK(text(st) == "XSDT entry 1 at offset 0x2c: points to unmapped memory (0x40000000)");
    }
    SUBCASE("an unreadable pointer before the MADT does not hide it") {
        put64(m.mem, machine::root_at + 36, 0x4000'0000);
        fix_checksum(m.mem, machine::root_at + 9, 36 + 16, machine::root_at);
        acpi::status st = acpi::discover(m.view.reader(), machine::rsdp_at, 0, cpus, 4, n, info);
        CHECK_MESSAGE(st.ok(), text(st));
        CHECK(n == 1);
    }
    SUBCASE("MADT with a bad checksum, reached through the XSDT") {
        m.mem[machine::madt_at + 44] ^= 0x80;
        acpi::status st = acpi::discover(m.view.reader(), machine::rsdp_at, 0, cpus, 4, n, info);
        CHECK(std::string(st.table) == "APIC");
        CHECK(st.entry == 1);
        CHECK(std::string(st.why) == "bad checksum");
    }
    SUBCASE("RSDP extended checksum") {
        m.mem[machine::rsdp_at + 33] ^= 1;
        acpi::status st = acpi::discover(m.view.reader(), machine::rsdp_at, 0, cpus, 4, n, info);
        CHECK(std::string(st.why) == "bad extended checksum");
    }
    SUBCASE("implausible MADT length") {
        put32(m.mem, machine::madt_at + 4, 0xffffffff);
        acpi::status st = acpi::discover(m.view.reader(), machine::rsdp_at, 0, cpus, 4, n, info);
        CHECK(std::string(st.why) == "implausible length");
    }
}

TEST_CASE("MADT: random corruption never crashes or reads out of bounds") {
    const bytes good = madt(5, {ioapic(), lapic(0, 0, 1), lapic(1, 1, 2), x2apic(2, 0x100, 1),
                                lapic_override(0xfee00000), lapic(3, 3, 0)});
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    auto rnd = [&] {
        seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
        return seed;
    };
    uint32_t ok = 0;
    for (int round = 0; round < 20000; ++round) {
        bytes t = good;
        const int flips = 1 + int(rnd() % 4);
        for (int f = 0; f < flips; ++f) t[rnd() % t.size()] = uint8_t(rnd());
        if (rnd() % 2) fix_checksum(t, 9, t.size());
        if (rnd() % 8 == 0) t.resize(rnd() % t.size());
        // An exact-size copy: ASan catches any read past the end.
        std::vector<uint8_t> exact(t);
        cpu_desc cpus[4];
        uint32_t n = 0;
        acpi::madt_info info;
        acpi::status st = acpi::scan_madt(exact.data(), exact.size(), 0, cpus, 4, n, info);
        if (st) {
            ++ok;
            CHECK(n <= 4);
        } else {
            CHECK(st.why != nullptr);
        }
    }
    CHECK(ok > 0);
}

TEST_CASE("iasl tables: mixed entries, boot CPU listed third") {
    const bytes t = load_aml("madt-mixed");
    scan s(t, 2);
    REQUIRE_MESSAGE(s.st.ok(), text(s.st));
    // present: 2 (boot), 0, 1, 0x100, 0x2000, 5; possible: 4; disabled: 3, 0x101
    const hwid_t want[] = {2, 0, 1, 4, 0x100, 0x2000, 5};
    REQUIRE(s.n == 7);
    for (uint32_t i = 0; i < s.n; ++i) CHECK(s.cpus[i].hwid == want[i]);
    CHECK_FALSE(s.cpus[3].present);
    CHECK(s.info.present == 6);
    CHECK(s.info.possible == 1);
    CHECK(s.info.disabled == 2);
    CHECK(s.info.lapic_override);
    CHECK(s.info.lapic_phys == 0xfed00000);
}

TEST_CASE("iasl tables: 320 CPUs with x2APIC IDs above 255") {
    const bytes t = load_aml("madt-many");
    scan s(t, 0);
    REQUIRE_MESSAGE(s.st.ok(), text(s.st));
    // 255 + 65 x2APIC entries, of which IDs 256, 264, ..., 312 are disabled.
    CHECK(s.info.present == 255 + 65 - 8);
    CHECK(s.info.disabled == 8);
    CHECK(s.n == 312);
    CHECK(s.cpus[255].hwid == 255);
    CHECK(s.cpus[256].hwid == 257);
    CHECK(s.cpus[311].hwid == 319);

    scan capped(t, 300, 256);
    REQUIRE(capped.st.ok());
    CHECK(capped.n == 256);
    CHECK(capped.cpus[0].hwid == 300);
    CHECK(capped.info.dropped == 312 - 256);
}

TEST_CASE("iasl tables: revision 1 with disabled hot-add slots (QEMU -smp 2,maxcpus=8)") {
    const bytes t = load_aml("madt-rev1-hotplug");
    scan s(t, 0);
    REQUIRE_MESSAGE(s.st.ok(), text(s.st));
    CHECK(s.n == 2);
    CHECK(s.info.present == 2);
    CHECK(s.info.possible == 0);
    CHECK(s.info.disabled == 6);
}
