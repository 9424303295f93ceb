/* SPDX-License-Identifier: MIT */
/*
 * The board under the arm64 minimal kernels, in C: PL011 console, the
 * generic timer, an identity map with the MMU on, semihosting exit. Boot
 * stub: examples/arm64-common/start.S (Image header, EL2 -> EL1, stack,
 * .bss, vectors, then example_main(dtb)). BOARD_* come from CMake.
 */
#ifndef MINIMAL_BOARD_H
#define MINIMAL_BOARD_H

#include <stdint.h>

void board_init(void);   /* timer frequency, MMU on */
_Noreturn void board_exit(uint32_t code);

#endif
