// SPDX-License-Identifier: MIT
// The C++ side of the Make consumer: the installed headers (Boost.PP
// included) compile with SMPBOOT_CXXFLAGS alone.
#if defined(CONSUMER_ARCH_x86_64)
#include <smpboot/x86/backend.hpp>
#include <smpboot/x86/idle.hpp>
using arch = smpboot::x86::backend<8>;
#else
#include <smpboot/arm64/backend.hpp>
#include <smpboot/arm64/idle.hpp>
using arch = smpboot::arm64::backend<8>;
#endif

static_assert(arch::max_cpus == 8);
static_assert(smpboot::backend<arch>);
int consumer_states() { return smpboot::state_count; }
