/* SPDX-License-Identifier: MIT */
/*
 * The test firmware stage's ways in and out (fwstage.cpp has the rest).
 *
 * fw_pvh_start: the PVH entry (Xen "x86/HVM direct boot ABI", through the
 * XEN_ELFNOTE_PHYS32_ENTRY note): 32-bit protected mode, paging off, flat
 * CS/DS/ES/SS, EBX = physical address of struct hvm_start_info, interrupts
 * off, no stack. Exit: fw_main(EDI = that address) in 64-bit mode on
 * fw_pml4 (0-4 GiB identity-mapped with 2 MiB pages, the top GiB uncached
 * for the local APIC), CS = FW_SEL_CODE64, RSP = the top of fw_bsp_stack.
 *
 * fw_ap16_start..fw_ap16_end: copied to FW_SIPI_PAGE; an AP enters it after
 * INIT-SIPI-SIPI (Intel SDM Vol. 3A 8.4.4, 9.1.1 Table 9-1): real mode,
 * CS = page >> 4, IP = 0, interrupts off, no stack. Exit: fw_ap_main() in
 * 64-bit mode on the same tables, RSP = its own stack in fw_ap_stacks.
 *
 * fw_enter_pvh(RDI = entry, RSI = start info): from 64-bit mode back to the
 * PVH entry state above (IA-32e mode is left in compatibility mode by
 * clearing CR0.PG, SDM Vol. 3A 9.8.5.4), then a jump to the entry with EBX
 * = the start info. Never returns.
 */
#include "fw_layout.h"

#define CR0_PE 0x1
#define CR0_PG 0x80000000
#define CR4_PAE 0x20
#define MSR_EFER 0xc0000080
#define EFER_LME 0x100
#define PTE_P 0x1
#define PTE_W 0x2
#define PTE_PWT 0x8
#define PTE_PCD 0x10
#define PTE_PS 0x80		/* 2 MiB page in a PD entry (SDM Vol. 3A 4.5) */

	.section .note.pvh, "a", @note
	.balign 4
	.long 4, 4, 18		/* namesz, descsz, XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.balign 4
	.long fw_pvh_start

/* Protected mode -> IA-32e mode on fw_pml4 (SDM Vol. 3A 9.8.5): PAE, CR3,
 * EFER.LME, then paging. Clobbers EAX, ECX, EDX. */
.macro to_long_mode target
	mov	$FW_SEL_DATA, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	mov	%cr4, %eax
	or	$CR4_PAE, %eax
	mov	%eax, %cr4
	mov	$fw_pml4, %eax
	mov	%eax, %cr3
	mov	$MSR_EFER, %ecx
	rdmsr
	or	$EFER_LME, %eax
	wrmsr
	mov	%cr0, %eax
	or	$(CR0_PG | CR0_PE), %eax
	mov	%eax, %cr0
	ljmp	$FW_SEL_CODE64, $\target
.endm

	.text
	.code32
	.globl fw_pvh_start
fw_pvh_start:
	cli
	cld
	mov	%ebx, %esi			/* the start info, for fw_main */
	/* 2048 PD entries of 2 MiB: 0-4 GiB; 3-4 GiB (MMIO) uncached. */
	mov	$fw_pd, %edi
	xor	%ecx, %ecx
1:	mov	%ecx, %eax
	shl	$21, %eax
	or	$(PTE_P | PTE_W | PTE_PS), %eax
	cmp	$1536, %ecx
	jb	2f
	or	$(PTE_PCD | PTE_PWT), %eax
2:	mov	%eax, (%edi,%ecx,8)
	movl	$0, 4(%edi,%ecx,8)
	inc	%ecx
	cmp	$2048, %ecx
	jb	1b
	/* The PDPT's first four entries to the four PDs; PML4[0] to the PDPT. */
	mov	$fw_pdpt, %edi
	mov	$(fw_pd + PTE_P + PTE_W), %eax
	xor	%ecx, %ecx
3:	mov	%eax, (%edi,%ecx,8)
	add	$4096, %eax
	inc	%ecx
	cmp	$4, %ecx
	jb	3b
	movl	$(fw_pdpt + PTE_P + PTE_W), fw_pml4
	lgdt	fw_gdtr
	to_long_mode fw_bsp64

	.code64
fw_bsp64:
	lea	fw_bsp_stack_top(%rip), %rsp
	mov	%esi, %edi
	call	fw_main
4:	cli
	hlt
	jmp	4b

	.code32
fw_ap32:
	to_long_mode fw_ap64

	.code64
fw_ap64:
	/* A stack per AP, in the order they get here. */
	mov	$1, %eax
	lock xadd %eax, fw_ap_count(%rip)
	cmp	$FW_MAX_CPUS, %eax
	jae	6f
	inc	%eax
	shl	$12, %eax			/* FW_AP_STACK */
	lea	fw_ap_stacks(%rip), %rsp
	add	%rax, %rsp
	call	fw_ap_main
6:	cli
	hlt
	jmp	6b

	.globl fw_enter_pvh
fw_enter_pvh:
	cli
	mov	%rsi, %rbx
	pushq	$FW_SEL_CODE32
	lea	7f(%rip), %rax
	push	%rax
	lretq
	.code32
7:	mov	%cr0, %eax
	and	$~CR0_PG, %eax
	mov	%eax, %cr0			/* IA-32e mode off */
	mov	$MSR_EFER, %ecx
	rdmsr
	and	$~EFER_LME, %eax
	wrmsr
	mov	%cr4, %eax
	and	$~CR4_PAE, %eax
	mov	%eax, %cr4
	mov	$FW_SEL_DATA, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	mov	%eax, %fs
	mov	%eax, %gs
	jmp	*%edi

	.section .rodata
	.code16
	.globl fw_ap16_start, fw_ap16_end
fw_ap16_start:
	cli
	cld
	mov	%cs, %ax
	mov	%ax, %ds
	lgdtl	fw_ap16_gdtr - fw_ap16_start
	mov	%cr0, %eax
	or	$CR0_PE, %eax
	mov	%eax, %cr0
	ljmpl	$FW_SEL_CODE32, $fw_ap32
	.balign 8
fw_ap16_gdtr:
	.word fw_gdt_end - fw_gdt - 1
	.long fw_gdt
fw_ap16_end:

	/* Flat, DPL 0, accessed bits preset (SDM Vol. 3A 3.4.5). */
	.balign 16
fw_gdt:
	.quad 0
	.quad 0x00af9b000000ffff	/* FW_SEL_CODE64 */
	.quad 0x00cf93000000ffff	/* FW_SEL_DATA */
	.quad 0x00cf9b000000ffff	/* FW_SEL_CODE32 */
fw_gdt_end:
fw_gdtr:
	.word fw_gdt_end - fw_gdt - 1
	.long fw_gdt

	.bss
	.balign 4096
fw_pml4:	.space 4096
fw_pdpt:	.space 4096
fw_pd:		.space 4 * 4096
fw_bsp_stack:	.space 16384
fw_bsp_stack_top:
	.balign 16
fw_ap_stacks:	.space FW_MAX_CPUS * FW_AP_STACK
	.balign 4
fw_ap_count:	.long 0
