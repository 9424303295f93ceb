// SPDX-License-Identifier: MIT
// Freestanding basics every smpboot header uses: fixed-width types, a few
// type traits, and atomics with the memory order spelled out at each call.
// Only clang's C freestanding headers are used, so this compiles for
// x86_64-elf and aarch64-none-elf with -nostdlibinc (docs/toolchain.md).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <smpboot/cpu.hpp>

namespace smpboot {

namespace detail {
template <class A, class B> inline constexpr bool is_same = false;
template <class A> inline constexpr bool is_same<A, A> = true;
}  // namespace detail

template <class A, class B>
concept same_as = detail::is_same<A, B> && detail::is_same<B, A>;

/// Memory orders, named as in C++ so the code reads the same as std::atomic.
enum class memory_order : int {
    relaxed = __ATOMIC_RELAXED,
    acquire = __ATOMIC_ACQUIRE,
    release = __ATOMIC_RELEASE,
    acq_rel = __ATOMIC_ACQ_REL,
    seq_cst = __ATOMIC_SEQ_CST,
};

/// What an access to a shared word does, as SMPBOOT_SYNC_POINT is told.
enum class sync_op : uint8_t { load, store, exchange, cas, rmw };

// Every access of atomic<> below first expands SMPBOOT_SYNC_POINT(address,
// sync_op). A test build that explores interleavings (tests/explore) defines it
// before including any smpboot header, which turns each access into a point
// where its scheduler may switch to another simulated CPU. Everywhere else it
// is this empty expression: no call, no branch, no data, so a kernel's
// atomic<> is exactly the __atomic builtin it wraps.
#ifndef SMPBOOT_SYNC_POINT
#define SMPBOOT_SYNC_POINT(address, op) ((void)0)
#endif

/// A word shared between CPUs. No default order: every access names its order
/// so the reader sees at the call site what it pairs with.
template <class T>
class atomic {
public:
    constexpr atomic() = default;
    constexpr explicit atomic(T v) : value_(v) {}
    atomic(const atomic&) = delete;
    atomic& operator=(const atomic&) = delete;

    T load(memory_order mo) const {
        SMPBOOT_SYNC_POINT(&value_, sync_op::load);
        T v;
        __atomic_load(&value_, &v, int(mo));
        return v;
    }
    void store(T v, memory_order mo) {
        SMPBOOT_SYNC_POINT(&value_, sync_op::store);
        __atomic_store(&value_, &v, int(mo));
    }
    T exchange(T v, memory_order mo) {
        SMPBOOT_SYNC_POINT(&value_, sync_op::exchange);
        T old;
        __atomic_exchange(&value_, &v, &old, int(mo));
        return old;
    }
    /// Strong compare-and-swap; on failure `expected` receives the current value.
    bool compare_exchange(T& expected, T desired, memory_order success, memory_order failure) {
        SMPBOOT_SYNC_POINT(&value_, sync_op::cas);
        return __atomic_compare_exchange(&value_, &expected, &desired, false, int(success),
                                         int(failure));
    }
    // Arithmetic: integers only.
    T fetch_add(T v, memory_order mo) {
        SMPBOOT_SYNC_POINT(&value_, sync_op::rmw);
        return __atomic_fetch_add(&value_, v, int(mo));
    }
    T fetch_or(T v, memory_order mo) {
        SMPBOOT_SYNC_POINT(&value_, sync_op::rmw);
        return __atomic_fetch_or(&value_, v, int(mo));
    }
    T fetch_and(T v, memory_order mo) {
        SMPBOOT_SYNC_POINT(&value_, sync_op::rmw);
        return __atomic_fetch_and(&value_, v, int(mo));
    }
    /// For code that hands the word's address to assembly or to another image.
    T* raw() { return &value_; }

private:
    T value_{};
};

// Nothing but the word, hook or not.
static_assert(sizeof(atomic<uint64_t>) == sizeof(uint64_t) && sizeof(atomic<bool>) == sizeof(bool));

}  // namespace smpboot
