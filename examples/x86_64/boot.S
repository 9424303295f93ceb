/* SPDX-License-Identifier: MIT */
/*
 * The entries of the x86-64 example kernel, one per way in; each records
 * which one it was (BOOT_* in bootinfo.hpp) for kernel_main.
 *
 * pvh_start: PVH boot ABI (Xen docs "x86/HVM direct boot ABI"), entered
 * through the XEN_ELFNOTE_PHYS32_ENTRY note below: 32-bit protected mode,
 * paging off, CS = flat 32-bit code, DS/ES/SS = flat data, EBX = the
 * physical address of struct hvm_start_info, interrupts off, no usable stack.
 *
 * mb2_start: Multiboot2 spec 1.0 section 3.3 (I386 machine state), entered
 * through the entry address tag of the header below: the same as PVH except
 * EAX = 0x36d76289 and EBX = the physical address of the boot information
 * (A20 enabled; the GDTR may be invalid, so ours is loaded before any
 * segment register is).
 *
 * uefi64_start: entered from examples/x86_64/efi_loader.cpp after
 * ExitBootServices, through the SMPBOOT_NOTE_ENTRY64 note below: 64-bit mode
 * on the firmware's page tables (4-level, identity-mapping this image at its
 * physical address), interrupts off, RDI = the physical address of struct
 * boot::uefi_handoff (below 4 GiB), any GDT/IDT, no stack of ours yet.
 *
 * CPU state on exit of all three (the call to kernel_main, which never
 * returns): 64-bit mode on the boot page tables below (0-4 GiB identity-
 * mapped with 2 MiB pages, and -2 GiB -> 0-2 GiB for the kernel), CS = 0x08,
 * DS/ES/SS = 0x10 from boot_gdt, RSP = top of bsp_stack, .bss zeroed, RDI =
 * the boot information's physical address, ESI = BOOT_*, interrupts off. From the
 * 32-bit entries the tables are 5-level (CR4.LA57, the PML5's first and last
 * entries both to the PML4) when CPUID.(7,0):ECX[16] says the CPU has it;
 * from UEFI they stay 4-level, as the firmware's were (CR4.LA57 cannot
 * change in long mode, SDM Vol. 3A 4.1.1). kernel_main then moves to its own
 * tables (memory.cpp), which have no identity map; these stay for the guest
 * image only.
 */
#include "boot_layout.h"

#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define PTE_P 0x1
#define PTE_W 0x2
#define PTE_PS 0x80		/* 2 MiB page in a PD entry (Intel SDM Vol. 3A 4.5) */
#define CR4_PAE (1 << 5)
#define CR4_LA57 (1 << 12)
#define CR0_PG (1 << 31)
#define CR0_PE 1
#define CR0_WP (1 << 16)
#define CR0_NE (1 << 5)
#define CR0_ET (1 << 4)
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)

/* An ELF note (System V gABI 5, "Note Section"): sizes, type, the owner's
 * name with its NUL, then the descriptor, each 4-byte aligned. */
.macro elf_note owner, namesz, type, descsz, desc:vararg
	.balign 4
	.long \namesz
	.long \descsz
	.long \type
	.asciz "\owner"
	.balign 4
	\desc
.endm

	.section .note.pvh, "a", @note
	elf_note Xen, 4, XEN_ELFNOTE_PHYS32_ENTRY, 4, .long pvh_start

	/* The 64-bit entry for the UEFI loader, as a note of the same shape. */
	.section .note.smpboot, "a", @note
	elf_note smpboot, 8, SMPBOOT_NOTE_ENTRY64, 8, .quad uefi64_start

	/*
	 * Multiboot2 spec 1.0 section 3.1.1: within the first 32 KiB of the file,
	 * 8-byte aligned; the entry address tag (3.1.6) names mb2_start, the ELF
	 * program headers say where each segment goes.
	 */
	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long MB2_HEADER_MAGIC
	.long 0				/* architecture: i386 protected mode */
	.long mb2_header_end - mb2_header
	.long -(MB2_HEADER_MAGIC + (mb2_header_end - mb2_header))
	.balign 8
	.short 3, 0			/* entry address tag: type, flags */
	.long 12
	.long mb2_start
	.balign 8
	.short 0, 0			/* end tag */
	.long 8
mb2_header_end:

/* The first 4 GiB identity-mapped, the kernel at -2 GiB; the same bytes run
 * in 32-bit and in 64-bit mode (addresses below 2 GiB, ECX zero-extends). */
.macro build_page_tables
	/* PD entries: 4 x 512 x 2 MiB = the first 4 GiB. */
	mov	$boot_pd, %edi
	xor	%eax, %eax		/* physical address of the current 2 MiB page */
	xor	%edx, %edx		/* its bits 32-63 */
	mov	$2048, %ecx
