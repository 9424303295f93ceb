/* SPDX-License-Identifier: MIT */
/*
 * Boot CPU entry of the arm64 example kernels, behind a Linux arm64 Image
 * header (Linux Documentation/arch/arm64/booting.rst) so that QEMU's -kernel
 * loads it at RAM base + text_offset and passes the DTB pointer in x0.
 *
 * On entry: x0 = physical address of the DTB; x1 = 0 (booting.rst), or
 *           from our UEFI loader a boot_info (boot_info.h); MMU and D-cache
 *           off, EL2 or EL1; the image at its link address (RAM base +
 *           0x80000). Or, from the UEFI loader at EL1 only: the MMU on with
 *           the firmware's identity map, the image anywhere (a static PIE,
 *           already relocated).
 * On exit (to example_main): EL1h, DAIF masked, the MMU as on entry, sp =
 *           top of boot_stack, .bss zeroed, VBAR_EL1 = example_vectors,
 *           x0 = the DTB pointer, x1 = the boot_info or 0, x2 = the
 *           exception level of entry. example_main does not return.
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
    bl      smpboot_arm64_el2_to_el1
    adrp    x1, boot_stack_top
    add     x1, x1, :lo12:boot_stack_top
    mov     sp, x1
    adrp    x1, __bss_start
    add     x1, x1, :lo12:__bss_start
    adrp    x2, __bss_end
    add     x2, x2, :lo12:__bss_end
1:  cmp     x1, x2
    b.hs    2f
    str     xzr, [x1], #8
    b       1b
2:  adrp    x1, example_vectors
    add     x1, x1, :lo12:example_vectors
    msr     vbar_el1, x1
    isb
    mov     x0, x19
    mov     x1, x20
    mov     x2, x21
    bl      example_main
3:  wfe
    b       3b

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
    .balign 16
boot_stack:
    .space  65536
boot_stack_top:
