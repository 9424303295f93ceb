/* SPDX-License-Identifier: MIT */
/*
 * The PC under the x86_64-minimal kernel, in C: COM1, the TSC (calibrated
 * on the PIT), the GDT and IDT, the xAPIC page uncached, isa-debug-exit.
 *
 * The boot stub is swappable; this one is the C++ example's
 * (examples/x86_64/boot.S, isr.S, kernel.ld). What the minimal kernel needs
 * of any stub: kernel_main(physical address of the PVH start info) called in
 * 64-bit mode, interrupts off, on 4-level tables that identity-map 0-4 GiB
 * (the ACPI tables, the xAPIC, the trampoline page, and the walk in
 * pc_map_uncached); and the interrupt stubs isr_exception_stubs (32 x 16
 * bytes, calling on_exception), isr_wake (calling on_wake) and isr_ignore.
 */
#ifndef MINIMAL_PC_H
#define MINIMAL_PC_H

#include <stdbool.h>
#include <stdint.h>

#define PC_WAKE_VECTOR 0xf0
#define PC_SPURIOUS_VECTOR 0xff

/** PVH start info (Xen public/arch-x86/hvm/start_info.h), version 0 part. */
struct hvm_start_info {
    uint32_t magic, version, flags, nr_modules;
    uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr;
};

void pc_init(void);                 /* COM1, the clock, this CPU's tables */
void pc_load_tables(void);          /* the kernel's GDT and IDT, on any CPU */
void* pc_map_uncached(uint64_t phys);
uint64_t pc_read_cr3(void);
_Noreturn void pc_exit(uint32_t code);

#endif
