// SPDX-License-Identifier: MIT
// Fuzz the MADT scanner (scan_madt). Random bytes rarely have a valid
// checksum, so each input is scanned twice: as it is, and as a copy whose
// checksum byte (ACPI 6.5 5.2.6, offset 9) is fixed up, which lets the
// fuzzer reach the structure walk. Checks the invariants acpi.hpp states.
#include <smpboot/x86/acpi.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

// Not `using namespace smpboot`: its acpi (the shared reader) would make
// the alias below ambiguous.
using smpboot::cpu_desc;
using smpboot::hwid_t;
using smpboot::line;
using smpboot::no_cpu;
namespace acpi = smpboot::x86::acpi;

namespace {

volatile uint64_t sink;

void check(bool cond) {
    if (!cond) std::abort();
}

struct seen {
    uint32_t entries = 0, cpus_with_logical = 0;
    uint32_t last_offset = 0;
    static void fn(void* ctx, const acpi::madt_entry& e) {
        auto* s = static_cast<seen*>(ctx);
        check(e.index == s->entries++);
        check(e.offset >= 44 && (e.index == 0 || e.offset > s->last_offset) && e.length >= 2);
        s->last_offset = e.offset;
        if (e.logical != no_cpu) {
            check(e.use == acpi::usage::present || e.use == acpi::usage::possible);
            ++s->cpus_with_logical;
        }
        // Rejected and dropped entries say why; disabled and possible ones
        // carry at most the note on a structure longer than ACPI 6.5 defines.
        if (e.use == acpi::usage::rejected || e.use == acpi::usage::dropped) check(e.problem != nullptr);
        if (e.use == acpi::usage::disabled || e.use == acpi::usage::possible)
            check(e.problem == nullptr || std::strstr(e.problem, "longer than") != nullptr);
        sink = sink + e.hwid + e.flags + uint64_t(e.use) + (e.problem ? 1 : 0) + *acpi::to_string(e.use);
    }
};

void scan(const uint8_t* t, size_t len, hwid_t boot, uint32_t cap) {
    std::vector<cpu_desc> out(cap ? cap : 1);
    uint32_t count = 0;
    acpi::madt_info info;
    seen s;
    const acpi::status st = acpi::scan_madt(t, len, boot, cap ? out.data() : nullptr, cap, count, info, &seen::fn, &s);
    line<256> l;
    acpi::describe(st, l);
    sink = sink + l.size() + count;
    if (!st && s.entries == 0) return;   // stopped before the structure walk
    check(s.entries == info.entries && count <= cap);
    check(info.present + info.possible == count || info.dropped > 0 || cap == 0);
    // With no room at all the boot entry still reports logical 0 (nothing is written).
    // A boot CPU no entry lists is logical 0 without an entry.
    const uint32_t unlisted = info.boot_listed ? 0 : 1;
    check(s.cpus_with_logical + unlisted == count || (cap == 0 && s.cpus_with_logical <= 1));
    check(info.boot_listed || boot != acpi::any_boot_cpu);
    if (count > 0) check(out[0].present && (boot == acpi::any_boot_cpu || out[0].hwid == boot));
    for (uint32_t i = 0; i < count; ++i)
        for (uint32_t j = 0; j < i; ++j) check(out[i].hwid != out[j].hwid);
}

void scan_all(const uint8_t* t, size_t len) {
    scan(t, len, acpi::any_boot_cpu, 64);
    scan(t, len, acpi::any_boot_cpu, 2);
    scan(t, len, 0, 0);
    if (len >= 52) scan(t, len, t[47], 16);   // the APIC ID of a first Local APIC structure
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    scan_all(data, size);
    if (size < 36) return 0;
    // An exact-size copy with the checksum made right over the declared length.
    std::vector<uint8_t> t(data, data + size);
    uint32_t len = uint32_t(t[4]) | uint32_t(t[5]) << 8 | uint32_t(t[6]) << 16 | uint32_t(t[7]) << 24;
    if (len > size) len = uint32_t(size);
    uint8_t sum = 0;
    t[9] = 0;
    for (uint32_t i = 0; i < len; ++i) sum = uint8_t(sum + t[i]);
    t[9] = uint8_t(-sum);
    scan_all(t.data(), t.size());
    return 0;
}
