// SPDX-License-Identifier: MIT
// Force-included (-include) into every translation unit of the explorer, ahead
// of any smpboot header: each access of smpboot::atomic<> becomes a call to
// the explorer's scheduler (include/smpboot/base.hpp expands the hook before
// the access). The library's own targets never see this file.
#pragma once

#include <stddef.h>

namespace explore {
/// A simulated CPU is about to access the shared word at `address` (`size`
/// bytes) in the way `op` (an smpboot::sync_op) says.
void sync_point(const void* address, size_t size, int op);
}  // namespace explore

#define SMPBOOT_SYNC_POINT(address, op) \
    ::explore::sync_point((address), sizeof(*(address)), int(op))
