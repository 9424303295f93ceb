// SPDX-License-Identifier: MIT
// The AP's identity map (see smpboot/arm64/idmap.hpp).
#include <smpboot/arm64/idmap.hpp>

namespace smpboot::arm64 {

namespace {
constexpr uint64_t page_size = 4096;
constexpr uint64_t max_pa = 1ull << 48;
// Input address bits each level resolves, 4 KiB granule (Arm ARM D8.2, VMSAv8-64 translation).
constexpr uint32_t level_shift[4] = {39, 30, 21, 12};
}  // namespace

idmap::idmap(idmap_page* pages, uint32_t count, to_phys_fn to_phys, void* ctx, uint8_t normal_attr)
    : pages_(pages), count_(count < 64 ? count : 64), to_phys_(to_phys), ctx_(ctx), attr_(normal_attr) {
    if (count_ == 0) return;
    for (uint64_t& e : pages_[0].entry) e = 0;
    phys_[0] = to_phys_(ctx_, &pages_[0]);
    used_ = 1;
}

uint64_t* idmap::table_for(uint64_t* parent, uint32_t index) {
    const uint64_t d = parent[index];
    if ((d & 3) == vmsa::table) {
        for (uint32_t i = 0; i < used_; ++i)
            if (phys_[i] == (d & vmsa::oa_mask)) return pages_[i].entry;
        return nullptr;   // not one of ours: cannot happen
    }
    if (used_ == count_) return nullptr;
    idmap_page& p = pages_[used_];
    for (uint64_t& e : p.entry) e = 0;
    phys_[used_] = to_phys_(ctx_, &p);
    parent[index] = (phys_[used_] & vmsa::oa_mask) | vmsa::table;
    ++used_;
    return p.entry;
}

bool idmap::map(uint64_t pa, uint64_t size, bool text) {
    if (used_ == 0 || size == 0 || pa >= max_pa || size > max_pa - pa) return false;
    const uint64_t end = (pa + size + page_size - 1) & ~(page_size - 1);
    for (uint64_t a = pa & ~(page_size - 1); a < end; a += page_size) {
        uint64_t* t = pages_[0].entry;
        for (uint32_t level = 0; level < 3 && t; ++level)
            t = table_for(t, uint32_t(a >> level_shift[level]) & 511);
        if (!t) return false;
        uint64_t& e = t[(a >> 12) & 511];
        const bool was_text = e && !(e & vmsa::pxn);
        const bool was_data = e && !(e & vmsa::ap_ro);
        const bool exec = text || was_text, write = !text || was_data;
        e = a | vmsa::page | (uint64_t(attr_) << vmsa::attr_shift) | vmsa::sh_inner | vmsa::af | vmsa::ng |
            vmsa::uxn | (exec ? 0 : vmsa::pxn) | (write ? 0 : vmsa::ap_ro);
    }
    return true;
}

uint32_t idmap::pages_needed(const uint64_t* pa, const uint64_t* size, uint32_t n) {
    uint32_t pages = 1;
    for (uint32_t i = 0; i < n; ++i) {
        if (size[i] == 0) continue;
        const uint64_t last = pa[i] + size[i] - 1;
        for (uint32_t level = 0; level < 3; ++level)
            pages += uint32_t((last >> level_shift[level]) - (pa[i] >> level_shift[level]) + 1);
    }
    return pages;
}

}  // namespace smpboot::arm64
