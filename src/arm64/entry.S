/* SPDX-License-Identifier: MIT */
/*
 * The arm64 secondary-CPU paths that C++ cannot take: entry with the MMU off,
 * leaving EL2, turning the MMU on through the library's identity map and
 * over to the kernel's tables, and leaving the kernel (PSCI CPU_OFF or the
 * park loop, whose MMU-off code runs from the identity alias).
 *
 * Everything here is one section between smpboot_arm64_idmap_text_start and
 * _end, which the backend maps 1:1 (read-only, executable) in the idmap.
 *
 * smpboot_arm64_entry_psci   (PSCI CPU_ON target, and the park loop's release)
 *   on entry: x0 = physical address of this CPU's ap_block (CPU_ON context_id);
 *             MMU and D-cache off, EL2 or EL1, AArch64, any DAIF.
 * smpboot_arm64_entry_spin   (spin-table release target, parking protocol jump address)
 *   on entry: registers undefined; MMU off, EL2 or EL1. Finds its ap_block in
 *             smpboot_arm64_ap_table by MPIDR_EL1, then as above. A CPU with no
 *             block waits in WFE forever.
 *   then:     EL1h, DAIF masked; MAIR, VBAR and TTBR1 become the kernel's and
 *             every field C++ needs is loaded from the block. If this code
 *             runs at its link address (a kernel at VA == PA, whose TTBR0
 *             maps it 1:1), TCR and TTBR0 become the kernel's and the MMU
 *             comes on. Otherwise TTBR0 is the idmap (TCR: the kernel's with
 *             T0SZ = 16, 4 KiB granule, A1 = 0), the MMU comes on with the PC
 *             1:1, a branch goes to this code's link address in TTBR1's
 *             half (entry_kernel_va), and there TTBR0 and TCR become the
 *             kernel's and a local TLBI VMALLE1 drops the idmap's entries.
 *   on exit of both (to C++):  EL1h, DAIF masked, MMU on with exactly the
 *             kernel's MAIR/TCR/TTBR0/TTBR1/SCTLR/VBAR, no TLB entry of the
 *             idmap left, sp = stack_top, PC at the core's AP entry
 *             (virtual), x0 = its core pointer, x1 = the logical CPU number,
 *             x30 = a WFE loop. x2..x29 hold no data.
 *   or, if the block's image_entry is set: EL1h, DAIF masked, MMU off,
 *             x0 = image_arg, at image_entry.
 *   The block and the table must be cleaned to the point of coherency by the
 *   boot CPU.
 *
 * smpboot_arm64_el2_to_el1   (callable; the example kernels use it too)
 *   on entry: EL2 or EL1, MMU off; x30 = return address. Uses x9..x11.
 *   on exit:  EL1h, DAIF masked, returns to x30. At EL2 it first makes EL1
 *             a plain AArch64 guest, as Linux's el2_setup.h does and
 *             booting.rst asks: HCR_EL2 = RW only (no stage 2, no traps),
 *             VTTBR_EL2 = 0, EL1 gets the physical counter and timer,
 *             CNTVOFF_EL2 = 0, no FP/SIMD, SVE or SME traps (CPTR_EL2) with
 *             the largest vector lengths (ZCR_EL2, SMCR_EL2), MDCR_EL2: all
 *             PMU counters to EL1 and no debug, PMU, SPE or TRBE traps, GICv3
 *             system registers enabled for EL1 and ICH_HCR_EL2 = 0 (no
 *             virtual CPU interface) if implemented, VPIDR/VMPIDR = the real
 *             MIDR/MPIDR, SCTLR_EL1 with the MMU off. EL2 is left with no
 *             vectors, so nothing may trap to it. sp is not valid afterwards
 *             (SP_EL1 is untouched).
 *
 * smpboot_arm64_park(block_virt)
 *   on entry: EL1, MMU on, at the kernel's virtual address, any stack.
 *   never returns: cleans and invalidates the block to PoC by its virtual
 *   address, installs the idmap as TTBR0 (unless this code runs at VA == PA
 *   already), branches to smpboot_arm64_park_idmap's physical
 *   alias (the block's park_phys), turns MMU and D-cache
 *   off there (as Linux cpu_soft_restart does: from a flat mapping), writes
 *   SMPBOOT_PARKED_LOOP to `parked` (the boot CPU may now free the stack),
 *   then waits in WFE until `release` is non-zero and jumps there with
 *   x0 = the block's physical address.
 * smpboot_arm64_image_return   (how an image started by start_image hands
 *   its CPU back)
 *   on entry: x0 = the block's physical address; EL1, MMU off (or on with
 *   this code and the block identity mapped), any stack. Then as
 *   smpboot_arm64_park_idmap.
 *
 * smpboot_arm64_psci_leave(block_virt, cpu_off_fn, use_smc)
 *   on entry: EL1, MMU on, on the CPU's stack.
 *   never returns: marks the block SMPBOOT_PARKED_CPU_OFF (off the stack),
 *   calls PSCI CPU_OFF; if that returns (an error), stores the code in off_rc
 *   and parks as smpboot_arm64_park.
 */
