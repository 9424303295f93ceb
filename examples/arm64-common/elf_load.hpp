// SPDX-License-Identifier: MIT
// Loading the example kernel, a static position-independent AArch64 ELF
// (linked -pie), at any address: what a boot loader does for a relocatable
// kernel. Used by the UEFI loader; freestanding, no allocation (the caller
// provides the memory, sized by elf_extent()).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace example::elf {

/// The span of the PT_LOAD segments, from vaddr 0 (a PIE is linked at 0).
struct extent {
    uint64_t size = 0;    ///< bytes of memory the image needs, .bss included
    uint64_t align = 0;   ///< the largest segment alignment
    const char* problem = nullptr;
};
extent image_extent(const void* elf, size_t elf_size);

struct loaded {
    uint64_t entry = 0;         ///< address of the entry point at the load address
    uint32_t relocations = 0;   ///< R_AARCH64_RELATIVE entries applied
    const char* problem = nullptr;
};
/// Copy the segments to `base` (image_extent().size bytes, zeroed beyond
/// the file data) and apply the dynamic relocations for that address.
loaded load(const void* elf, size_t elf_size, uint8_t* base);

}  // namespace example::elf
