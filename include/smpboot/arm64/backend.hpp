// SPDX-License-Identifier: MIT
// The arm64 backend: starts CPUs by PSCI CPU_ON, spin-table release or the
// ACPI parking protocol's mailbox (smpboot/arm64/parking.hpp), brings
// them into C++ with the boot CPU's MMU configuration, and takes them out
// again (PSCI CPU_OFF, or a library-owned WFE park loop).
//
//   using arch = smpboot::arm64::backend<64>;          // the one capacity
//   static arch be;
//   static smpboot::arm64::idmap_page idmap[8];          // cfg.idmap_pages
//   static arch::discovery d = be.discover(tree, &log);   // or (acpi_reader, rsdp, &log)
//   be.init(cfg, host, d);
//   static arch::hotplug<> hp{be, host};
//   hp.init(d.cpus, d.count);
//
// Exception levels. The kernel runs at EL1. An AP that firmware starts at
// EL2 (QEMU virt,virtualization=on; raspi3b) leaves EL2 in the library's
// entry exactly as smpboot_arm64_el2_to_el1() does and then runs at EL1.
// That follows Linux's booting.rst and el2_setup.h for what EL1 needs:
// HCR_EL2 = RW only and VTTBR_EL2 = 0 (no stage 2, no traps), EL1 gets the
// physical timer and counter, CNTVOFF_EL2 = 0, CPTR_EL2 traps neither
// FP/SIMD nor SVE nor SME (with the largest vector lengths in ZCR_EL2 /
// SMCR_EL2), MDCR_EL2 gives EL1 every PMU counter and traps nothing, GICv3
// system registers are enabled for EL1 and ICH_HCR_EL2 = 0. A kernel
// entered at EL2 should call smpboot_arm64_el2_to_el1() on its boot CPU
// too, so every CPU sees the same EL1 world. EL2 is left behind with no
// vectors, which is why nothing may trap to it: an HVC from EL1 then is the
// kernel's problem (so with virtualization=on PSCI must be, and in QEMU's DT
// is, "smc"). Not done: HCRX_EL2 (FEAT_HCX) and fine-grained traps
// (FEAT_FGT) stay as firmware left them.
//
// Memory: any kernel layout. For a kernel whose code runs in TTBR1's half
// (the higher-half layout; TTBR0 = 0 with TCR.EPD0 set is fine), the MMU
// comes on through an identity map the library owns (smpboot/arm64/idmap.hpp,
// built by init() in the pages config::idmap_pages gives): it maps
// the library's entry and park code and the CPUs' blocks 1:1, nothing else.
// The AP then branches to the entry code's kernel virtual address and
// switches to the kernel's own TTBR0/TCR. For a kernel linked where it is
// loaded (VA == PA), its own TTBR0 already maps the code 1:1 and the MMU
// comes on with the kernel's registers directly. Either way the AP reads
// nothing through a physical address once the kernel's tables are live, and
// when kernel code first runs on an AP (the core's AP entry, then the
// host's callbacks) it has:
//   EL1h, DAIF masked, MAIR/TCR/TTBR0/TTBR1/SCTLR/VBAR_EL1 exactly as the
//   boot CPU had them when it read mmu_state, no TLB entry of the idmap,
//   sp = the stack the host gave, x0/x1 = the core's arguments; memory the
//   boot CPU wrote before the kick is visible (it was cleaned to PoC for
//   the MMU-off part of the path, and the core's handshake orders the
//   rest). Other EL1 registers (CPACR_EL1, TPIDR_EL1, CONTEXTIDR_EL1, ...)
//   are as firmware left them: set them in a host step (ap:starting).
// Every MMU-off path (the park loop, an image's start and return, a refused
// CPU_OFF) runs from the identity alias, so the kernel may run at any
// virtual address with one limit, checked by init(): the library's code is
// either in TTBR1's half or at VA == PA. virt_to_phys / phys_to_virt
// translate the kernel's addresses (blocks, idmap pages, the entry code,
// cpu-release-addr); null means VA == PA. What an AP reads with the MMU off
// is cleaned to the point of coherency first (Arm ARM D7.5.9, DC CVAC), and
// an AP cleans and invalidates its block to PoC before its caches go off,
// so no line written with caches on can later overwrite its MMU-off stores
// (the blocks are 2 KiB each, the largest cache writeback granule, so no
// neighbour's line can either).
//
// The way in is short: entry.S (smpboot_arm64_entry_psci) calls the core's
// AP entry (ap_boot::entry, hotplug::ap_entry) itself with the core pointer
// and the CPU number from the block: asm -> hotplug::ap_entry -> ap_start.
//
// One backend per kernel: the spin-table entry, which firmware enters with
// no argument, finds a CPU's block through one global table
// (smpboot_arm64_ap_table) that init() points at this backend's blocks.
// Everything after that goes through the block, which names the core and
// the CPU number: no global points at the backend.
//
// A CPU that missed its callin (abandon) or never reported off (wait_off
// timeout) may turn up later: a late AP that finds itself unwanted parks in
// the library's loop on its own block (spin-table, or PSCI without CPU_OFF)
// or calls CPU_OFF. The next kick of such a CPU looks at the block first:
// parked, it is released from there; otherwise the block's release word is
// set as well as the firmware's way in (spin-table release, or CPU_ON, whose
// ALREADY_ON / ON_PENDING then mean "on its way to the park loop").
//
// Leaving: ap_leave() calls PSCI CPU_OFF when the CPU's enable-method is
// psci (wait_off() then polls AFFINITY_INFO until OFF, or trusts the CPU_OFF
// mark when firmware lacks it), otherwise - spin-table, or a CPU_OFF that
// returned - the CPU turns its MMU off and waits in a WFE loop on its own
// release word in its block; the next kick writes that word instead of
// going to firmware, so a spin-table CPU can come back any number of times.
//
// The parking protocol: start() writes the CPU's mailbox once (the physical
// address of the spin-table entry as the jump address, then the GICC's CPU
// Interface Number as the CPU ID) and has the host send the wake-up SGI
// (config::wake_sgi); the CPU arrives with its MMU off, as a spin-table CPU
// does. The protocol gives no way back to firmware: it defines only the
// wake-up of a parked CPU, and a woken CPU never reads its mailbox again, so
// the mailbox is never written twice. Such a CPU leaves as a spin-table CPU
// does, into the library's park loop, and cpu_up releases it from there, any
// number of times. A woken CPU that missed its callin cannot be stopped
// (abandon() says false) and cannot be woken by its mailbox again: only the
// park loop's release word, set on the next kick, brings it in if it turns up.
#pragma once

