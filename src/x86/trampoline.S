/* SPDX-License-Identifier: MIT */
/*
 * The AP trampoline: real mode -> protected mode -> long mode on the
 * transition tables -> the library's 64-bit entry at its kernel address ->
 * the kernel's GDT, CR3 and stack -> the core's AP entry in C++.
 *
 * CPU state on entry (after INIT + STARTUP IPI, Intel SDM Vol. 3A 8.4.4 and
 * 9.1.1 Table 9-1): real mode, CS = page << 8 (base = the page's physical
 * address P), IP = 0, interrupts disabled by INIT, CR0 = 0x60000010 (caches
 * off until we load CR0), no stack, IDTR = the real-mode IVT. Any number of
 * APs may run this at the same time: no AP writes the page (the GDT's
 * accessed bits are preset, see the layout; the NMI scratch is the one
 * exception, and only if an NMI comes).
 *
 * Registers in the page: EBP = P throughout (the page's linear address,
 * identity-mapped by the transition tables), EAX/EBX/ECX/EDX scratch, RSI
 * the slot pointer in long mode. From the 64-bit code on, RSP = the page's
 * scratch and IDTR = the page's park IDT: an NMI or a fault parks the CPU
 * (until INIT) instead of shutting it down. An NMI in the short 32-bit part,
 * before that, still finds no usable IDT.
 *
 * CPU state on exit from the page (the jump to smpboot_x86_ap_entry64 at its
 * kernel address): 64-bit mode on the transition tables (CR3 = page 1 of the
 * low memory), CR0 from the boot CPU (less CD/NW), CR4 = PAE (+ LA57),
 * EFER = LME (+ NXE), IA32_PAT = the boot CPU's, CS = 0x08 of the page's
 * GDT, RDI = ap_params, RSI = the claimed slot. Or, for a slot with an image:
 * CR3 = tramp_data.image_cr3, RSP = the slot's stack, RDI = the image's
 * argument, a call to the image's entry; an image that returns parks.
 *
 * The whole way in: this page's code, smpboot_x86_ap_entry64, then the
 * core's hotplug::ap_entry and ap_start; the slot the page code claims holds
 * the core's entry, its argument and the CPU number, so nothing in between
 * translates or copies.
 *
 * smpboot_x86_ap_entry64 (kernel text) exits into the core's AP entry,
 * entry(core, cpu), with: the kernel's GDT (the boot CPU's GDTR at init())
 * and its CS/SS/DS (ES = DS, FS = GS = 0), CR3 = config::cr3, RSP = the
 * slot's stack, IDTR = the park IDT in ap_params, interrupts off; the host's
 * early hook, if any, ran just before, in the same state.
 *
 * smpboot_x86_park (kernel text): called from C++ on the AP with RDI =
 * &slot.parked, RSI = ap_params; never returns. It switches to the park IDT
 * and scratch stack, writes 1 to *RDI last, after which it no longer touches
 * its own stack, and halts with interrupts off until an INIT. An NMI there
 * lands in smpboot_x86_park_trap, which counts it in smpboot_x86_park_traps
 * and never returns either.
 */
#include <smpboot/x86/trampoline_layout.h>

	.section .rodata.smpboot_trampoline, "a"
	.balign 16
	.globl smpboot_x86_tramp_start
	.globl smpboot_x86_tramp_end
	.globl smpboot_x86_tramp_pm32
	.globl smpboot_x86_tramp_lm64
	.globl smpboot_x86_tramp_park

	.code16
smpboot_x86_tramp_start:
	jmp	real16

	.org SMPBOOT_TD_GDT
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
	/* IA-32e activation (SDM 9.8.5): PAE (+ LA57, which can only be set
	 * with paging off), CR3 below 4 GiB, EFER.LME, then paging. */
	mov	SMPBOOT_TD_CR4(%ebp), %eax
	mov	%eax, %cr4
	mov	SMPBOOT_TD_CR3(%ebp), %eax
	mov	%eax, %cr3
	mov	$SMPBOOT_MSR_EFER, %ecx
	rdmsr
	or	SMPBOOT_TD_EFER(%ebp), %eax
	wrmsr
	mov	SMPBOOT_TD_CR0(%ebp), %eax
	mov	%eax, %cr0
	ljmpl	*SMPBOOT_TD_LM64(%ebp)

	.code64
