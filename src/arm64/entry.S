/* SPDX-License-Identifier: MIT */
/*
 * The arm64 secondary-CPU paths that C++ cannot take: entry with the MMU off,
 * leaving EL2, and leaving the kernel (PSCI CPU_OFF or the park loop).
 *
 * smpboot_arm64_entry_psci   (PSCI CPU_ON target, and the park loop's release)
 *   on entry: x0 = physical address of this CPU's ap_block (CPU_ON context_id);
 *             MMU and D-cache off, EL2 or EL1, AArch64, any DAIF.
 * smpboot_arm64_entry_spin   (spin-table release target)
 *   on entry: registers undefined; MMU off, EL2 or EL1. Finds its ap_block in
 *             smpboot_arm64_ap_table by MPIDR_EL1, then as above. A CPU with no
 *             block waits in WFE forever.
 *   on exit of both (to C++):  EL1h, DAIF masked, MMU on with the boot CPU's
 *             MAIR/TCR/TTBR0/TTBR1/SCTLR/VBAR from the block, sp = stack_top,
 *             x0 = the block's virtual address, in smpboot_arm64_ap_cxx.
 *   or, if the block's image_entry is set: EL1h, DAIF masked, MMU off,
 *             x0 = image_arg, at image_entry.
 *   The block and the table must be cleaned to the point of coherency by the
 *   boot CPU; the code here must be identity mapped by TTBR0 (the MMU comes
 *   on while the PC is physical).
 *
 * smpboot_arm64_el2_to_el1   (callable; the example kernels use it too)
 *   on entry: EL2 or EL1, MMU off; x30 = return address. Uses x9, x10.
 *   on exit:  EL1h, DAIF masked, returns to x30. At EL2 it first makes EL1
 *             a plain AArch64 guest: HCR_EL2 = RW only (no stage 2, no
 *             traps), EL1 gets the physical counter and timer, CNTVOFF_EL2 = 0,
 *             no FP/SIMD traps, GICv3 system registers enabled for EL1 if
 *             implemented, VPIDR/VMPIDR = the real MIDR/MPIDR, SCTLR_EL1 with
 *             the MMU off. sp is not valid afterwards (SP_EL1 is untouched).
 *
 * smpboot_arm64_park(block_virt)
 *   on entry: EL1, MMU on, running identity mapped, on the CPU's stack.
 *   never returns: MMU and D-cache off, writes SMPBOOT_PARKED_LOOP to the
 *   block's `parked` word (the boot CPU may now free the stack), then waits
 *   in WFE until the block's `release` word is non-zero, clears it and jumps
 *   there with x0 = the block's physical address.
 * smpboot_arm64_image_return   (how an image started by start_image hands
 *   its CPU back)
 *   on entry: x0 = the block's physical address; EL1, MMU off (or on with
 *   this code identity mapped), any stack. Then as smpboot_arm64_park.
 *
 * smpboot_arm64_psci_leave(block_virt, cpu_off_fn, use_smc)
 *   on entry: EL1, MMU on, on the CPU's stack.
 *   never returns: marks the block SMPBOOT_PARKED_CPU_OFF (off the stack),
 *   calls PSCI CPU_OFF; if that returns (an error), stores the code in off_rc and parks.
 */
#include <smpboot/arm64/entry_layout.h>

    .text
    .balign 8

    .global smpboot_arm64_entry_spin
    .type smpboot_arm64_entry_spin, %function
