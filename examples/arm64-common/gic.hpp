// SPDX-License-Identifier: MIT
// Just enough GIC for APs to sleep: each CPU enables one SGI, idles in WFI,
// and the boot CPU sends that SGI to wake it (for cpu_down, or when the
// measurement is over). Found from the DT or the MADT; absent (raspi3b) means
// no sleeping.
#pragma once

#include <smpboot/fdt.hpp>

#include <stdint.h>

namespace example::arm64 {

/// Find a GICv2 ("arm,cortex-a15-gic", "arm,gic-400") or GICv3 ("arm,gic-v3")
/// and enable its distributor. False if there is none we know.
bool gic_probe(const smpboot::fdt::tree& t);
/// The same from addresses found elsewhere (the ACPI MADT): version 2 or 3,
/// the distributor, and the CPU interface (v2) or the first redistributor (v3).
bool gic_setup(int version, uint64_t distributor, uint64_t cpu_or_redist);
/// On each CPU that may sleep (boot CPU included): enable the wake SGI.
void gic_init_cpu(uint32_t cpu);
/// Wake `cpu` (logical number given to gic_init_cpu, MPIDR affinity `mpidr`).
void gic_wake(uint32_t cpu, uint64_t mpidr);
/// Wake a CPU that firmware holds in the parking protocol's loop (the
/// backend's config::wake_sgi): the same SGI, addressed from the MADT.
void gic_wake_parked(uint64_t mpidr, uint32_t gic_cpu_interface);
/// Acknowledge the pending interrupt, if any, with interrupts masked (the
/// one that ended smpboot::arm64::idle_once's WFI).
void gic_ack();
bool gic_present();

}  // namespace example::arm64
