// SPDX-License-Identifier: MIT
// A fixed-size set of logical CPUs, like Linux's struct cpumask. The size is a
// compile-time parameter; bits are words of 64 so 4096 CPUs cost 512 bytes.
#pragma once

#include <smpboot/base.hpp>

namespace smpboot {

template <uint32_t MaxCpus>
class cpu_mask {
    static_assert(MaxCpus > 0);
    static constexpr uint32_t word_bits = 64;
    static constexpr uint32_t words = (MaxCpus + word_bits - 1) / word_bits;

public:
    static constexpr uint32_t capacity = MaxCpus;

    /// Set and clear are atomic (relaxed): APs mark themselves online while the
    /// boot CPU reads the mask. Ordering with other data comes from the
    /// hotplug handshake, not from the mask.
    void set(cpu_id c) { word(c).fetch_or(bit(c), memory_order::relaxed); }
    void clear(cpu_id c) { word(c).fetch_and(~bit(c), memory_order::relaxed); }
    bool test(cpu_id c) const {
        return c < MaxCpus && (bits_[c / word_bits].load(memory_order::relaxed) & bit(c)) != 0;
    }
    void clear_all() {
        for (auto& w : bits_) w.store(0, memory_order::relaxed);
    }

    uint32_t count() const {
        uint32_t n = 0;
        for (const auto& w : bits_) n += ones(w.load(memory_order::relaxed));
        return n;
    }
    bool empty() const { return count() == 0; }

    /// The first CPU in the mask at or after `from`, or no_cpu.
    cpu_id next(cpu_id from) const {
        for (uint32_t i = from / word_bits; from < MaxCpus && i < words; ++i) {
            uint64_t w = bits_[i].load(memory_order::relaxed);
            if (i == from / word_bits) w &= ~uint64_t{0} << (from % word_bits);
            if (w != 0) {
                cpu_id c = i * word_bits + cpu_id(__builtin_ctzll(w));
                return c < MaxCpus ? c : no_cpu;
            }
        }
        return no_cpu;
    }

    /// for (cpu_id c : mask) ...
    struct iterator {
        const cpu_mask* m;
        cpu_id c;
        cpu_id operator*() const { return c; }
        iterator& operator++() {
            c = m->next(c + 1);
            return *this;
        }
        bool operator!=(const iterator& o) const { return c != o.c; }
    };
    iterator begin() const { return {this, next(0)}; }
    iterator end() const { return {this, no_cpu}; }

private:
    /// Bits set in `v`, in plain arithmetic: GCC turns __builtin_popcountll
    /// into a call to libgcc's __popcountdi2 on CPUs without POPCNT, which a
    /// kernel does not link (clang inlines it).
    static constexpr uint32_t ones(uint64_t v) {
        v = v - ((v >> 1) & 0x5555555555555555ull);
        v = (v & 0x3333333333333333ull) + ((v >> 2) & 0x3333333333333333ull);
        v = (v + (v >> 4)) & 0x0f0f0f0f0f0f0f0full;
        return uint32_t((v * 0x0101010101010101ull) >> 56);
    }
    static_assert(ones(0) == 0 && ones(~0ull) == 64 && ones(0x8000000000000101ull) == 3);
    static constexpr uint64_t bit(cpu_id c) { return uint64_t{1} << (c % word_bits); }
    atomic<uint64_t>& word(cpu_id c) { return bits_[c / word_bits]; }

    atomic<uint64_t> bits_[words];
};

}  // namespace smpboot