#include <smpboot/arm64/acpi.hpp>
#include <smpboot/arm64/discovery.hpp>
#include <smpboot/arm64/entry_layout.h>
#include <smpboot/arm64/idmap.hpp>
#include <smpboot/arm64/parking.hpp>
#include <smpboot/arm64/psci.hpp>
#include <smpboot/backend.hpp>
#include <smpboot/capacity.hpp>
#include <smpboot/host.hpp>
#include <smpboot/hotplug.hpp>

extern "C" {
void smpboot_arm64_entry_psci();
void smpboot_arm64_entry_spin();
/// Leave EL2 for EL1 (see entry.S); returns at EL1 with sp invalid.
void smpboot_arm64_el2_to_el1();
void smpboot_arm64_image_return();
/// The code the idmap maps (entry.S: one section).
extern const char smpboot_arm64_idmap_text_start[], smpboot_arm64_idmap_text_end[];
}

namespace smpboot::arm64 {

/// The MMU and vector setup of the boot CPU that every AP loads before it
/// runs C++ (read them from the boot CPU's EL1 registers after it set them).
struct mmu_state {
    uint64_t ttbr0 = 0, ttbr1 = 0, tcr = 0, mair = 0, sctlr = 0, vbar = 0;
};

/// Read the running CPU's EL1 MMU registers (MAIR, TCR, TTBR0/1, SCTLR, VBAR).
mmu_state current_mmu_state();
/// MPIDR_EL1 of the running CPU.
uint64_t read_mpidr();

/// What the host must provide beyond host_ops (as x86::config does on x86).
struct config {
    mmu_state mmu{};
    void* ctx = nullptr;
    uint64_t (*virt_to_phys)(void* ctx, const void* va) = nullptr;
    void* (*phys_to_virt)(void* ctx, uint64_t pa) = nullptr;
    /// Pages for the identity map's tables (see idmap.hpp), kept for as long
    /// as the backend is used. 8 are enough when the library's code and the
    /// blocks each lie within one 2 MiB region; init() says how many it needs.
    idmap_page* idmap_pages = nullptr;
    uint32_t idmap_page_count = 0;
    /// Parking protocol CPUs only: send the wake-up interrupt (an SGI, the
    /// protocol's version 1) to the CPU of `mpidr` / GIC CPU Interface
    /// Number `gic_cpu_interface`, from the kernel's own GIC code. Without
    /// it such a CPU is refused with no_enable_method.
    void (*wake_sgi)(void* ctx, uint64_t mpidr, uint32_t gic_cpu_interface) = nullptr;
};

/// Where a CPU is, as far as the backend knows.
enum class cpu_place : uint8_t {
    firmware,   ///< never started: in firmware's spin loop, or PSCI OFF
    running,    ///< kicked: on its way into the kernel, or in it
    psci_off,   ///< left by CPU_OFF (AFFINITY_INFO said OFF, or no way to ask)
    parked,     ///< in the library's WFE park loop
    unknown,    ///< missed its callin; may still turn up
};

/// One CPU's block: read by entry.S with the MMU off and through the idmap.
/// Holds what the core's AP entry needs, so the asm calls it directly.
struct alignas(SMPBOOT_AP_BLOCK_SIZE) ap_block {
    uint64_t mpidr = 0;
    uint64_t stack_top = 0;
    uint64_t ttbr0 = 0, ttbr1 = 0, tcr = 0, mair = 0, sctlr = 0, vbar = 0;
    uint64_t idmap_ttbr0 = 0, idmap_tcr = 0;
    uint64_t entry = 0;   ///< ap_boot::entry
    uint64_t core = 0;    ///< ap_boot::core
    uint64_t cpu = 0;
    uint64_t self_phys = 0;
    uint64_t park_phys = 0;
    uint64_t image_entry = 0;
    uint64_t image_arg = 0;
    uint64_t release = 0;
    uint64_t parked = 0;
    int64_t off_rc = 0;
};
static_assert(__builtin_offsetof(ap_block, mpidr) == SMPBOOT_AP_MPIDR);
static_assert(__builtin_offsetof(ap_block, stack_top) == SMPBOOT_AP_STACK_TOP);
static_assert(__builtin_offsetof(ap_block, ttbr0) == SMPBOOT_AP_TTBR0);
static_assert(__builtin_offsetof(ap_block, ttbr1) == SMPBOOT_AP_TTBR1);
static_assert(__builtin_offsetof(ap_block, tcr) == SMPBOOT_AP_TCR);
static_assert(__builtin_offsetof(ap_block, mair) == SMPBOOT_AP_MAIR);
static_assert(__builtin_offsetof(ap_block, sctlr) == SMPBOOT_AP_SCTLR);
static_assert(__builtin_offsetof(ap_block, vbar) == SMPBOOT_AP_VBAR);
static_assert(__builtin_offsetof(ap_block, idmap_ttbr0) == SMPBOOT_AP_IDMAP_TTBR0);
static_assert(__builtin_offsetof(ap_block, idmap_tcr) == SMPBOOT_AP_IDMAP_TCR);
static_assert(__builtin_offsetof(ap_block, entry) == SMPBOOT_AP_ENTRY);
static_assert(__builtin_offsetof(ap_block, core) == SMPBOOT_AP_CORE);
static_assert(__builtin_offsetof(ap_block, cpu) == SMPBOOT_AP_CPU);
static_assert(__builtin_offsetof(ap_block, self_phys) == SMPBOOT_AP_SELF_PHYS);
static_assert(__builtin_offsetof(ap_block, park_phys) == SMPBOOT_AP_PARK_PHYS);
static_assert(__builtin_offsetof(ap_block, image_entry) == SMPBOOT_AP_IMAGE_ENTRY);
static_assert(__builtin_offsetof(ap_block, image_arg) == SMPBOOT_AP_IMAGE_ARG);
static_assert(__builtin_offsetof(ap_block, release) == SMPBOOT_AP_RELEASE);
static_assert(__builtin_offsetof(ap_block, parked) == SMPBOOT_AP_PARKED);
static_assert(__builtin_offsetof(ap_block, off_rc) == SMPBOOT_AP_OFF_RC);
static_assert(sizeof(ap_block) == SMPBOOT_AP_BLOCK_SIZE);

/// Where an image started by hotplug::start_image() hands its CPU back: jump
/// to `entry` (physical) with x0 = `arg`, at EL1 with the MMU off (as the
/// image was entered). The CPU then waits in the library's park loop;
/// wait_off() confirms that, and a later kick brings it into the kernel.
struct image_return {
    uint64_t entry = 0;
    uint64_t arg = 0;
};

/// Per-CPU bookkeeping that only C++ reads.
struct cpu_slot {
    enable_method method = enable_method::none;
    cpu_place place = cpu_place::firmware;
    uint64_t release_addr = 0;
    uint64_t mailbox = 0;            ///< parking protocol: the mailbox (physical)
    uint32_t parking_version = 0;
    uint32_t gic_cpu_interface = 0;  ///< the mailbox's CPU ID
    bool mailbox_used = false;       ///< woken once: the mailbox is done with
};

/// The backend without its storage (the logic lives in backend.cpp).
class backend_base {
public:
    backend_base(const backend_base&) = delete;
    backend_base& operator=(const backend_base&) = delete;

