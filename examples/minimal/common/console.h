/* SPDX-License-Identifier: MIT */
/*
 * What the minimal C kernels share that is not smpboot: a locked console
 * with a small printf, the command line, and mem* for the compiler; and
 * what each arch's platform file (x86_64/pc.c, arm64/board.c) provides.
 */
#ifndef MINIMAL_CONSOLE_H
#define MINIMAL_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The arch's platform file. */
void console_putc(char c);           /* its UART */
uint64_t platform_now_ns(void);      /* one clock, the same on every CPU */
void platform_delay_us(uint32_t us);
/** One line: %s %c %u %d %x (32-bit), %lu %lx (64-bit); a newline is added. */
void con_printf(const char* fmt, ...);
/** The value of KEY=VALUE in `cmdline` into `out`; false if absent. */
bool cmdline_value(const char* cmdline, const char* key, char* out, size_t len);
uint64_t cmdline_number(const char* cmdline, const char* key, uint64_t fallback);
bool cmdline_is(const char* cmdline, const char* key, const char* value);

#endif
