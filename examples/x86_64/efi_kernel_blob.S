/* SPDX-License-Identifier: MIT */
/*
 * kernel.elf as read-only data of the UEFI loader (a COFF object: this file
 * is assembled for x86_64-unknown-windows). No code, so no CPU state.
 */
	.section .rdata, "dr"
	.balign 16
	.globl smpboot_kernel_elf, smpboot_kernel_elf_end
smpboot_kernel_elf:
	.incbin "kernel.elf"
smpboot_kernel_elf_end:
