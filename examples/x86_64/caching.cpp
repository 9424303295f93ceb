// SPDX-License-Identifier: MIT
// PAT and MTRRs alike on every CPU (see caching.hpp).
#include "caching.hpp"

#include <smpboot/base.hpp>
#include <smpboot/x86/cpu.hpp>

namespace caching {
namespace {

namespace x86 = smpboot::x86;
using smpboot::memory_order;

// Intel SDM Vol. 4 Table 2-2; Vol. 3A 11.11.2: MTRRcap, the default type, the
// fixed-range and VCNT variable-range pairs.
constexpr uint32_t msr_mtrrcap = 0xfe, msr_mtrr_def_type = 0x2ff, msr_mtrr_phys_base0 = 0x200;
constexpr uint32_t mtrr_fixed[] = {0x250, 0x258, 0x259, 0x268, 0x269, 0x26a, 0x26b, 0x26c, 0x26d, 0x26e, 0x26f};
// The PAT Linux programs (WB, WC, UC-, UC, WB, WP, UC-, WT): not the reset
// value, so an AP that did not get the boot CPU's shows it. Entries 0 and 3,
// the ones this kernel's mappings use, mean WB and UC in both.
constexpr uint64_t linux_pat = 0x0407050600070106;

uint64_t bsp_pat = 0;
smpboot::atomic<uint32_t> hook_runs{0}, pat_same{0}, mtrr_synced{0}, mtrr_same{0};

/// The MTRRs this CPU has: the default type, the fixed ranges, VCNT
/// variable pairs. fn(msr) for each.
template <class Fn>
void each_mtrr(Fn&& fn) {
    if (!(x86::cpuid(1).edx & (1u << 12))) return;   // CPUID.1:EDX.MTRR
    const uint32_t vcnt = uint32_t(x86::rdmsr(msr_mtrrcap) & 0xff);
    for (uint32_t m : mtrr_fixed) fn(m);
    for (uint32_t i = 0; i < vcnt && i < 16; ++i) {
        fn(msr_mtrr_phys_base0 + 2 * i);
        fn(msr_mtrr_phys_base0 + 2 * i + 1);
    }
    fn(msr_mtrr_def_type);   // last: writing it with E set turns them on
}
struct mtrr_set {
    uint32_t msr[1 + 11 + 32];
    uint64_t value[1 + 11 + 32];
    uint32_t n = 0;
};
constinit mtrr_set bsp_mtrrs{};   // constinit: GCC would otherwise initialize it at run time

bool mtrrs_equal() {
    uint32_t i = 0;
    bool same = true;
    each_mtrr([&](uint32_t m) { same = same && x86::rdmsr(m) == bsp_mtrrs.value[i++]; });
    return same;
}

/// Give this CPU the boot CPU's MTRRs: Intel SDM Vol. 3A 11.11.8 (with
/// 11.11.7.2): caches to no-fill (CR0.CD = 1, NW = 0), WBINVD, TLB flush,
/// MTRRs off, written, on again, WBINVD and TLB flush, caches back on.
void sync_mtrrs() {
    uint64_t cr0;
    asm volatile("mov %%cr0, %0" : "=r"(cr0));
    const uint64_t cd = 1u << 30, nw = 1u << 29;
    asm volatile("mov %0, %%cr0; wbinvd" ::"r"((cr0 | cd) & ~nw) : "memory");
    const uint64_t cr3 = x86::read_cr3();
    asm volatile("mov %0, %%cr3" ::"r"(cr3) : "memory");
    x86::wrmsr(msr_mtrr_def_type, x86::rdmsr(msr_mtrr_def_type) & ~(uint64_t(1) << 11));   // E = 0
    for (uint32_t i = 0; i < bsp_mtrrs.n; ++i) x86::wrmsr(bsp_mtrrs.msr[i], bsp_mtrrs.value[i]);
    asm volatile("wbinvd; mov %0, %%cr3; mov %1, %%cr0" ::"r"(cr3), "r"(cr0) : "memory");
}

}  // namespace

void on_boot_cpu() {
    // Entries 0 and 3 keep their meaning, so no cache flush is needed here.
    x86::wrmsr(x86::msr_pat, linux_pat);
    bsp_pat = x86::rdmsr(x86::msr_pat);
    each_mtrr([](uint32_t m) {
        bsp_mtrrs.msr[bsp_mtrrs.n] = m;
        bsp_mtrrs.value[bsp_mtrrs.n++] = x86::rdmsr(m);
    });
}

void on_ap() {
    hook_runs.fetch_add(1, memory_order::relaxed);
    if (x86::rdmsr(x86::msr_pat) == bsp_pat) pat_same.fetch_add(1, memory_order::relaxed);
    if (!mtrrs_equal()) {
        sync_mtrrs();
        mtrr_synced.fetch_add(1, memory_order::relaxed);
    }
    if (mtrrs_equal()) mtrr_same.fetch_add(1, memory_order::relaxed);
}

counts stats() {
    return {hook_runs.load(memory_order::relaxed), pat_same.load(memory_order::relaxed),
            mtrr_same.load(memory_order::relaxed), mtrr_synced.load(memory_order::relaxed)};
}

}  // namespace caching
