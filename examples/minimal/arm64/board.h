/* SPDX-License-Identifier: MIT */
/*
 * The board under the arm64 minimal kernels, in C: PL011 console, the
 * generic timer, the kernel's page tables, semihosting exit.
 * BOARD_* come from CMake.
 *
 * The boot stub is swappable; this one is the C++ examples'
 * (examples/arm64-common/start.S and kernel.ld.in): a Linux Image header,
 * EL2 -> EL1, .bss zeroed, the MMU on with the image alone mapped (1:1 and
 * at its link address, BOARD_VA_OFFSET + PA), a stack, vectors that call
 * example_exception, then example_main(DTB physical address) at EL1, DAIF
 * masked, at the link address; and example_mmu_switch to change tables.
 * BOARD_VA_OFFSET 0xffffff8000000000: the kernel in TTBR1, TTBR0 empty once
 * board_init has run; 0: identity in TTBR0.
 */
#ifndef MINIMAL_BOARD_H
#define MINIMAL_BOARD_H

#include <stdint.h>

void board_init(void);   /* timer frequency, the kernel's map */
void* board_phys_to_virt(uint64_t pa);
uint64_t board_virt_to_phys(const void* va);
_Noreturn void board_exit(uint32_t code);

#endif
