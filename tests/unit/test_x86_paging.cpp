// SPDX-License-Identifier: MIT
// The AP's transition page tables (smpboot/x86/paging.hpp), built from
// made-up kernel tables and checked by walking them the way the MMU does
// (Intel SDM Vol. 3A 4.5): the trampoline page maps to itself, everything
// else the kernel mapped still maps where it did.
#include <doctest/doctest.h>

#include <smpboot/x86/paging.hpp>

#include <array>
#include <cstdint>
#include <map>
#include <optional>

using namespace smpboot::x86;

namespace {

using table = std::array<uint64_t, 512>;

/// Physical memory holding the kernel's tables, and the output.
struct memory {
    std::map<uint64_t, table> pages;
    int reads = 0;

    table& at(uint64_t phys) { return pages[phys]; }
    static const uint64_t* read(void* ctx, uint64_t phys) {
        auto* m = static_cast<memory*>(ctx);
        ++m->reads;
        auto it = m->pages.find(phys);
        return it == m->pages.end() ? nullptr : it->second.data();
    }
};

constexpr uint64_t P = pte_present, W = pte_write, PS = pte_large;
constexpr uint64_t out_phys = 0x9000;   // the tables follow the trampoline page at 0x8000
constexpr uint64_t tramp = 0x8000;

struct translation {
    uint64_t phys;
    uint64_t leaf;   // the entry that mapped it
};

/// Translate `va` through the tables at `root`: tables at out_phys.. come
/// from `out`, the rest from `mem`.
std::optional<translation> walk(memory& mem, const uint64_t* out, unsigned levels, uint64_t root, uint64_t va) {
    uint64_t t = root;
    for (unsigned level = levels; level >= 1; --level) {
        const unsigned shift = 12 + 9 * (level - 1);
        const uint64_t* tab = (t >= out_phys && t < out_phys + levels * 4096)
                                  ? out + (t - out_phys) / 8
                                  : memory::read(&mem, t);
        if (!tab) return std::nullopt;
        const uint64_t e = tab[(va >> shift) & 511];
        if (!(e & P)) return std::nullopt;
        if (level == 1 || ((e & PS) && level <= 3)) {
            const uint64_t size = uint64_t(1) << shift;
            const uint64_t mask = level == 1 ? pte_addr : (pte_addr & ~(size - 1));
            return translation{(e & mask) + (va & (size - 1)), e};
        }
        t = e & pte_addr;
    }
    return std::nullopt;
}

}  // namespace

TEST_CASE("transition tables: a higher-half kernel with nothing mapped low") {
    memory m;
    // Kernel: PML4[511] -> PDPT[510] -> PD[0] = 2 MiB page at 1 MiB... (-2 GiB)
    // and PML4[273] -> a direct map of the first GiB with a 1 GiB page.
    const uint64_t root = 0x1'0000'0000, pdpt_k = root + 0x1000, pd_k = root + 0x2000, pdpt_d = root + 0x3000;
    m.at(root)[511] = pdpt_k | P | W;
    m.at(root)[273] = pdpt_d | P | W;
    m.at(pdpt_k)[510] = pd_k | P | W;
    m.at(pd_k)[0] = 0x000000 | P | W | PS;
    m.at(pdpt_d)[0] = 0 | P | W | PS;
    std::array<uint64_t, 5 * 512> out{};
    REQUIRE(build_transition_tables(root, 4, tramp, out.data(), out_phys, &memory::read, &m) == paging_error::ok);

    // The top level is the kernel's, but for the slot of the low page.
    for (unsigned i = 1; i < 512; ++i) CHECK(out[i] == m.at(root)[i]);
    CHECK(out[0] == ((out_phys + 0x1000) | P | W));
    // The trampoline page maps to itself, writable and executable, nothing else low.
    auto t = walk(m, out.data(), 4, out_phys, tramp + 0x123);
    REQUIRE(t);
    CHECK(t->phys == tramp + 0x123);
    CHECK((t->leaf & (uint64_t(1) << 63)) == 0);
    CHECK_FALSE(walk(m, out.data(), 4, out_phys, tramp + 0x1000));
    CHECK_FALSE(walk(m, out.data(), 4, out_phys, 0x100000));
    // The kernel's addresses translate as in its own tables.
    for (uint64_t va : {0xffffffff80000000ull, 0xffffffff80123456ull, 0xffff888000345678ull}) {
        auto a = walk(m, out.data(), 4, out_phys, va);
        auto b = walk(m, out.data(), 4, root, va);
        REQUIRE(a);
        REQUIRE(b);
        CHECK(a->phys == b->phys);
    }
    CHECK(m.reads >= 1);
}

