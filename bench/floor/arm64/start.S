/* SPDX-License-Identifier: MIT */
/*
 * The arm64 floor kernel's entries, behind a Linux arm64 Image header
 * (Linux Documentation/arch/arm64/booting.rst) so that QEMU's -kernel loads
 * it at RAM base + text_offset and passes the DTB pointer in x0.
 *
 * Boot CPU, on entry: x0 = physical address of the DTB, MMU and caches off,
 * EL1 (or EL2), the image at its link address.
 * Boot CPU, on exit (the call to floor_main, which never returns): the same
 * EL, MMU still off, sp = top of floor_stack, .bss zeroed, x0 = the DTB.
 *
 * AP, on entry to floor_ap_entry (PSCI CPU_ON, DEN0022 6.4: at the caller's
 * EL, MMU and caches off, x0 = context_id = the CPU's logical number).
 * AP, on exit: none. It stores its MPIDR affinity bits with bit 63 set into
 * floor_callin[x0], and then waits in WFI forever. Nothing else is written.
 */
    .section .text.head, "ax"
    .global _head
_head:
    b       boot                        /* code0 */
    .long   0                           /* code1 */
    .quad   0x80000                     /* text_offset */
    .quad   floor_image_size            /* image_size, .bss included */
    .quad   0x2                         /* flags: little-endian, 4K pages */
    .quad   0, 0, 0                     /* res2..res4 */
    .ascii  "ARM\x64"                   /* magic */
    .long   0                           /* res5 */

boot:
    adrp    x1, floor_stack_top
    add     x1, x1, :lo12:floor_stack_top
    mov     sp, x1
    adrp    x1, __bss_start
    add     x1, x1, :lo12:__bss_start
    adrp    x2, __bss_end
    add     x2, x2, :lo12:__bss_end
1:  cmp     x1, x2
    b.hs    2f
    str     xzr, [x1], #8
    b       1b
2:  bl      floor_main
3:  wfi
    b       3b

    .global floor_ap_entry
floor_ap_entry:
    mrs     x1, mpidr_el1
    mov     x2, #0xffffff               /* Aff2..Aff0 */
    movk    x2, #0xff, lsl #32          /* Aff3 is MPIDR_EL1[39:32] (Arm ARM) */
    and     x1, x1, x2
    orr     x1, x1, #(1 << 63)          /* "called in": MPIDR 0 is valid */
    adrp    x2, floor_callin
    add     x2, x2, :lo12:floor_callin
    str     x1, [x2, x0, lsl #3]
4:  wfi
    b       4b

    .bss
    .balign 16
floor_stack:
    .space  16384
floor_stack_top:
