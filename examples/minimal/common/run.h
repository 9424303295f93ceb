/* SPDX-License-Identifier: MIT */
#ifndef MINIMAL_RUN_H
#define MINIMAL_RUN_H

#include <smpboot/smpboot.h>

#include <stdbool.h>

/**
 * The host hooks as every minimal kernel fills them: the platform's clock
 * and delay, the console for log lines prefixed with `name`, static stacks,
 * and an ap_main that says ready and idles. The arch adds its wake.
 */
smpboot_host minimal_host(const char* name);

/**
 * With the result of the arch's smpboot_*_init(): if it failed, say why
 * (prefixed with `name`) and return false. Else bring every CPU up (smpboot.mode=seq|
 * parallel), optionally take random CPUs down and up again
 * (smpboot.stress=CYCLES), print the serial contract. True if every present
 * CPU is online at the end and no operation failed.
 */
bool minimal_run(smpboot_result init, const char* name, const char* arch, const char* cmdline);

#endif
