// SPDX-License-Identifier: MIT
// A fixed-capacity line builder for freestanding code (no printf, no heap).
// Text past the capacity is cut, never overflowed.
#pragma once

#include <smpboot/base.hpp>

namespace smpboot {

template <size_t N>
class line {
public:
    line() { buf_[0] = '\0'; }
    line& str(const char* s) {
        while (s && *s) put(*s++);
        return *this;
    }
    line& chr(char c) {
        put(c);
        return *this;
    }
    line& dec(uint64_t v) {
        char tmp[20];
        int n = 0;
        do tmp[n++] = char('0' + v % 10); while ((v /= 10) != 0);
        while (n) put(tmp[--n]);
        return *this;
    }
    line& sdec(int64_t v) {
        if (v < 0) put('-');
        return dec(v < 0 ? uint64_t(0) - uint64_t(v) : uint64_t(v));
    }
    /// Lower-case hex with a 0x prefix and no leading zeros.
    line& hex(uint64_t v) {
        str("0x");
        int shift = 60;
        while (shift > 0 && ((v >> shift) & 0xf) == 0) shift -= 4;
        for (; shift >= 0; shift -= 4) put("0123456789abcdef"[(v >> shift) & 0xf]);
        return *this;
    }
    const char* c_str() const { return buf_; }
    size_t size() const { return len_; }
    void clear() {
        len_ = 0;
        buf_[0] = '\0';
    }

private:
    void put(char c) {
        if (len_ + 1 < N) {
            buf_[len_++] = c;
            buf_[len_] = '\0';
        }
    }
    char buf_[N];
    size_t len_ = 0;
};

}  // namespace smpboot
