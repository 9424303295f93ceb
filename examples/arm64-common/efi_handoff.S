/* SPDX-License-Identifier: MIT */
/*
 * The UEFI loader's last step: from the firmware's world into the kernel's
 * start.S. Assembled for the PE/COFF target of efi_loader.cpp.
 *
 * efi_enter_kernel(x0 = entry, x1 = dtb, x2 = boot_info, x3 = start, x4 = end)
 *   on entry: after ExitBootServices; EL1 or EL2; MMU and caches on with the
 *             firmware's identity map (UEFI 2.10 2.3.6.4); [start, end) holds
 *             the loaded kernel, the boot_info and the DTB copy.
 *   on exit (at entry, never returns): DAIF masked; [start, end) cleaned and
 *             invalidated to the point of coherency and the I-cache
 *             invalidated (Arm ARM D7.5.9), so the kernel's code and data
 *             are what an access with the MMU off sees; x0 = dtb,
 *             x1 = boot_info.
 *             At EL1 the MMU stays on with the firmware's tables (the kernel
 *             keeps them and hands them to its APs). At EL2 the MMU and
 *             D-cache are turned off at EL2 first: the library runs every
 *             CPU at EL1, so start.S leaves EL2 and the kernel builds its
 *             own EL1 tables, as when a Linux Image loader enters it.
 */
    .text
    .p2align 3
    .globl efi_enter_kernel
efi_enter_kernel:
    msr     daifset, #0xf
    mov     x19, x0
    mov     x20, x1
    mov     x21, x2
    /* CTR_EL0.DminLine [19:16]: log2 of the smallest D-cache line in words. */
    mrs     x9, ctr_el0
    ubfx    x9, x9, #16, #4
    mov     x10, #4
    lsl     x10, x10, x9
    sub     x11, x10, #1
    bic     x3, x3, x11
1:  dc      civac, x3
    add     x3, x3, x10
    cmp     x3, x4
    b.lo    1b
    /* This routine's tail runs with the MMU off at EL2: clean it too. */
    adr     x3, 2f
    adr     x4, 5f
    bic     x3, x3, x11
3:  dc      civac, x3
    add     x3, x3, x10
    cmp     x3, x4
    b.lo    3b
    dsb     sy
    ic      iallu
    dsb     sy
    isb
2:  mrs     x9, CurrentEL
    cmp     x9, #(2 << 2)
    b.ne    4f
    mrs     x9, sctlr_el2
    bic     x9, x9, #1                  /* M */
    bic     x9, x9, #4                  /* C */
    msr     sctlr_el2, x9
    isb
    ic      iallu
    dsb     sy
    isb
4:  mov     x0, x20
    mov     x1, x21
    br      x19
5:
