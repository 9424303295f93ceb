/* SPDX-License-Identifier: MIT */
/*
 * The layout shared by src/x86/trampoline.S and the C++ backend, written once.
 * The assembler sees the offsets as macros; C++ sees the same numbers as
 * structs and checks them with static_assert(offsetof(...)).
 *
 * The trampoline page (copied to the host's page below 1 MiB):
 *   0x000  a 2-byte jump over the data block (the SIPI enters at offset 0)
 *   0x008  tramp_data: GDT, far pointers, CR3 etc., patched by the backend
 *   0x080  16-bit code, then 32-bit, then 64-bit code
 *
 * Per-CPU slots (in kernel memory, pointed to by tramp_data.slots): each
 * waking AP searches them for its own APIC ID, so any number of APs can run
 * the trampoline at once (parallel bring-up).
 */
#ifndef SMPBOOT_X86_TRAMPOLINE_LAYOUT_H
#define SMPBOOT_X86_TRAMPOLINE_LAYOUT_H

/* The whole blob must fit in the host's page (issue 4: at most 4 KiB). */
#define SMPBOOT_TRAMP_MAX_SIZE 4096

/* tramp_data, at this offset from the start of the page. */
#define SMPBOOT_TD 0x08
#define SMPBOOT_TD_GDT 0x08        /* 4 descriptors: null, code64, data, code32 */
#define SMPBOOT_TD_GDTR 0x28       /* u16 limit, u32 linear base */
#define SMPBOOT_TD_PM32 0x30       /* far pointer m16:32 to the 32-bit code */
#define SMPBOOT_TD_LM64 0x38       /* far pointer m16:32 to the 64-bit code */
#define SMPBOOT_TD_CR0 0x40        /* u32: CR0 for protected mode with paging */
#define SMPBOOT_TD_CR3 0x44        /* u32: the host's page-table root (< 4 GiB) */
#define SMPBOOT_TD_EFER 0x48       /* u32: EFER bits to set (LME, NXE if the BSP has it) */
#define SMPBOOT_TD_ID_LEAF 0x4c    /* u32: CPUID leaf for the APIC ID: 1 or 0xB */
#define SMPBOOT_TD_SLOTS 0x50      /* u64: virtual address of the slot array */
#define SMPBOOT_TD_NSLOTS 0x58     /* u32: number of slots */
#define SMPBOOT_TD_STARTED 0x5c    /* u32: APs that reached the trampoline (diagnostics) */
#define SMPBOOT_TD_ENTRY64 0x60    /* u64: virtual address of smpboot_x86_ap_entry */
#define SMPBOOT_TD_END 0x68
#define SMPBOOT_TRAMP_CODE 0x80    /* where the 16-bit code starts */

/* The trampoline GDT's descriptors (Intel SDM Vol. 3A 3.4.5, Figure 3-8):
 * flat 4 GiB, DPL 0, accessed bit preset (3.4.5.1: else loading a selector
 * writes the descriptor, i.e. the page every AP runs from, and QEMU then
 * discards the code it translated from that page). */
#define SMPBOOT_GDT_CODE64 0x00af9b000000ffff /* 64-bit code (L = 1) */
#define SMPBOOT_GDT_DATA 0x00cf93000000ffff   /* data, read/write */
#define SMPBOOT_GDT_CODE32 0x00cf9b000000ffff /* 32-bit code (D = 1) */

/* GDT selectors (Intel SDM Vol. 3A 3.4.2). Code64 at 0x08 like most kernels. */
#define SMPBOOT_SEL_CODE64 0x08
#define SMPBOOT_SEL_DATA 0x10
#define SMPBOOT_SEL_CODE32 0x18

/* One per logical CPU. */
#define SMPBOOT_SLOT_APIC_ID 0x00  /* u32 */
#define SMPBOOT_SLOT_ARMED 0x04    /* u32: 1 = the AP with this ID may take the slot */
#define SMPBOOT_SLOT_STACK 0x08    /* u64: initial RSP (16-byte aligned) */
#define SMPBOOT_SLOT_BOOT 0x10     /* u64: the core's ap_boot* */
#define SMPBOOT_SLOT_SEEN 0x18     /* u32: the AP found its slot */
#define SMPBOOT_SLOT_PARKED 0x1c   /* u32: the AP left its stack and parked */
#define SMPBOOT_SLOT_IMAGE 0x20    /* u64: another image's entry (0: the kernel's) */
#define SMPBOOT_SLOT_ARG 0x28      /* u64: its first argument (RDI) */
#define SMPBOOT_SLOT_SIZE 0x40     /* a cache line each: APs write SEEN/PARKED */

