/* SPDX-License-Identifier: MIT */
/*
 * Boot CPU entry of the arm64 example kernels, behind a Linux arm64 Image
 * header (Linux Documentation/arch/arm64/booting.rst) so that QEMU's -kernel
 * loads it at RAM base + text_offset and passes the DTB pointer in x0.
 *
 * The image is linked at EXAMPLE_KERNEL_VA_OFFSET + its load address: 0 for
 * the identity layout, 0xffffff8000000000 for the higher-half one. This code
 * runs at the load address until the MMU is on, using PC-relative addresses
 * only (adrp/adr give physical addresses here), then jumps to the link
 * address with an absolute one (ldr =).
 *
 * On entry: x0 = physical address of the DTB; x1 = 0 (booting.rst), or
 *           from our UEFI loader the physical address of a boot_info
 *           (boot_info.h); MMU and D-cache off; EL2 or EL1; the image at its
 *           load address (RAM base + 0x80000). Or, from the UEFI loader at
 *           EL1 only: the MMU on with the firmware's identity map, the image
 *           anywhere (a static PIE linked at 0, already relocated).
 * On exit (to example_main): EL1h, DAIF masked, .bss zeroed; MMU on: as on
 *           entry if it was on, else with the early map: the image's 2 MiB
 *           blocks (Normal write-back) 1:1 in TTBR0 and at the link address
 *           in TTBR1, one L1 and one L2 table shared by both halves (T0SZ =
 *           T1SZ = 25: level 1 indexes PA[38:30] in either half); MAIR attr0
 *           Normal WB, attr1 Device-nGnRnE; PC, sp (top of boot_stack) and
 *           VBAR_EL1 (example_vectors) at link addresses; x0 = the DTB's
 *           physical address, x1 = the boot_info's or 0, x2 = the exception
 *           level of entry, x3 = 1 if the MMU was on at entry (kept), else 0.
 *           example_main does not return.
 */
    .section .text.head, "ax"
    .global _head
_head:
    b       boot_entry                  /* code0 */
    .long   0                           /* code1 */
    .quad   0x80000                     /* text_offset */
    .quad   _image_size                 /* image_size, .bss included */
    .quad   0x2                         /* flags: little-endian, 4K pages */
    .quad   0, 0, 0                     /* res2..res4 */
    .ascii  "ARM\x64"                   /* magic */
    .long   0                           /* res5 */

boot_entry:
    mov     x19, x0
    mov     x20, x1
    mrs     x21, CurrentEL
    lsr     x21, x21, #2
    /* The MMU can be on only when entered at EL1 (the UEFI loader); at EL2
     * SCTLR_EL1 is not ours to trust. x22 = 1: keep the firmware's map. */
    mov     x22, #0
    cmp     x21, #1
    b.ne    0f
    mrs     x22, sctlr_el1
    and     x22, x22, #1                /* SCTLR_EL1.M */
0:  bl      smpboot_arm64_el2_to_el1
    adrp    x1, __bss_start
    add     x1, x1, :lo12:__bss_start
    adrp    x2, __bss_end
    add     x2, x2, :lo12:__bss_end
1:  cmp     x1, x2
    b.hs    2f
    str     xzr, [x1], #8
    b       1b