    // The smpboot::backend concept.
    result kick(ap_boot& boot);
    void kick_all(ap_boot* const* batch, uint32_t n, result* outcomes);
    bool abandon(cpu_id cpu);
    result wait_off(cpu_id cpu, uint64_t deadline_ns);
    result ap_init(cpu_id cpu);
    void ap_exit(cpu_id cpu);
    [[noreturn]] void ap_leave(cpu_id cpu);
    void relax();
    /// MPIDR_EL1's affinity fields, as discovery reads `reg` (Arm ARM D19.2.86).
    hwid_t this_hwid() const { return read_mpidr() & mpidr_affinity_mask; }

    /// See image_return. {0, 0} for a CPU that does not exist.
    image_return image_return_path(cpu_id cpu) const;

    /// PSCI_VERSION (0 if PSCI is absent or 0.1).
    uint32_t psci_version();
    /// PSCI SYSTEM_OFF; returns only if it failed.
    result system_off();
    /// A raw PSCI call through the DT's conduit (x0..x3 -> x0).
    int64_t psci_call(uint32_t fn, uint64_t a1, uint64_t a2, uint64_t a3);

    cpu_place place_of(cpu_id cpu) const { return cpu < count_ ? slots_[cpu].place : cpu_place::unknown; }
    /// How the CPU is started (none for a CPU that does not exist).
    enable_method method_of(cpu_id cpu) const { return cpu < count_ ? slots_[cpu].method : enable_method::none; }
    /// Parking protocol: whether the CPU was sent through its mailbox and
    /// acknowledged it (parking::acknowledged, read fresh from memory).
    bool mailbox_acknowledged(cpu_id cpu) const;
    const psci_info& psci() const { return psci_; }
    uint32_t count() const { return count_; }

protected:
    backend_base(ap_block* blocks, cpu_slot* slots, uint32_t capacity)
        : blocks_(blocks), slots_(slots), capacity_(capacity) {}

