// SPDX-License-Identifier: MIT
// Local APIC access in xAPIC (MMIO) and x2APIC (MSR) mode.
#include <smpboot/states.hpp>
#include <smpboot/x86/apic.hpp>
#include <smpboot/x86/cpu.hpp>

namespace smpboot::x86 {
namespace {

// Intel SDM Vol. 3A 10.4.1, Table 10-1: register offsets in the xAPIC page.
// In x2APIC mode register R is MSR 0x800 + (R >> 4) (SDM 10.12.1.2, Table 10-6).
constexpr uint32_t reg_id = 0x20;
constexpr uint32_t reg_eoi = 0xb0;
constexpr uint32_t reg_svr = 0xf0;
constexpr uint32_t reg_esr = 0x280;
constexpr uint32_t reg_icr_lo = 0x300;
constexpr uint32_t reg_icr_hi = 0x310;
constexpr uint32_t x2apic_msr_base = 0x800;
constexpr uint32_t icr_send_pending = 1u << 12;   // delivery status (SDM 10.6.1)
constexpr uint32_t svr_apic_enable = 1u << 8;
constexpr size_t xapic_page = 4096;

}  // namespace

apic_mode current_apic_mode() {
    return apic_base_msr{rdmsr(msr_apic_base)}.x2apic() ? apic_mode::x2apic : apic_mode::xapic;
}

hwid_t current_apic_id() {
    if (current_apic_mode() == apic_mode::x2apic) return cpuid(0xb, 0).edx;
    return cpuid(1).ebx >> 24;
}

result local_apic::init(const host_ops* host, uint64_t phys, map_mmio_fn map) {
    host_ = host;
    const apic_base_msr msr{rdmsr(msr_apic_base)};
    mode_ = msr.x2apic() ? apic_mode::x2apic : apic_mode::xapic;
    phys_ = phys ? phys : msr.base();
    if (mode_ == apic_mode::x2apic) return result::success();
    if (!map) return result::fail(errc::kick_failed, 0, state::bp_prepare, 1);
    mmio_ = static_cast<volatile uint32_t*>(map(host->ctx, phys_, xapic_page));
    if (!mmio_) return result::fail(errc::kick_failed, 0, state::bp_prepare, 2);
    return result::success();
}

uint32_t local_apic::read(uint32_t reg) const {
    if (mode_ == apic_mode::x2apic) return uint32_t(rdmsr(x2apic_msr_base + (reg >> 4)));
    return mmio_[reg / 4];
}

void local_apic::write(uint32_t reg, uint32_t v) {
    if (mode_ == apic_mode::x2apic) wrmsr(x2apic_msr_base + (reg >> 4), v);
    else mmio_[reg / 4] = v;
}

hwid_t local_apic::id() const {
    const uint32_t v = read(reg_id);
    return mode_ == apic_mode::x2apic ? v : v >> 24;   // xAPIC: bits 24-31 (SDM 10.4.6)
}

void local_apic::eoi() { write(reg_eoi, 0); }

void local_apic::enable_this_cpu(uint8_t spurious_vector) {
    if (mode_ == apic_mode::x2apic) {
        // An AP leaves INIT in xAPIC mode unless firmware switched it: follow the BSP.
        apic_base_msr msr{rdmsr(msr_apic_base)};
        if (!msr.x2apic()) {
            // xAPIC -> x2APIC goes through enabled xAPIC (SDM 10.12.5, Figure 10-27).
            msr.raw |= apic_base_msr::enable_bit;
            wrmsr(msr_apic_base, msr.raw);
            wrmsr(msr_apic_base, msr.raw | apic_base_msr::x2apic_bit);
        }
    }
    write(reg_svr, (read(reg_svr) & ~0xffu) | svr_apic_enable | spurious_vector);
}

result local_apic::send(icr cmd, hwid_t dest, uint64_t timeout_ns) {
    if (!addressable(dest)) return result::fail(errc::kick_failed, no_cpu, state::bp_bringup, 3);
    if (mode_ == apic_mode::x2apic) {
        cmd.dest = uint32_t(dest);
        wrmsr_fence();
        wrmsr(x2apic_msr_base + (reg_icr_lo >> 4), cmd.raw());
        return result::success();
    }
    const uint64_t raw = cmd.raw();
    // The ICR is two registers and the low write sends (SDM 10.6.1): an
    // interrupt handler that sends its own IPI between our two writes would
    // send ours to its destination. So, as Linux's native_apic_icr_write():
    // interrupts off around the pair, and the previous IPI gone first.
    const uint64_t flags = irq_save();
    result r = wait_idle(timeout_ns);
    if (r) {
        write(reg_esr, 0);   // write-then-read (SDM 10.5.3): a later read is fresh
        write(reg_icr_hi, uint32_t(dest) << 24);
        write(reg_icr_lo, uint32_t(raw));
    }
    irq_restore(flags);
    return r ? wait_idle(timeout_ns) : r;
}

result local_apic::wait_idle(uint64_t timeout_ns) const {
    const uint64_t deadline = host_->monotonic_ns(host_->ctx) + timeout_ns;
    while (read(reg_icr_lo) & icr_send_pending) {
        if (host_->monotonic_ns(host_->ctx) >= deadline)
            return result::fail(errc::hw_timeout, no_cpu, state::bp_bringup, 0, ipi_timeout);
        cpu_relax();
    }
    return result::success();
}

}  // namespace smpboot::x86
