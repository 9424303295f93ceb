// SPDX-License-Identifier: MIT
// ELF64 (System V gABI, chapters 4 and 5): the parts a loader reads. For the
// examples' own loaders (x86_64/efi_loader.cpp, fwstage-x86_64/fwstage.cpp,
// arm64-common/elf_load.cpp).
#pragma once

#include <stdint.h>

namespace elf {

struct elf64_ehdr {
    unsigned char ident[16];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct elf64_phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};
/// A note's header; the name (namesz bytes) and the descriptor follow, each
/// padded to 4 bytes ("Note Section").
struct elf64_nhdr {
    uint32_t namesz, descsz, type;
};
inline constexpr uint32_t pt_load = 1, pt_note = 4;
inline constexpr uint16_t em_x86_64 = 62;

}  // namespace elf
