// SPDX-License-Identifier: MIT
// The DTB reader on dtc-made blobs, QEMU's own blobs, and hand-broken ones.
#include <doctest/doctest.h>

#include <smpboot/fdt.hpp>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "test_fdt_builder.hpp"

using namespace smpboot;
using fdt_test::builder;
using fdt_test::get32;
using fdt_test::load;
using fdt_test::put32;

namespace {

fdt::status open(const std::vector<uint8_t>& b, fdt::tree& t, size_t avail = SIZE_MAX) {
    return fdt::tree::open(b.data(), avail == SIZE_MAX ? b.size() : avail, t);
}

fdt::error open_err(const std::vector<uint8_t>& b) {
    fdt::tree t;
    return open(b, t).code;
}

/// Touch everything reachable, as a kernel would: every node, name, path,
/// property and value accessor. Under ASan this finds any overread.
size_t walk_all(const fdt::tree& t, fdt::node n, uint32_t depth = 0) {
    size_t seen = 1;
    char path[256];
    CHECK(t.path_of(n, path, sizeof path));
    CHECK(t.path(path) == n);
    CHECK(t.depth(n) == depth);
    uint32_t cursor = 0;
    fdt::property p;
    while (t.next_property(n, cursor, p)) {
        uint64_t v;
        uint32_t w;
        (void)p.str();
        (void)p.has_string("x");
        (void)p.cells(0, 2, v);
        (void)p.u32(p.size() / 4, w);
        for (uint32_t i = 0; p.string_at(i); ++i) {}
    }
    for (fdt::node c = t.first_child(n); c; c = t.next_sibling(c)) {
        CHECK(t.parent(c) == n);
        seen += walk_all(t, c, depth + 1);
    }
    return seen;
}

/// Same walk without CHECKs, for mutated blobs where paths may be ambiguous.
size_t walk_quiet(const fdt::tree& t, fdt::node n, int budget = 100000) {
    size_t seen = 1;
    char path[256];
    (void)t.path_of(n, path, sizeof path);
    (void)t.path(path);
    (void)t.parent(n);
    uint32_t cursor = 0;
    fdt::property p;
    while (t.next_property(n, cursor, p)) {
        (void)p.str();
        (void)p.has_string("arm,psci-0.2");
        uint32_t w;
        if (p.u32(0, w)) (void)t.by_phandle(w);
    }
    for (fdt::node c = t.first_child(n); c && budget > 0; c = t.next_sibling(c), --budget)
        seen += walk_quiet(t, c, budget);
    return seen;
}

}  // namespace

