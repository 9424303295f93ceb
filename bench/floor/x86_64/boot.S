/* SPDX-License-Identifier: MIT */
/*
 * The x86-64 floor kernel's entries: the boot CPU's PVH entry, and the AP
 * path a STARTUP IPI starts (real mode -> protected mode -> long mode ->
 * announce -> halt). Everything runs identity-mapped at its link address.
 *
 * Boot CPU, on entry (PVH boot ABI, Xen "x86/HVM direct boot ABI", through
 * the XEN_ELFNOTE_PHYS32_ENTRY note): 32-bit protected mode, paging off,
 * flat CS/DS/ES/SS, EBX = physical address of struct hvm_start_info,
 * interrupts off, no stack.
 * Boot CPU, on exit (the call to floor_main, which never returns): 64-bit
 * mode on floor_pml4 (0-4 GiB identity-mapped with 2 MiB pages), CS = 0x08,
 * DS/ES/SS = 0x10 of floor_gdt, RSP = top of floor_stack, EDI = EBX on entry.
 *
 * AP, on entry to floor_tramp (copied by floor_main to a page below 1 MiB;
 * Intel SDM Vol. 3A 8.4.4, 9.1.1 Table 9-1): real mode, CS = page << 8,
 * IP = 0, interrupts off, CR0 = 0x60000010, no stack.
 * AP, on exit: none. It sets floor_seen[its initial APIC ID] = 1, then adds
 * one to floor_callins, then halts with interrupts off until an INIT.
 * It writes no other memory: not the trampoline page (other APs may be
 * executing from it) and not the GDT (its accessed bits are preset).
 */
#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define PTE_P 0x1
#define PTE_W 0x2
#define PTE_PS 0x80			/* 2 MiB page in a PD entry (SDM Vol. 3A 4.5) */
#define CR0_PE (1 << 0)
#define CR0_ET (1 << 4)
#define CR0_NE (1 << 5)
#define CR0_WP (1 << 16)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define SEL_CODE64 0x08
#define SEL_DATA 0x10
#define SEL_CODE32 0x18
/* Protected mode with paging, caches on (CD = NW = 0), SDM Vol. 3A 9.8.5. */
#define CR0_LONG (CR0_PG | CR0_WP | CR0_NE | CR0_ET | CR0_PE)


/* Long mode from 32-bit protected mode (SDM Vol. 3A 9.8.5): PAE, CR3,
 * EFER.LME, paging on; a far jump to 64-bit code must follow. Registers
 * only: any number of APs may run it at once. */
.macro LONG_MODE
	mov	%cr4, %eax
	or	$CR4_PAE, %eax
	mov	%eax, %cr4
	mov	$floor_pml4, %eax
	mov	%eax, %cr3
	mov	$MSR_EFER, %ecx
	rdmsr
	or	$EFER_LME, %eax
	wrmsr
	mov	$CR0_LONG, %eax
	mov	%eax, %cr0
.endm

	.section .note.pvh, "a", @note
	.balign 4
	.long 4
	.long 4
	.long XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.balign 4
	.long floor_pvh_start

	.text
	.code32
	.globl floor_pvh_start
floor_pvh_start:
	cli
	mov	%ebx, %esi

	/* 2048 PD entries: 0-4 GiB in 2 MiB pages. */
	mov	$floor_pd, %edi
	xor	%eax, %eax
	xor	%edx, %edx
	mov	$2048, %ecx
1:	mov	%eax, %ebx
	or	$(PTE_P | PTE_W | PTE_PS), %ebx
	mov	%ebx, (%edi)
	mov	%edx, 4(%edi)
	add	$0x200000, %eax
	adc	$0, %edx
	add	$8, %edi
	loop	1b
	/* PDPT entries 0-3 -> the four PDs; PML4 entry 0 -> the PDPT. */
	mov	$floor_pdpt, %edi
	mov	$floor_pd + (PTE_P | PTE_W), %eax
	mov	$4, %ecx
2:	mov	%eax, (%edi)
	add	$4096, %eax
	add	$8, %edi
	loop	2b
	movl	$floor_pdpt + (PTE_P | PTE_W), floor_pml4

	lgdt	floor_gdtr
	mov	$SEL_DATA, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	LONG_MODE
	ljmp	$SEL_CODE64, $bp64

	.code64
bp64:
	mov	%esi, %edi
	mov	$floor_stack_top, %esp
	call	floor_main
3:	cli
	hlt
	jmp	3b

	/* The AP's 32-bit part: the far-jump target of floor_tramp. */
	.code32
ap32:
	mov	$SEL_DATA, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	LONG_MODE
	ljmp	$SEL_CODE64, $ap64

	.code64
ap64:
	mov	$1, %eax
	cpuid
	shr	$24, %ebx			/* CPUID.01H:EBX[31:24] initial APIC ID */
	movb	$1, floor_seen(%rbx)
	lock incl floor_callins			/* after the store above (SDM 8.2.2) */
4:	cli
	hlt
	jmp	4b

/* The real-mode part, copied below 1 MiB; position independent within its
 * page (CS base = the page). */
	.section .rodata
	.code16
	.globl floor_tramp, floor_tramp_end
floor_tramp:
	cli
	lgdtl	%cs:(tramp_gdtr - floor_tramp)
	mov	%cr0, %eax
	or	$CR0_PE, %eax
	mov	%eax, %cr0
	ljmpl	$SEL_CODE32, $ap32
	.balign 8
tramp_gdtr:
	.word	floor_gdt_end - floor_gdt - 1
	.long	floor_gdt
floor_tramp_end:

	.data
	.balign 16
/* Intel SDM Vol. 3A 3.4.5: flat descriptors with the accessed bit already
 * set (type 0xb / 0x3), so loading them writes nothing. */
floor_gdt:
	.quad	0
	.quad	0x00af9b000000ffff		/* 0x08: 64-bit code */
	.quad	0x00cf93000000ffff		/* 0x10: data */
	.quad	0x00cf9b000000ffff		/* 0x18: 32-bit code */
floor_gdt_end:
floor_gdtr:
	.word	floor_gdt_end - floor_gdt - 1
	.long	floor_gdt

	.bss
	.balign 4096
	.globl floor_pd
floor_pml4:	.skip 4096
floor_pdpt:	.skip 4096
floor_pd:	.skip 4 * 4096
	.balign 16
floor_stack:	.skip 16384
floor_stack_top:
