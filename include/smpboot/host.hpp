// SPDX-License-Identifier: MIT
// The host callback API: everything a kernel gives smpboot, on one page.
//
// A kernel fills one host_ops and passes it to hotplug<>. Every callback gets
// `ctx` back as its first argument. Callbacks marked "any CPU" run on APs too,
// before they are online, with interrupts off: they must not sleep or take
// locks that an interrupt handler takes. "The calling CPU" is the CPU that
// runs the hotplug operation: the boot CPU, or any online CPU that called
// cpu_up / cpu_down / bring_up_all (hotplug.hpp, "Which CPU may call what").
//
// What the kernel gets back is hotplug<> (hotplug.hpp): cpu_up / cpu_down /
// bring_up_all, CPU masks, add_state() for its own per-CPU steps, and
// ap_poll() for the AP idle loop.
//
// Arch-specific needs are not here but in the backend's config, because only
// that backend needs them:
//   x86_64 (smpboot/x86/backend.hpp): six 4 KiB pages below 1 MiB for the
//     trampoline and its transition tables (physical and virtual address),
//     the kernel's CR3 for the APs (any; no identity map), a page-table
//     reader, map_mmio() for the xAPIC, and an optional early AP hook
//     (ap_early) for MTRR sync.
//   arm64 (smpboot/arm64/backend.hpp): the boot CPU's MMU configuration
//     (TTBR0/1, TCR, MAIR, SCTLR, VBAR), virt<->phys translation, and pages
//     for the library's identity map (the DTB goes to discover()).
#pragma once

#include <smpboot/base.hpp>

namespace smpboot {

enum class log_level : uint8_t { error, warning, info, debug };

/// A stack the host allocated for one AP: [base, base + size).
struct stack_region {
    void* base = nullptr;
    size_t size = 0;
};

struct host_ops {
    void* ctx = nullptr;

    /// Monotonic time in nanoseconds. Any CPU. Required.
    uint64_t (*monotonic_ns)(void* ctx) = nullptr;
    /// Busy-wait for at least `us` microseconds. The calling CPU. Required.
    void (*delay_us)(void* ctx, uint32_t us) = nullptr;
    /// One line of log text, no trailing newline. The calling CPU. Optional.
    void (*log)(void* ctx, log_level level, const char* line) = nullptr;

    /// A stack for `cpu`, from the prepare step on; 16-byte aligned. The
    /// calling CPU.
    /// Returning {nullptr, 0} fails the bring-up of that CPU with errc::no_stack.
    stack_region (*alloc_stack)(void* ctx, cpu_id cpu) = nullptr;
    /// Give back what alloc_stack returned, once the CPU is off. The calling CPU.
    void (*free_stack)(void* ctx, cpu_id cpu, stack_region stack) = nullptr;

    /// The AP's C++ entry: called on the new CPU once it is online, on the
    /// stack from alloc_stack, with interrupts masked. It must not return;
    /// its idle loop calls hotplug::ap_poll() (or the arch's idle_once(),
    /// smpboot/x86/idle.hpp, smpboot/arm64/idle.hpp) so that the CPU can be
    /// taken down. Required.
    void (*ap_main)(void* ctx, cpu_id cpu) = nullptr;
    /// Make an online AP call ap_poll() soon (an IPI, or nothing if the AP
    /// polls on its own). The calling CPU. Optional.
    void (*wake)(void* ctx, cpu_id cpu) = nullptr;

    /// Readiness. False: cpu_up / bring_up_all succeed once the AP's states
    /// ran, just before ap_main is called. True: they also wait (up to
    /// timeouts::ready_ns) until ap_main calls hotplug::ap_ready(cpu) on that
    /// CPU, e.g. once it is in the kernel's scheduler, so that success means
    /// the CPU is usable. Off by default: a kernel that never calls ap_ready
    /// would otherwise see every bring-up fail with errc::ready_timeout.
    bool waits_for_ready = false;
};

}  // namespace smpboot
