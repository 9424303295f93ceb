// SPDX-License-Identifier: MIT
// The four functions clang may call for struct copies and zeroing even in
// freestanding code. Byte loops: simple beats fast here.
#include <stddef.h>

extern "C" {
void* memcpy(void* d, const void* s, size_t n) {
    auto* dp = static_cast<unsigned char*>(d);
    auto* sp = static_cast<const unsigned char*>(s);
    while (n--) *dp++ = *sp++;
    return d;
}
void* memmove(void* d, const void* s, size_t n) {
    auto* dp = static_cast<unsigned char*>(d);
    auto* sp = static_cast<const unsigned char*>(s);
    if (dp < sp) {
        while (n--) *dp++ = *sp++;
    } else {
        while (n--) dp[n] = sp[n];
    }
    return d;
}
void* memset(void* d, int c, size_t n) {
    auto* dp = static_cast<unsigned char*>(d);
    while (n--) *dp++ = static_cast<unsigned char>(c);
    return d;
}
int memcmp(const void* a, const void* b, size_t n) {
    auto* ap = static_cast<const unsigned char*>(a);
    auto* bp = static_cast<const unsigned char*>(b);
    for (; n--; ++ap, ++bp)
        if (*ap != *bp) return *ap - *bp;
    return 0;
}
}
