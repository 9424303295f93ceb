// SPDX-License-Identifier: MIT
// The ARM parking protocol ("Multiprocessor Startup for ARM Platforms",
// Arm, protocol version 1; the MADT GICC's Parking Protocol Version and
// Parked Address fields, ACPI 6.5 Table 5.47): firmware holds each
// secondary CPU in a loop of its own that waits for an interrupt and then
// reads the CPU's mailbox, one 4 KiB-aligned 4 KiB page per CPU.
//
// The OS side of one wake-up, in the protocol's order:
//   1. write the physical jump address (offset 0x8);
//   2. make it visible, then write the CPU ID (offset 0x0) - the CPU ID is
//      what the parked CPU compares with its own, so it must come last;
//   3. make that visible and send the wake-up interrupt (an SGI to the
//      target CPU in version 1).
// The parked CPU that finds its own CPU ID clears the jump address (its
// acknowledgement) and jumps there at the exception level firmware runs
// the OS at, with its MMU and D-cache off, as a spin-table CPU enters the
// kernel. The mailbox's page is the firmware's: the OS may write only its
// first 2 KiB (CPU ID, jump address, the OS-reserved area), never the
// firmware-reserved upper 2 KiB.
//
// No way back: the protocol defines only the wake-up of a parked CPU, once
// per CPU. A woken CPU never returns to the firmware's loop, so its mailbox
// is not read again and is never written a second time. What this library
// does instead on cpu_down: see backend.hpp (the CPU waits in the library's
// own park loop, as a spin-table CPU does, and cpu_up releases it there).
//
// What the OS side assumes, checked against the public implementations
// (Linux's OS side and U-Boot's firmware side; the document itself was not
// at hand): the CPU ID field reads 0xFFFFFFFF while the mailbox is free
// (Linux refuses to wake otherwise, U-Boot's loop waits while it reads so);
// the CPU ID written is the GICC's CPU Interface Number (Linux writes
// exactly that); the wake-up is an SGI whose number the protocol does not
// fix (Linux first sent a dedicated wake-up IPI, later an ordinary one), so
// the host picks it (config::wake_sgi) and firmware must wake on any.
//
// Linux (arch/arm64 acpi_parking_protocol.c) also refuses a mailbox whose
// CPU ID does not read 0xFFFFFFFF before the wake-up (firmware's "no CPU
// yet" value) and maps the mailbox as Device memory; this library does the
// same check and, since the parked CPU reads with its caches off, cleans
// the lines it wrote to the point of coherency (make_visible).
#pragma once

#include <smpboot/base.hpp>

namespace smpboot::arm64::parking {

/// The only protocol version this library drives.
inline constexpr uint32_t version_1 = 1;
/// The mailbox's size and alignment.
inline constexpr uint64_t mailbox_size = 4096;
/// What the CPU ID field holds while no CPU has been sent anywhere.
inline constexpr uint32_t no_cpu_id = 0xffffffffu;

/// One CPU's mailbox page, as the protocol lays it out.
struct mailbox {
    volatile uint32_t cpu_id;          ///< 0x0: the CPU to wake; written last
    uint32_t reserved;                 ///< 0x4
    volatile uint64_t jump_address;    ///< 0x8: physical; cleared by the woken CPU
    uint8_t reserved_for_os[2032];     ///< 0x10 - 0x7ff
    uint8_t reserved_for_firmware[2048];  ///< 0x800 - 0xfff: read-only to the OS
};
static_assert(__builtin_offsetof(mailbox, cpu_id) == 0x0);
static_assert(__builtin_offsetof(mailbox, reserved) == 0x4);
static_assert(__builtin_offsetof(mailbox, jump_address) == 0x8);
static_assert(__builtin_offsetof(mailbox, reserved_for_os) == 0x10);
static_assert(__builtin_offsetof(mailbox, reserved_for_firmware) == 0x800);
static_assert(sizeof(mailbox) == mailbox_size);

/// Why a wake-up was not sent (nothing was written to the mailbox then).
enum class status : uint8_t {
    ok,
    misaligned,   ///< the Parked Address is not 4 KiB aligned (or is 0)
    bad_version,  ///< a Parking Protocol Version other than 1
    busy,         ///< the CPU ID field does not read 0xFFFFFFFF
};

constexpr const char* to_string(status s) {
    switch (s) {
    case status::ok: return "ok";
    case status::misaligned: return "parking protocol: mailbox not 4 KiB aligned";
    case status::bad_version: return "parking protocol: version is not 1";
    case status::busy: return "parking protocol: mailbox CPU ID is not 0xFFFFFFFF (in use)";
    }
    return "parking protocol: ?";
}

/// What the caller does around the writes: make bytes visible to a CPU
/// whose caches are off (a DSB, and a clean to PoC for cacheable memory),
/// and send the wake-up SGI.
struct ops {
    void* ctx = nullptr;
    void (*make_visible)(void* ctx, const volatile void* p, size_t size) = nullptr;
    void (*wake)(void* ctx, uint32_t cpu_id) = nullptr;
};

/// Check a GICC's parking fields: the Parked Address (physical) and version.
constexpr status check(uint64_t parked_address, uint32_t version) {
    if (parked_address == 0 || parked_address % mailbox_size) return status::misaligned;
    if (version != version_1) return status::bad_version;
    return status::ok;
}

/// Send the CPU `cpu_id` of `mb` (mapped at `mb`, physical `mb_phys`) to
/// `jump_phys`: jump address, visible, CPU ID, visible, SGI. Writes nothing
/// unless the mailbox passes check() and is free.
inline status wake(mailbox& mb, uint64_t mb_phys, uint32_t version, uint32_t cpu_id, uint64_t jump_phys,
                   const ops& o) {
    if (const status s = check(mb_phys, version); s != status::ok) return s;
    if (mb.cpu_id != no_cpu_id) return status::busy;
    mb.jump_address = jump_phys;
    o.make_visible(o.ctx, &mb.jump_address, sizeof mb.jump_address);
    mb.cpu_id = cpu_id;
    o.make_visible(o.ctx, &mb.cpu_id, sizeof mb.cpu_id);
    o.wake(o.ctx, cpu_id);
    return status::ok;
}

/// Whether the CPU sent by wake() took the mailbox: it has cleared the jump
/// address (the protocol's acknowledgement; Linux warns when it finds it
/// still set once the CPU runs). The caller makes the CPU's MMU-off writes
/// visible to its own reads first (clean and invalidate for cacheable memory).
inline bool acknowledged(const mailbox& mb) { return mb.cpu_id != no_cpu_id && mb.jump_address == 0; }

}  // namespace smpboot::arm64::parking