TEST_CASE("fdt: a dtc blob opens and every accessor answers") {
    auto b = load("basic.dtb");
    REQUIRE(b.size() > 100);
    fdt::tree t;
    auto st = open(b, t);
    REQUIRE_MESSAGE(st, fdt::to_string(st.code));
    CHECK(t.version() == 17);
    CHECK(t.total_size() == b.size());
    CHECK(t.node_count() == 8);
    CHECK(std::string(t.name(t.root())) == "");
    CHECK(walk_all(t, t.root()) == 8);

    CHECK(t.reserved_count() == 1);
    uint64_t base = 0, size = 0;
    CHECK(t.reserved(0, base, size));
    CHECK(base == 0x48000000);
    CHECK(size == 0x10000);
    CHECK_FALSE(t.reserved(1, base, size));

    fdt::property p;
    REQUIRE(t.find_property(t.path("/chosen"), "bootargs", p));
    CHECK(std::string(p.str()) == "smpboot.mode=seq console=ttyAMA0");
    REQUIRE(t.find_property(t.root(), "compatible", p));
    CHECK(p.str() == nullptr);   // a list, not one string
    CHECK(p.has_string("smpboot,basic"));
    CHECK_FALSE(p.has_string("smpboot"));
    CHECK(std::string(p.string_at(1)) == "smpboot,basic");
    CHECK(p.string_at(2) == nullptr);

    CHECK(t.address_cells(t.root()) == 2);
    CHECK(t.size_cells(t.path("/soc")) == 1);
    CHECK(t.address_cells(t.path("/chosen")) == 2);   // spec default

    fdt::node mem = t.path("/memory");   // no unit address given: loose match
    REQUIRE(mem);
    CHECK(std::string(t.name(mem)) == "memory@40000000");
    REQUIRE(t.find_property(mem, "reg", p));
    uint64_t reg;
    CHECK(p.cells(0, 2, reg));
    CHECK(reg == 0x40000000);
    CHECK(p.cells(2, 2, reg));
    CHECK(reg == 0x8000000);
    CHECK_FALSE(p.cells(3, 2, reg));
    CHECK_FALSE(p.cells(0, 3, reg));

    CHECK(t.path("/soc/serial@9001000"));
    CHECK(std::string(t.name(t.path("/soc/serial"))) == "serial@9000000");
    CHECK_FALSE(t.path("/soc/serial@9002000"));
    CHECK_FALSE(t.path("/nope"));
    CHECK_FALSE(t.path("soc"));
    CHECK_FALSE(t.path(""));
    CHECK_FALSE(t.path(nullptr));
    CHECK(t.path("/") == t.root());
    CHECK(t.path("//soc//") == t.path("/soc"));

    REQUIRE(t.find_property(t.path("/soc"), "empty-prop", p));
    CHECK(p.size() == 0);
    CHECK(p.str() == nullptr);
    uint32_t w;
    CHECK_FALSE(p.u32(0, w));

    fdt::node uart = t.path("/soc/serial@9000000");
    REQUIRE(t.find_property(uart, "interrupt-parent", p));
    REQUIRE(p.u32(0, w));
    fdt::node gic = t.by_phandle(w);
    CHECK(std::string(t.name(gic)) == "interrupt-controller@8000000");
    CHECK_FALSE(t.by_phandle(0));
    CHECK_FALSE(t.by_phandle(0xffffffff));
    CHECK_FALSE(t.by_phandle(12345));

    fdt::node first = t.find_compatible("arm,pl011");
    fdt::node second = t.find_compatible("arm,pl011", first);
    CHECK(first == uart);
    CHECK(std::string(t.name(second)) == "serial@9001000");
    CHECK_FALSE(t.find_compatible("arm,pl011", second));

    char buf[8];
    CHECK(t.path_of(uart, buf, sizeof buf));
    CHECK(std::string(buf) == "/soc/se");   // cut, still terminated
    CHECK_FALSE(t.path_of(fdt::node{3}, buf, sizeof buf));
    CHECK(std::string(t.name(fdt::node{3})) == "");
    CHECK_FALSE(t.first_child(fdt::node{5}));
}

TEST_CASE("fdt: QEMU's own blobs open") {
    for (const char* name : {"virt-gicv2-smp4.dtb", "virt-gicv3-smp20.dtb", "virt-el2-smp2.dtb",
                             "cpus-psci.dtb", "cpus-spin.dtb", "cpus-bad.dtb"}) {
        CAPTURE(name);
        auto b = load(name);
        REQUIRE(b.size() > 0);
        fdt::tree t;
        auto st = open(b, t);
        REQUIRE_MESSAGE(st, fdt::to_string(st.code));
        CHECK(walk_all(t, t.root()) == t.node_count());
        CHECK(t.path("/cpus"));
    }
}

