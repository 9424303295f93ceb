/* SPDX-License-Identifier: MIT */
/*
 * The layout shared by src/x86/trampoline.S and the C++ backend, written once.
 * The assembler sees the offsets as macros; C++ sees the same numbers as
 * structs and checks them with static_assert(offsetof(...)).
 *
 * The low memory the host gives (config::trampoline_phys, SMPBOOT_LOW_PAGES
 * pages below 1 MiB):
 *   page 0      the trampoline page (the SIPI vector is its page number):
 *     0x000     a 2-byte jump over the data block (the SIPI enters at offset 0)
 *     0x008     tramp_data: GDT, far pointers, CR3/CR4/EFER/PAT, patched by init()
 *     0x0c0     16-bit code, then 32-bit, then 64-bit code, and the 64-bit
 *               entry the Multiprocessor Wakeup mailbox sends APs to (the
 *               blob ends here)
 *     0xc00     the park IDT: 32 gates, every one to the park loop
 *     0xe00     scratch: RSP of the 64-bit code, so an NMI has a stack
 *   pages 1-5   the transition page tables, top level first (5 with LA57)
 * No AP writes page 0 (only an NMI's frame would land in its scratch): what
 * APs write (ap_params.started, a slot's armed/seen/parked) is in kernel
 * memory, so the page stays code and read-only data for every vCPU of an
 * emulator that tracks writes to translated code (QEMU TCG).
 *
 * In kernel memory (the backend object):
 *   ap_params   what the 64-bit entry at its kernel address needs: the
 *               kernel's GDT, selectors, final CR3, the early hook, and an
 *               IDT + scratch for the park loop, so that it survives an NMI;
 *               and the way from the poll park (mailbox CPUs) back into the
 *               page;
 *   ap_slot[]   one per logical CPU: each waking AP searches them for its own
 *               APIC ID, so any number of APs can run the trampoline at once
 *               (parallel bring-up). A slot holds what the core's AP entry
 *               needs (entry, core, cpu, stack), copied from the core's
 *               ap_boot by arm() before each kick; the AP reads it there
 *               and nothing on its way in copies or translates it again.
 */
#ifndef SMPBOOT_X86_TRAMPOLINE_LAYOUT_H
#define SMPBOOT_X86_TRAMPOLINE_LAYOUT_H

/* The trampoline page, and the low memory around it. */
#define SMPBOOT_PAGE 4096
#define SMPBOOT_LOW_PAGES 6            /* trampoline + up to 5 table levels */
#define SMPBOOT_TRAMP_MAX_SIZE 0xc00   /* the blob ends before the IDT */

/* tramp_data, at this offset from the start of the page. */
#define SMPBOOT_TD 0x08
#define SMPBOOT_TD_GDT 0x08        /* 4 descriptors: null, code64, data, code32 */
#define SMPBOOT_TD_GDTR 0x28       /* u16 limit, u64 base (lgdtl reads the low 32 bits) */
#define SMPBOOT_TD_PM32 0x38       /* far pointer m16:32 to the 32-bit code */
#define SMPBOOT_TD_LM64 0x40       /* far pointer m16:32 to the 64-bit code */
#define SMPBOOT_TD_CR0 0x48        /* u32: CR0 for protected mode with paging */
#define SMPBOOT_TD_CR3 0x4c        /* u32: the transition tables' top level (< 1 MiB) */
#define SMPBOOT_TD_CR4 0x50        /* u32: PAE, and LA57 when the boot CPU has it */
#define SMPBOOT_TD_EFER 0x54       /* u32: EFER bits to set (LME, NXE if the BSP has it) */
#define SMPBOOT_TD_ID_LEAF 0x58    /* u32: CPUID leaf for the APIC ID: 1 or 0xB */
#define SMPBOOT_TD_NSLOTS 0x5c     /* u32: number of slots */
#define SMPBOOT_TD_SLOTS 0x60      /* u64: kernel address of the slot array */
#define SMPBOOT_TD_ENTRY64 0x68    /* u64: kernel address of smpboot_x86_ap_entry64 */
#define SMPBOOT_TD_PARAMS 0x70     /* u64: kernel address of ap_params */
#define SMPBOOT_TD_IMAGE_CR3 0x78  /* u64: CR3 for hotplug::start_image's image */
#define SMPBOOT_TD_PAT 0x80        /* u64: the boot CPU's IA32_PAT */
#define SMPBOOT_TD_IDTR 0x8e       /* u16 limit, u64 base of the park IDT */
#define SMPBOOT_TD_WAKE32 0x98     /* far pointer m16:32 to the mailbox entry's 32-bit step */
#define SMPBOOT_TD_END 0xa0
#define SMPBOOT_TRAMP_CODE 0xc0    /* where the 16-bit code starts */
#define SMPBOOT_TRAMP_IDT 0xc00    /* 32 x 16-byte gates */
#define SMPBOOT_IDT_GATES 32       /* the exception vectors, NMI (2) among them */
#define SMPBOOT_TRAMP_SCRATCH_END 0x1000

