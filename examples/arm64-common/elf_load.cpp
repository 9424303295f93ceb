// SPDX-License-Identifier: MIT
// ELF64 as the System V gABI (4.1, chapters 4 and 5) describes it; the only
// relocation a static PIE needs on AArch64 is R_AARCH64_RELATIVE (ELF for the
// Arm 64-bit Architecture, 5.7.12: *P = Delta(S) + A).
#include "elf_load.hpp"

#include "../common/elf64.hpp"

namespace example::elf {

namespace {

using ehdr = ::elf::elf64_ehdr;
using phdr = ::elf::elf64_phdr;
using ::elf::pt_load;

struct dyn {
    int64_t tag;
    uint64_t val;
};
struct rela {
    uint64_t offset, info;
    int64_t addend;
};
static_assert(sizeof(ehdr) == 64 && sizeof(phdr) == 56 && sizeof(rela) == 24, "ELF64 layouts");

constexpr uint32_t pt_dynamic = 2;
constexpr int64_t dt_null = 0, dt_rela = 7, dt_relasz = 8, dt_relaent = 9;
constexpr uint16_t et_dyn = 3, em_aarch64 = 183;
constexpr uint32_t r_aarch64_relative = 1027;

const char* check_header(const void* elf, size_t size, const ehdr*& h) {
    h = static_cast<const ehdr*>(elf);
    if (size < sizeof(ehdr) || h->ident[0] != 0x7f || h->ident[1] != 'E' || h->ident[2] != 'L' ||
        h->ident[3] != 'F' || h->ident[4] != 2 /* ELFCLASS64 */ || h->ident[5] != 1 /* little-endian */)
        return "not a little-endian ELF64 file";
    if (h->machine != em_aarch64 || h->type != et_dyn) return "not an AArch64 position-independent executable";
    if (h->phentsize != sizeof(phdr) || h->phoff > size || (size - h->phoff) / sizeof(phdr) < h->phnum)
        return "program headers outside the file";
    return nullptr;
}

const phdr* phdrs(const ehdr* h) {
    return reinterpret_cast<const phdr*>(reinterpret_cast<const uint8_t*>(h) + h->phoff);
}

}  // namespace

extent image_extent(const void* elf, size_t size) {
    extent e;
    const ehdr* h;
    if ((e.problem = check_header(elf, size, h))) return e;
    for (uint16_t i = 0; i < h->phnum; ++i) {
        const phdr& p = phdrs(h)[i];
        if (p.type != pt_load) continue;
        if (p.offset > size || size - p.offset < p.filesz || p.filesz > p.memsz) {
            e.problem = "a segment lies outside the file";
            return e;
        }
        if (p.vaddr + p.memsz > e.size) e.size = p.vaddr + p.memsz;
        if (p.align > e.align) e.align = p.align;
    }
    if (e.size == 0) e.problem = "no loadable segment";
    return e;
}

loaded load(const void* elf, size_t size, uint8_t* base) {
    loaded l;
    const extent e = image_extent(elf, size);
    if ((l.problem = e.problem)) return l;
    const ehdr* h = static_cast<const ehdr*>(elf);
    const uint8_t* file = static_cast<const uint8_t*>(elf);
    for (uint64_t i = 0; i < e.size; ++i) base[i] = 0;
    const dyn* dynamic = nullptr;
    uint64_t dyn_count = 0;
    for (uint16_t i = 0; i < h->phnum; ++i) {
        const phdr& p = phdrs(h)[i];
        if (p.type == pt_load)
            for (uint64_t j = 0; j < p.filesz; ++j) base[p.vaddr + j] = file[p.offset + j];
        if (p.type != pt_dynamic) continue;
        if (p.vaddr > e.size || e.size - p.vaddr < p.memsz) {
            l.problem = "the dynamic section lies outside the image";
            return l;
        }
        dynamic = reinterpret_cast<const dyn*>(base + p.vaddr);
        dyn_count = p.memsz / sizeof(dyn);
    }
    uint64_t rela_off = 0, rela_size = 0, rela_ent = sizeof(rela);
    for (const dyn* d = dynamic; d && d < dynamic + dyn_count && d->tag != dt_null; ++d) {
        if (d->tag == dt_rela) rela_off = d->val;
        if (d->tag == dt_relasz) rela_size = d->val;
        if (d->tag == dt_relaent) rela_ent = d->val;
    }
    if (rela_ent != sizeof(rela) || rela_off > e.size || e.size - rela_off < rela_size) {
        l.problem = "malformed dynamic relocation table";
        return l;
    }
    const uint64_t delta = uint64_t(uintptr_t(base));
    for (uint64_t off = 0; off < rela_size; off += sizeof(rela)) {
        const rela& r = *reinterpret_cast<const rela*>(base + rela_off + off);
        if (uint32_t(r.info) != r_aarch64_relative) {
            l.problem = "a relocation other than R_AARCH64_RELATIVE";
            return l;
        }
        if (r.offset > e.size - 8) {
            l.problem = "a relocation outside the image";
            return l;
        }
        *reinterpret_cast<uint64_t*>(base + r.offset) = delta + uint64_t(r.addend);
        ++l.relocations;
    }
    if (h->entry >= e.size) {
        l.problem = "entry point outside the image";
        return l;
    }
    l.entry = delta + h->entry;
    return l;
}

}  // namespace example::elf
