// SPDX-License-Identifier: MIT
// The AP's transition page tables: what the trampoline turns paging on with
// before it reaches the kernel's own CR3. Pure C++ over a reader callback, so
// the host tests can build them from made-up kernel tables.
#pragma once

#include <smpboot/base.hpp>

namespace smpboot::x86 {

/// Page-table entry bits (Intel SDM Vol. 3A 4.5, Tables 4-15 to 4-20).
inline constexpr uint64_t pte_present = 1u << 0;
inline constexpr uint64_t pte_write = 1u << 1;
inline constexpr uint64_t pte_large = 1u << 7;        ///< PS: a 1 GiB / 2 MiB page
inline constexpr uint64_t pte_pat_4k = 1u << 7;       ///< PAT bit of a 4 KiB PTE
inline constexpr uint64_t pte_pat_large = 1u << 12;   ///< PAT bit of a large page
inline constexpr uint64_t pte_addr = 0x000f'ffff'ffff'f000;   ///< bits 12 .. 51
inline constexpr unsigned table_entries = 512;

/// Read access to one 4 KiB page-table page at physical address `phys`,
/// or nullptr. The pointer need only stay valid until the next call.
using table_reader = const uint64_t* (*)(void* ctx, uint64_t phys);

enum class paging_error : uint8_t { ok, unreadable_table, bad_levels };

/// Build transition tables for an AP: `levels` (4, or 5 with CR4.LA57)
/// tables at `out` (512 entries each, top level first; physically at
/// `out_phys`, one page after another) that map everything the kernel's
/// tables under `root_phys` map, except that the 4 KiB page at
/// `identity_phys` is mapped to itself (present, writable, executable, WB).
///
/// As Linux's trampoline_pgd: the top level is a copy of the kernel's (so
/// its kernel half is shared, and stays live below the top level); on the
/// way down to `identity_phys` each level is a copy too, a large page there
/// split into the next level's entries. So at most `levels` tables, and only
/// the tables on that one path are snapshots of init() time.
paging_error build_transition_tables(uint64_t root_phys, unsigned levels, uint64_t identity_phys,
                                     uint64_t* out, uint64_t out_phys, table_reader read, void* ctx);

}  // namespace smpboot::x86
