/* SPDX-License-Identifier: MIT */
/*
 * Interrupt entry stubs of the example kernel.
 *
 * CPU state on entry (Intel SDM Vol. 3A 6.14.2): 64-bit mode, interrupts off
 * (interrupt gates), the CPU has aligned RSP to 16 and pushed SS, RSP,
 * RFLAGS, CS, RIP, and for some exceptions an error code.
 *
 * isr_exception_stubs: 32 stubs of 16 bytes; stub N pushes N and calls
 * on_exception(vector, frame) in C++, which reports and ends the run: it
 * does not return, so the error code is not popped.
 * isr_wake: saves the caller-saved registers, calls on_wake() (EOI), restores
 * them and returns with IRETQ: state on exit = state on entry.
 * isr_ignore: IRETQ without EOI (the APIC's spurious vector needs none,
 * SDM 10.9).
 */
	.text
	.balign 16
	.globl isr_exception_stubs
isr_exception_stubs:
	.set vec, 0
	.rept 32
	.balign 16
	push	$vec
	jmp	exception_common
	.set vec, vec + 1
	.endr

exception_common:
	pop	%rdi			/* vector */
	mov	%rsp, %rsi		/* error code or RIP, then the rest of the frame */
	and	$-16, %rsp
	call	on_exception
1:	cli
	hlt
	jmp	1b

	.globl isr_wake
	.balign 16
isr_wake:
	push	%rax
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	cld
	call	on_wake			/* RSP is 16-aligned here: 5 + 9 pushes */
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rax
	iretq

	.globl isr_ignore
	.balign 16
isr_ignore:
	iretq