2:  cbnz    x22, 6f                     /* MMU on: VA == PA already */

    /* The early map (VMSAv8-64 block descriptors, Arm ARM D8.3): L1 entry
     * PA[38:30] of the image -> early_l2; an L2 block per 2 MiB of the image:
     * PA | AF | SH inner | AttrIndx 0 | block = PA | 0x701. */
    adrp    x1, early_l1
    adrp    x2, early_l2
    adrp    x3, _head
    ubfx    x4, x3, #30, #9
    orr     x5, x2, #3                  /* table descriptor */
    str     x5, [x1, x4, lsl #3]
    adrp    x6, _end
    add     x6, x6, :lo12:_end
    and     x3, x3, #~0x1fffff
3:  ubfx    x4, x3, #21, #9
    mov     x5, #0x701
    orr     x5, x5, x3
    str     x5, [x2, x4, lsl #3]
    add     x3, x3, #0x200000
    cmp     x3, x6
    b.lo    3b
    /* Written with the MMU off: no stale line may hide them from the walk. */
    add     x3, x1, #4096
4:  dc      ivac, x1
    add     x1, x1, #64
    cmp     x1, x3
    b.lo    4b
    add     x3, x2, #4096
5:  dc      ivac, x2
    add     x2, x2, #64
    cmp     x2, x3
    b.lo    5b
    dsb     sy

    mov     x1, #0x00ff                 /* MAIR: attr0 Normal WB RWA, attr1 Device-nGnRnE */
    msr     mair_el1, x1
    /* TCR_EL1 (Arm ARM D17.2.131): T0SZ = T1SZ = 25, both halves inner/outer
     * write-back and inner shareable, TG0 = 4 KiB (0), TG1 = 4 KiB (2); IPS
     * from the CPU's PARange. kernel.cpp keeps it and turns one half off. */
    ldr     x1, =0xb5193519
    mrs     x2, id_aa64mmfr0_el1
    and     x2, x2, #0xf                /* PARange -> IPS, at most 48 bits */
    cmp     x2, #5
    mov     x3, #5
    csel    x2, x2, x3, ls
    bfi     x1, x2, #32, #3
    msr     tcr_el1, x1
    adrp    x1, early_l1
    msr     ttbr0_el1, x1
    msr     ttbr1_el1, x1
    isb
    tlbi    vmalle1
    dsb     nsh
    isb
    ldr     x1, =0x30d01805             /* SCTLR_EL1: RES1 bits + M, C, I */
    msr     sctlr_el1, x1
    isb
    ldr     x1, =6f                     /* the link address */
    br      x1
6:  adrp    x1, boot_stack_top
    add     x1, x1, :lo12:boot_stack_top
    mov     sp, x1
    adrp    x1, example_vectors
    add     x1, x1, :lo12:example_vectors
    msr     vbar_el1, x1
    isb
    mov     x0, x19
    mov     x1, x20
    mov     x2, x21
    mov     x3, x22
    bl      example_main
7:  wfe
    b       7b

/*
 * example_mmu_switch(tcr, ttbr0, ttbr1, va_offset): install the final tables.
 * Called at the link address with the early map live; branches to its own
 * physical alias (1:1 in the early TTBR0), turns the MMU off there, loads
 * the registers, invalidates the TLB, turns the MMU back on (so the new
 * TTBR0 must map this code 1:1) and returns to the caller's link address,
 * which the new tables map. Uses x4..x6. No
 * translation is ever replaced under a live mapping (no break-before-make
 * question, Arm ARM D8 break-before-make).
 */
    .global example_mmu_switch
    .type example_mmu_switch, %function
example_mmu_switch:
    adr     x4, 1f
    sub     x4, x4, x3
    br      x4
1:  mrs     x5, sctlr_el1
    bic     x6, x5, #1
    msr     sctlr_el1, x6
    isb
    msr     tcr_el1, x0
    msr     ttbr0_el1, x1
    msr     ttbr1_el1, x2
    isb
    tlbi    vmalle1
    dsb     nsh
    isb
    msr     sctlr_el1, x5
    isb
    ret
    .size example_mmu_switch, . - example_mmu_switch
    .ltorg

/* Every exception is fatal in the examples: report it and exit. */
    .macro vector index
    .balign 0x80
    mov     x0, #\index
    b       example_exception
    .endm

    .text
    .balign 2048
    .global example_vectors
example_vectors:
    .irp i, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    vector \i
    .endr

    .bss
    .balign 4096
early_l1:
    .space  4096
early_l2:
    .space  4096
    .balign 16
boot_stack:
    .space  65536
boot_stack_top:
