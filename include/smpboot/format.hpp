// SPDX-License-Identifier: MIT
// A fixed-capacity line builder for freestanding code (no printf, no heap).
// Text past the capacity is cut, never overflowed. line<N> only holds the
// storage; the formatting code is compiled once, in line_base, whatever N.
#pragma once

#include <smpboot/base.hpp>

namespace smpboot {

class line_base {
public:
    line_base(const line_base&) = delete;
    line_base& operator=(const line_base&) = delete;

    line_base& str(const char* s);
    line_base& chr(char c);
    line_base& dec(uint64_t v);
    line_base& sdec(int64_t v);
    /// Lower-case hex with a 0x prefix and no leading zeros.
    line_base& hex(uint64_t v);

    const char* c_str() const { return buf_; }
    size_t size() const { return len_; }
    void clear();

protected:
    line_base(char* buf, size_t cap) : buf_(buf), cap_(cap) { buf_[0] = '\0'; }

private:
    void put(char c);
    char* buf_;
    size_t cap_;
    size_t len_ = 0;
};

template <size_t N>
class line : public line_base {
    static_assert(N > 0);

public:
    line() : line_base(storage_, N) {}

private:
    char storage_[N];
};

}  // namespace smpboot