TEST_CASE("fdt: header checks") {
    const auto good = load("basic.dtb");
    fdt::tree t;
    CHECK(fdt::tree::open(nullptr, 100, t).code == fdt::error::null_blob);
    CHECK(fdt::tree::open(good.data(), 20, t).code == fdt::error::null_blob);
    CHECK(fdt::tree::size_hint(good.data()) == good.size());

    auto with = [&](size_t off, uint32_t v) {
        auto b = good;
        put32(b, off, v);
        return open_err(b);
    };
    CHECK(with(0, 0xd00dfeee) == fdt::error::bad_magic);
    CHECK(with(20, 15) == fdt::error::bad_version);             // version
    CHECK(with(24, 18) == fdt::error::bad_version);             // last_comp_version
    CHECK(with(4, 0) == fdt::error::bad_totalsize);
    CHECK(with(4, 39) == fdt::error::bad_totalsize);
    CHECK(with(4, uint32_t(good.size() + 1)) == fdt::error::bad_totalsize);
    CHECK(with(4, 0xffffffff) == fdt::error::bad_totalsize);
    CHECK(with(8, get32(good, 8) + 2) == fdt::error::misaligned);
    CHECK(with(16, get32(good, 16) + 4) == fdt::error::misaligned);
    CHECK(with(8, 0xfffffff0) == fdt::error::bad_block);
    CHECK(with(8, 8) == fdt::error::bad_block);                 // inside the header
    CHECK(with(36, 0xfffffff0) == fdt::error::bad_block);       // size_dt_struct
    CHECK(with(36, 0) == fdt::error::bad_block);
    CHECK(with(12, 0xffffff00) == fdt::error::bad_block);       // off_dt_strings
    CHECK(with(32, 0x7fffffff) == fdt::error::bad_block);       // size_dt_strings
    CHECK(with(16, 0xfffffff8) == fdt::error::bad_block);       // off_mem_rsvmap
    // The reservation map pointed at bytes that never hold a zero entry.
    CHECK(with(16, uint32_t(get32(good, 8) & ~7u)) != fdt::error::ok);

    // A smaller buffer than totalsize says: not all of it may be read.
    CHECK(open(good, t, good.size() - 1).code == fdt::error::bad_totalsize);

    // Version 16 (no size_dt_struct) is accepted.
    auto v16 = good;
    put32(v16, 20, 16);
    CHECK(open_err(v16) == fdt::error::ok);
}

TEST_CASE("fdt: every truncation is refused, never overread") {
    for (const char* name : {"basic.dtb", "virt-gicv2-smp4.dtb"}) {
        CAPTURE(name);
        const auto good = load(name);
        // The buffer ends early (exactly sized copies so ASan sees overreads).
        for (size_t len = 0; len < good.size(); len += (len < 256 ? 1 : 61)) {
            std::vector<uint8_t> b(good.begin(), good.begin() + long(len));
            fdt::tree t;
            CHECK(fdt::tree::open(b.data(), b.size(), t).code != fdt::error::ok);
        }
        // The structure block is cut short inside a consistent header.
        const uint32_t size_struct = get32(good, 36);
        for (uint32_t s = 0; s < size_struct; s += 4) {
            auto b = good;
            put32(b, 36, s);
            CAPTURE(s);
            CHECK(open_err(b) != fdt::error::ok);
        }
        // The strings block is cut short: some property name loses its end.
        const uint32_t size_strings = get32(good, 32);
        for (uint32_t s = 0; s < size_strings; ++s) {
            auto b = good;
            put32(b, 32, s);
            CHECK(open_err(b) == fdt::error::bad_string);
        }
    }
}

TEST_CASE("fdt: broken structure blocks") {
    auto base = [] { return builder().begin("").prop_u32("#address-cells", {1}); };

    CHECK(open_err(base().end().finish().blob()) == fdt::error::ok);
    CHECK(open_err(base().nop().end().nop().finish().blob()) == fdt::error::ok);
    CHECK(open_err(base().end().blob()) == fdt::error::no_end);
    CHECK(open_err(base().finish().blob()) == fdt::error::unbalanced);
    CHECK(open_err(base().end().end().finish().blob()) == fdt::error::unbalanced);
    CHECK(open_err(base().end().begin("").end().finish().blob()) == fdt::error::bad_token);
    CHECK(open_err(base().word(0x5).end().finish().blob()) == fdt::error::bad_token);
    CHECK(open_err(builder().finish().blob()) == fdt::error::bad_token);     // no root
    CHECK(open_err(builder().prop_u32("x", {1}).finish().blob()) == fdt::error::bad_token);
    // dtc refuses this too (spec 5.4.2: properties come before subnodes).
    CHECK(open_err(base().begin("a").end().prop_u32("late", {1}).end().finish().blob()) ==
          fdt::error::bad_token);

    // Property name offset past the strings block, and one that starts
    // inside it but whose string never ends.
    CHECK(open_err(base().prop_raw(0, 0x1000).end().finish().blob()) == fdt::error::bad_string);
    CHECK(open_err(builder().begin("").prop_u32("ab", {1}).end().finish().strings("ab").blob()) ==
          fdt::error::bad_string);
    // Lengths that run off the block or wrap around to an earlier token.
    CHECK(open_err(base().prop_raw(0x100, 0).end().finish().blob()) == fdt::error::bad_property);
    CHECK(open_err(base().prop_raw(0xfffffff4, 0).end().finish().blob()) == fdt::error::bad_property);
    CHECK(open_err(base().prop_raw(0xffffffff, 0).end().finish().blob()) == fdt::error::bad_property);
    // A node name without its NUL at the very end of the structure block.
    {
        auto b = base().end().finish().word(0x1).raw({'a', 'b', 'c', 'd'}).blob();
        // FDT_END comes first, so this is padding and fine...
        CHECK(open_err(b) == fdt::error::ok);
        auto c = base().word(0x1).raw({'a', 'b', 'c', 'd'}).blob();
        CHECK(open_err(c) == fdt::error::bad_name);
    }
    // A structure block that is nothing but NOPs.
    CHECK(open_err(builder().nop().nop().blob()) == fdt::error::no_end);
}

