// SPDX-License-Identifier: MIT
// CPU discovery from a device tree's /cpus node (devicetree spec 3.7 and the
// Linux binding Documentation/devicetree/bindings/arm/cpus.yaml). The same
// result comes from ACPI (the MADT's GICC structures and the FADT's PSCI
// flags): see arm64/acpi.hpp. The backend does not care which one ran.
//
// Freestanding and host-testable: the example kernels call it on the DTB the
// firmware passed, smpboot-inspect calls it on a file. No arch code here.
//
//   smpboot::arm64::cpu_info cpus[64];
//   smpboot::arm64::cpu_node_report nodes[80];
//   auto d = smpboot::arm64::discover_cpus(tree, read_mpidr(), {cpus, 64, nullptr, nodes, 80}, &log);
//   // cpus[0] is the boot CPU, cpus[1..d.count) the others in DT order.
//
// A kernel calls it through its backend (arm64::backend<N>::discover), which
// fills one arm64::discovery<N> with both lists at once.
//
// The rules, after Linux arm64 smp_init_cpus() / of_get_cpu_hwid():
//  - nodes under /cpus whose device_type is "cpu"; others are skipped
//    silently (cpu-map, caches);
//  - reg has /cpus's #address-cells cells (1 or 2) and holds the MPIDR
//    affinity fields only: any bit outside Aff3..Aff0 refuses the node;
//  - a reg seen before refuses the later node (duplicate);
//  - status = "disabled" / "fail" refuses the node;
//  - an AP needs a usable enable-method: "psci" (with a usable PSCI node) or
//    "spin-table" (with cpu-release-addr); the boot CPU does not;
//  - the boot CPU (the running CPU's MPIDR) is logical 0, the others follow
//    in DT order; CPUs past the capacity (cpus_cap) are dropped with a warning;
//  - if the boot CPU is not in the tree, secondaries are not used (Linux
//    says "missing boot CPU MPIDR, not enabling secondaries").
// Every refused node is reported (and logged) with its path and the reason.
#pragma once

#include <smpboot/acpi/tables.hpp>
#include <smpboot/arm64/psci.hpp>
#include <smpboot/base.hpp>
#include <smpboot/cpu.hpp>
#include <smpboot/fdt.hpp>
#include <smpboot/host.hpp>

