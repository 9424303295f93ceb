// SPDX-License-Identifier: MIT
// Fuzz smpboot::fdt: open() on arbitrary bytes, then every accessor on every
// node and property of whatever it accepts. fdt.hpp also promises that a
// tree stays safe when the bytes change after open(), so the blob is then
// corrupted in place (at positions the input chooses) and walked again.
#include <smpboot/fdt.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

using namespace smpboot;

namespace {

// Accessors that rescan from the root (path_of, parent, path) run on the
// first nodes only, so a large blob costs O(n) per input, not O(n^2).
constexpr uint32_t deep_checks = 48;
constexpr uint32_t max_steps = 20000;

volatile uint64_t sink;

void use_property(const fdt::tree& t, fdt::node n, const fdt::property& p) {
    uint32_t v = 0;
    uint64_t w = 0;
    sink = sink + p.size() + (p.u32(0, v) ? v : 0) + (p.u32(p.size() / 4, v) ? 1 : 0);
    sink = sink + (p.cells(0, 2, w) ? w : 0) + (p.cells(1, 1, w) ? w : 0) + (p.cells(0, 3, w) ? 1 : 0);
    if (const char* s = p.str()) sink = sink + std::strlen(s);
    for (uint32_t i = 0; i < 4; ++i)
        if (const char* s = p.string_at(i)) sink = sink + std::strlen(s);
    sink = sink + p.has_string("okay") + p.has_string("");
    fdt::property again;
    if (p.name() && t.find_property(n, p.name(), again)) sink = sink + again.offset();
    if (p.name() && (std::strcmp(p.name(), "phandle") == 0 || std::strcmp(p.name(), "cpu") == 0) && p.u32(0, v))
        sink = sink + t.by_phandle(v).offset;
}

void walk(const fdt::tree& t) {
    uint32_t steps = 0, deep = 0;
    // Iterative pre-order walk with an explicit stack (max_depth bounds it).
    fdt::node stack[fdt::max_depth + 2];
    uint32_t sp = 0;
    fdt::node n = t.root();
    while (n && steps++ < max_steps) {
        const char* name = t.name(n);
        sink = sink + (name ? std::strlen(name) : 0);
        uint32_t cursor = 0;
        fdt::property p;
        for (uint32_t k = 0; k < 256 && t.next_property(n, cursor, p); ++k) use_property(t, n, p);
        sink = sink + t.u32_or(n, "#address-cells", 2) + t.address_cells(n) + t.size_cells(n);
        if (deep++ < deep_checks) {
            char path[256];
            if (t.path_of(n, path, sizeof path)) sink = sink + t.path(path).offset;
            char tiny[4];
            sink = sink + t.path_of(n, tiny, sizeof tiny) + t.parent(n).offset + t.depth(n);
        }
        // Descend, else the next sibling, else climb.
        fdt::node c = t.first_child(n);
        if (c && sp < fdt::max_depth + 1) {
            stack[sp++] = n;
            n = c;
            continue;
        }
        fdt::node s = t.next_sibling(n);
        while (!s && sp > 0) s = t.next_sibling(stack[--sp]);
        n = s;
    }
    for (const char* q : {"/cpus", "/cpus/cpu@0", "/psci", "/", "", "cpus", "//", "/cpus/"}) sink = sink + t.path(q).offset;
    fdt::node c{};
    for (uint32_t k = 0; k < 64 && (c = t.find_compatible("arm,psci-0.2", c)); ++k) sink = sink + c.offset;
    uint64_t base, size;
    for (uint32_t i = 0; i <= t.reserved_count() && i < 64; ++i)
        if (t.reserved(i, base, size)) sink = sink + base + size;
    sink = sink + t.by_phandle(0).offset + t.by_phandle(~0u).offset + t.boot_cpuid_phys();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // size_hint reads the 8-byte magic + totalsize from a bare pointer.
    if (size >= 8) sink = sink + fdt::tree::size_hint(data);
    // An exact-size copy: any read past `size` lands in ASan's redzone.
    std::vector<uint8_t> blob(data, data + size);
    fdt::tree t;
    // Also let the blob claim less than the buffer holds.
    const size_t avail = size > 8 && (data[size - 1] & 1) ? size - 8 : size;
    const fdt::status st = fdt::tree::open(blob.data(), avail, t);
    sink = sink + *fdt::to_string(st.code) + st.offset;
    if (!st) return 0;
    walk(t);
    // Corrupt the accepted blob in place and walk the stale tree again.
    const uint32_t seed = uint32_t(size) * 2654435761u ^ data[size / 2];
    for (uint32_t i = 0; i < 6; ++i) blob[(seed + i * 40503u) % size] ^= uint8_t(0x5a + i);
    walk(t);
    return 0;
}
