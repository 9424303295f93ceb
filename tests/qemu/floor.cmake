# SPDX-License-Identifier: MIT
# The benchmark's floor kernels (bench/floor) must themselves be right: every
# CPU QEMU created calls in, with exactly the hwid QEMU gave it, in each way
# of kicking. Same checks as the examples (check_run.py); about a second each.

# x86: the APIC IDs from -smp (check_run.py "x86"), and the floor's own line
# saying which kick it used and how many APs called in.
function(floor_x86_test name mode smp aps kick)
  smpboot_qemu_test(NAME floor-x86_64.${name} EXAMPLE floor-x86_64 EXPECT_HWIDS x86 MODE ${mode}
    EXPECT_LINES "^floor: ${kick}; callins ${aps}, " ARGS -smp ${smp} ${ARGN})
endfunction()
floor_x86_test(q35.smp8.parallel parallel 8 7 "broadcast INIT, STARTUP")
floor_x86_test(q35.smp8.seq seq 8 7 "one AP at a time")
floor_x86_test(q35.smp64.parallel parallel 64 63 "broadcast INIT, STARTUP")
floor_x86_test(q35.smp64.unicast parallel 64 63 "INIT to each, then STARTUP to each"
  -append floor.kick=unicast)
# Non-contiguous APIC IDs (2 sockets x 3 cores: 0,1,2,4,5,6).
floor_x86_test(q35.topo-2x3.seq seq 6,sockets=2,cores=3,threads=1 5 "one AP at a time")
# Disabled MADT entries (hot-plug slots) are not CPUs: the broadcast wakes 1.
floor_x86_test(q35.maxcpus.parallel parallel 2,maxcpus=8 1 "broadcast INIT, STARTUP")

# arm64 virt: the MPIDRs from QEMU's own DT (arm64.cmake).
foreach(mode parallel seq)
  arm64_virt_test(NAME floor-arm64.gicv3-smp8.${mode} EXAMPLE floor-arm64 MODE ${mode}
    MACHINE virt,gic-version=3 CPU cortex-a72 SMP 8 LINES "^floor: PSCI CPU_ON over HVC.*; refused 0,")
endforeach()
arm64_virt_test(NAME floor-arm64.gicv3-smp64 EXAMPLE floor-arm64 MACHINE virt,gic-version=3 CPU cortex-a72 SMP 64)
# 16 CPUs per cluster: CPUs 16-19 have Aff1 = 1.
arm64_virt_test(NAME floor-arm64.gicv3-smp20-aff1.seq EXAMPLE floor-arm64 MODE seq
  MACHINE virt,gic-version=3 CPU cortex-a53 SMP 20)
# Entered at EL2: the DT says PSCI by SMC.
arm64_virt_test(NAME floor-arm64.el2 EXAMPLE floor-arm64 MACHINE virt,gic-version=3,virtualization=on
  CPU cortex-a72 SMP 4 LINES "^floor: PSCI CPU_ON over SMC")