namespace smpboot::arm64 {

/// Arm ARM D17.2.101 (MPIDR_EL1): Aff3 [39:32], Aff2 [23:16], Aff1 [15:8], Aff0 [7:0].
inline constexpr uint64_t mpidr_affinity_mask = 0xff00ffffffull;
struct mpidr {
    uint64_t value;
    constexpr uint8_t aff0() const { return uint8_t(value); }
    constexpr uint8_t aff1() const { return uint8_t(value >> 8); }
    constexpr uint8_t aff2() const { return uint8_t(value >> 16); }
    constexpr uint8_t aff3() const { return uint8_t(value >> 32); }
};

/// How a CPU is started. parking_protocol is what an ACPI GICC with a parked
/// address and no PSCI in the FADT asks for ("Multiprocessor Startup for ARM
/// Platforms", smpboot/arm64/parking.hpp): version 1 with a 4 KiB-aligned
/// mailbox is started by the backend, any other is refused by discovery.
enum class enable_method : uint8_t { none, psci, spin_table, parking_protocol, unknown };
const char* to_string(enable_method m);

/// Where a CPU sits in the machine.
struct topology {
    uint32_t package = 0;   ///< socket (cpu-map) or Aff3:Aff2
    uint32_t cluster = 0;   ///< cluster (cpu-map) or Aff1
    uint32_t core = 0;      ///< core (cpu-map) or Aff0
    uint32_t thread = 0;    ///< thread (cpu-map) or 0
    bool from_cpu_map = false;
};

/// The topology the affinity fields give when nothing better is known (Linux
/// arm64 without the MT bit: core = Aff0, cluster = Aff1, package = Aff3:Aff2).
constexpr topology topology_of(hwid_t hwid) {
    const mpidr m{hwid};
    return topology{uint32_t(m.aff3()) << 8 | m.aff2(), m.aff1(), m.aff0(), 0, false};
}

/// One usable CPU, in logical order.
struct cpu_info {
    hwid_t hwid = 0;                  ///< MPIDR affinity bits
    enable_method method = enable_method::none;
    uint64_t release_addr = 0;        ///< spin-table: physical address of the release word
    fdt::node node{};                 ///< DT only (none for ACPI)
    topology topo{};
    /// ACPI only: the GICC's ACPI Processor UID, GIC CPU Interface Number
    /// (the CPU ID the parking protocol's mailbox takes, as Linux writes
    /// it), and its parking protocol fields as the firmware wrote them
    /// (version 0: no parking protocol; `mailbox` is the Parked Address,
    /// the mailbox's physical address).
    uint32_t uid = 0;
    uint32_t gic_cpu_interface = 0;
    uint32_t parking_version = 0;
    uint64_t mailbox = 0;
};

/// One /cpus child with device_type "cpu" (or one MADT GICC), usable or not,
/// in DT (table) order.
struct cpu_node_report {
    char path[64] = {};               ///< DT path, or "MADT entry N at offset 0x.."
    hwid_t hwid = 0;                  ///< 0 if reg could not be read
    enable_method method = enable_method::none;
    char method_name[24] = {};        ///< the property as written (cut)
    uint64_t release_addr = 0;
    bool usable = false;
    cpu_id logical = no_cpu;          ///< its logical number when usable
    const char* problem = nullptr;    ///< why not usable (nullptr when usable)
};

/// Where discovery messages go (a warning or error line, no newline).
struct discovery_log {
    void (*fn)(void* ctx, log_level level, const char* line) = nullptr;
    void* ctx = nullptr;
};

/// What discovery found, from a DT or from ACPI ("node" is then a GICC).
struct discovery_result {
    fdt::status fdt{};            ///< set when the tree itself is unusable
    acpi::status acpi{};          ///< set when the ACPI tables are unusable
    const char* problem = nullptr;///< whole-tree problem ("no /cpus node", ...)
    uint32_t count = 0;           ///< usable CPUs written to `cpus`, boot CPU first
    uint32_t nodes = 0;           ///< cpu nodes seen (reports beyond nodes_cap are not stored)
    uint32_t rejected = 0;        ///< nodes refused for a reason
    uint32_t dropped = 0;         ///< usable nodes past cpus_cap
    uint32_t possible = 0;        ///< ACPI: online capable, not present (in `cpus`, not started)
    bool boot_cpu_found = false;
    psci_info psci{};

    bool ok() const { return problem == nullptr && fdt.code == fdt::error::ok && acpi.ok(); }
};

/// Where discover_cpus() writes, and how much room each array has.
struct discovery_out {
    cpu_info* cpus = nullptr;          ///< usable CPUs, boot CPU first (required)
    uint32_t cpus_cap = 0;             ///< room in cpus (and descs): usable CPUs past it are dropped
    cpu_desc* descs = nullptr;         ///< optional: hotplug::init()'s list, in the same order
                                       ///< (present is false for ACPI online-capable CPUs)
    cpu_node_report* nodes = nullptr;  ///< optional: one report per cpu node
    uint32_t nodes_cap = 0;
};

/// Read /cpus. `boot_mpidr` is MPIDR_EL1 of the running CPU (non-affinity
/// bits are ignored).
discovery_result discover_cpus(const fdt::tree& t, uint64_t boot_mpidr, const discovery_out& out,
                               const discovery_log* log = nullptr);

/// What a backend's discovery found, in one object: the list hotplug::init()
/// takes (`cpus`), the per-CPU facts the backend needs (`info`, same order),
/// and the tree-wide result with the PSCI node (`status`).
template <uint32_t MaxCpus>
struct discovery {
    discovery_result status{};
    uint32_t count = 0;
    cpu_desc cpus[MaxCpus];
    cpu_info info[MaxCpus];

    bool ok() const { return status.ok(); }
    /// Append a CPU the tree does not describe (the examples' ghost CPUs).
    bool add(const cpu_info& ci) {
        if (count >= MaxCpus) return false;
        cpus[count] = cpu_desc{ci.hwid, true};
        info[count++] = ci;
        return true;
    }
};

}  // namespace smpboot::arm64
