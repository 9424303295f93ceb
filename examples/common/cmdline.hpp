// SPDX-License-Identifier: MIT
// Kernel command line options of the example kernels: "smpboot.KEY=VALUE"
// words separated by spaces. Freestanding, no allocation.
#pragma once

#include <smpboot/base.hpp>

namespace example {

/// The value of `key` (e.g. "smpboot.mode") in `cmdline`, copied into `out`
/// (NUL-terminated, cut to `cap`); false if the key is absent.
inline bool cmdline_value(const char* cmdline, const char* key, char* out, size_t cap) {
    if (!cmdline || cap == 0) return false;
    const char* p = cmdline;
    while (*p) {
        while (*p == ' ') ++p;
        const char* k = key;
        const char* w = p;
        while (*k && *w == *k) ++w, ++k;
        if (*k == '\0' && *w == '=') {
            ++w;
            size_t n = 0;
            while (*w && *w != ' ' && n + 1 < cap) out[n++] = *w++;
            out[n] = '\0';
            return true;
        }
        while (*p && *p != ' ') ++p;
    }
    return false;
}

inline bool str_eq(const char* a, const char* b) {
    while (*a && *a == *b) ++a, ++b;
    return *a == *b;
}

/// Decimal or 0x-hex; `fallback` when absent or malformed.
inline uint64_t cmdline_number(const char* cmdline, const char* key, uint64_t fallback) {
    char buf[24];
    if (!cmdline_value(cmdline, key, buf, sizeof buf) || buf[0] == '\0') return fallback;
    uint64_t v = 0;
    const char* p = buf;
    unsigned base = 10;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) base = 16, p += 2;
    for (; *p; ++p) {
        unsigned d;
        if (*p >= '0' && *p <= '9') d = unsigned(*p - '0');
        else if (base == 16 && *p >= 'a' && *p <= 'f') d = unsigned(*p - 'a' + 10);
        else if (base == 16 && *p >= 'A' && *p <= 'F') d = unsigned(*p - 'A' + 10);
        else return fallback;
        v = v * base + d;
    }
    return v;
}

}  // namespace example
