// SPDX-License-Identifier: MIT
// What differs between the arm64 example boards; each board's board.cpp
// defines `the_board`. Everything else is in kernel.cpp.
#pragma once

#include <stdint.h>

namespace example::arm64 {

enum class mem_type : uint8_t { none, normal, device };

/// A physical range and how it is identity-mapped (2 MiB granularity).
struct region {
    uint64_t base;
    uint64_t size;
    mem_type type;
};

struct board {
    const char* name;
    uint64_t uart_pl011;          ///< PL011 base (physical)
    const region* map;            ///< identity map, first match wins
    uint32_t map_count;
};

extern const board the_board;

/// Where this kernel runs: every physical address PA (the image, RAM and
/// devices alike) is at virtual address kernel_va_offset + PA. 0 is the
/// identity layout, in TTBR0; otherwise the kernel is in TTBR1's half and
/// TTBR0 is empty after early boot (EXAMPLE_KERNEL_VA_OFFSET, set per image
/// by CMake; see start.S).
inline constexpr uint64_t kernel_va_offset = EXAMPLE_KERNEL_VA_OFFSET;
inline uint64_t virt_to_phys(const void* va) { return uint64_t(uintptr_t(va)) - kernel_va_offset; }
template <class T = void>
T* phys_to_virt(uint64_t pa) {
    return reinterpret_cast<T*>(uintptr_t(pa + kernel_va_offset));
}

}  // namespace example::arm64
