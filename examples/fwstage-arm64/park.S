// SPDX-License-Identifier: MIT
// The parked CPU's loop (ACPI "Multiprocessor Startup for ARM Platforms",
// the firmware's side), copied by fwstage.cpp into the firmware-reserved
// half of each CPU's mailbox page (park_layout.h: FW_PARK_CODE) and entered
// there from PSCI CPU_ON. Position independent: it addresses only its page.
//
// On entry (PSCI DEN0022D 6.4.3, CPU_ON): the exception level the stage runs
// at (EL1, or EL2 with QEMU virt,virtualization=on), MMU and caches off,
// x0 = context_id = the physical address of this CPU's mailbox page.
// It masks DAIF, enables the GIC CPU interface just enough that an SGI ends
// WFI (IHI 0069H 12.1 and 9.x for GICv3, IHI 0048B 4.x for GICv2: every SGI
// enabled at priority 0x80, priority mask 0xff, group 1 / the interface on),
// writes FW_PARK_READY, then loops: read the CPU ID; if it is this CPU's
// GIC CPU Interface Number, read the jump address, write 0 there (the
// acknowledgement) and branch to it; otherwise WFI, acknowledge and end
// whatever interrupt woke it, and look again.
// On exit (the branch): the same exception level, MMU and caches off, DAIF
// masked, the GIC CPU interface enabled with no interrupt active; x0 = the
// mailbox page, other registers undefined. A deaf CPU (FW_PARK_DEAF) never
// reads its mailbox: it stays in WFI for good.
#include "park_layout.h"

// GICv3 system registers (IHI 0069H 12.2), by encoding.
#define ICC_PMR_EL1 S3_0_C4_C6_0
#define ICC_IAR1_EL1 S3_0_C12_C12_0
#define ICC_EOIR1_EL1 S3_0_C12_C12_1
#define ICC_SRE_EL1 S3_0_C12_C12_5
#define ICC_IGRPEN1_EL1 S3_0_C12_C12_7
#define ICC_SRE_EL2 S3_4_C12_C9_5

    .text
    .balign 8
    .globl fw_park_start
    .globl fw_park_end
fw_park_start:
    msr     daifset, #0xf
    ldr     x9, [x0, #FW_PARK_GIC_VERSION]
    ldr     x10, [x0, #FW_PARK_GICD]
    ldr     x11, [x0, #FW_PARK_GIC_CPU]
    mov     w1, #0x8080
    movk    w1, #0x8080, lsl #16         // priority 0x80 in each byte
    mov     w2, #0xffff                  // SGIs 0-15
    cmp     x9, #3
    b.ne    .Lv2
    // GICv3 redistributor: wake it (GICR_WAKER.ProcessorSleep = 0, wait for
    // ChildrenAsleep = 0), then in its SGI_base frame (+64 KiB): group 1,
    // priorities, enables (GICR_IGROUPR0, GICR_IPRIORITYR0-3, GICR_ISENABLER0).
    ldr     w3, [x11, #0x14]
    bic     w3, w3, #2
    str     w3, [x11, #0x14]
1:  ldr     w3, [x11, #0x14]
    tbnz    w3, #2, 1b
    add     x12, x11, #0x10000
    mov     w3, #-1
    str     w3, [x12, #0x80]
    str     w1, [x12, #0x400]
    str     w1, [x12, #0x404]
    str     w1, [x12, #0x408]
    str     w1, [x12, #0x40c]
    str     w2, [x12, #0x100]
    // The CPU interface through system registers; at EL2 ICC_SRE_EL2.SRE
    // first (and Enable, so that EL1 may set its own SRE later).
    mrs     x3, CurrentEL
    cmp     x3, #8
    b.ne    2f
    mrs     x3, ICC_SRE_EL2
    mov     x4, #9                       // SRE (bit 0) | Enable (bit 3)
    orr     x3, x3, x4
    msr     ICC_SRE_EL2, x3
    isb
2:  mrs     x3, ICC_SRE_EL1
    orr     x3, x3, #1
    msr     ICC_SRE_EL1, x3
    isb
    mov     x3, #0xff
    msr     ICC_PMR_EL1, x3
    mov     x3, #1
    msr     ICC_IGRPEN1_EL1, x3
    isb
    b       .Lready
.Lv2:
    // GICv2: the SGIs' banked distributor registers (GICD_IPRIORITYR0-3,
    // GICD_ISENABLER0), then the CPU interface (GICC_PMR, GICC_CTLR.Enable).
    str     w1, [x10, #0x400]
    str     w1, [x10, #0x404]
    str     w1, [x10, #0x408]
    str     w1, [x10, #0x40c]
    str     w2, [x10, #0x100]
    mov     w3, #0xff
    str     w3, [x11, #0x4]
    mov     w3, #1
    str     w3, [x11, #0x0]
.Lready:
    mov     x3, #1
    str     x3, [x0, #FW_PARK_READY]
    dsb     sy
    ldr     w3, [x0, #FW_PARK_DEAF]
    cbnz    w3, .Ldeaf
    ldr     w13, [x0, #FW_PARK_CPU_IF]
.Lloop:
    // The OS writes the jump address, then the CPU ID, then sends the SGI;
    // an SGI that came before this read stays pending, so WFI returns.
    ldr     w3, [x0, #FW_MB_CPU_ID]
    cmp     w3, w13
    b.eq    .Lgo
    wfi
    cmp     x9, #3
    b.ne    3f
    mrs     x3, ICC_IAR1_EL1
    and     x4, x3, #0xffffff
    cmp     x4, #1020                    // 1020-1023: special, nothing to end
    b.hs    .Lloop
    msr     ICC_EOIR1_EL1, x3
    b       .Lloop
3:  ldr     w3, [x11, #0xc]              // GICC_IAR
    and     w4, w3, #0x3ff
    cmp     w4, #1020
    b.hs    .Lloop
    str     w3, [x11, #0x10]             // GICC_EOIR
    b       .Lloop
.Lgo:
    ldr     x3, [x0, #FW_MB_JUMP]
    str     xzr, [x0, #FW_MB_JUMP]
    dsb     sy
    br      x3
.Ldeaf:
    wfi
    b       .Ldeaf
fw_park_end:
    .if (fw_park_end - fw_park_start) > FW_PARK_CODE_MAX
    .error "the park code does not fit below FW_PARK_DATA"
    .endif

// PSCI calls from the boot CPU (DEN0022D 5.2: SMC64/HVC64 calling
// convention, function ID in x0, arguments in x1-x3, result in x0).
    .globl fw_psci_hvc
fw_psci_hvc:
    hvc     #0
    ret
    .globl fw_psci_smc
fw_psci_smc:
    smc     #0
    ret
