/* SPDX-License-Identifier: MIT */
/*
 * The per-CPU block that src/arm64/entry.S reads with the MMU off, and the
 * table the spin-table entry searches. One layout for the assembler (the
 * macros) and for C++ (smpboot::arm64::ap_block, whose offsets are checked
 * against the macros with static_assert in backend.hpp).
 */
#ifndef SMPBOOT_ARM64_ENTRY_LAYOUT_H
#define SMPBOOT_ARM64_ENTRY_LAYOUT_H

/* struct ap_block: 192 bytes, one cache-line-aligned block per logical CPU. */
#define SMPBOOT_AP_MPIDR        0    /* MPIDR affinity bits of the CPU */
#define SMPBOOT_AP_STACK_TOP    8    /* virtual */
#define SMPBOOT_AP_TTBR0        16
#define SMPBOOT_AP_TTBR1        24
#define SMPBOOT_AP_TCR          32
#define SMPBOOT_AP_MAIR         40
#define SMPBOOT_AP_SCTLR        48
#define SMPBOOT_AP_VBAR         56
#define SMPBOOT_AP_CXX_ENTRY    64   /* virtual address of smpboot_arm64_ap_cxx */
#define SMPBOOT_AP_SELF_VIRT    72   /* this block's virtual address (x0 for C++) */
#define SMPBOOT_AP_SELF_PHYS    80   /* this block's physical address */
#define SMPBOOT_AP_IMAGE_ENTRY  88   /* non-zero: jump here, MMU off, x0 = image_arg */
#define SMPBOOT_AP_IMAGE_ARG    96
#define SMPBOOT_AP_RELEASE      104  /* the library park loop's release word */
#define SMPBOOT_AP_PARKED       112  /* non-zero once the CPU is off its stack: */
#define SMPBOOT_PARKED_LOOP     1    /*   in the library's park loop */
#define SMPBOOT_PARKED_CPU_OFF  2    /*   about to call PSCI CPU_OFF */
#define SMPBOOT_AP_OFF_RC       120  /* what a failed PSCI CPU_OFF returned (C++ side) */
#define SMPBOOT_AP_OWNER        128  /* the backend object the block belongs to (C++ side) */
#define SMPBOOT_AP_BLOCK_SIZE   192

/* struct ap_table: where the blocks are, for the spin-table entry. */
#define SMPBOOT_APT_BLOCKS      0    /* physical address of block 0 */
#define SMPBOOT_APT_COUNT       8
#define SMPBOOT_APT_SIZE        16

/* MPIDR_EL1 affinity fields Aff3 [39:32], Aff2..Aff0 [23:0] (Arm ARM D17.2.101). */
#define SMPBOOT_MPIDR_AFF_LO    0xffffff
#define SMPBOOT_MPIDR_AFF3      0xff00000000

#endif
