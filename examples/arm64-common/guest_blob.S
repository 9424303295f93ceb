/* SPDX-License-Identifier: MIT */
/* The separately built guest image (guest/), embedded as data in the kernel. */
    .section .rodata.guest, "a"
    .balign 16
    .global guest_image_start, guest_image_end
guest_image_start:
    .incbin "arm64-guest.bin"
guest_image_end:
