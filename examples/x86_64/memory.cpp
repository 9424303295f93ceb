// SPDX-License-Identifier: MIT
// The example kernel's own page tables (see memory.hpp).
#include "memory.hpp"

extern "C" {
extern uint64_t boot_pdpt_low[];   // boot.S: PDPT of the identity map, entries 0-3 used
extern const char kernel_vma[];    // kernel.ld: virtual = physical + kernel_vma
}

namespace mem {
namespace {

// Page-table entry bits (Intel SDM Vol. 3A 4.5, Tables 4-14 to 4-20).
constexpr uint64_t pte_p = 1, pte_w = 2, pte_pwt = 8, pte_pcd = 0x10, pte_ps = 0x80;
constexpr uint64_t page = 4096, mib2 = 2ull << 20, gib = 1ull << 30;
constexpr uint64_t max_direct = 64 * gib;
constexpr uint32_t max_pages = 5 + max_direct / gib;   // PML5, PML4, 2 PDPTs, kernel PD, direct PDs

// Used when there is no RAM above 4 GiB: tables below it, in the image.
alignas(4096) uint64_t low_pool[5 + 4][512];
// Maps 4-5 GiB in the boot tables while the tables above 4 GiB are written.
alignas(4096) uint64_t high_window[512];

layout the_layout;
uint64_t direct_pd_phys = 0;   // the first direct-map PD; the others follow

/// Page frames handed out one after another, written through `virt`.
struct pool {
    uint64_t phys;
    char* virt;
    uint32_t used = 0;

    uint64_t* table(uint64_t& table_phys) {
        table_phys = phys + used * page;
        auto* t = reinterpret_cast<uint64_t*>(virt + used * page);
        ++used;
        for (int i = 0; i < 512; ++i) t[i] = 0;
        return t;
    }
};

void flush_tlb() {
    uint64_t cr3;
    asm volatile("mov %%cr3, %0; mov %0, %%cr3" : "=r"(cr3)::"memory");
}

}  // namespace

uint64_t kernel_virt_to_phys(const void* p) { return uint64_t(uintptr_t(p) - uintptr_t(kernel_vma)); }

layout enter_higher_half(uint64_t end, uint64_t ram_from_4g) {
    uint64_t boot_cr3, cr4;
    asm volatile("mov %%cr3, %0; mov %%cr4, %1" : "=r"(boot_cr3), "=r"(cr4));
    layout l;
    l.boot_cr3 = boot_cr3;
    l.la57 = cr4 & (1u << 12);

    const bool high_ok = ram_from_4g >= max_pages * page;
    l.direct_end = end > 4 * gib ? (end + gib - 1) & ~(gib - 1) : 4 * gib;
    if (l.direct_end > max_direct) l.direct_end = max_direct;
    const uint32_t gibs = uint32_t(l.direct_end / gib);

    pool tables{kernel_virt_to_phys(low_pool), reinterpret_cast<char*>(low_pool)};
    if (end > 4 * gib && high_ok) {
        // The first frames above 4 GiB, written through a 1 GiB window that
        // the boot tables' identity map gets for the purpose.
        for (uint64_t i = 0; i < 512; ++i) high_window[i] = (4 * gib + i * mib2) | pte_p | pte_w | pte_ps;
        boot_pdpt_low[4] = kernel_virt_to_phys(high_window) | pte_p | pte_w;
        flush_tlb();
        tables = {4 * gib, reinterpret_cast<char*>(uintptr_t(4 * gib))};
    } else if (gibs > 4) {
        l.direct_end = 4 * gib;   // no room in low_pool for more
    }

    uint64_t top_phys, pml4_phys, kpdpt_phys, kpd_phys, dpdpt_phys;
    uint64_t* top = l.la57 ? tables.table(top_phys) : nullptr;
    uint64_t* pml4 = tables.table(pml4_phys);
    uint64_t* kpdpt = tables.table(kpdpt_phys);
    uint64_t* kpd = tables.table(kpd_phys);
    uint64_t* dpdpt = tables.table(dpdpt_phys);
    if (top) top[511] = pml4_phys | pte_p | pte_w;   // both halves live in the PML5's last entry
    else top_phys = pml4_phys;
    // -2 GiB: PML4 511, PDPT 510 -> physical 0-1 GiB.
    pml4[511] = kpdpt_phys | pte_p | pte_w;
    kpdpt[510] = kpd_phys | pte_p | pte_w;
    for (uint64_t i = 0; i < 512; ++i) kpd[i] = (i * mib2) | pte_p | pte_w | pte_ps;
    // The direct map: PML4 273 (0xffff888000000000), one PD per GiB.
    pml4[(direct_base >> 39) & 511] = dpdpt_phys | pte_p | pte_w;
    for (uint32_t g = 0; g < l.direct_end / gib; ++g) {
        uint64_t pd_phys;
        uint64_t* pd = tables.table(pd_phys);
        if (g == 0) direct_pd_phys = pd_phys;
        for (uint64_t i = 0; i < 512; ++i) pd[i] = (g * gib + i * mib2) | pte_p | pte_w | pte_ps;
        dpdpt[g] = pd_phys | pte_p | pte_w;
    }
    l.cr3 = top_phys;
    l.table_pages = tables.used;
    asm volatile("mov %0, %%cr3" ::"r"(l.cr3) : "memory");
    the_layout = l;
    return l;
}

const layout& current() { return the_layout; }

bool in_direct_map(uint64_t phys, size_t len) {
    return phys + len >= phys && phys + len <= the_layout.direct_end;
}

void* map_uncached(uint64_t phys) {
    if (!in_direct_map(phys, 1)) return nullptr;
    // PCD | PWT on the 2 MiB page: PAT entry 3, UC (Intel SDM Vol. 3A 11.12.3).
    auto* pd = static_cast<uint64_t*>(phys_to_virt(direct_pd_phys));   // the PDs are contiguous
    pd[phys / mib2] |= pte_pcd | pte_pwt;
    void* v = phys_to_virt(phys);
    asm volatile("invlpg (%0)" ::"r"(v) : "memory");
    return v;
}

}  // namespace mem
