// SPDX-License-Identifier: MIT
// The AP's transition page tables (see paging.hpp).
#include <smpboot/x86/paging.hpp>

namespace smpboot::x86 {
namespace {

/// Bits of the address a table at `level` (1 = page table) translates.
constexpr unsigned shift_of(unsigned level) { return 12 + 9 * (level - 1); }

/// The entries of a level-`level` table that map, page for page, what the
/// large-page entry `big` (one level up) mapped.
void split(uint64_t big, unsigned level, uint64_t* out) {
    const uint64_t size = uint64_t(1) << shift_of(level);
    const uint64_t base = big & pte_addr & ~(size * table_entries - 1);
    uint64_t flags = big & ~pte_addr;
    if (level == 1) {
        // 4 KiB entries: PS means PAT there, and the large PAT bit is bit 12
        // (SDM Vol. 3A Table 4-18 vs 4-19).
        flags &= ~pte_large;
        if (big & pte_pat_large) flags |= pte_pat_4k;
    } else {
        flags |= big & pte_pat_large;   // stays a large page with its PAT bit
    }
    for (unsigned i = 0; i < table_entries; ++i) out[i] = (base + i * size) | flags;
}

}  // namespace

paging_error build_transition_tables(uint64_t root_phys, unsigned levels, uint64_t identity_phys,
                                     uint64_t* out, uint64_t out_phys, table_reader read, void* ctx) {
    if (levels != 4 && levels != 5) return paging_error::bad_levels;
    const uint64_t* src = read(ctx, root_phys & pte_addr);
    if (!src) return paging_error::unreadable_table;
    for (unsigned level = levels;; --level) {
        uint64_t* dst = out + (levels - level) * table_entries;
        for (unsigned i = 0; i < table_entries; ++i) dst[i] = src ? src[i] : 0;
        const unsigned idx = (identity_phys >> shift_of(level)) & (table_entries - 1);
        if (level == 1) {
            dst[idx] = (identity_phys & pte_addr) | pte_present | pte_write;
            return paging_error::ok;
        }
        const uint64_t e = dst[idx];
        uint64_t* next = dst + table_entries;
        src = nullptr;
        if ((e & pte_present) && (e & pte_large) && level <= 3) {
            split(e, level - 1, next);
            src = next;   // copied onto itself below
        } else if (e & pte_present) {
            src = read(ctx, e & pte_addr);
            if (!src) return paging_error::unreadable_table;
        }
        const uint64_t next_phys = out_phys + (levels - level + 1) * uint64_t(4096);
        dst[idx] = next_phys | pte_present | pte_write;
    }
}

}  // namespace smpboot::x86
