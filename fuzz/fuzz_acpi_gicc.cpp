// SPDX-License-Identifier: MIT
// Fuzz the arm64 MADT reader (GICC structures, ACPI 6.5 5.2.12.14) on the
// shared MADT walk: the input's first byte chooses the FADT's ARM boot flags
// and the boot MPIDR, the rest is the table (its checksum fixed unless bit 7
// says not to, so the fuzzer gets past check_table). Checks the invariants
// arm64/acpi.hpp states.
#include <smpboot/arm64/acpi.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

using namespace smpboot;
namespace a64 = smpboot::arm64::acpi;

namespace {

volatile uint64_t sink;

void log_fn(void*, log_level lvl, const char* line) { sink = sink + uint64_t(lvl) + std::strlen(line); }

void check(bool cond) {
    if (!cond) std::abort();   // an invariant of arm64/acpi.hpp broke
}

struct seen {
    uint32_t giccs = 0, usable = 0;
    static void fn(void* ctx, const a64::madt_entry& e) {
        auto* s = static_cast<seen*>(ctx);
        if (e.type != a64::madt_type_gicc) {
            check(e.use == acpi::usage::info && e.logical == no_cpu);
            return;
        }
        ++s->giccs;
        const bool numbered = e.use == acpi::usage::present || e.use == acpi::usage::possible;
        check(numbered == (e.logical != no_cpu));
        check(e.use != acpi::usage::rejected || e.problem != nullptr);
        if (e.boot) check(e.logical == 0 && e.use == acpi::usage::present);
        sink = sink + e.cpu.mpidr + e.cpu.parked_address + uint64_t(e.method) + *acpi::to_string(e.use);
    }
};

void run(const uint8_t* t, size_t len, const a64::fadt_info& fadt, uint64_t boot, uint32_t cap) {
    std::vector<arm64::cpu_info> cpus(cap);
    std::vector<cpu_desc> descs(cap);
    std::vector<arm64::cpu_node_report> nodes(64);
    const arm64::discovery_log log{&log_fn, nullptr};
    seen s;
    a64::madt_info info;
    const arm64::discovery_result r =
        a64::discover_cpus(t, len, fadt, boot, {cpus.data(), cap, descs.data(), nodes.data(), 64}, &log, {&seen::fn, &s, &info});
    if (!r.ok()) return;
    check(r.count >= 1 && r.count <= cap);
    check(cpus[0].hwid == (boot & arm64::mpidr_affinity_mask) && descs[0].present);
    check(s.giccs == info.giccs && r.nodes == info.giccs);
    check(info.present + info.possible == r.count - (r.boot_cpu_found ? 0 : 1));
    for (uint32_t i = 0; i < r.count; ++i) {
        check(descs[i].hwid == cpus[i].hwid);
        check((cpus[i].hwid & ~arm64::mpidr_affinity_mask) == 0);
        for (uint32_t j = 0; j < i; ++j) check(cpus[i].hwid != cpus[j].hwid);
        if (i == 0) continue;
        check(r.boot_cpu_found);
        // A secondary starts by PSCI, or by a version-1 parking mailbox (4 KiB aligned).
        if (cpus[i].method == arm64::enable_method::parking_protocol)
            check(cpus[i].parking_version == 1 && cpus[i].mailbox != 0 && cpus[i].mailbox % 4096 == 0);
        else
            check(cpus[i].method == arm64::enable_method::psci && r.psci.present);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    const uint8_t mode = data[0];
    std::vector<uint8_t> t(data + 1, data + size);
    if (!(mode & 0x80) && t.size() >= 36) {
        t[9] = 0;
        uint8_t sum = 0;
        for (uint8_t b : t) sum = uint8_t(sum + b);
        t[9] = uint8_t(-sum);
    }
    a64::fadt_info fadt;
    fadt.revision = 6;
    fadt.arm_boot = mode & 3;
    // Boot MPIDRs: the first GICC's (if the table has one at the usual
    // place), 0, and one with non-affinity bits that must be ignored.
    const uint64_t first = t.size() >= 44 + 76 ? acpi::le::rd64(t.data() + 44 + 68) : 0;
    for (uint64_t boot : {first, uint64_t(0), uint64_t(0x80000100)}) {
        run(t.data(), t.size(), fadt, boot, (mode & 4) ? 2 : 64);
    }
    return 0;
}
