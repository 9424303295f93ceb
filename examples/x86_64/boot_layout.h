/* SPDX-License-Identifier: MIT */
/*
 * The numbers boot.S shares with C++ (bootinfo.hpp, efi_loader.cpp): which
 * entry ran, and the magic values of the boot protocols. Plain #defines so
 * the assembler reads them too.
 */
#pragma once

/* Which entry of boot.S ran: kernel_main's second argument. */
#define BOOT_NONE 0
#define BOOT_PVH 1
#define BOOT_MULTIBOOT2 2
#define BOOT_UEFI 3

/* Multiboot2 spec 1.0: header magic (3.1.1), EAX on entry (3.3). */
#define MB2_HEADER_MAGIC 0xe85250d6
#define MB2_BOOTLOADER_MAGIC 0x36d76289

/* The ELF note (owner "smpboot") whose descriptor is the 64-bit physical
 * address of uefi64_start, read by the UEFI loader. */
#define SMPBOOT_NOTE_ENTRY64 1
