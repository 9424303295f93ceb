/* SPDX-License-Identifier: MIT */
#include "console.h"

#include <stdarg.h>

static uint32_t lock;

static void put_num(uint64_t v, unsigned base) {
    char digits[20];
    int n = 0;
    do {
        digits[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    while (n) console_putc(digits[--n]);
}

void con_printf(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    while (__atomic_exchange_n(&lock, 1, __ATOMIC_ACQUIRE)) {
    }
    for (const char* p = fmt; *p; ++p) {
        if (*p != '%') {
            console_putc(*p);
            continue;
        }
        const bool wide = p[1] == 'l';
        p += wide ? 2 : 1;
        if (*p == 's') {
            for (const char* s = va_arg(ap, const char*); *s; ++s) console_putc(*s);
        } else if (*p == 'c') {
            console_putc((char)va_arg(ap, int));
        } else if (*p == 'd') {
            const int v = va_arg(ap, int);
            if (v < 0) console_putc('-');
            put_num(v < 0 ? -(uint64_t)v : (uint64_t)v, 10);
        } else {
            const uint64_t v = wide ? va_arg(ap, uint64_t) : va_arg(ap, uint32_t);
            put_num(v, *p == 'x' ? 16 : 10);
        }
    }
    console_putc('\n');
    __atomic_store_n(&lock, 0, __ATOMIC_RELEASE);
    va_end(ap);
}

bool cmdline_value(const char* c, const char* key, char* out, size_t len) {
    for (const char* w = c; w && *w;) {
        while (*w == ' ') ++w;
        const char* k = key;
        const char* p = w;
        while (*k && *p == *k) ++p, ++k;
        if (!*k && *p == '=') {
            size_t n = 0;
            for (++p; *p && *p != ' ' && n + 1 < len; ++p) out[n++] = *p;
            out[n] = '\0';
            return true;
        }
        while (*w && *w != ' ') ++w;
    }
    return false;
}

uint64_t cmdline_number(const char* c, const char* key, uint64_t fallback) {
    char buf[24];
    if (!cmdline_value(c, key, buf, sizeof buf) || buf[0] < '0' || buf[0] > '9') return fallback;
    uint64_t v = 0;
    for (const char* p = buf; *p >= '0' && *p <= '9'; ++p) v = v * 10 + (uint64_t)(*p - '0');
    return v;
}

bool cmdline_is(const char* c, const char* key, const char* value) {
    char buf[24];
    if (!cmdline_value(c, key, buf, sizeof buf)) return false;
    size_t i = 0;
    for (; buf[i] && buf[i] == value[i]; ++i) {
    }
    return buf[i] == value[i];
}

/* The compiler may call these for struct copies and zeroing. */
void* memcpy(void* dst, const void* src, size_t n) {
    unsigned char* d = dst;
    const unsigned char* s = src;
    while (n--) *d++ = *s++;
    return dst;
}
void* memset(void* dst, int c, size_t n) {
    unsigned char* d = dst;
    while (n--) *d++ = (unsigned char)c;
    return dst;
}
