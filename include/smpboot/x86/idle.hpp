// SPDX-License-Identifier: MIT
// One turn of an x86-64 AP's idle loop that cannot lose a wake-up: poll the
// hotplug state machine with interrupts masked, then sleep with STI; HLT.
//
//   for (;;) {                                  // the kernel's idle thread
//       if (my_runqueue_has_work()) schedule();
//       smpboot::x86::idle_once(hp, cpu, [] { return my_runqueue_has_work(); });
//   }
//
// Why this order: "poll; [wake IPI handled]; hlt" sleeps through the IPI that
// was meant to end the HLT, and cpu_down then ends in down_timeout. With
// interrupts masked around the check, an IPI that arrives after it stays
// pending; STI enables interrupts only after the next instruction (Intel SDM
// Vol. 2B, STI: "interrupts are recognized at the instruction boundary after
// the next instruction"), so HLT is entered first and the pending IPI ends it.
//
// The kernel needs an IDT entry for the vector its host_ops::wake sends
// (with an EOI); the handler runs between HLT and the restore below.
#pragma once

#include <smpboot/base.hpp>

namespace smpboot::x86 {

namespace detail {
inline uint64_t save_and_mask_interrupts() {
    uint64_t flags;
    asm volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
    return flags;
}
inline void restore_interrupts(uint64_t flags) {
    asm volatile("pushq %0; popfq" : : "r"(flags) : "memory", "cc");
}
inline bool never_busy() { return false; }
}  // namespace detail

/// Answer a pending cpu_down (ap_poll, which then does not return), and
/// unless `busy()` says there is work, sleep until an interrupt. Call on the
/// AP `cpu`, with interrupts in any state: it returns with RFLAGS.IF as it
/// found it, after at most one HLT, and the interrupt that ended the HLT has
/// been handled. `busy` runs with interrupts masked, like ap_poll.
template <class Hotplug, class Busy>
void idle_once(Hotplug& hp, cpu_id cpu, Busy&& busy) {
    const uint64_t flags = detail::save_and_mask_interrupts();
    hp.ap_poll(cpu);
    if (!busy()) asm volatile("sti; hlt" ::: "memory");
    detail::restore_interrupts(flags);
}

template <class Hotplug>
void idle_once(Hotplug& hp, cpu_id cpu) {
    idle_once(hp, cpu, detail::never_busy);
}

}  // namespace smpboot::x86