smpboot_arm64_entry_spin:
    mrs     x1, mpidr_el1
    and     x2, x1, #SMPBOOT_MPIDR_AFF_LO
    and     x1, x1, #SMPBOOT_MPIDR_AFF3
    orr     x1, x1, x2
    adrp    x2, smpboot_arm64_ap_table
    add     x2, x2, :lo12:smpboot_arm64_ap_table
    ldr     x3, [x2, #SMPBOOT_APT_BLOCKS]
    ldr     x4, [x2, #SMPBOOT_APT_COUNT]
1:  cbz     x4, 9f
    ldr     x5, [x3, #SMPBOOT_AP_MPIDR]
    cmp     x5, x1
    b.eq    2f
    add     x3, x3, #SMPBOOT_AP_BLOCK_SIZE
    sub     x4, x4, #1
    b       1b
2:  mov     x0, x3
    b       smpboot_arm64_entry_psci
9:  wfe
    b       9b
    .size smpboot_arm64_entry_spin, . - smpboot_arm64_entry_spin

    .global smpboot_arm64_entry_psci
    .type smpboot_arm64_entry_psci, %function
smpboot_arm64_entry_psci:
    msr     daifset, #0xf
    mov     x19, x0
    bl      smpboot_arm64_el2_to_el1
    ldr     x1, [x19, #SMPBOOT_AP_IMAGE_ENTRY]
    cbz     x1, 1f
    ldr     x0, [x19, #SMPBOOT_AP_IMAGE_ARG]
    br      x1
1:  ldr     x1, [x19, #SMPBOOT_AP_MAIR]
    msr     mair_el1, x1
    ldr     x1, [x19, #SMPBOOT_AP_TCR]
    msr     tcr_el1, x1
    ldr     x1, [x19, #SMPBOOT_AP_TTBR0]
    msr     ttbr0_el1, x1
    ldr     x1, [x19, #SMPBOOT_AP_TTBR1]
    msr     ttbr1_el1, x1
    ldr     x1, [x19, #SMPBOOT_AP_VBAR]
    msr     vbar_el1, x1
    isb
    /* Nothing stale from firmware or an earlier life may survive. */
    ic      iallu
    tlbi    vmalle1
    dsb     nsh
    isb
    ldr     x1, [x19, #SMPBOOT_AP_SCTLR]
    msr     sctlr_el1, x1
    isb
    ldr     x1, [x19, #SMPBOOT_AP_STACK_TOP]
    mov     sp, x1
    ldr     x0, [x19, #SMPBOOT_AP_SELF_VIRT]
    ldr     x1, [x19, #SMPBOOT_AP_CXX_ENTRY]
    blr     x1
2:  wfe
    b       2b
    .size smpboot_arm64_entry_psci, . - smpboot_arm64_entry_psci

    .global smpboot_arm64_el2_to_el1
    .type smpboot_arm64_el2_to_el1, %function
smpboot_arm64_el2_to_el1:
    msr     daifset, #0xf
    mrs     x9, CurrentEL
    cmp     x9, #(2 << 2)
    b.eq    1f
    ret
1:  mov     x9, #(1 << 31)              /* HCR_EL2.RW: EL1 is AArch64 */
    msr     hcr_el2, x9
    mov     x9, #3                      /* CNTHCTL_EL2.EL1PCTEN | EL1PCEN */
    msr     cnthctl_el2, x9
    msr     cntvoff_el2, xzr            /* one virtual count on every CPU */
    mov     x9, #0x33ff                 /* CPTR_EL2: RES1 bits, TFP = 0 */
    msr     cptr_el2, x9
    msr     hstr_el2, xzr
    mrs     x9, midr_el1
    msr     vpidr_el2, x9
    mrs     x9, mpidr_el1
    msr     vmpidr_el2, x9
    /* ID_AA64PFR0_EL1.GIC [27:24]: GICv3 system registers implemented? */
    mrs     x9, id_aa64pfr0_el1
    ubfx    x9, x9, #24, #4
    cbz     x9, 2f
    mrs     x9, S3_4_C12_C9_5           /* ICC_SRE_EL2 */
    mov     x10, #0x9                   /* SRE | Enable: EL1 may use ICC_* */
    orr     x9, x9, x10
    msr     S3_4_C12_C9_5, x9
    isb
2:  ldr     x9, =0x30d00800             /* SCTLR_EL1: RES1 bits, MMU/caches off */
    msr     sctlr_el1, x9
    mov     x9, #0x3c5                  /* SPSR: EL1h, D A I F masked */
    msr     spsr_el2, x9
    msr     elr_el2, x30
    isb
    eret
    .size smpboot_arm64_el2_to_el1, . - smpboot_arm64_el2_to_el1

    .global smpboot_arm64_park
    .type smpboot_arm64_park, %function
smpboot_arm64_park:
    msr     daifset, #0xf
    ldr     x19, [x0, #SMPBOOT_AP_SELF_PHYS]
    b       park_common
    .size smpboot_arm64_park, . - smpboot_arm64_park

    .global smpboot_arm64_image_return
    .type smpboot_arm64_image_return, %function
smpboot_arm64_image_return:
    msr     daifset, #0xf
    mov     x19, x0
park_common:
    mrs     x1, sctlr_el1
    bic     x1, x1, #1                  /* M */
    bic     x1, x1, #4                  /* C */
    msr     sctlr_el1, x1
    isb
    mov     x1, #SMPBOOT_PARKED_LOOP
    str     x1, [x19, #SMPBOOT_AP_PARKED]
    dsb     sy
    sev
1:  wfe
    ldr     x1, [x19, #SMPBOOT_AP_RELEASE]
    cbz     x1, 1b
    str     xzr, [x19, #SMPBOOT_AP_RELEASE]
    dsb     sy
    mov     x0, x19
    br      x1
    .size smpboot_arm64_image_return, . - smpboot_arm64_image_return

    .global smpboot_arm64_psci_leave
    .type smpboot_arm64_psci_leave, %function
smpboot_arm64_psci_leave:
    msr     daifset, #0xf
    mov     x20, x0
    mov     x22, x2
    mov     x3, #SMPBOOT_PARKED_CPU_OFF
    str     x3, [x20, #SMPBOOT_AP_PARKED]
    dsb     sy
    mov     w0, w1
    mov     x1, xzr
    mov     x2, xzr
    mov     x3, xzr
    cbnz    x22, 1f
    hvc     #0
    b       2f
1:  smc     #0
2:  str     x0, [x20, #SMPBOOT_AP_OFF_RC]
    dsb     sy
    mov     x0, x20
    b       smpboot_arm64_park
    .size smpboot_arm64_psci_leave, . - smpboot_arm64_psci_leave

    .bss
    .balign 64
    .global smpboot_arm64_ap_table
smpboot_arm64_ap_table:
    .space  SMPBOOT_APT_SIZE
