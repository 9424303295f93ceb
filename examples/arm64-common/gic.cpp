// SPDX-License-Identifier: MIT
// GICv2 (Arm IHI 0048B) and GICv3 (Arm IHI 0069H) for one wake-up SGI.
#include "gic.hpp"

#include "board.hpp"

#include <smpboot/base.hpp>

namespace example::arm64 {

namespace {

constexpr uint32_t wake_sgi = 1;
constexpr uint32_t max_cpus = 256;

int version = 0;                 // 0: none, 2 or 3
uintptr_t gicd = 0;              // distributor
uintptr_t gicc_or_gicr = 0;      // v2: CPU interface; v3: first redistributor
uint8_t v2_target[max_cpus];     // v2: each CPU's interface mask (GICD_ITARGETSR0)

volatile uint32_t& reg32(uintptr_t base, uintptr_t off) { return *reinterpret_cast<volatile uint32_t*>(base + off); }
volatile uint64_t& reg64(uintptr_t base, uintptr_t off) { return *reinterpret_cast<volatile uint64_t*>(base + off); }

#define MSR_S(reg, v) asm volatile("msr " reg ", %0" ::"r"(uint64_t(v)) : "memory")
#define MRS_S(reg)                                   \
    ({                                               \
        uint64_t v_;                                 \
        asm volatile("mrs %0, " reg : "=r"(v_));     \
        v_;                                          \
    })
// GICv3 CPU interface system registers (IHI 0069H, 12.2).
#define ICC_PMR_EL1 "S3_0_C4_C6_0"
#define ICC_IAR1_EL1 "S3_0_C12_C12_0"
#define ICC_EOIR1_EL1 "S3_0_C12_C12_1"
#define ICC_SRE_EL1 "S3_0_C12_C12_5"
#define ICC_IGRPEN1_EL1 "S3_0_C12_C12_7"
#define ICC_SGI1R_EL1 "S3_0_C12_C11_5"

bool reg_pair(const smpboot::fdt::tree& t, smpboot::fdt::node n, uint32_t index, uint64_t& base) {
    smpboot::fdt::property p;
    const uint32_t ac = t.address_cells(t.parent(n)), sc = t.size_cells(t.parent(n));
    return t.find_property(n, "reg", p) && p.cells(index * (ac + sc), ac, base);
}

/// This CPU's redistributor: the frame whose GICR_TYPER affinity matches MPIDR.
uintptr_t my_redistributor() {
    const uint64_t m = MRS_S("mpidr_el1");
    const uint64_t aff = ((m >> 32) & 0xff) << 24 | (m & 0xffffff);
    uintptr_t r = gicc_or_gicr;
    for (uint32_t i = 0; i < 4096; ++i, r += 0x20000) {   // RD_base + SGI_base, 64 KiB each
        const uint64_t typer = reg64(r, 0x8);
        if ((typer >> 32) == aff) return r;
        if (typer & (1u << 4)) break;   // GICR_TYPER.Last
    }
    return 0;
}

}  // namespace

bool gic_present() { return version != 0; }

bool gic_probe(const smpboot::fdt::tree& t) {
    smpboot::fdt::node n;
    uint64_t a = 0, b = 0;
    if ((n = t.find_compatible("arm,gic-v3")) && reg_pair(t, n, 0, a) && reg_pair(t, n, 1, b)) return gic_setup(3, a, b);
    if (((n = t.find_compatible("arm,cortex-a15-gic")) || (n = t.find_compatible("arm,gic-400"))) &&
        reg_pair(t, n, 0, a) && reg_pair(t, n, 1, b))
        return gic_setup(2, a, b);
    return false;
}

bool gic_setup(int gic_version, uint64_t distributor, uint64_t cpu_or_redist) {
    if ((gic_version != 2 && gic_version != 3) || !distributor || !cpu_or_redist) return false;
    version = gic_version;
    gicd = uintptr_t(phys_to_virt(distributor));
    gicc_or_gicr = uintptr_t(phys_to_virt(cpu_or_redist));
    if (version == 3) {
        // GICD_CTLR: ARE | EnableGrp1 | EnableGrp0 (one security state, as QEMU's
        // virt without secure=on); wait for RWP.
        reg32(gicd, 0x0) = (1u << 4) | 3;
        while (reg32(gicd, 0x0) & (1u << 31)) {}
    } else {
        reg32(gicd, 0x0) = 1;   // GICD_CTLR.Enable
    }
    return true;
}

void gic_init_cpu(uint32_t cpu) {
    if (version == 3) {
        const uintptr_t rd = my_redistributor();
        if (!rd) return;
        reg32(rd, 0x14) = reg32(rd, 0x14) & ~(1u << 1);               // GICR_WAKER.ProcessorSleep
        while (reg32(rd, 0x14) & (1u << 2)) {}         // ChildrenAsleep
        const uintptr_t sgi = rd + 0x10000;
        reg32(sgi, 0x80) = ~0u;                        // GICR_IGROUPR0: group 1
        reg32(sgi, 0x400) = 0x80808080;                // GICR_IPRIORITYR0: SGIs 0-3
        reg32(sgi, 0x100) = 1u << wake_sgi;            // GICR_ISENABLER0
        MSR_S(ICC_SRE_EL1, MRS_S(ICC_SRE_EL1) | 1);
        asm volatile("isb");
        MSR_S(ICC_PMR_EL1, 0xff);
        MSR_S(ICC_IGRPEN1_EL1, 1);
        asm volatile("isb");
    } else if (version == 2) {
        if (cpu < max_cpus) v2_target[cpu] = uint8_t(reg32(gicd, 0x800));   // banked ITARGETSR0
        reg32(gicd, 0x400) = 0x80808080;               // GICD_IPRIORITYR0 (banked)
        reg32(gicd, 0x100) = 1u << wake_sgi;           // GICD_ISENABLER0 (banked)
        reg32(gicc_or_gicr, 0x4) = 0xff;               // GICC_PMR
        reg32(gicc_or_gicr, 0x0) = 1;                  // GICC_CTLR.Enable
    }
}

namespace {

// Send the wake SGI to the CPU of `mpidr` (v3) or to the CPU interfaces in
// `v2_targets` (v2, GICD_SGIR CPUTargetList, IHI 0048B 4.3.15).
void send_wake_sgi(uint64_t mpidr, uint8_t v2_targets) {
    if (version == 3) {
        // ICC_SGI1R_EL1: Aff3 [55:48], RS [47:44], Aff2 [39:32], INTID [27:24],
        // Aff1 [23:16], TargetList [15:0].
        const uint64_t aff0 = mpidr & 0xff;
        const uint64_t v = ((mpidr >> 32) & 0xff) << 48 | (aff0 >> 4) << 44 | ((mpidr >> 16) & 0xff) << 32 |
                           uint64_t(wake_sgi) << 24 | ((mpidr >> 8) & 0xff) << 16 | (1ull << (aff0 & 15));
        asm volatile("dsb ish" ::: "memory");
        MSR_S(ICC_SGI1R_EL1, v);
        asm volatile("isb");
    } else if (version == 2 && v2_targets) {
        asm volatile("dsb ish" ::: "memory");
        reg32(gicd, 0xf00) = uint32_t(v2_targets) << 16 | wake_sgi;   // GICD_SGIR
    }
}

}  // namespace

void gic_wake(uint32_t cpu, uint64_t mpidr) { send_wake_sgi(mpidr, cpu < max_cpus ? v2_target[cpu] : 0); }

void gic_wake_parked(uint64_t mpidr, uint32_t gic_cpu_interface) {
    // A parked CPU has not run gic_init_cpu: its v2 target bit is its GIC
    // CPU Interface Number (the MADT GICC's, ACPI 6.5 Table 5.47).
    send_wake_sgi(mpidr, gic_cpu_interface < 8 ? uint8_t(1u << gic_cpu_interface) : 0);
}

void gic_ack() {
    if (version == 3) {
        const uint64_t iar = MRS_S(ICC_IAR1_EL1);
        if ((iar & 0xffffff) < 1020) MSR_S(ICC_EOIR1_EL1, iar);
    } else if (version == 2) {
        const uint32_t iar = reg32(gicc_or_gicr, 0xc);
        if ((iar & 0x3ff) < 1020) reg32(gicc_or_gicr, 0x10) = iar;
    }
}

}  // namespace example::arm64
