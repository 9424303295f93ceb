/* SPDX-License-Identifier: MIT */
/*
 * The per-CPU block that src/arm64/entry.S reads, and the table the
 * spin-table entry searches. One layout for the assembler (the macros) and
 * for C++ (smpboot::arm64::ap_block, whose offsets are checked against the
 * macros with static_assert in backend.hpp).
 */
#ifndef SMPBOOT_ARM64_ENTRY_LAYOUT_H
#define SMPBOOT_ARM64_ENTRY_LAYOUT_H

/*
 * struct ap_block: one per logical CPU, 2 KiB aligned and sized. The AP
 * writes `release` and `parked` with its caches off; a cache line
 * of another CPU's block that shared their writeback granule could undo such
 * a store when it is written back. CTR_EL0.CWG is at most 2 KiB (Arm ARM,
 * CTR_EL0: log2 of words, at most 9), so no granule holds two blocks.
 */
#define SMPBOOT_AP_MPIDR        0    /* MPIDR affinity bits of the CPU */
#define SMPBOOT_AP_STACK_TOP    8    /* virtual */
#define SMPBOOT_AP_TTBR0        16   /* the kernel's translation regime ... */
#define SMPBOOT_AP_TTBR1        24
#define SMPBOOT_AP_TCR          32
#define SMPBOOT_AP_MAIR         40
#define SMPBOOT_AP_SCTLR        48
#define SMPBOOT_AP_VBAR         56   /* ... and vectors (virtual) */
#define SMPBOOT_AP_IDMAP_TTBR0  64   /* the library's identity map: root | ASID */
#define SMPBOOT_AP_IDMAP_TCR    72   /* the kernel's TCR with the idmap as TTBR0 */
#define SMPBOOT_AP_ENTRY        80   /* the core's AP entry (virtual): entry(core, cpu) */
#define SMPBOOT_AP_CORE         88   /*   its first argument */
#define SMPBOOT_AP_CPU          96   /*   its second: the logical CPU number */
#define SMPBOOT_AP_SELF_PHYS    104  /* this block's physical address */
#define SMPBOOT_AP_PARK_PHYS    112  /* physical address of the MMU-off park code */
#define SMPBOOT_AP_IMAGE_ENTRY  120  /* non-zero: jump here, MMU off, x0 = image_arg */
#define SMPBOOT_AP_IMAGE_ARG    128
#define SMPBOOT_AP_RELEASE      136  /* the library park loop's release word */
#define SMPBOOT_AP_PARKED       144  /* non-zero once the CPU is off its stack: */
#define SMPBOOT_PARKED_LOOP     1    /*   in the library's park loop */
#define SMPBOOT_PARKED_CPU_OFF  2    /*   about to call PSCI CPU_OFF */
#define SMPBOOT_AP_OFF_RC       152  /* what a failed PSCI CPU_OFF returned (C++ side) */
#define SMPBOOT_AP_BLOCK_SIZE   2048

/* struct ap_table: where the blocks are, for the spin-table entry. */
#define SMPBOOT_APT_BLOCKS      0    /* physical address of block 0 */
#define SMPBOOT_APT_COUNT       8
#define SMPBOOT_APT_SIZE        16

/* MPIDR_EL1 affinity fields Aff3 [39:32], Aff2..Aff0 [23:0] (Arm ARM D17.2.101). */
#define SMPBOOT_MPIDR_AFF_LO    0xffffff
#define SMPBOOT_MPIDR_AFF3      0xff00000000

#endif
