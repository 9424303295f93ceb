// SPDX-License-Identifier: MIT
// One turn of an arm64 AP's idle loop that cannot lose a wake-up: poll the
// hotplug state machine with IRQ and FIQ masked, then WFI (or WFE).
//
//   for (;;) {                                  // the kernel's idle thread
//       if (my_runqueue_has_work()) schedule();
//       smpboot::arm64::idle_once(hp, cpu, smpboot::arm64::wake_by::interrupt,
//                                 [] { return my_runqueue_has_work(); });
//   }
//
// Why this is race-free: WFI does not sleep while an interrupt is pending,
// even one that PSTATE.I masks (Arm ARM DDI 0487, C6.2 WFI: "if
// !InterruptPending() then WaitForInterrupt()"), so a wake SGI sent after the
// check ends the WFI at once. WFE likewise returns at once when the event
// register is set, and a SEV from another CPU sets it (Arm ARM DDI 0487,
// C6.2 WFE: "if IsEventRegisterSet() then ClearEventRegister() else
// WaitForEvent()"): a kernel without a GIC sends SEV as its host_ops::wake.
#pragma once

#include <smpboot/base.hpp>

namespace smpboot::arm64 {

/// What host_ops::wake does on this kernel, so what the idle CPU waits in.
enum class wake_by : uint8_t {
    interrupt,   ///< an SGI (or any interrupt): WFI
    event,       ///< SEV: WFE
};

namespace detail {
inline uint64_t save_and_mask_interrupts() {
    uint64_t daif;
    asm volatile("mrs %0, daif\n\tmsr daifset, #3" : "=r"(daif) : : "memory");   // I and F
    return daif;
}
inline void restore_interrupts(uint64_t daif) { asm volatile("msr daif, %0" : : "r"(daif) : "memory"); }
inline bool never_busy() { return false; }
}  // namespace detail

/// Answer a pending cpu_down (ap_poll, which then does not return), and
/// unless `busy()` says there is work, sleep until a wake-up. Call on the AP
/// `cpu` with interrupts in any state: it returns with DAIF as it found it.
/// If they were unmasked, the kernel's vector takes the wake interrupt right
/// there; if they were masked, the interrupt is still pending and the kernel
/// acknowledges it itself (or the next WFI returns at once). `busy` runs with
/// IRQ and FIQ masked, like ap_poll.
template <class Hotplug, class Busy>
void idle_once(Hotplug& hp, cpu_id cpu, wake_by how, Busy&& busy) {
    const uint64_t daif = detail::save_and_mask_interrupts();
    hp.ap_poll(cpu);
    if (!busy()) {
        // Complete what this CPU wrote (e.g. the ack of the last SGI) before
        // it sleeps.
        if (how == wake_by::interrupt) asm volatile("dsb sy\n\twfi" ::: "memory");
        else asm volatile("wfe" ::: "memory");
    }
    detail::restore_interrupts(daif);
}

template <class Hotplug>
void idle_once(Hotplug& hp, cpu_id cpu, wake_by how) {
    idle_once(hp, cpu, how, detail::never_busy);
}

}  // namespace smpboot::arm64
