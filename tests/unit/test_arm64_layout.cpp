// SPDX-License-Identifier: MIT
// The arm64 backend's shared layout (entry_layout.h vs ap_block) and its
// concept check, compiled on the host too, plus the MPIDR field helpers.
#include <doctest/doctest.h>

#include <smpboot/arm64/backend.hpp>

using namespace smpboot::arm64;

TEST_CASE("arm64 layout: the block entry.S reads matches the C++ struct") {
    CHECK(sizeof(ap_block) == SMPBOOT_AP_BLOCK_SIZE);
    CHECK(offsetof(ap_block, self_phys) == SMPBOOT_AP_SELF_PHYS);
    CHECK(offsetof(ap_block, release) == SMPBOOT_AP_RELEASE);
    CHECK(offsetof(ap_block, parked) == SMPBOOT_AP_PARKED);
    // Blocks are searched by stride: consecutive array elements are one block apart.
    ap_block blocks[2];
    CHECK(reinterpret_cast<char*>(&blocks[1]) - reinterpret_cast<char*>(&blocks[0]) == SMPBOOT_AP_BLOCK_SIZE);
    CHECK(SMPBOOT_PARKED_LOOP != SMPBOOT_PARKED_CPU_OFF);
    CHECK(smpboot::backend<backend<8>>);
}

TEST_CASE("arm64 layout: no two CPUs' blocks share a cache writeback granule") {
    // CTR_EL0.CWG is at most 9 (2^9 words = 2 KiB, Arm ARM, CTR_EL0): a
    // block that starts and ends on a 2 KiB boundary shares no line with its
    // neighbours, so one CPU's MMU-off store cannot be undone by another's
    // write-back of a line that happens to hold its own block.
    constexpr size_t max_cwg = 4u << 9;
    CHECK(alignof(ap_block) % max_cwg == 0);
    CHECK(sizeof(ap_block) % max_cwg == 0);
    ap_block blocks[2];
    CHECK(uintptr_t(&blocks[0]) % max_cwg == 0);
    CHECK(uintptr_t(&blocks[1]) % max_cwg == 0);
}

TEST_CASE("arm64 layout: MPIDR affinity fields") {
    const mpidr m{0x12'0034'5678ull | (1ull << 31) | (1ull << 24)};
    CHECK(m.aff0() == 0x78);
    CHECK(m.aff1() == 0x56);
    CHECK(m.aff2() == 0x34);
    CHECK(m.aff3() == 0x12);
    CHECK((m.value & mpidr_affinity_mask) == 0x12'0034'5678ull);
    CHECK((uint64_t(SMPBOOT_MPIDR_AFF_LO) | uint64_t(SMPBOOT_MPIDR_AFF3)) == mpidr_affinity_mask);
}
