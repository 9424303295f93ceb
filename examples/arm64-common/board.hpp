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

}  // namespace example::arm64
