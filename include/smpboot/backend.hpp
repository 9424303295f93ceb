// SPDX-License-Identifier: MIT
// The narrow interface an arch backend implements (x86, arm64, and the host
// simulation used by the tests). The core talks to CPUs only through it and
// never includes an arch header; hotplug<> checks it with this concept.
#pragma once

#include <smpboot/base.hpp>
#include <smpboot/result.hpp>
#include <smpboot/handshake.hpp>

namespace smpboot {

/// What the core gives a backend to start one CPU: what the AP side needs.
/// It lives as long as the core, so the backend may keep pointers to it; cpu,
/// hwid, entry, core and sync are set once by hotplug::init(), and the rest is
/// not rewritten while an AP from an earlier kick may still read it.
struct ap_boot {
    cpu_id cpu = no_cpu;
    hwid_t hwid = 0;
    uintptr_t stack_top = 0;          ///< virtual, 16-byte aligned
    /// The library's AP entry in C++: the backend's AP-side code calls
    /// entry(core, cpu) on `stack_top` (from assembly, as x86 does, or as
    /// enter() from C++); it never returns.
    void (*entry)(void* core, cpu_id cpu) = nullptr;
    void* core = nullptr;
    /// Another image instead of the kernel (hotplug::start_image): the CPU
    /// jumps to this physical address with `image_arg` in the first argument
    /// register, and the core does not wait for a callin.
    uint64_t image_entry = 0;
    uint64_t image_arg = 0;
    /// The handshake word, so a backend can tell whether the AP called in
    /// (the host simulation waits for it to fail a kick after the callin;
    /// x86 asks its own slot instead, which the trampoline marks earlier).
    const atomic<ap_sync>* sync = nullptr;

    bool called_in() const { return sync->load(memory_order::acquire) != ap_sync::kicked; }
    void enter() const { entry(core, cpu); }
};

/// An arch backend. `deadline_ns` is on the host's monotonic clock.
template <class B>
concept backend = requires(B& b, ap_boot& boot, ap_boot* const* batch, uint32_t n,
                           result* outcomes, cpu_id cpu, uint64_t deadline_ns) {
    // Boot CPU side.
    /// Start one CPU at its entry. A failure may come after the CPU started
    /// (x86: the second SIPI): the core asks the handshake word which it was.
    { b.kick(boot) } -> same_as<result>;
    /// Start many at once; outcomes[i] is what kick(*batch[i]) would return.
    { b.kick_all(batch, n, outcomes) } -> same_as<void>;
    /// It missed its callin, or its kick failed: stop it if possible. True
    /// when the CPU is now certain to run none of the library's code, from
    /// this kick or an earlier one (x86: INIT was delivered; arm64: the kick
    /// never started it); false when it may still turn up (the core then
    /// keeps its stack and boot block for it).
    { b.abandon(cpu) } -> same_as<bool>;
    { b.wait_off(cpu, deadline_ns) } -> same_as<result>;  ///< after `dying`: wait until off
    // On the AP itself.
    { b.ap_init(cpu) } -> same_as<result>;        ///< ap:starting startup (interrupts off)
    { b.ap_exit(cpu) } -> same_as<void>;          ///< ap:starting teardown
    { b.ap_leave(cpu) } -> same_as<void>;         ///< leave the kernel; never returns
    // Either.
    { b.relax() } -> same_as<void>;               ///< one iteration of a spin-wait
    /// The hwid of the CPU running this call, read from the hardware (x86:
    /// the APIC ID; arm64: MPIDR_EL1's affinity fields), as discovery names
    /// CPUs. The core maps it to a logical CPU to refuse calls it cannot
    /// serve on that CPU (hotplug.hpp, "Which CPU may call what").
    { b.this_hwid() } -> same_as<hwid_t>;
};

}  // namespace smpboot
