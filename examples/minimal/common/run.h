/* SPDX-License-Identifier: MIT */
#ifndef MINIMAL_RUN_H
#define MINIMAL_RUN_H

#include <stdbool.h>

/**
 * After the arch's smpboot_*_init(): bring every CPU up (smpboot.mode=seq|
 * parallel), optionally take random CPUs down and up again
 * (smpboot.stress=CYCLES), print the serial contract. True if every present
 * CPU is online at the end and no operation failed.
 */
bool minimal_run(const char* arch, const char* cmdline);

#endif
