// SPDX-License-Identifier: MIT
// Fuzz the arm64 /cpus discovery and the PSCI node reader on whatever DTB
// smpboot::fdt accepts, with small and large capacities and several boot
// MPIDRs, checking the invariants discovery.hpp states.
#include <smpboot/arm64/discovery.hpp>
#include <smpboot/arm64/psci.hpp>
#include <smpboot/fdt.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

using namespace smpboot;

namespace {

volatile uint64_t sink;

void log_fn(void*, log_level lvl, const char* line) { sink = sink + uint64_t(lvl) + std::strlen(line); }

void check(bool cond) {
    if (!cond) std::abort();   // an invariant of discovery.hpp broke
}

void run(const fdt::tree& t, uint64_t boot, uint32_t max_cpus, uint32_t cap, uint32_t nodes_cap) {
    std::vector<arm64::cpu_info> cpus(cap ? cap : 1);
    std::vector<arm64::cpu_node_report> nodes(nodes_cap ? nodes_cap : 1);
    const arm64::discovery_log log{&log_fn, nullptr};
    const uint32_t limit = max_cpus < cap ? max_cpus : cap;
    std::vector<cpu_desc> descs(limit ? limit : 1);
    const arm64::discovery_result r = arm64::discover_cpus(
        t, boot, {cpus.data(), limit, descs.data(), nodes_cap ? nodes.data() : nullptr, nodes_cap}, &log);
    sink = sink + r.nodes + r.rejected + r.dropped + r.psci.fn_cpu_on;
    if (!r.ok()) return;
    check(r.count >= 1 && r.count <= limit);
    check(cpus[0].hwid == (boot & arm64::mpidr_affinity_mask));
    for (uint32_t i = 0; i < r.count; ++i) {
        check(descs[i].hwid == cpus[i].hwid && descs[i].present);
        check((cpus[i].hwid & ~arm64::mpidr_affinity_mask) == 0);
        for (uint32_t j = 0; j < i; ++j) check(cpus[i].hwid != cpus[j].hwid);
        if (i > 0) {
            check(r.boot_cpu_found);
            check(cpus[i].method == arm64::enable_method::psci || cpus[i].method == arm64::enable_method::spin_table);
            check(cpus[i].method != arm64::enable_method::spin_table || cpus[i].release_addr != 0);
        }
    }
    uint32_t usable = 0;
    for (uint32_t i = 0; i < r.nodes && i < nodes_cap; ++i) {
        const arm64::cpu_node_report& n = nodes[i];
        check(n.usable == (n.problem == nullptr));
        sink = sink + *arm64::to_string(n.method);
        check(std::memchr(n.path, 0, sizeof n.path) != nullptr && std::memchr(n.method_name, 0, sizeof n.method_name));
        if (n.usable) {
            check(n.logical < r.count && cpus[n.logical].hwid == (n.logical ? n.hwid : cpus[0].hwid));
            ++usable;
        }
    }
    if (r.nodes <= nodes_cap) check(usable == r.count - (r.boot_cpu_found ? 0 : 1));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fdt::tree t;
    if (!fdt::tree::open(data, size, t)) return 0;
    const arm64::psci_info psci = arm64::read_psci(t);
    sink = sink + psci.fn_cpu_on + uint64_t(psci.method) + (psci.problem ? 1 : 0);
    sink = sink + std::strlen(arm64::to_string(psci.method));

    // Boot MPIDRs: the header's boot_cpuid_phys, the first cpu node's reg
    // (what smpboot-inspect assumes), and one from the input's last bytes.
    uint64_t first_reg = 0;
    if (fdt::node cpus = t.path("/cpus")) {
        for (fdt::node n = t.first_child(cpus); n; n = t.next_sibling(n)) {
            fdt::property p;
            if (t.find_property(n, "reg", p) && p.cells(0, t.address_cells(cpus) == 1 ? 1 : 2, first_reg)) break;
        }
    }
    uint64_t tail = 0;
    for (size_t i = size >= 8 ? size - 8 : 0; i < size; ++i) tail = tail << 8 | data[i];
    run(t, t.boot_cpuid_phys(), 256, 256, 256);
    run(t, first_reg, 3, 8, 4);
    run(t, tail, 64, 2, 0);
    run(t, first_reg, 0, 4, 4);
    return 0;
}
