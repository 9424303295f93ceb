// SPDX-License-Identifier: MIT
// The identity map an arm64 AP turns its MMU on (and off) through: a few
// VMSAv8-64 translation tables, 4 KiB granule, 48-bit input addresses, walks
// starting at level 0 (Arm ARM D8.2 and D8.3), built by the backend at init
// in pages the kernel gives it. It maps the library's entry/park code
// (read-only, executable) and the CPUs' blocks (read-write, never executable)
// 1:1 with 4 KiB pages and nothing else.
//
// Its descriptors are non-global (nG) and its TTBR0 carries an ASID that
// differs from the kernel's: while the AP switches between the two regimes
// no TLB entry of one can match an address of the other (no TLB conflict,
// Arm ARM D8, TLB conflict aborts), and a local TLBI VMALLE1 after the switch removes them.
//
// Pure computation on memory: no system registers, so the host tests walk
// what it builds.
#pragma once

#include <smpboot/base.hpp>

namespace smpboot::arm64 {

/// One 4 KiB translation table.
struct alignas(4096) idmap_page {
    uint64_t entry[512];
};

class idmap {
public:
    using to_phys_fn = uint64_t (*)(void* ctx, const void* va);

    /// `pages` (virtual, `count` of them) become the tables; `to_phys` gives
    /// each page's physical address (the pages need not be contiguous).
    /// `normal_attr` is the MAIR_EL1 index of Normal write-back memory.
    idmap(idmap_page* pages, uint32_t count, to_phys_fn to_phys, void* ctx, uint8_t normal_attr);

    /// Map [pa, pa + size) to itself, rounded out to whole pages. Text is
    /// read-only and executable at EL1, data read-write and never executable.
    /// A page mapped both ways is read-write and executable. False if the
    /// tables ran out of pages or the address does not fit 48 bits.
    bool map(uint64_t pa, uint64_t size, bool text);

    /// Physical address of the level 0 table (for TTBR0_EL1).
    uint64_t root() const { return phys_[0]; }
    uint32_t pages_used() const { return used_; }

    /// Pages `map` of these ranges needs at most: one root plus, per range,
    /// one table per level for every 512 GiB / 1 GiB / 2 MiB it touches.
    static uint32_t pages_needed(const uint64_t* pa, const uint64_t* size, uint32_t n);

private:
    uint64_t* table_for(uint64_t* parent, uint32_t index);

    idmap_page* pages_;
    uint32_t count_;
    uint32_t used_ = 0;
    to_phys_fn to_phys_;
    void* ctx_;
    uint8_t attr_;
    uint64_t phys_[64] = {};
};

// ---- Descriptor and register fields (Arm ARM D8.3; TCR_EL1, TTBR0_EL1)

namespace vmsa {
inline constexpr uint64_t valid = 1, table = 3, page = 3;   // bits [1:0]
inline constexpr uint64_t attr_shift = 2;                   // AttrIndx [4:2]
inline constexpr uint64_t ap_ro = 1ull << 7;                // AP[2]: read-only
inline constexpr uint64_t sh_inner = 3ull << 8;             // SH [9:8]
inline constexpr uint64_t af = 1ull << 10;                  // access flag
inline constexpr uint64_t ng = 1ull << 11;                  // not global
inline constexpr uint64_t pxn = 1ull << 53, uxn = 1ull << 54;
inline constexpr uint64_t oa_mask = 0x0000'ffff'ffff'f000ull;   // OA [47:12]

inline constexpr uint64_t tcr_t0sz = 0x3f, tcr_epd0 = 1ull << 7, tcr_irgn0 = 3ull << 8,
                          tcr_orgn0 = 3ull << 10, tcr_sh0 = 3ull << 12, tcr_tg0 = 3ull << 14,
                          tcr_a1 = 1ull << 22, tcr_ds = 1ull << 59;
inline constexpr uint64_t ttbr_asid_shift = 48;
}  // namespace vmsa

/// The TCR_EL1 an AP runs with while the idmap is its TTBR0: the kernel's own
/// (TTBR1 half, IPS, TBI and the rest kept) with the TTBR0 half replaced:
/// T0SZ = 16 (48 bits), 4 KiB granule, inner/outer write-back, inner
/// shareable, walks enabled, and A1 = 0 so the ASID comes from TTBR0.
constexpr uint64_t idmap_tcr(uint64_t kernel_tcr) {
    using namespace vmsa;
    const uint64_t t0 = tcr_t0sz | tcr_epd0 | tcr_irgn0 | tcr_orgn0 | tcr_sh0 | tcr_tg0 | tcr_a1;
    return (kernel_tcr & ~t0) | 16 | (1ull << 8) | (1ull << 10) | tcr_sh0;
}

/// TTBR0_EL1 for the idmap: its root with an ASID one off the ASID the
/// kernel's registers select (TCR.A1 picks TTBR1's or TTBR0's).
constexpr uint64_t idmap_ttbr0(uint64_t root, uint64_t kernel_tcr, uint64_t ttbr0, uint64_t ttbr1) {
    const uint64_t asid = ((kernel_tcr & vmsa::tcr_a1) ? ttbr1 : ttbr0) >> vmsa::ttbr_asid_shift;
    return (root & vmsa::oa_mask) | ((asid ^ 1) << vmsa::ttbr_asid_shift);
}

/// The MAIR_EL1 index holding Normal memory, inner and outer write-back
/// non-transient read/write-allocate (0xff), or -1.
constexpr int normal_wb_index(uint64_t mair) {
    for (int i = 0; i < 8; ++i)
        if (((mair >> (8 * i)) & 0xff) == 0xff) return i;
    return -1;
}

}  // namespace smpboot::arm64
