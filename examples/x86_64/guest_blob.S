/* SPDX-License-Identifier: MIT */
/*
 * The guest image (examples/x86_64/guest, linked separately) as data in the
 * kernel; the kernel copies it to its load address before start_image.
 * No code here: nothing runs in this file.
 */
	.section .rodata.guest, "a"
	.balign 16
	.globl guest_image_start, guest_image_end
guest_image_start:
	.incbin "guest.bin"
guest_image_end:
