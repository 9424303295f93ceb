/* SPDX-License-Identifier: MIT */
/*
 * The board under the arm64 minimal kernels, in C: PL011 console, the
 * generic timer, an identity map with the MMU on, semihosting exit.
 * BOARD_* come from CMake.
 *
 * The boot stub is swappable; this one is the C++ examples'
 * (examples/arm64-common/start.S and kernel.ld.in): a Linux Image header,
 * EL2 -> EL1, a stack, .bss zeroed, vectors that call example_exception,
 * then example_main(dtb) at EL1 with the MMU off and DAIF masked.
 */
#ifndef MINIMAL_BOARD_H
#define MINIMAL_BOARD_H

#include <stdint.h>

void board_init(void);   /* timer frequency, MMU on */
_Noreturn void board_exit(uint32_t code);

#endif
