/* SPDX-License-Identifier: MIT */
/* The kernel ELF (a static PIE, stripped) inside the UEFI application, loaded by
 * efi_loader.cpp. The include path (-Wa,-I) points at the kernel's build dir. */
    .section .rdata, "dr"
    .p2align 4
    .globl kernel_elf_start
kernel_elf_start:
    .incbin "kernel.stripped.elf"
    .globl kernel_elf_end
kernel_elf_end:
