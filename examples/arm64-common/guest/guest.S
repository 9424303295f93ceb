/* SPDX-License-Identifier: MIT */
/*
 * The guest image's entry (smpboot.guest=CPU): a separate program that the
 * library starts on one AP instead of the kernel (hotplug::start_image).
 *
 * On entry: x0 = physical address of the mailbox (mailbox.h); EL1, MMU and
 *           caches off, DAIF masked, sp undefined. The image is position
 *           independent (PC-relative addressing only) and loaded 4 KiB aligned.
 * On exit:  jumps to mailbox.return_entry with x0 = mailbox.return_arg, still
 *           EL1 with the MMU off: the library's park loop takes the CPU back.
 */
#include "mailbox.h"

    .section .text.entry, "ax"
    .global _start
_start:
    mov     x19, x0
    ldr     x1, [x0, #GUEST_MB_STACK_TOP]
    mov     sp, x1
    bl      guest_main
    ldr     x1, [x19, #GUEST_MB_RETURN_ENTRY]
    ldr     x0, [x19, #GUEST_MB_RETURN_ARG]
    br      x1
