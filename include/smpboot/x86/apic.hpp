// SPDX-License-Identifier: MIT
// The local APIC, as far as CPU bring-up needs it: the register layouts as
// types, and a driver that speaks xAPIC (MMIO) or x2APIC (MSRs), whichever
// the boot CPU runs in.
#pragma once

#include <smpboot/base.hpp>
#include <smpboot/host.hpp>
#include <smpboot/result.hpp>

namespace smpboot::x86 {

/// IA32_APIC_BASE (Intel SDM Vol. 3A 10.4.4, Figure 10-5).
struct apic_base_msr {
    uint64_t raw = 0;

    static constexpr uint64_t bsp_bit = 1u << 8;
    static constexpr uint64_t x2apic_bit = 1u << 10;   // EXTD (SDM 10.12.1)
    static constexpr uint64_t enable_bit = 1u << 11;
    static constexpr uint64_t base_mask = 0x000f'ffff'ffff'f000;   // bits 12 .. MAXPHYADDR-1

    bool bsp() const { return raw & bsp_bit; }
    bool x2apic() const { return raw & x2apic_bit; }
    bool enabled() const { return raw & enable_bit; }
    uint64_t base() const { return raw & base_mask; }
};

/// ICR fields (Intel SDM Vol. 3A 10.6.1, Figure 10-12; x2APIC: 10.12.9).
enum class delivery_mode : uint8_t { fixed = 0, lowest = 1, smi = 2, nmi = 4, init = 5, startup = 6 };
enum class dest_shorthand : uint8_t { none = 0, self = 1, all = 2, all_but_self = 3 };

/// The 64-bit Interrupt Command Register. In xAPIC mode the destination is
/// the top byte (bits 56-63); in x2APIC mode all of bits 32-63.
struct icr {
    uint64_t vector : 8 = 0;
    uint64_t mode : 3 = 0;            ///< delivery_mode
    uint64_t logical : 1 = 0;         ///< destination mode: 0 physical
    uint64_t pending : 1 = 0;         ///< delivery status (xAPIC only, read-only)
    uint64_t reserved0 : 1 = 0;
    uint64_t assert_level : 1 = 1;    ///< 0 only for the INIT level de-assert
    uint64_t level_trigger : 1 = 0;
    uint64_t reserved1 : 2 = 0;
    uint64_t shorthand : 2 = 0;       ///< dest_shorthand
    uint64_t reserved2 : 12 = 0;
    uint64_t dest : 32 = 0;

    static constexpr icr make(delivery_mode m, uint8_t vec = 0) {
        icr v;
        v.mode = uint64_t(m);
        v.vector = vec;
        return v;
    }
    /// INIT, level triggered, assert (SDM Vol. 3A 8.4.4.1).
    static constexpr icr init() {
        icr v = make(delivery_mode::init);
        v.level_trigger = 1;
        return v;
    }
    /// INIT level de-assert: older CPUs need it to finish the INIT; x2APIC
    /// does not support it (SDM 10.12.9).
    static constexpr icr init_deassert() {
        icr v = init();
        v.assert_level = 0;
        return v;
    }
    /// STARTUP with the page number of the code below 1 MiB (SDM 10.6.1).
    static constexpr icr startup(uint8_t page) { return make(delivery_mode::startup, page); }
    /// The same command with a destination shorthand (the destination
    /// field is then ignored).
    constexpr icr to(dest_shorthand s) const {
        icr v = *this;
        v.shorthand = uint64_t(s);
        return v;
    }

    /// The register value. Spelled out (not bit_cast) so that it is constexpr
    /// and independent of how the compiler allocates bit-fields.
    constexpr uint64_t raw() const {
        using u = uint64_t;   // bit-fields promote to int: widen before shifting
        return u(vector) | u(mode) << 8 | u(logical) << 11 | u(pending) << 12 |
               u(assert_level) << 14 | u(level_trigger) << 15 | u(shorthand) << 18 | u(dest) << 32;
    }
};
static_assert(sizeof(icr) == 8);
static_assert(icr::startup(0x08).raw() == 0x4608);
static_assert(icr::init().raw() == 0xc500);
static_assert(icr::init_deassert().raw() == 0x8500);
static_assert(icr::startup(0x08).to(dest_shorthand::all_but_self).raw() == 0xc4608);

enum class apic_mode : uint8_t { xapic, x2apic };

/// The APIC mode of the CPU running this, from IA32_APIC_BASE.
apic_mode current_apic_mode();
/// This CPU's APIC ID as the CPU reports it: CPUID leaf 0xB's x2APIC ID in
/// x2APIC mode, else the initial APIC ID of leaf 1 (SDM Vol. 2A CPUID).
hwid_t current_apic_id();

/// The detail of the errc::hw_timeout that send() returns.
inline constexpr const char* ipi_timeout = "xAPIC ICR delivery status stuck";

/// Map device memory (the xAPIC page) uncached and return its virtual
/// address; `ctx` is host_ops::ctx. Boot CPU.
using map_mmio_fn = void* (*)(void* ctx, uint64_t phys, size_t size);

/// A local APIC driver. The boot CPU sends INIT and STARTUP; any CPU may send
/// fixed IPIs; every CPU enables its own APIC with enable_this_cpu().
class local_apic {
public:
    /// Pick the mode the boot CPU runs in and, for xAPIC, map the registers
    /// at `phys` (0: the base in IA32_APIC_BASE) through `map` (needed
    /// only in xAPIC mode). `host` must outlive the driver.
    result init(const host_ops* host, uint64_t phys, map_mmio_fn map);

    apic_mode mode() const { return mode_; }
    uint64_t phys() const { return phys_; }
    /// Can `id` be the destination of an IPI in this mode?
    bool addressable(hwid_t id) const { return mode_ == apic_mode::x2apic ? id < 0xffffffff : id < 0xff; }

    /// Send `cmd` to physical destination `dest`. xAPIC: with interrupts
    /// off around the two ICR writes, after and before waiting for the
    /// delivery status to clear (SDM 10.6.1), each wait at most `timeout_ns`
    /// on the host clock, then errc::hw_timeout with detail ipi_timeout.
    /// Any CPU, any context.
    result send(icr cmd, hwid_t dest, uint64_t timeout_ns);

    /// On the calling CPU: switch to x2APIC if the boot CPU uses it, then
    /// software-enable the APIC (SVR bit 8, SDM 10.9) with a spurious vector.
    void enable_this_cpu(uint8_t spurious_vector);
    void eoi();
    /// This CPU's ID read from the APIC itself.
    hwid_t id() const;

private:
    /// xAPIC: wait until the ICR's delivery status says idle.
    result wait_idle(uint64_t timeout_ns) const;
    uint32_t read(uint32_t reg) const;
    void write(uint32_t reg, uint32_t v);

    const host_ops* host_ = nullptr;
    apic_mode mode_ = apic_mode::xapic;
    uint64_t phys_ = 0;
    volatile uint32_t* mmio_ = nullptr;
};

}  // namespace smpboot::x86
