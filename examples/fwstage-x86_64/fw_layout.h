/* SPDX-License-Identifier: MIT */
/* What start.S and fwstage.cpp share: selectors, stack sizes, the SIPI page. */
#ifndef FWSTAGE_LAYOUT_H
#define FWSTAGE_LAYOUT_H

/* fw_gdt (start.S), Intel SDM Vol. 3A 3.4.5: null, 64-bit code, data, 32-bit code. */
#define FW_SEL_CODE64 0x08
#define FW_SEL_DATA 0x10
#define FW_SEL_CODE32 0x18

#define FW_MAX_CPUS 256
#define FW_AP_STACK 4096
/* The page the APs' SIPI vector names (Intel SDM Vol. 3A 10.6.1): below the
 * EBDA, clear of the example kernel's default trampoline pages 0x8000-0xDFFF. */
#define FW_SIPI_PAGE 0x70000

#endif
