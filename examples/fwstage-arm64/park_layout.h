/* SPDX-License-Identifier: MIT */
/* One parking-protocol mailbox page as this firmware stage lays it out.
 * The first 2 KiB are the protocol's (ACPI "Multiprocessor Startup for ARM
 * Platforms": CPU ID at 0x0, jump address at 0x8, the rest of the first
 * 2 KiB for the OS); the upper 2 KiB are the firmware's, read-only to the
 * OS: the stage puts its spin code there (FW_PARK_CODE) and, after it, what
 * that code needs to know about its CPU (FW_PARK_*). Shared by park.S and
 * fwstage.cpp; the C++ side static_asserts the offsets. */
#pragma once

#define FW_PAGE 0x1000
#define FW_MB_CPU_ID 0x0          /* u32: 0xFFFFFFFF until the OS names a CPU */
#define FW_MB_JUMP 0x8            /* u64: physical; the woken CPU writes 0 back */
#define FW_FIRMWARE_AREA 0x800
#define FW_PARK_CODE 0x800        /* park.S's fw_park_start..fw_park_end, copied */
#define FW_PARK_CODE_MAX 0x600    /* up to FW_PARK_DATA */
#define FW_PARK_DATA 0xe00
#define FW_PARK_GIC_VERSION 0xe00 /* u64: 2 or 3 */
#define FW_PARK_GICD 0xe08        /* u64: distributor base (GICv2: the SGIs' banked registers) */
#define FW_PARK_GIC_CPU 0xe10     /* u64: GICv2 CPU interface base, GICv3 this CPU's RD_base */
#define FW_PARK_CPU_IF 0xe18      /* u32: this CPU's GIC CPU Interface Number (MADT GICC) */
#define FW_PARK_DEAF 0xe1c        /* u32: nonzero: never read the mailbox */
#define FW_PARK_READY 0xe20       /* u64: the CPU writes 1 once it waits in the loop */
