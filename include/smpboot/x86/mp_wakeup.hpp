// SPDX-License-Identifier: MIT
// The Multiprocessor Wakeup mailbox (ACPI 6.4 5.2.12.19, Table 5.45): the
// firmware's APs poll it, the OS writes it to send one of them to a wakeup
// vector. The MADT's type 0x10 structure gives its physical address
// (acpi::madt_info::mp_wakeup_mailbox).
//
// The exchange, in the spec's order: the OS fills ApicId and WakeupVector,
// then writes Command = Wakeup; the AP whose APIC ID matches "need clear the
// command to Noop(0) as the acknowledgement that the command is received"
// and jumps to the vector. "For each application processor, the mailbox can
// be used only once for the wakeup command": an AP that has been woken never
// reads the mailbox again (ACPI 6.4 has no way back; see backend.hpp for what
// this library does on cpu_down).
#pragma once

#include <smpboot/base.hpp>

namespace smpboot::x86 {

/// ACPI 6.4 Table 5.45: Command values (2-0xFFFF reserved).
enum class mp_wakeup_command : uint16_t {
    noop = 0,     ///< also the AP's acknowledgement
    wakeup = 1,   ///< jump to WakeupVector
};

/// The mailbox, 4 KiB: the OS section (first 2 KiB, written by the OS and
/// read by the firmware, except that the AP clears Command) and the
/// firmware section (read-only to the OS).
struct mp_wakeup_mailbox {
    atomic<uint16_t> command;
    uint16_t reserved;            ///< must be 0
    atomic<uint32_t> apic_id;     ///< the AP to wake (its local APIC ID)
    atomic<uint64_t> wakeup_vector;
    uint8_t reserved_for_os[2032];
    uint8_t reserved_for_firmware[2048];
};
static_assert(offsetof(mp_wakeup_mailbox, command) == 0);
static_assert(offsetof(mp_wakeup_mailbox, apic_id) == 4);
static_assert(offsetof(mp_wakeup_mailbox, wakeup_vector) == 8);
static_assert(offsetof(mp_wakeup_mailbox, reserved_for_os) == 16);
static_assert(offsetof(mp_wakeup_mailbox, reserved_for_firmware) == 2048);
static_assert(sizeof(mp_wakeup_mailbox) == 4096);

}  // namespace smpboot::x86