#ifdef __cplusplus
#include <smpboot/base.hpp>

namespace smpboot::x86 {

struct far_ptr32 {
    uint32_t offset;
    uint16_t selector;
    uint16_t pad;
};

struct tramp_data {
    uint64_t gdt[4];
    uint16_t gdt_limit;
    uint16_t gdt_base_lo;   // the base is unaligned in the pseudo-descriptor
    uint16_t gdt_base_hi;
    uint16_t pad0;
    far_ptr32 pm32;
    far_ptr32 lm64;
    uint32_t cr0;
    uint32_t cr3;
    uint32_t efer;
    uint32_t id_leaf;
    uint64_t slots;
    uint32_t nslots;
    uint32_t started;
    uint64_t entry64;
};

#define SMPBOOT_TD_CHECK(field, off) static_assert(SMPBOOT_TD + offsetof(tramp_data, field) == (off))
SMPBOOT_TD_CHECK(gdt, SMPBOOT_TD_GDT);
SMPBOOT_TD_CHECK(gdt_limit, SMPBOOT_TD_GDTR);
SMPBOOT_TD_CHECK(pm32, SMPBOOT_TD_PM32);
SMPBOOT_TD_CHECK(lm64, SMPBOOT_TD_LM64);
SMPBOOT_TD_CHECK(cr0, SMPBOOT_TD_CR0);
SMPBOOT_TD_CHECK(cr3, SMPBOOT_TD_CR3);
SMPBOOT_TD_CHECK(efer, SMPBOOT_TD_EFER);
SMPBOOT_TD_CHECK(id_leaf, SMPBOOT_TD_ID_LEAF);
SMPBOOT_TD_CHECK(slots, SMPBOOT_TD_SLOTS);
SMPBOOT_TD_CHECK(nslots, SMPBOOT_TD_NSLOTS);
SMPBOOT_TD_CHECK(started, SMPBOOT_TD_STARTED);
SMPBOOT_TD_CHECK(entry64, SMPBOOT_TD_ENTRY64);
static_assert(SMPBOOT_TD + sizeof(tramp_data) == SMPBOOT_TD_END);
static_assert(SMPBOOT_TD_END <= SMPBOOT_TRAMP_CODE);
#undef SMPBOOT_TD_CHECK

/// One AP's entry in the slot array the trampoline searches.
struct alignas(SMPBOOT_SLOT_SIZE) ap_slot {
    uint32_t apic_id;
    atomic<uint32_t> armed;
    uint64_t stack_top;
    const void* boot;          // const ap_boot*
    atomic<uint32_t> seen;
    atomic<uint32_t> parked;
    uint64_t image_entry;
    uint64_t image_arg;
};
static_assert(offsetof(ap_slot, apic_id) == SMPBOOT_SLOT_APIC_ID);
static_assert(offsetof(ap_slot, armed) == SMPBOOT_SLOT_ARMED);
static_assert(offsetof(ap_slot, stack_top) == SMPBOOT_SLOT_STACK);
static_assert(offsetof(ap_slot, boot) == SMPBOOT_SLOT_BOOT);
static_assert(offsetof(ap_slot, seen) == SMPBOOT_SLOT_SEEN);
static_assert(offsetof(ap_slot, parked) == SMPBOOT_SLOT_PARKED);
static_assert(offsetof(ap_slot, image_entry) == SMPBOOT_SLOT_IMAGE);
static_assert(offsetof(ap_slot, image_arg) == SMPBOOT_SLOT_ARG);
static_assert(sizeof(ap_slot) == SMPBOOT_SLOT_SIZE);

}  // namespace smpboot::x86
#endif /* __cplusplus */

#endif /* SMPBOOT_X86_TRAMPOLINE_LAYOUT_H */
