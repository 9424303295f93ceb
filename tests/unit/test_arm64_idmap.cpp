// SPDX-License-Identifier: MIT
// The arm64 AP identity map: walk the tables it builds the way the MMU does
// (4 KiB granule, 48-bit input, level 0 to 3, Arm ARM D8.2) and check every
// translation and attribute, plus the TCR/TTBR0 values the AP runs with.
#include <doctest/doctest.h>

#include <smpboot/arm64/idmap.hpp>

#include <vector>

using namespace smpboot::arm64;

namespace {

// The tables' "physical" addresses are their host addresses plus an offset,
// so nothing works by accident of VA == PA.
constexpr uint64_t pa_offset = 0x1000'0000;
uint64_t fake_phys(void*, const void* va) { return uint64_t(uintptr_t(va)) + pa_offset; }

/// The final descriptor for `va`, or 0 if the walk faults.
uint64_t walk(uint64_t root, uint64_t va) {
    const uint64_t* t = reinterpret_cast<const uint64_t*>(uintptr_t(root - pa_offset));
    for (uint32_t shift : {39u, 30u, 21u}) {
        const uint64_t d = t[(va >> shift) & 511];
        if ((d & 3) != vmsa::table) return 0;
        t = reinterpret_cast<const uint64_t*>(uintptr_t((d & vmsa::oa_mask) - pa_offset));
    }
    const uint64_t d = t[(va >> 12) & 511];
    return (d & 3) == vmsa::page ? d : 0;
}

struct tables {
    std::vector<idmap_page> pages;
    explicit tables(uint32_t n) : pages(n) {}
    idmap make(uint8_t attr = 0) { return idmap(pages.data(), uint32_t(pages.size()), fake_phys, nullptr, attr); }
};

}  // namespace

TEST_CASE("arm64 idmap: text and data map 1:1 with their permissions, nothing else") {
    tables t(16);
    idmap m = t.make(3);
    // Text across a 2 MiB boundary, data across a 1 GiB boundary.
    const uint64_t text = 0x4020'0000 - 0x1800, text_size = 0x2000;
    const uint64_t data = 0x8000'0000 - 0x800, data_size = 0x1000;
    REQUIRE(m.map(text, text_size, true));
    REQUIRE(m.map(data, data_size, false));
    const uint64_t pa[2] = {text, data}, size[2] = {text_size, data_size};
    CHECK(m.pages_used() <= idmap::pages_needed(pa, size, 2));
    CHECK(m.root() == fake_phys(nullptr, &t.pages[0]));

    for (uint64_t a = text & ~0xfffull; a < text + text_size; a += 0x1000) {
        const uint64_t d = walk(m.root(), a);
        REQUIRE(d != 0);
        CHECK((d & vmsa::oa_mask) == a);
        CHECK((d & vmsa::ap_ro) != 0);      // read-only ...
        CHECK((d & vmsa::pxn) == 0);        // ... and executable at EL1
        CHECK((d & vmsa::uxn) != 0);
        CHECK(((d >> vmsa::attr_shift) & 7) == 3);
        CHECK((d & vmsa::af) != 0);
        CHECK((d & vmsa::ng) != 0);
        CHECK((d & vmsa::sh_inner) == vmsa::sh_inner);
    }
    for (uint64_t a = data & ~0xfffull; a < data + data_size; a += 0x1000) {
        const uint64_t d = walk(m.root(), a);
        REQUIRE(d != 0);
        CHECK((d & vmsa::oa_mask) == a);
        CHECK((d & vmsa::ap_ro) == 0);
        CHECK((d & vmsa::pxn) != 0);
    }
    // The pages either side are not mapped.
    CHECK(walk(m.root(), (text & ~0xfffull) - 0x1000) == 0);
    CHECK(walk(m.root(), text + text_size + 0xfff) == 0);
    CHECK(walk(m.root(), (data & ~0xfffull) - 0x1000) == 0);
    CHECK(walk(m.root(), (data + data_size + 0xfff) & ~0xfffull) == 0);
    CHECK(walk(m.root(), 0) == 0);
}

TEST_CASE("arm64 idmap: a page holding text and data is writable and executable") {
    tables t(8);
    idmap m = t.make();
    REQUIRE(m.map(0x4008'0000, 0x100, true));
    REQUIRE(m.map(0x4008'0800, 0x800, false));
    const uint64_t d = walk(m.root(), 0x4008'0000);
    CHECK((d & vmsa::ap_ro) == 0);
    CHECK((d & vmsa::pxn) == 0);
}

TEST_CASE("arm64 idmap: too few pages or too wide an address fails cleanly") {
    tables t(3);   // root + L1 + L2, no room for the L3 table
    idmap m = t.make();
    CHECK_FALSE(m.map(0x4000'0000, 0x1000, true));
    tables u(8);
    idmap n = u.make();
    CHECK_FALSE(n.map(1ull << 48, 0x1000, false));
    CHECK_FALSE(n.map((1ull << 48) - 0x1000, 0x2000, false));
    CHECK_FALSE(n.map(0x1000, 0, false));
    tables none(0);
    idmap z = none.make();
    CHECK_FALSE(z.map(0x1000, 0x1000, true));
    const uint64_t pa[1] = {0x4000'0000}, size[1] = {0x1000};
    CHECK(idmap::pages_needed(pa, size, 1) == 4);
}

TEST_CASE("arm64 idmap: the TCR and TTBR0 the AP runs with while on the idmap") {
    // A higher-half kernel: T0SZ = T1SZ = 25, EPD0 set, TG1 = 4 KiB, IPS 40
    // bits, ASID from TTBR1 (A1), TBI0.
    const uint64_t kernel = 25 | (1u << 7) | (25u << 16) | (1ull << 22) | (1ull << 24) | (1ull << 26) |
                            (3ull << 28) | (2ull << 30) | (2ull << 32) | (1ull << 37);
    const uint64_t tcr = idmap_tcr(kernel);
    CHECK((tcr & vmsa::tcr_t0sz) == 16);
    CHECK((tcr & vmsa::tcr_epd0) == 0);
    CHECK((tcr & vmsa::tcr_tg0) == 0);                       // 4 KiB
    CHECK(((tcr >> 8) & 3) == 1);                           // IRGN0 write-back
    CHECK(((tcr >> 10) & 3) == 1);                          // ORGN0 write-back
    CHECK((tcr & vmsa::tcr_sh0) == vmsa::tcr_sh0);
    CHECK((tcr & vmsa::tcr_a1) == 0);                       // ASID from TTBR0: the idmap's
    CHECK((tcr & ~0x40ffffull) == (kernel & ~0x40ffffull)); // TTBR1 half, IPS, TBI kept
    // The idmap's ASID differs from the one the kernel's registers select.
    const uint64_t ttbr1 = (0x42ull << 48) | 0x4123'4000, ttbr0 = 0;
    const uint64_t t0 = idmap_ttbr0(0x4567'8000, kernel, ttbr0, ttbr1);
    CHECK((t0 & vmsa::oa_mask) == 0x4567'8000);
    CHECK((t0 >> 48) != 0x42);
    CHECK((idmap_ttbr0(0x4567'8000, kernel & ~vmsa::tcr_a1, (7ull << 48), ttbr1) >> 48) != 7);
    CHECK(normal_wb_index(0x00ff) == 0);
    CHECK(normal_wb_index(0xff00'0400) == 3);
    CHECK(normal_wb_index(0x0044) == -1);
}