TEST_CASE("fdt: nesting depth is limited") {
    auto nested = [](uint32_t levels) {
        builder b;
        for (uint32_t i = 0; i <= levels; ++i) b.begin(i ? "n" : "");
        for (uint32_t i = 0; i <= levels; ++i) b.end();
        return b.finish().blob();
    };
    {
        auto b = nested(fdt::max_depth);
        fdt::tree t;
        REQUIRE(open(b, t));
        fdt::node n = t.root();
        uint32_t d = 0;
        while (t.first_child(n)) n = t.first_child(n), ++d;
        CHECK(d == fdt::max_depth);
        CHECK(t.depth(n) == fdt::max_depth);
        char path[512];
        CHECK(t.path_of(n, path, sizeof path));
        CHECK(t.path(path) == n);
    }
    CHECK(open_err(nested(fdt::max_depth + 1)) == fdt::error::too_deep);
    CHECK(open_err(nested(100000)) == fdt::error::too_deep);
}

TEST_CASE("fdt: phandle cycles and dangling references do not hang lookups") {
    auto b = builder()
                 .begin("")
                 .begin("a").prop_u32("phandle", {1}).prop_u32("next", {2}).end()
                 .begin("b").prop_u32("linux,phandle", {2}).prop_u32("next", {1}).end()
                 .begin("c").prop_u32("phandle", {3}).prop_u32("next", {3}).end()
                 .begin("d").prop_u32("next", {99}).end()
                 .end()
                 .finish()
                 .blob();
    fdt::tree t;
    REQUIRE(open(b, t));
    // Follow "next" a bounded number of hops, as a kernel following
    // interrupt-parent must; each hop is one bounded scan.
    fdt::node n = t.path("/a");
    for (int hop = 0; hop < 10 && n; ++hop) {
        uint32_t ph = t.u32_or(n, "next", 0);
        n = t.by_phandle(ph);
    }
    CHECK(std::string(t.name(n)) == "a");
    CHECK(t.by_phandle(t.u32_or(t.path("/c"), "next", 0)) == t.path("/c"));
    CHECK_FALSE(t.by_phandle(t.u32_or(t.path("/d"), "next", 0)));
}

TEST_CASE("fdt: random corruption never crashes or overreads") {
    std::mt19937 rng(12345);
    for (const char* name : {"basic.dtb", "cpus-psci.dtb", "virt-gicv3-smp20.dtb"}) {
        const auto good = load(name);
        int opened = 0;
        for (int i = 0; i < 1500; ++i) {
            std::vector<uint8_t> b = good;
            int flips = 1 + int(rng() % 4);
            for (int f = 0; f < flips; ++f) {
                size_t at = rng() % b.size();
                if (rng() % 2) b[at] ^= uint8_t(1u << (rng() % 8));
                else b[at] = uint8_t(rng());
            }
            fdt::tree t;
            if (fdt::tree::open(b.data(), b.size(), t)) {
                ++opened;
                walk_quiet(t, t.root());
            }
        }
        CAPTURE(name);
        CHECK(opened > 0);   // some mutations land in values and stay valid
    }
}

TEST_CASE("fdt: error strings") {
    for (int e = 0; e <= int(fdt::error::no_end); ++e)
        CHECK(std::strlen(fdt::to_string(fdt::error(e))) > 1);
}