smpboot_x86_tramp_lm64:
	mov	%ebp, %ebp			/* upper halves are undefined after the switch */
	lidt	SMPBOOT_TD_IDTR(%rbp)		/* faults and NMIs now park */
	lea	SMPBOOT_TRAMP_SCRATCH_END(%rbp), %rsp
	xor	%eax, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	mov	%eax, %fs
	mov	%eax, %gs

	/* The boot CPU's PAT before the first access to kernel memory, so that
	 * every mapping means the same memory type here as there (SDM Vol. 3A
	 * 11.12.4; INIT leaves PAT as it was, Table 9-1). The CR3 load in
	 * smpboot_x86_ap_entry64 then drops TLB entries made with the old one. */
	mov	$SMPBOOT_MSR_PAT, %ecx
	mov	SMPBOOT_TD_PAT(%rbp), %eax
	mov	SMPBOOT_TD_PAT + 4(%rbp), %edx
	wrmsr
	mov	SMPBOOT_TD_PARAMS(%rbp), %rdi
	lock incl SMPBOOT_AP_STARTED(%rdi)

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
	/* Find our slot and claim it: armed 1 -> 0 in one locked compare-and-
	 * exchange, so that two CPUs (or a stray second SIPI) never both take
	 * one slot (SDM Vol. 3A 8.1.2.2). */
	mov	SMPBOOT_TD_SLOTS(%rbp), %rsi
	mov	SMPBOOT_TD_NSLOTS(%rbp), %ecx
	xor	%ebx, %ebx
3:	test	%ecx, %ecx
	jz	smpboot_x86_tramp_park
	cmp	SMPBOOT_SLOT_APIC_ID(%rsi), %edx
	jne	4f
	mov	$1, %eax
	lock cmpxchg %ebx, SMPBOOT_SLOT_ARMED(%rsi)
	je	5f
4:	add	$SMPBOOT_SLOT_SIZE, %rsi
	dec	%ecx
	jmp	3b

5:	movl	$1, SMPBOOT_SLOT_SEEN(%rsi)
	mov	SMPBOOT_SLOT_IMAGE(%rsi), %rax
	test	%rax, %rax
	jnz	6f
	mov	SMPBOOT_TD_PARAMS(%rbp), %rdi
	jmp	*SMPBOOT_TD_ENTRY64(%rbp)	/* to the kernel's address of the library */

	/* Another image: its stack, its argument in RDI (read while the slot
	 * is mapped), then its CR3. */
6:	mov	SMPBOOT_SLOT_STACK(%rsi), %rsp
	mov	SMPBOOT_SLOT_ARG(%rsi), %rdi
	mov	SMPBOOT_TD_IMAGE_CR3(%rbp), %rbx
	mov	%rbx, %cr3
	xor	%ebp, %ebp			/* end of the frame chain */
	call	*%rax
	/* It returned (on its stack, with CR3 still mapping this page): back to
	 * the page's GDT and IDT, then park. */
	cli
	lgdt	(smpboot_x86_tramp_start + SMPBOOT_TD_GDTR)(%rip)
	lidt	(smpboot_x86_tramp_start + SMPBOOT_TD_IDTR)(%rip)
	pushq	$SMPBOOT_SEL_CODE64
	lea	smpboot_x86_tramp_park(%rip), %rax
	push	%rax
	lretq

	/* Every gate of the page's IDT points here: no IRET, so NMIs stay
	 * blocked (SDM Vol. 3A 6.7.1) and the CPU halts until an INIT. */