    /// backend<N>::init's work: discovery's CPUs (boot CPU first) and the
    /// PSCI node. Writes every AP's block and the spin-table search table,
    /// cleaned to PoC.
    result init(const config& cfg, const host_ops& host, const cpu_info* cpus, uint32_t count,
                const psci_info& psci);

private:
    uint64_t to_phys(const void* va) const;
    void* to_virt(uint64_t pa) const;
    uint64_t now() const;
    void log(log_level lvl, const char* what, cpu_id cpu, int64_t rc) const;
    void publish(ap_block& b, const ap_boot& boot);
    result start(ap_boot& boot, bool sev);
    result wake_parked(cpu_id cpu);
    result build_idmap();

    ap_block* blocks_;
    cpu_slot* slots_;
    uint32_t capacity_;
    uint32_t count_ = 0;
    config cfg_{};
    const host_ops* host_ = nullptr;
    psci_info psci_{};
};

/// The backend with room for MaxCpus CPUs; satisfies smpboot::backend.
/// MaxCpus is the one place a kernel fixes its capacity: discovery and
/// hotplug<> follow from it.
template <uint32_t MaxCpus>
class backend : public backend_base {
public:
    static_assert(MaxCpus > 0, "a backend needs room for the boot CPU");
    static constexpr uint32_t max_cpus = MaxCpus;
    using discovery = arm64::discovery<MaxCpus>;
    /// The state machine for this backend, with `Config`'s capacity set to ours.
    template <class Config = default_config>
    using hotplug = smpboot::hotplug<backend, with_capacity<Config, MaxCpus>>;

    backend() : backend_base(blocks_, slots_, MaxCpus) {}

    /// Read /cpus of `t` on the boot CPU (its MPIDR_EL1 becomes logical 0):
    /// hotplug::init()'s list and this backend's per-CPU facts in one pass.
    discovery discover(const fdt::tree& t, const discovery_log* log = nullptr) const {
        discovery d;
        d.status = discover_cpus(t, read_mpidr(), {d.info, MaxCpus, d.cpus, nullptr, 0}, log);
        d.count = d.status.count;
        return d;
    }

    /// The same from ACPI: the RSDP at `rsdp_phys` (the EFI configuration
    /// table's ACPI 2.0 entry), the FADT's PSCI flags, the MADT's GICCs.
    discovery discover(const acpi::phys_reader& mem, uint64_t rsdp_phys, const discovery_log* log = nullptr,
                       const acpi::madt_extras& extras = {}) const {
        discovery d;
        d.status = acpi::discover(mem, rsdp_phys, read_mpidr(), {d.info, MaxCpus, d.cpus, nullptr, 0}, log, extras);
        d.count = d.status.count;
        return d;
    }

    /// Take what discover() found (the boot CPU first) and its PSCI node.
    /// Boot CPU, before hotplug::init(). `host` (its clock is required, its
    /// log optional) is kept by pointer: it must outlive the backend.
    result init(const config& cfg, const host_ops& host, const discovery& d) {
        return backend_base::init(cfg, host, d.info, d.count, d.status.psci);
    }

private:
    ap_block blocks_[MaxCpus];
    cpu_slot slots_[MaxCpus];
};

static_assert(smpboot::backend<backend<4>>);

}  // namespace smpboot::arm64
