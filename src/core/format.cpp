// SPDX-License-Identifier: MIT
#include <smpboot/format.hpp>

namespace smpboot {

void line_base::put(char c) {
    if (len_ + 1 < cap_) {
        buf_[len_++] = c;
        buf_[len_] = '\0';
    }
}

line_base& line_base::str(const char* s) {
    while (s && *s) put(*s++);
    return *this;
}

line_base& line_base::chr(char c) {
    put(c);
    return *this;
}

line_base& line_base::dec(uint64_t v) {
    char digits[20];
    int n = 0;
    do digits[n++] = char('0' + v % 10);
    while ((v /= 10) != 0);
    while (n) put(digits[--n]);
    return *this;
}

line_base& line_base::sdec(int64_t v) {
    if (v < 0) put('-');
    return dec(v < 0 ? uint64_t(0) - uint64_t(v) : uint64_t(v));
}

line_base& line_base::hex(uint64_t v) {
    str("0x");
    int shift = 60;
    while (shift > 0 && ((v >> shift) & 0xf) == 0) shift -= 4;
    for (; shift >= 0; shift -= 4) put("0123456789abcdef"[(v >> shift) & 0xf]);
    return *this;
}

void line_base::clear() {
    len_ = 0;
    buf_[0] = '\0';
}

}  // namespace smpboot