/* The MSRs the trampoline writes (Intel SDM Vol. 4 Table 2-2). */
#define SMPBOOT_MSR_EFER 0xc0000080
#define SMPBOOT_MSR_PAT 0x277

/* The trampoline GDT's descriptors (Intel SDM Vol. 3A 3.4.5, Figure 3-8):
 * flat 4 GiB, DPL 0, accessed bit preset (3.4.5.1: else the first CPU to
 * load a selector writes the descriptor, in the page every AP runs from; so
 * no AP writes this page at all, see the page map above). */
#define SMPBOOT_GDT_CODE64 0x00af9b000000ffff /* 64-bit code (L = 1) */
#define SMPBOOT_GDT_DATA 0x00cf93000000ffff   /* data, read/write */
#define SMPBOOT_GDT_CODE32 0x00cf9b000000ffff /* 32-bit code (D = 1) */

/* Control register bits the trampoline tests or clears (Intel SDM Vol. 3A
 * 2.5, Figures 2-7 and 2-8). */
#define SMPBOOT_CR0_PG 0x80000000
#define SMPBOOT_CR4_LA57 0x1000
#define SMPBOOT_CR4_PCIDE 0x20000
#define SMPBOOT_EFER_LME 0x100     /* Intel SDM Vol. 4 Table 2-2, IA32_EFER */
#define SMPBOOT_EFER_LMA 0x400

/* GDT selectors (Intel SDM Vol. 3A 3.4.2). Code64 at 0x08 like most kernels. */
#define SMPBOOT_SEL_CODE64 0x08
#define SMPBOOT_SEL_DATA 0x10
#define SMPBOOT_SEL_CODE32 0x18

/* ap_params, in kernel memory. */
#define SMPBOOT_AP_GDTR 0x06       /* u16 limit, u64 base: the kernel's GDT */
#define SMPBOOT_AP_CR3 0x10        /* u64: the kernel's CR3 for this AP */
#define SMPBOOT_AP_CS 0x18         /* u16: the kernel's code selector */
#define SMPBOOT_AP_SS 0x1a         /* u16: its stack selector */
#define SMPBOOT_AP_DS 0x1c         /* u16: DS and ES */
#define SMPBOOT_AP_HOOK 0x20       /* u64: config::ap_early, or 0 */
#define SMPBOOT_AP_HOOK_CTX 0x28   /* u64: its first argument (host_ops::ctx) */
#define SMPBOOT_AP_IDTR 0x36       /* u16 limit, u64 base: the park IDT below */
#define SMPBOOT_AP_IDT 0x40        /* 32 x 16-byte gates, to smpboot_x86_park_trap */
#define SMPBOOT_AP_SCRATCH_END 0x280   /* the park loop's RSP (an NMI pushes here) */
#define SMPBOOT_AP_STARTED 0x280   /* u32: APs that reached the 64-bit code (diagnostics) */
#define SMPBOOT_AP_WAKE_CR3 0x288  /* u64: the transition tables, for the way out of the poll park */
#define SMPBOOT_AP_WAKE_VECTOR 0x290 /* u64: physical address of the page's mailbox entry */
#define SMPBOOT_AP_SIZE 0x2c0

/* One per logical CPU, in kernel memory. */
#define SMPBOOT_SLOT_APIC_ID 0x00  /* u32 */
#define SMPBOOT_SLOT_ARMED 0x04    /* u32: 1 = the AP with this ID may claim the slot */
#define SMPBOOT_SLOT_STACK 0x08    /* u64: initial RSP (16-byte aligned) */
#define SMPBOOT_SLOT_ENTRY 0x10    /* u64: the core's AP entry, void (*)(void* core, cpu_id) */
#define SMPBOOT_SLOT_CORE 0x18     /* u64: its first argument */
#define SMPBOOT_SLOT_CPU 0x20      /* u32: its second argument, also the early hook's */
#define SMPBOOT_SLOT_SEEN 0x24     /* u32: the AP claimed its slot */
#define SMPBOOT_SLOT_PARKED 0x28   /* u32: the AP left its stack and parked */
#define SMPBOOT_SLOT_METHOD 0x2c   /* u32: how the BP started it (wake_method), BP-written */
#define SMPBOOT_SLOT_IMAGE 0x30    /* u64: another image's entry (0: the kernel's) */
#define SMPBOOT_SLOT_ARG 0x38      /* u64: its first argument (RDI) */
#define SMPBOOT_SLOT_SIZE 0x40     /* a cache line each: APs write SEEN/PARKED */