#include <smpboot/arm64/entry_layout.h>

/* Clean and invalidate one block to PoC by address \reg (Arm ARM D7.5.9):
 * lines written with caches on must reach memory before this CPU's caches
 * go off, or a later write-back of them undoes the MMU-off stores. */
    .macro clean_block reg
    mrs     x9, ctr_el0
    ubfx    x9, x9, #16, #4             /* DminLine: log2 of words */
    mov     x10, #4
    lsl     x9, x10, x9                 /* smallest D-cache line, bytes */
    mov     x10, \reg
    add     x11, \reg, #SMPBOOT_AP_BLOCK_SIZE
1:  dc      civac, x10
    add     x10, x10, x9
    cmp     x10, x11
    b.lo    1b
    dsb     sy
    .endm

    .section .text.smpboot_idmap, "ax"
    .balign 8
    .global smpboot_arm64_idmap_text_start
smpboot_arm64_idmap_text_start:

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
    /* Whichever way it came in (firmware, or the park loop), a release word
     * left set would send it round again the next time it parks. */
    str     xzr, [x19, #SMPBOOT_AP_RELEASE]
    dsb     sy
    bl      smpboot_arm64_el2_to_el1
    ldr     x1, [x19, #SMPBOOT_AP_IMAGE_ENTRY]
    cbz     x1, 1f
    ldr     x0, [x19, #SMPBOOT_AP_IMAGE_ARG]
    br      x1
    /* Nothing stale from firmware or an earlier life may survive. */
1:  ic      iallu
    tlbi    vmalle1
    dsb     nsh
    isb
    ldr     x1, [x19, #SMPBOOT_AP_MAIR]
    msr     mair_el1, x1
    ldr     x1, [x19, #SMPBOOT_AP_TTBR1]
    msr     ttbr1_el1, x1
    ldr     x1, [x19, #SMPBOOT_AP_VBAR]
    msr     vbar_el1, x1
    ldr     x20, [x19, #SMPBOOT_AP_TTBR0]
    ldr     x21, [x19, #SMPBOOT_AP_TCR]
    ldr     x22, [x19, #SMPBOOT_AP_STACK_TOP]
    ldr     x23, [x19, #SMPBOOT_AP_ENTRY]
    ldr     x24, [x19, #SMPBOOT_AP_CORE]
    ldr     x25, [x19, #SMPBOOT_AP_CPU]
    ldr     x26, [x19, #SMPBOOT_AP_SCTLR]
    ldr     x1, =entry_kernel_va        /* the link (kernel virtual) address */
    adr     x2, entry_kernel_va         /* where it runs now: physical */
    cmp     x1, x2
    b.ne    3f
    /* Linked where it runs (VA == PA): the kernel's own TTBR0 maps this code
     * 1:1, and nothing is read through a physical address after this. */
    msr     tcr_el1, x21
    msr     ttbr0_el1, x20
    isb
    msr     sctlr_el1, x26
    isb
    b       4f
    /* Elsewhere (TTBR1): on through the idmap, which maps this code 1:1. */
3:  ldr     x3, [x19, #SMPBOOT_AP_IDMAP_TCR]
    msr     tcr_el1, x3
    ldr     x3, [x19, #SMPBOOT_AP_IDMAP_TTBR0]
    msr     ttbr0_el1, x3
    isb
    msr     sctlr_el1, x26
    isb
    br      x1
entry_kernel_va:
    /* In TTBR1's half now: TTBR0 is free to change under us. The idmap's
     * entries are nG with their own ASID: none matches after the switch,
     * and the TLBI removes them. */
    msr     ttbr0_el1, x20
    msr     tcr_el1, x21
    isb
    tlbi    vmalle1
    dsb     nsh
    isb
4:    mov     sp, x22
    mov     x0, x24
    mov     x1, x25
    adr     x30, 2f
    br      x23
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
    msr     vttbr_el2, xzr              /* no stage 2 tables, VMID 0 */
    mov     x9, #3                      /* CNTHCTL_EL2.EL1PCTEN | EL1PCEN */
    msr     cnthctl_el2, x9
    msr     cntvoff_el2, xzr            /* one virtual count on every CPU */
    msr     hstr_el2, xzr
    mrs     x9, midr_el1
    msr     vpidr_el2, x9
    mrs     x9, mpidr_el1
    msr     vmpidr_el2, x9

    /* MDCR_EL2 (Arm ARM register description): HPMN = PMCR_EL0.N gives EL1 every event
     * counter; all trap bits 0; E2PB/E2TB = 0b11 give EL1 the SPE and trace
     * buffers where implemented (ID_AA64DFR0_EL1 PMUVer [11:8], PMSVer
     * [35:32], TraceBuffer [47:44]). */
    mrs     x10, id_aa64dfr0_el1
    mov     x11, xzr
    ubfx    x9, x10, #8, #4
    cbz     x9, 2f
    cmp     x9, #0xf                    /* IMPLEMENTATION DEFINED PMU */
    b.eq    2f
    mrs     x9, pmcr_el0
    ubfx    x11, x9, #11, #5            /* PMCR_EL0.N */
2:  ubfx    x9, x10, #32, #4
    cbz     x9, 3f
    orr     x11, x11, #(3 << 12)        /* E2PB */
3:  ubfx    x9, x10, #44, #4
    cbz     x9, 4f
    orr     x11, x11, #(3 << 24)        /* E2TB */
4:  msr     mdcr_el2, x11

    /* CPTR_EL2 (E2H = 0): RES1 bits with TFP = 0; TZ (bit 8) and TSM (bit 12)
     * are RES1 unless SVE / SME exist (ID_AA64PFR0_EL1.SVE [35:32],
     * ID_AA64PFR1_EL1.SME [27:24]), and then must be 0 or EL1's first SVE
     * or SME instruction traps to an EL2 that has no vectors. */
    mov     x9, #0x33ff
    mrs     x10, id_aa64pfr0_el1
    ubfx    x10, x10, #32, #4
    cbz     x10, 5f
    bic     x9, x9, #(1 << 8)
5:  mrs     x10, id_aa64pfr1_el1
    ubfx    x10, x10, #24, #4
    cbz     x10, 6f
    bic     x9, x9, #(1 << 12)
6:  msr     cptr_el2, x9
    isb
    tbnz    x9, #8, 7f
    mov     x10, #0x1ff                 /* ZCR_EL2.LEN: the largest the CPU has */
    msr     S3_4_C1_C2_0, x10           /* ZCR_EL2 */
7:  tbnz    x9, #12, 8f
    mov     x10, #0x1ff                 /* SMCR_EL2.LEN likewise */
    msr     S3_4_C1_C2_6, x10           /* SMCR_EL2 */
8:
    /* ID_AA64PFR0_EL1.GIC [27:24]: GICv3 system registers implemented? */
    mrs     x9, id_aa64pfr0_el1
    ubfx    x9, x9, #24, #4
    cbz     x9, 9f
    mrs     x9, S3_4_C12_C9_5           /* ICC_SRE_EL2 */
    mov     x10, #0x9                   /* SRE | Enable: EL1 may use ICC_* */
    orr     x9, x9, x10
    msr     S3_4_C12_C9_5, x9
    isb
    msr     S3_4_C12_C11_0, xzr         /* ICH_HCR_EL2: no virtual interface */
9:  ldr     x9, =0x30d00800             /* SCTLR_EL1: RES1 bits, MMU/caches off */
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
    clean_block x0
    ldr     x19, [x0, #SMPBOOT_AP_SELF_PHYS]
    ldr     x1, [x0, #SMPBOOT_AP_PARK_PHYS]
    adr     x2, smpboot_arm64_park_idmap
    cmp     x1, x2
    b.eq    1f                          /* VA == PA: already the identity alias */
    ldr     x3, [x0, #SMPBOOT_AP_IDMAP_TTBR0]
    ldr     x4, [x0, #SMPBOOT_AP_IDMAP_TCR]
    msr     ttbr0_el1, x3
    msr     tcr_el1, x4
    isb
    tlbi    vmalle1                     /* nothing of the kernel's TTBR0 may match */
    dsb     nsh
    isb
1:  br      x1
    .size smpboot_arm64_park, . - smpboot_arm64_park

    .global smpboot_arm64_image_return
    .type smpboot_arm64_image_return, %function
smpboot_arm64_image_return:
    msr     daifset, #0xf
    mov     x19, x0
    clean_block x0
    .global smpboot_arm64_park_idmap
smpboot_arm64_park_idmap:
    /* 1:1 here; x19 = the block's physical address, its lines cleaned. */
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

    .ltorg
    .global smpboot_arm64_idmap_text_end
smpboot_arm64_idmap_text_end:

    .bss
    .balign 64
    .global smpboot_arm64_ap_table
smpboot_arm64_ap_table:
    .space  SMPBOOT_APT_SIZE