smpboot_x86_tramp_park:
	cli
	lea	(smpboot_x86_tramp_start + SMPBOOT_TRAMP_SCRATCH_END)(%rip), %rsp
	hlt
	jmp	smpboot_x86_tramp_park
smpboot_x86_tramp_end:

	/* The size check: .org cannot move backwards, so assembly fails if the
	 * blob grows into the IDT. (Only start..end is copied.) */
	.org	smpboot_x86_tramp_start + SMPBOOT_TRAMP_MAX_SIZE

	.text
	/* RDI = ap_params, RSI = the slot, on the transition tables, which map
	 * this code, ap_params and the slot where the kernel's tables did at
	 * init(). The kernel's CR3 comes first, so that the stack and the GDT
	 * need to be mapped only there; the window until the LIDT, in which an
	 * NMI would find the page's IDT unmapped, is one LGDT long. */
	.globl smpboot_x86_ap_entry64
	.type smpboot_x86_ap_entry64, @function
smpboot_x86_ap_entry64:
	mov	SMPBOOT_AP_CR3(%rdi), %rax
	mov	%rax, %cr3			/* the kernel's tables: the page is gone now */
	lgdt	SMPBOOT_AP_GDTR(%rdi)
	lidt	SMPBOOT_AP_IDTR(%rdi)		/* its gates use the kernel's CS */
	mov	SMPBOOT_SLOT_STACK(%rsi), %rsp
	/* The kernel's selectors: CS by a far return (SDM Vol. 3A 6.14.3 / RET). */
	movzwl	SMPBOOT_AP_SS(%rdi), %eax
	mov	%eax, %ss
	movzwl	SMPBOOT_AP_DS(%rdi), %eax
	mov	%eax, %ds
	mov	%eax, %es
	xor	%eax, %eax
	mov	%eax, %fs
	mov	%eax, %gs
	movzwl	SMPBOOT_AP_CS(%rdi), %eax
	push	%rax
	lea	1f(%rip), %rax
	push	%rax
	lretq
1:	mov	%rdi, %rbx			/* callee-saved across the hook */
	mov	%rsi, %r12
	xor	%ebp, %ebp			/* end of the frame chain */
	mov	SMPBOOT_AP_HOOK(%rbx), %rax
	test	%rax, %rax
	jz	2f
	mov	SMPBOOT_AP_HOOK_CTX(%rbx), %rdi
	mov	SMPBOOT_SLOT_CPU(%r12), %esi
	call	*%rax
2:	mov	SMPBOOT_SLOT_CORE(%r12), %rdi
	mov	SMPBOOT_SLOT_CPU(%r12), %esi
	call	*SMPBOOT_SLOT_ENTRY(%r12)	/* hotplug::ap_entry, never returns */
	ud2
	.size smpboot_x86_ap_entry64, . - smpboot_x86_ap_entry64

	.globl smpboot_x86_park
	.type smpboot_x86_park, @function
smpboot_x86_park:
	cli
	lidt	SMPBOOT_AP_IDTR(%rsi)
	lea	SMPBOOT_AP_SCRATCH_END(%rsi), %rsp
	movl	$1, (%rdi)			/* last: the boot CPU may now send INIT */
1:	cli
	hlt
	jmp	1b
	.size smpboot_x86_park, . - smpboot_x86_park

	/* Every gate of the park IDT: an exception or NMI on an AP before the
	 * kernel loaded its IDT, or in the park. Counted (so that a CPU parked
	 * this way can be told from one that hangs), then a halt for good: no
	 * IRET, so NMIs stay blocked (SDM Vol. 3A 6.7.1). */
	.globl smpboot_x86_park_trap
	.type smpboot_x86_park_trap, @function
smpboot_x86_park_trap:
	lock incl smpboot_x86_park_traps(%rip)
2:	cli
	hlt
	jmp	2b
	.size smpboot_x86_park_trap, . - smpboot_x86_park_trap

	.bss
	.balign 4
	.globl smpboot_x86_park_traps
smpboot_x86_park_traps:
	.long 0