#ifdef __cplusplus
#include <smpboot/base.hpp>

namespace smpboot::x86 {

struct far_ptr32 {
    uint32_t offset;
    uint16_t selector;
    uint16_t pad;
};

/// A pseudo-descriptor for LGDT/LIDT (Intel SDM Vol. 3A 3.5.1, Figure 3-11),
/// preceded by padding so that the base is 8-byte aligned: the instruction
/// operand is &limit.
struct pseudo_desc {
    uint16_t pad[3];
    uint16_t limit;
    uint64_t base;
};
static_assert(sizeof(pseudo_desc) == 16 && offsetof(pseudo_desc, limit) == 6);

/// A 64-bit interrupt gate (Intel SDM Vol. 3A 6.14.1, Figure 6-7).
struct idt_gate {
    uint16_t offset_lo;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;   // 0x8e: present, DPL 0, 64-bit interrupt gate
    uint16_t offset_mid;
    uint32_t offset_hi;
    uint32_t zero;

    static constexpr idt_gate to(uint64_t target, uint16_t sel) {
        return {uint16_t(target), sel, 0, 0x8e, uint16_t(target >> 16), uint32_t(target >> 32), 0};
    }
};
static_assert(sizeof(idt_gate) == 16);

struct tramp_data {
    uint64_t gdt[4];
    uint16_t gdt_limit;
    uint16_t gdt_base[4];   // unaligned in the pseudo-descriptor; [2], [3] stay 0
    uint16_t pad0[3];
    far_ptr32 pm32;
    far_ptr32 lm64;
    uint32_t cr0;
    uint32_t cr3;
    uint32_t cr4;
    uint32_t efer;
    uint32_t id_leaf;
    uint32_t nslots;
    uint64_t slots;
    uint64_t entry64;
    uint64_t params;
    uint64_t image_cr3;
    uint64_t pat;
    pseudo_desc idtr;
    far_ptr32 wake32;
};

#define SMPBOOT_TD_CHECK(field, off) static_assert(SMPBOOT_TD + offsetof(tramp_data, field) == (off))
SMPBOOT_TD_CHECK(gdt, SMPBOOT_TD_GDT);
SMPBOOT_TD_CHECK(gdt_limit, SMPBOOT_TD_GDTR);
SMPBOOT_TD_CHECK(pm32, SMPBOOT_TD_PM32);
SMPBOOT_TD_CHECK(lm64, SMPBOOT_TD_LM64);
SMPBOOT_TD_CHECK(cr0, SMPBOOT_TD_CR0);
SMPBOOT_TD_CHECK(cr3, SMPBOOT_TD_CR3);
SMPBOOT_TD_CHECK(cr4, SMPBOOT_TD_CR4);
SMPBOOT_TD_CHECK(efer, SMPBOOT_TD_EFER);
SMPBOOT_TD_CHECK(id_leaf, SMPBOOT_TD_ID_LEAF);
SMPBOOT_TD_CHECK(nslots, SMPBOOT_TD_NSLOTS);
SMPBOOT_TD_CHECK(slots, SMPBOOT_TD_SLOTS);
SMPBOOT_TD_CHECK(entry64, SMPBOOT_TD_ENTRY64);
SMPBOOT_TD_CHECK(params, SMPBOOT_TD_PARAMS);
SMPBOOT_TD_CHECK(image_cr3, SMPBOOT_TD_IMAGE_CR3);
SMPBOOT_TD_CHECK(pat, SMPBOOT_TD_PAT);
SMPBOOT_TD_CHECK(idtr.limit, SMPBOOT_TD_IDTR);
SMPBOOT_TD_CHECK(wake32, SMPBOOT_TD_WAKE32);
static_assert(SMPBOOT_TD + sizeof(tramp_data) == SMPBOOT_TD_END);
static_assert(SMPBOOT_TD_END <= SMPBOOT_TRAMP_CODE);
static_assert(SMPBOOT_TRAMP_IDT + SMPBOOT_IDT_GATES * sizeof(idt_gate) < SMPBOOT_TRAMP_SCRATCH_END);
static_assert(SMPBOOT_TRAMP_SCRATCH_END == SMPBOOT_PAGE);
#undef SMPBOOT_TD_CHECK

/// What the library's 64-bit entry reads at its kernel address, and what
/// the park loop needs. Lives in the backend object, so never freed.
struct alignas(64) ap_params {
    pseudo_desc gdtr;
    uint64_t cr3;
    uint16_t cs;
    uint16_t ss;
    uint16_t ds;
    uint16_t pad0;
    uint64_t early_hook;   // void (*)(void* ctx, cpu_id)
    uint64_t hook_ctx;
    pseudo_desc idtr;
    idt_gate idt[SMPBOOT_IDT_GATES];
    uint8_t scratch[SMPBOOT_AP_SCRATCH_END - SMPBOOT_AP_IDT - SMPBOOT_IDT_GATES * 16];
    atomic<uint32_t> started;
    uint32_t pad1;
    uint64_t wake_cr3;
    uint64_t wake_vector;
};
static_assert(offsetof(ap_params, gdtr.limit) == SMPBOOT_AP_GDTR);
static_assert(offsetof(ap_params, cr3) == SMPBOOT_AP_CR3);
static_assert(offsetof(ap_params, cs) == SMPBOOT_AP_CS);
static_assert(offsetof(ap_params, ss) == SMPBOOT_AP_SS);
static_assert(offsetof(ap_params, ds) == SMPBOOT_AP_DS);
static_assert(offsetof(ap_params, early_hook) == SMPBOOT_AP_HOOK);
static_assert(offsetof(ap_params, hook_ctx) == SMPBOOT_AP_HOOK_CTX);
static_assert(offsetof(ap_params, idtr.limit) == SMPBOOT_AP_IDTR);
static_assert(offsetof(ap_params, idt) == SMPBOOT_AP_IDT);
static_assert(offsetof(ap_params, started) == SMPBOOT_AP_STARTED);
static_assert(offsetof(ap_params, wake_cr3) == SMPBOOT_AP_WAKE_CR3);
static_assert(offsetof(ap_params, wake_vector) == SMPBOOT_AP_WAKE_VECTOR);
static_assert(sizeof(ap_params) == SMPBOOT_AP_SIZE);
static_assert(SMPBOOT_AP_SIZE - offsetof(ap_params, scratch) >= 64);   // an NMI frame is 40 bytes

/// One AP's entry in the slot array the trampoline searches.
struct alignas(SMPBOOT_SLOT_SIZE) ap_slot {
    uint32_t apic_id;
    atomic<uint32_t> armed;
    uint64_t stack_top;
    void (*entry)(void* core, cpu_id cpu);
    void* core;
    cpu_id cpu;
    atomic<uint32_t> seen;
    atomic<uint32_t> parked;
    uint32_t method;   // wake_method: how the boot CPU last started it
    uint64_t image_entry;
    uint64_t image_arg;
};
static_assert(offsetof(ap_slot, apic_id) == SMPBOOT_SLOT_APIC_ID);
static_assert(offsetof(ap_slot, armed) == SMPBOOT_SLOT_ARMED);
static_assert(offsetof(ap_slot, stack_top) == SMPBOOT_SLOT_STACK);
static_assert(offsetof(ap_slot, entry) == SMPBOOT_SLOT_ENTRY);
static_assert(offsetof(ap_slot, core) == SMPBOOT_SLOT_CORE);
static_assert(offsetof(ap_slot, cpu) == SMPBOOT_SLOT_CPU);
static_assert(offsetof(ap_slot, seen) == SMPBOOT_SLOT_SEEN);
static_assert(offsetof(ap_slot, parked) == SMPBOOT_SLOT_PARKED);
static_assert(offsetof(ap_slot, method) == SMPBOOT_SLOT_METHOD);
static_assert(offsetof(ap_slot, image_entry) == SMPBOOT_SLOT_IMAGE);
static_assert(offsetof(ap_slot, image_arg) == SMPBOOT_SLOT_ARG);
static_assert(sizeof(ap_slot) == SMPBOOT_SLOT_SIZE);

}  // namespace smpboot::x86
#endif /* __cplusplus */

#endif /* SMPBOOT_X86_TRAMPOLINE_LAYOUT_H */
