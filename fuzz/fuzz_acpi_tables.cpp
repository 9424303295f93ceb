// SPDX-License-Identifier: MIT
// Fuzz the ACPI walk from the RSDP: parse_rsdp, find_rsdp (the legacy
// search), find_table through the RSDT or XSDT, and both arches' discover()
// (x86: the MADT's APICs; arm64: the FADT's PSCI flags and the GICCs).
//
// Input: byte 0 selects the mode, bytes 1..15 are reserved, and the rest is
// physical memory from 0xE0000 (the BIOS area, ACPI 6.5 5.2.5.1), zero
// padded to 0xFFFFF. Every map() returns a fresh heap copy of exactly the
// bytes asked for, so a parser reading past what it mapped hits ASan.
// Mode bit 0: search for the RSDP instead of using 0xE0000. Bit 1: leave the
// checksums alone (else they are fixed up along RSDP -> root -> tables, so
// the fuzzer gets past them). Bit 2: the BIOS data area word at 0x40E (the
// EBDA segment, ACPI 6.5 5.2.5.1) is mapped and holds bytes 2-3; the EBDA
// is readable where it falls inside the window.
#include <smpboot/arm64/acpi.hpp>
#include <smpboot/x86/acpi.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

// Not `using namespace smpboot`: its acpi (the shared reader) would make
// the alias below ambiguous.
using smpboot::cpu_desc;
using smpboot::hwid_t;
using smpboot::line;
namespace acpi = smpboot::x86::acpi;
namespace arm64 = smpboot::arm64;

namespace {

constexpr uint64_t area_base = 0xe0000, area_size = 0x20000;
constexpr size_t header = 16;

volatile uint64_t sink;

constexpr uint64_t ebda_ptr = 0x40e;

struct memory {
    std::vector<uint8_t> image;
    std::vector<std::unique_ptr<uint8_t[]>> maps;
    bool bda = false;
    bool capped = false;
    uint8_t ebda_segment[2] = {};

    static const void* map(void* ctx, uint64_t phys, size_t len) {
        auto* m = static_cast<memory*>(ctx);
        if (m->bda && phys >= ebda_ptr && len <= 2 && phys + len <= ebda_ptr + 2) {
            auto p = std::make_unique<uint8_t[]>(len ? len : 1);
            std::memcpy(p.get(), m->ebda_segment + (phys - ebda_ptr), len);
            m->maps.push_back(std::move(p));
            return m->maps.back().get();
        }
        if (phys < area_base || len > area_size || phys - area_base > area_size - len) return nullptr;
        if (m->maps.size() > 65536) {   // a bound on what one input may allocate
            m->capped = true;
            return nullptr;
        }
        auto p = std::make_unique<uint8_t[]>(len ? len : 1);
        std::memcpy(p.get(), m->image.data() + (phys - area_base), len);
        m->maps.push_back(std::move(p));
        return m->maps.back().get();
    }
};

uint32_t rd32(const uint8_t* p) { return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24; }
uint64_t rd64(const uint8_t* p) { return rd32(p) | uint64_t(rd32(p + 4)) << 32; }

void fix_sum(uint8_t* p, size_t len, size_t at) {
    uint8_t s = 0;
    p[at] = 0;
    for (size_t i = 0; i < len; ++i) s = uint8_t(s + p[i]);
    p[at] = uint8_t(-s);
}

/// Make the checksums right along RSDP -> RSDT/XSDT -> the tables they list.
void fix_checksums(std::vector<uint8_t>& img, uint64_t rsdp_off) {
    if (rsdp_off + 36 > img.size()) return;
    uint8_t* r = img.data() + rsdp_off;
    fix_sum(r, 20, 8);
    const uint32_t rlen = rd32(r + 20);
    if (r[15] >= 2 && rlen >= 36 && rsdp_off + rlen <= img.size()) fix_sum(r, rlen, 32);
    for (int pass = 0; pass < 2; ++pass) {
        const bool x = pass == 0;
        const uint64_t root = x ? rd64(r + 24) : rd32(r + 16);
        if (root < area_base || root - area_base + 36 > img.size()) continue;
        uint8_t* t = img.data() + (root - area_base);
        const uint32_t len = rd32(t + 4);
        if (len < 36 || root - area_base + len > img.size()) continue;
        const uint32_t ptr = x ? 8 : 4;
        for (uint32_t off = 36; off + ptr <= len; off += ptr) {
            const uint64_t phys = x ? rd64(t + off) : rd32(t + off);
            if (phys < area_base || phys - area_base + 36 > img.size()) continue;
            uint8_t* s = img.data() + (phys - area_base);
            const uint32_t slen = rd32(s + 4);
            if (slen >= 36 && phys - area_base + slen <= img.size()) fix_sum(s, slen, 9);
        }
        fix_sum(t, len, 9);   // after the tables: the root may list itself
    }
}

void collect(void*, const acpi::madt_entry& e) { sink = sink + e.hwid + uint64_t(e.use); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < header) return 0;
    const uint8_t mode = data[0];
    memory mem;
    mem.bda = mode & 4;
    mem.ebda_segment[0] = data[2];
    mem.ebda_segment[1] = data[3];
    mem.image.assign(area_size, 0);
    std::memcpy(mem.image.data(), data + header, size - header < area_size ? size - header : area_size);
    if (!(mode & 2)) fix_checksums(mem.image, 0);
    const acpi::phys_reader reader{&memory::map, &mem};

    acpi::rsdp_info rsdp;
    const acpi::status st = acpi::parse_rsdp(mem.image.data(), size - header < 36 ? size - header : 36, area_base, rsdp);
    sink = sink + rsdp.xsdt + (st ? 1 : 0);
    if (st) {
        for (const char* sig : {"APIC", "FACP", "XSDT"}) {
            uint64_t phys = 0;
            uint32_t len = 0;
            const acpi::status f = acpi::find_table(reader, rsdp, sig, phys, len);
            line<256> l;
            acpi::describe(f, l);
            sink = sink + phys + len + l.size();
        }
    }
    cpu_desc out[32];
    uint32_t count = 0;
    acpi::madt_info info;
    const acpi::status d =
        acpi::discover(reader, (mode & 1) ? 0 : area_base, acpi::any_boot_cpu, out, 32, count, info, &collect, nullptr);
    if (d && count == 0) std::abort();   // success means at least the boot CPU
    sink = sink + count + info.entries;
    // The library's own buffer reader on the same bytes must agree.
    acpi::buffer_memory flat{mem.image.data(), area_base, mem.image.size()};
    uint32_t count2 = 0;
    acpi::madt_info info2;
    const acpi::status d2 = acpi::discover(flat.reader(), area_base, acpi::any_boot_cpu, out, 32, count2, info2);
    if (!(mode & 1) && !(mode & 4) && !mem.capped && (bool(d) != bool(d2) || count != count2)) std::abort();

    // The arm64 walk over the same memory: RSDP, root, FADT, MADT GICCs.
    arm64::cpu_info acpus[8];
    cpu_desc adescs[8];
    const arm64::discovery_result a =
        arm64::acpi::discover(reader, area_base, 0, {acpus, 8, adescs, nullptr, 0}, nullptr);
    if (a.ok() && (a.count == 0 || a.count > 8)) std::abort();
    sink = sink + a.count + a.rejected + uint64_t(a.psci.method);
    return 0;
}
