// SPDX-License-Identifier: MIT
// Memory types on every CPU alike (Intel SDM Vol. 3A 11.11.8, 11.12.4): the
// example's config::ap_early checks that the library gave the AP the boot
// CPU's PAT, and gives it the boot CPU's MTRRs (INIT leaves them alone,
// SDM Table 9-1, but under QEMU 7.2 TCG the APs get here with MTRRs unlike
// the boot CPU's; under KVM they match).
#pragma once

#include <stdint.h>

namespace caching {

/// Boot CPU, before x86::backend::init(): program Linux's PAT (not the reset
/// value, so an AP without the boot CPU's shows) and record the MTRRs.
void on_boot_cpu();
/// On an AP, interrupts off, before any MMIO: count whether PAT matches,
/// rewrite the MTRRs if they differ.
void on_ap();

struct counts {
    uint32_t runs, pat_same, mtrr_same, mtrr_synced;
};
counts stats();

}  // namespace caching