TEST_CASE("transition tables: an identity-mapped kernel, large pages split on the way down") {
    memory m;
    // 1 GiB page at PDPT[0] (identity 0-1 GiB, PAT bit set as a marker);
    // the kernel's code runs in it at 1 MiB.
    const uint64_t root = 0x200000, pdpt = 0x201000;
    m.at(root)[0] = pdpt | P | W;
    m.at(pdpt)[0] = 0 | P | W | PS | pte_pat_large;
    m.at(pdpt)[1] = 0x40000000 | P | W | PS;
    std::array<uint64_t, 5 * 512> out{};
    REQUIRE(build_transition_tables(root, 4, tramp, out.data(), out_phys, &memory::read, &m) == paging_error::ok);
    for (uint64_t va : {0x0ull, 0x7fffull, 0x9000ull, 0x100000ull, 0x1234567ull, 0x3fffffffull, 0x40001000ull}) {
        CAPTURE(va);
        auto t = walk(m, out.data(), 4, out_phys, va);
        REQUIRE(t);
        CHECK(t->phys == va);
    }
    // The split keeps the memory type: PAT on the 4 KiB entries is bit 7,
    // on 2 MiB ones bit 12 (SDM Vol. 3A Tables 4-18, 4-19).
    auto pt_entry = walk(m, out.data(), 4, out_phys, 0x1000);
    auto pd_entry = walk(m, out.data(), 4, out_phys, 0x200000);
    REQUIRE(pt_entry);
    REQUIRE(pd_entry);
    CHECK((pt_entry->leaf & pte_pat_4k) != 0);
    CHECK((pd_entry->leaf & (pte_pat_large | PS)) == (pte_pat_large | PS));
    CHECK((walk(m, out.data(), 4, out_phys, tramp)->leaf & pte_pat_4k) == 0);   // WB
    // The kernel's own tables were not touched.
    CHECK(m.at(pdpt)[0] == (0 | P | W | PS | pte_pat_large));
}

TEST_CASE("transition tables: 5-level paging (CR4.LA57)") {
    memory m;
    const uint64_t root = 0x300000, p4 = 0x301000, p3 = 0x302000, pd = 0x303000, pt = 0x304000;
    m.at(root)[511] = p4 | P | W;
    m.at(p4)[511] = p3 | P | W;
    m.at(p3)[510] = pd | P | W;
    m.at(pd)[0] = pt | P | W;
    m.at(pt)[5] = 0x555000 | P | W;
    std::array<uint64_t, 5 * 512> out{};
    REQUIRE(build_transition_tables(root, 5, tramp, out.data(), out_phys, &memory::read, &m) == paging_error::ok);
    auto k = walk(m, out.data(), 5, out_phys, 0xffffffff80005000ull);
    REQUIRE(k);
    CHECK(k->phys == 0x555000);
    auto t = walk(m, out.data(), 5, out_phys, tramp);
    REQUIRE(t);
    CHECK(t->phys == tramp);
    CHECK(out[4 * 512 + 8] == (tramp | P | W));   // the fifth table is the PT
}

TEST_CASE("transition tables: what cannot be read is an error") {
    memory m;
    std::array<uint64_t, 5 * 512> out{};
    CHECK(build_transition_tables(0x400000, 4, tramp, out.data(), out_phys, &memory::read, &m) ==
          paging_error::unreadable_table);
    m.at(0x400000)[0] = 0x777000 | P | W;   // a PDPT nobody can read
    CHECK(build_transition_tables(0x400000, 4, tramp, out.data(), out_phys, &memory::read, &m) ==
          paging_error::unreadable_table);
    CHECK(build_transition_tables(0x400000, 3, tramp, out.data(), out_phys, &memory::read, &m) ==
          paging_error::bad_levels);
}
