/* SPDX-License-Identifier: MIT */
/*
 * What the arm64 example kernel and the guest image share: one mailbox in
 * memory, its physical address in the guest's x0. Offsets for guest.S, the
 * struct for C++, checked against each other below.
 */
#ifndef EXAMPLE_ARM64_GUEST_MAILBOX_H
#define EXAMPLE_ARM64_GUEST_MAILBOX_H

#define GUEST_MB_STACK_TOP     16
#define GUEST_MB_RETURN_ENTRY  24
#define GUEST_MB_RETURN_ARG    32

#ifndef __ASSEMBLER__
#include <stdint.h>

namespace guest {

inline constexpr uint32_t magic = 0x74736567;   // "gest"

struct mailbox {
    uint32_t magic;          // kernel -> guest
    uint32_t n;              // kernel -> guest: sum 1..n, please
    uint64_t uart;           // kernel -> guest: PL011 base (physical)
    uint64_t stack_top;      // kernel -> guest: physical
    uint64_t return_entry;   // kernel -> guest: hand the CPU back here ...
    uint64_t return_arg;     //   ... with this in x0 (backend::image_return_path)
    uint64_t sum;            // guest -> kernel
    uint64_t mpidr;          // guest -> kernel: who ran it
    uint64_t el;             // guest -> kernel: CurrentEL it ran at
    uint64_t stack;          // guest -> kernel: sp it ran on
    uint64_t done;           // guest -> kernel, written last
};
static_assert(__builtin_offsetof(mailbox, stack_top) == GUEST_MB_STACK_TOP);
static_assert(__builtin_offsetof(mailbox, return_entry) == GUEST_MB_RETURN_ENTRY);
static_assert(__builtin_offsetof(mailbox, return_arg) == GUEST_MB_RETURN_ARG);

}  // namespace guest
#endif
#endif
