// SPDX-License-Identifier: MIT
// The arm64 UEFI loader's ELF loader (examples/arm64-common/elf_load.cpp):
// a hand-made static PIE is copied, zero-filled and relocated; every kind
// of malformed file gets its own error instead of a wild write.
#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "elf_load.hpp"

namespace {

// One PT_LOAD (file 0..0x200 at vaddr 0, memsz 0x300), one PT_DYNAMIC at
// 0x100 naming a one-entry RELA table at 0x180 that patches the word at
// 0x1f0 with base + 0x40; the entry point is 0x40.
struct image {
    std::vector<uint8_t> bytes = std::vector<uint8_t>(0x200, 0);
    template <class T> void put(size_t off, T v) { std::memcpy(&bytes[off], &v, sizeof v); }
    image() {
        const uint8_t ident[16] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
        std::memcpy(bytes.data(), ident, sizeof ident);
        put<uint16_t>(16, 3);         // ET_DYN
        put<uint16_t>(18, 183);       // EM_AARCH64
        put<uint64_t>(24, 0x40);      // e_entry
        put<uint64_t>(32, 64);        // e_phoff
        put<uint16_t>(54, 56);        // e_phentsize
        put<uint16_t>(56, 2);         // e_phnum
        phdr(64, 1, 0, 0x200, 0x300, 0x1000);
        phdr(120, 2, 0x100, 0x40, 0x40, 8);
        dyn(0, 7, 0x180);             // DT_RELA
        dyn(1, 8, 24);                // DT_RELASZ
        dyn(2, 9, 24);                // DT_RELAENT
        rela(0x1f0, 1027, 0x40);      // R_AARCH64_RELATIVE
    }
    void phdr(size_t at, uint32_t type, uint64_t off, uint64_t filesz, uint64_t memsz, uint64_t align) {
        put<uint32_t>(at, type);
        put<uint64_t>(at + 8, off);
        put<uint64_t>(at + 16, off);  // vaddr = offset
        put<uint64_t>(at + 32, filesz);
        put<uint64_t>(at + 40, memsz);
        put<uint64_t>(at + 48, align);
    }
    void dyn(int i, int64_t tag, uint64_t val) {
        put<int64_t>(0x100 + 16 * i, tag);
        put<uint64_t>(0x108 + 16 * i, val);
    }
    void rela(uint64_t offset, uint32_t type, int64_t addend) {
        put<uint64_t>(0x180, offset);
        put<uint64_t>(0x188, type);
        put<int64_t>(0x190, addend);
    }
    std::string problem() {
        std::vector<uint8_t> mem(0x1000, 0xaa);
        const auto l = example::elf::load(bytes.data(), bytes.size(), mem.data());
        return l.problem ? l.problem : "";
    }
};

}  // namespace

TEST_CASE("elf_load: a static PIE is copied, zero-filled and relocated") {
    image img;
    img.bytes[0x1c0] = 0x5a;
    const auto e = example::elf::image_extent(img.bytes.data(), img.bytes.size());
    REQUIRE(e.problem == nullptr);
    CHECK(e.size == 0x300);
    CHECK(e.align == 0x1000);
    std::vector<uint8_t> mem(0x300, 0xaa);
    const auto l = example::elf::load(img.bytes.data(), img.bytes.size(), mem.data());
    REQUIRE(l.problem == nullptr);
    const uint64_t base = uint64_t(uintptr_t(mem.data()));
    CHECK(l.entry == base + 0x40);
    CHECK(l.relocations == 1);
    uint64_t patched;
    std::memcpy(&patched, &mem[0x1f0], 8);
    CHECK(patched == base + 0x40);
    CHECK(mem[0x1c0] == 0x5a);
    CHECK(mem[0x2ff] == 0);          // .bss: beyond the file data
}

TEST_CASE("elf_load: malformed files are refused with a reason") {
    {
        image img;
        img.bytes[1] = 'X';
        CHECK(img.problem() == "not a little-endian ELF64 file");
    }
    {
        image img;
        img.put<uint16_t>(16, 2);     // ET_EXEC: linked for one address
        CHECK(img.problem() == "not an AArch64 position-independent executable");
    }
    {
        image img;
        img.put<uint16_t>(56, 60);    // more program headers than the file holds
        CHECK(img.problem() == "program headers outside the file");
    }
    {
        image img;
        img.phdr(64, 1, 0, 0x400, 0x400, 0x1000);
        CHECK(img.problem() == "a segment lies outside the file");
    }
    {
        image img;
        img.rela(0x1f0, 257, 0);      // R_AARCH64_ABS64 needs a symbol table
        CHECK(img.problem() == "a relocation other than R_AARCH64_RELATIVE");
    }
    {
        image img;
        img.rela(0x2fc, 1027, 0);     // would write past the image
        CHECK(img.problem() == "a relocation outside the image");
    }
    {
        image img;
        img.phdr(120, 2, 0x2f0, 0x40, 0x40, 8);   // PT_DYNAMIC beyond the image end
        CHECK(img.problem() == "the dynamic section lies outside the image");
    }
    {
        image img;
        img.dyn(1, 8, 0x1000);        // DT_RELASZ past the image
        CHECK(img.problem() == "malformed dynamic relocation table");
    }
    {
        image img;
        img.put<uint64_t>(24, 0x300); // entry beyond the image
        CHECK(img.problem() == "entry point outside the image");
    }
}
