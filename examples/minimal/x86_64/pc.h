/* SPDX-License-Identifier: MIT */
/*
 * The PC under the x86_64-minimal kernel, in C: COM1, the TSC (calibrated
 * on the PIT), the GDT and IDT, the xAPIC page uncached, isa-debug-exit.
 *
 * The boot stub is swappable; this one is the C++ example's
 * (examples/x86_64/boot.S, isr.S, kernel.ld). What the minimal kernel needs
 * of any stub: the image linked at -2 GiB (kernel_vma = virtual - physical)
 * and loaded below 1 GiB; kernel_main(physical address of the PVH start
 * info) called at that address in 64-bit mode, interrupts off, on tables
 * that map the image there (4- or 5-level), with the stack in the image; and
 * the interrupt stubs isr_exception_stubs (32 x 16 bytes, calling
 * on_exception), isr_wake (calling on_wake) and isr_ignore. The kernel then
 * moves to its own tables (pc_enter_higher_half): the image at -2 GiB, a
 * direct map of 0-4 GiB at PC_DIRECT_BASE, no identity map.
 */
#ifndef MINIMAL_PC_H
#define MINIMAL_PC_H

#include <stdbool.h>
#include <stdint.h>

#define PC_WAKE_VECTOR 0xf0
#define PC_SPURIOUS_VECTOR 0xff
#define PC_DIRECT_BASE 0xffff888000000000ull

/** PVH start info (Xen public/arch-x86/hvm/start_info.h), version 0 part. */
struct hvm_start_info {
    uint32_t magic, version, flags, nr_modules;
    uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr;
};

void pc_enter_higher_half(void);    /* the kernel's own tables (above) */
void* pc_phys_to_virt(uint64_t phys); /* through the direct map, below 4 GiB */
void pc_init(void);                 /* COM1, the clock, this CPU's tables */
void pc_load_tables(void);          /* the kernel's GDT and IDT, on any CPU */
void* pc_map_uncached(uint64_t phys);
uint64_t pc_read_cr3(void);
_Noreturn void pc_exit(uint32_t code);

#endif
