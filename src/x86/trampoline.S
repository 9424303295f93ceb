/* SPDX-License-Identifier: MIT */
/*
 * The AP trampoline: real mode -> protected mode -> long mode -> C++.
 *
 * CPU state on entry (after INIT + STARTUP IPI, Intel SDM Vol. 3A 8.4.4 and
 * 9.1.1 Table 9-1): real mode, CS = page << 8 (base = the page's physical
 * address P), IP = 0, interrupts disabled by INIT, CR0 = 0x60000010 (caches
 * off until we load CR0), no stack, no IDT. Any number of APs may run this
 * at the same time: the page is never written except the STARTED counter.
 *
 * Registers used: EBP = P throughout (the page's linear address), EAX/EBX/
 * ECX/EDX scratch (CPUID), RSI the slot pointer in long mode.
 *
 * CPU state on exit (the call to smpboot_x86_ap_entry, or to the slot's
 * image entry with RDI = the slot's argument instead): 64-bit mode, paging
 * with the host's CR3, CR0 from the boot CPU (less CD/NW), CR4 = PAE only,
 * EFER = LME (+ NXE if the boot CPU has it), CS = 0x08 from the trampoline's
 * GDT (which stays in the page), DS = ES = SS = 0, interrupts disabled,
 * RSP = the slot's stack top, RDI = the slot. An image that returns parks,
 * and so does an AP whose APIC ID is in no armed slot: a HLT loop with
 * interrupts off, until an INIT resets it.
 *
 * smpboot_x86_park: called from C++ on the AP (RDI = &slot.parked); never
 * returns. It writes 1 to *RDI, after which it no longer touches memory,
 * and halts with interrupts off until an INIT.
 */
#include <smpboot/x86/trampoline_layout.h>

/* Intel SDM Vol. 3A 2.5: CR4.PAE; Vol. 4 Table 2-2: IA32_EFER. */
#define CR4_PAE (1 << 5)
#define MSR_EFER 0xc0000080

	.section .rodata.smpboot_trampoline, "a"
	.balign 16
	.globl smpboot_x86_tramp_start
	.globl smpboot_x86_tramp_end
	.globl smpboot_x86_tramp_pm32
	.globl smpboot_x86_tramp_lm64

	.code16
smpboot_x86_tramp_start:
	jmp	real16

	.org SMPBOOT_TD_GDT
	/* Intel SDM Vol. 3A 3.4.5: flat 4 GiB descriptors, DPL 0. */
	.quad 0				/* null */
	.quad SMPBOOT_GDT_CODE64	/* 0x08 */
	.quad SMPBOOT_GDT_DATA		/* 0x10 */
	.quad SMPBOOT_GDT_CODE32	/* 0x18 */
	.org SMPBOOT_TD_END
	.org SMPBOOT_TRAMP_CODE

real16:
	cli
	cld
	mov	%cs, %ax
	mov	%ax, %ds
	movzwl	%ax, %ebp
	shl	$4, %ebp
	lock incl SMPBOOT_TD_STARTED
	lgdtl	SMPBOOT_TD_GDTR
	mov	%cr0, %eax
	or	$1, %eax			/* PE */
	mov	%eax, %cr0
	ljmpl	*SMPBOOT_TD_PM32

	.code32
smpboot_x86_tramp_pm32:
	mov	$SMPBOOT_SEL_DATA, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	mov	%eax, %fs
	mov	%eax, %gs
	mov	%cr4, %eax
	or	$CR4_PAE, %eax
	mov	%eax, %cr4
	mov	SMPBOOT_TD_CR3(%ebp), %eax
	mov	%eax, %cr3
	mov	$MSR_EFER, %ecx
	rdmsr
	or	SMPBOOT_TD_EFER(%ebp), %eax
	wrmsr
	/* Paging on: with EFER.LME set this activates IA-32e mode (SDM 9.8.5). */
	mov	SMPBOOT_TD_CR0(%ebp), %eax
	mov	%eax, %cr0
	ljmpl	*SMPBOOT_TD_LM64(%ebp)

	.code64
smpboot_x86_tramp_lm64:
	mov	%ebp, %ebp			/* upper halves are undefined after the switch */
	xor	%eax, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	mov	%eax, %fs
	mov	%eax, %gs

	/* Our APIC ID, the way the boot CPU's backend asked for it. */
	mov	SMPBOOT_TD_ID_LEAF(%rbp), %eax
	cmp	$0xb, %eax
	je	1f
	mov	$1, %eax
	cpuid
	shr	$24, %ebx			/* CPUID.1:EBX[31:24] initial APIC ID */
	mov	%ebx, %edx
	jmp	2f
1:	xor	%ecx, %ecx
	cpuid					/* CPUID.0BH:EDX x2APIC ID */
2:
	mov	SMPBOOT_TD_SLOTS(%rbp), %rsi
	mov	SMPBOOT_TD_NSLOTS(%rbp), %ecx
3:	test	%ecx, %ecx
	jz	park
	cmp	SMPBOOT_SLOT_APIC_ID(%rsi), %edx
	jne	4f
	cmpl	$1, SMPBOOT_SLOT_ARMED(%rsi)
	je	5f
4:	add	$SMPBOOT_SLOT_SIZE, %rsi
	dec	%ecx
	jmp	3b

	/* Found: take the slot (a stray later SIPI must not reuse it). */
5:	movl	$0, SMPBOOT_SLOT_ARMED(%rsi)
	movl	$1, SMPBOOT_SLOT_SEEN(%rsi)
	mov	SMPBOOT_SLOT_STACK(%rsi), %rsp
	mov	SMPBOOT_SLOT_IMAGE(%rsi), %rax
	test	%rax, %rax
	jnz	6f
	mov	SMPBOOT_TD_ENTRY64(%rbp), %rax
	mov	%rsi, %rdi
	xor	%ebp, %ebp			/* end of the frame chain */
	call	*%rax				/* C++, never returns */
	jmp	park
	/* Another image: its entry, its argument in RDI, on the stack it was given. */
6:	mov	SMPBOOT_SLOT_ARG(%rsi), %rdi
	xor	%ebp, %ebp
	call	*%rax
park:
	cli
	hlt
	jmp	park
smpboot_x86_tramp_end:

	/* The size check: .org cannot move backwards, so assembly fails if the
	 * blob outgrows its page. (Only start..end is copied; the padding stays.) */
	.org	smpboot_x86_tramp_start + SMPBOOT_TRAMP_MAX_SIZE

	.text
	.globl smpboot_x86_park
	.type smpboot_x86_park, @function
smpboot_x86_park:
	cli
	movl	$1, (%rdi)
1:	hlt
	jmp	1b
	.size smpboot_x86_park, . - smpboot_x86_park