1:	mov	%eax, %ebx
	or	$(PTE_P | PTE_W | PTE_PS), %ebx
	mov	%ebx, (%edi)
	mov	%edx, 4(%edi)
	add	$0x200000, %eax
	adc	$0, %edx
	add	$8, %edi
	loop	1b

	/* PDPT low: 4 x 1 GiB -> the 4 PDs. PDPT high: entries 510, 511 -> PDs 0, 1. */
	mov	$boot_pdpt_low, %edi
	mov	$boot_pd + (PTE_P | PTE_W), %eax
	mov	$4, %ecx
2:	mov	%eax, (%edi)
	movl	$0, 4(%edi)
	add	$4096, %eax
	add	$8, %edi
	loop	2b
	movl	$boot_pd + (PTE_P | PTE_W), boot_pdpt_high + 510 * 8
	movl	$boot_pd + 4096 + (PTE_P | PTE_W), boot_pdpt_high + 511 * 8
	movl	$boot_pdpt_low + (PTE_P | PTE_W), boot_pml4
	movl	$boot_pdpt_high + (PTE_P | PTE_W), boot_pml4 + 511 * 8
.endm

	.section .boot.text, "ax"
	.code32
	.globl pvh_start, mb2_start
pvh_start:
	mov	$BOOT_PVH, %ebp
	jmp	4f
mb2_start:
	/* A loader that is not multiboot2 gets BOOT_NONE, and no boot info. */
	mov	$BOOT_MULTIBOOT2, %ebp
	cmp	$MB2_BOOTLOADER_MAGIC, %eax
	je	4f
	mov	$BOOT_NONE, %ebp
4:	cli
	mov	%ebx, %esi		/* the boot information, kept for kernel_main */
	build_page_tables

	/* 5-level paging if the CPU has it (CPUID.(EAX=7,ECX=0):ECX[16], Intel
	 * SDM Vol. 3A 4.1.1): a PML5 whose entries 0 and 511 are the PML4.
	 * EDI collects the CR4 bits; ESI and EBP keep what kernel_main gets. */
	mov	$CR4_PAE, %edi
	xor	%eax, %eax
	cpuid
	cmp	$7, %eax
	jb	3f
	mov	$7, %eax
	xor	%ecx, %ecx
	cpuid
	test	$(1 << 16), %ecx
	jz	3f
	movl	$boot_pml4 + (PTE_P | PTE_W), boot_pml5
	movl	$boot_pml4 + (PTE_P | PTE_W), boot_pml5 + 511 * 8
	or	$CR4_LA57, %edi
3:
	/* Long mode (Intel SDM Vol. 3A 9.8.5): PAE (+ LA57), CR3, EFER.LME,
	 * then paging. */
	lgdt	boot_gdtr
	mov	%cr4, %eax
	or	%edi, %eax
	mov	%eax, %cr4
	mov	$boot_pml4, %eax
	test	$CR4_LA57, %edi
	jz	5f
	mov	$boot_pml5, %eax
5:	mov	%eax, %cr3
	mov	$MSR_EFER, %ecx
	rdmsr
	or	$EFER_LME, %eax
	wrmsr
	mov	$(CR0_PG | CR0_WP | CR0_NE | CR0_ET | CR0_PE), %eax
	mov	%eax, %cr0
	ljmp	$0x08, $long64

	.code64
	.globl uefi64_start
uefi64_start:
	cli
	mov	%edi, %esi		/* the handoff, below 4 GiB */
	mov	$BOOT_UEFI, %ebp
	build_page_tables
	/* Already in long mode: switch to our tables (this code is identity-
	 * mapped in both), then reload CS through a far return. */
	lgdt	boot_gdtr
	mov	$boot_pml4, %eax
	mov	%rax, %cr3
	pushq	$0x08
	pushq	$long64
	lretq

long64:
	mov	$0x10, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	xor	%eax, %eax
	mov	%eax, %fs
	mov	%eax, %gs
	/* Zero .bss (the boot stack included, so before it is used): no way in
	 * promises it. QEMU's PVH loader leaves it untouched; its pages are
	 * then zero only because the host has not backed them yet, and the
	 * first CPU to write one pays for that in the middle of whatever it
	 * is doing (under a nested host: tens of ms for a 2 MiB page). */
	movabs	$__bss_start, %rdi
	movabs	$__bss_end, %rcx
	sub	%rdi, %rcx
	rep stosb			/* AL = 0 */
	movabs	$bsp_stack_top, %rsp
	mov	%esi, %edi
	mov	%ebp, %esi
	xor	%ebp, %ebp
	movabs	$kernel_main, %rax
	call	*%rax
3:	cli
	hlt
	jmp	3b

	.section .boot.data, "a"
	.balign 8
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
boot_gdtr:				/* 32-bit LGDT reads 6 bytes of it, 64-bit 10 */
	.word boot_gdtr - boot_gdt - 1
	.quad boot_gdt

	.section .boot.bss, "aw", @nobits
	.balign 4096
	.globl boot_pdpt_low
boot_pml5:	.skip 4096
boot_pml4:	.skip 4096
boot_pdpt_low:	.skip 4096
boot_pdpt_high:	.skip 4096
boot_pd:	.skip 4 * 4096

	.bss
	.balign 16
bsp_stack:	.skip 32768
bsp_stack_top:
