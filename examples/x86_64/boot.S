/* SPDX-License-Identifier: MIT */
/*
 * PVH entry of the x86-64 example kernel.
 *
 * CPU state on entry (PVH boot ABI, Xen docs "x86/HVM direct boot ABI",
 * entered through the XEN_ELFNOTE_PHYS32_ENTRY note below): 32-bit protected
 * mode, paging off, CS = flat 32-bit code, DS/ES/SS = flat data, EBX = the
 * physical address of struct hvm_start_info, interrupts off, no usable stack.
 *
 * CPU state on exit (the call to kernel_main, which never returns): 64-bit
 * mode on the boot page tables below (0-4 GiB identity-mapped with 2 MiB
 * pages, and -2 GiB -> 0-2 GiB for the kernel), 5-level (CR4.LA57, the
 * PML5's first and last entries both to the PML4) when CPUID.(7,0):ECX[16]
 * says the CPU has it, CS = 0x08, DS/ES/SS = 0x10 from boot_gdt, RSP = top
 * of bsp_stack, RDI = the hvm_start_info address, interrupts off.
 * kernel_main then moves to its own tables (memory.cpp), which have no
 * identity map; these stay for the guest image only.
 */
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

	.section .note.pvh, "a", @note
	.balign 4
	.long 4				/* name size: "Xen\0" */
	.long 4				/* descriptor size */
	.long XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.balign 4
	.long pvh_start

	.section .boot.text, "ax"
	.code32
	.globl pvh_start
pvh_start:
	cli
	mov	%ebx, %ebp		/* hvm_start_info, kept for kernel_main */

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

	/* 5-level paging if the CPU has it (CPUID.(EAX=7,ECX=0):ECX[16], Intel
	 * SDM Vol. 3A 4.1.1): a PML5 whose entries 0 and 511 are the PML4. */
	mov	$CR4_PAE, %edi
	mov	$boot_pml4, %esi
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
	mov	$boot_pml5, %esi
3:
	/* Long mode (Intel SDM Vol. 3A 9.8.5): PAE (+ LA57), CR3, EFER.LME,
	 * then paging. */
	lgdt	boot_gdtr
	mov	%cr4, %eax
	or	%edi, %eax
	mov	%eax, %cr4
	mov	%esi, %eax
	mov	%eax, %cr3
	mov	$MSR_EFER, %ecx
	rdmsr
	or	$EFER_LME, %eax
	wrmsr
	mov	$(CR0_PG | CR0_WP | CR0_NE | CR0_ET | CR0_PE), %eax
	mov	%eax, %cr0
	ljmp	$0x08, $long64

	.code64
long64:
	mov	$0x10, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	xor	%eax, %eax
	mov	%eax, %fs
	mov	%eax, %gs
	movabs	$bsp_stack_top, %rsp
	mov	%ebp, %edi
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
boot_gdtr:
	.word boot_gdtr - boot_gdt - 1
	.long boot_gdt

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
