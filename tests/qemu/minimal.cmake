# SPDX-License-Identifier: MIT
# The minimal C kernels (examples/minimal, the C API): exact hwids, the
# result line and the exit status in both modes, non-contiguous APIC IDs,
# EL2 entry, spin-table, and a hotplug stress run per target. Their
# ap_main calls smpboot_ap_ready, so each success means the AP is usable.
set(minimal_stress "^smpboot: stress cycles=100 downs=[1-9][0-9]* ups=[1-9][0-9]* errors=0$")
# The layouts, as the kernels read them back from their live page tables.
set(x86_minimal_layout "^x86_64-minimal: memory: kernel at 0xffffffff8[0-9a-f]+, direct map at 0xffff888000000000, identity map: none")
set(arm64_minimal_layout ": memory: kernel at 0xffffff80[0-9a-f]+, TTBR0_EL1 0x0, TCR_EL1.EPD0 1$")

foreach(mode parallel seq)
  smpboot_qemu_test(NAME x86_64-minimal.q35.smp4.${mode} EXAMPLE x86_64-minimal EXPECT_HWIDS x86
    MODE ${mode} EXPECT_LINES "${x86_minimal_layout}, 4-level$" ARGS -smp 4)
endforeach()
smpboot_qemu_test(NAME x86_64-minimal.q35.la57 EXAMPLE x86_64-minimal EXPECT_HWIDS x86
  EXPECT_LINES "${x86_minimal_layout}, 5-level$" ARGS -cpu max,la57=on -smp 4)
smpboot_qemu_test(NAME x86_64-minimal.q35.topo-2x3.parallel EXAMPLE x86_64-minimal EXPECT_HWIDS x86
  ARGS -smp 6,sockets=2,cores=3,threads=1)
smpboot_qemu_test(NAME x86_64-minimal.q35.smp16.parallel EXAMPLE x86_64-minimal EXPECT_HWIDS x86
  ARGS -smp 16)
smpboot_qemu_test(NAME x86_64-minimal.pc.stress100.parallel EXAMPLE x86_64-minimal EXPECT_HWIDS x86
  EXPECT_LINES ${minimal_stress} ARGS -M pc -smp 4 -append smpboot.stress=100)
# The C API's broadcast_ipis: used by the parallel bring-up of every AP, not in
# sequential mode (one CPU per kick).
smpboot_qemu_test(NAME x86_64-minimal.q35.broadcast.smp16.parallel EXAMPLE x86_64-minimal EXPECT_HWIDS x86
  EXPECT_LINES "^x86_64-minimal: 1 broadcast INIT-SIPI-SIPI$" ARGS -smp 16 -append smpboot.ipi=broadcast)
smpboot_qemu_test(NAME x86_64-minimal.q35.broadcast.smp4.seq EXAMPLE x86_64-minimal EXPECT_HWIDS x86 MODE seq
  REJECT_LINES "broadcast INIT-SIPI-SIPI" ARGS -smp 4 -append smpboot.ipi=broadcast)

if(COMMAND arm64_virt_test)
  arm64_virt_test(NAME arm64-virt-minimal-smp4 EXAMPLE arm64-virt-minimal MACHINE virt,gic-version=3
    CPU cortex-a72 SMP 4 LINES "^arm64-virt-minimal${arm64_minimal_layout}")
  arm64_virt_test(NAME arm64-virt-minimal-smp8-seq EXAMPLE arm64-virt-minimal MODE seq
    MACHINE virt,gic-version=2 CPU cortex-a53 SMP 8)
  arm64_virt_test(NAME arm64-virt-minimal-smp20-aff1 EXAMPLE arm64-virt-minimal
    MACHINE virt,gic-version=3 CPU cortex-a53 SMP 20)
  arm64_virt_test(NAME arm64-virt-minimal-el2 EXAMPLE arm64-virt-minimal
    MACHINE virt,gic-version=3,virtualization=on CPU max SMP 4)
  arm64_virt_test(NAME arm64-virt-minimal-stress100 EXAMPLE arm64-virt-minimal MACHINE virt,gic-version=3
    CPU cortex-a72 SMP 4 APPEND smpboot.stress=100 LINES ${minimal_stress})
endif()
foreach(mode parallel seq)
  smpboot_qemu_test(NAME arm64-raspi3b-minimal.${mode} EXAMPLE arm64-raspi3b-minimal
    EXPECT_HWIDS 0x0,0x1,0x2,0x3 MODE ${mode} EXPECT_LINES "^arm64-raspi3b-minimal${arm64_minimal_layout}")
endforeach()
smpboot_qemu_test(NAME arm64-raspi3b-minimal.stress100 EXAMPLE arm64-raspi3b-minimal
  EXPECT_HWIDS 0x0,0x1,0x2,0x3 EXPECT_LINES ${minimal_stress} ARGS -append smpboot.stress=100)

# A few boots of the GCC-built kernels (presets x86_64-gcc, arm64-gcc), C++
# and C, with hotplug stress: the same checks, another compiler.
function(gcc_boot name example hwids)
  smpboot_qemu_test(NAME gcc.${name} EXAMPLE ${example} EXPECT_HWIDS ${hwids}
    EXPECT_LINES "^smpboot: stress cycles=50 downs=[1-9][0-9]* ups=[1-9][0-9]* errors=0$"
    ARGS ${ARGN} -append smpboot.stress=50)
  set_tests_properties(qemu.gcc.${name} PROPERTIES ENVIRONMENT SMPBOOT_TOOLCHAIN=gcc LABELS "qemu;gcc")
endfunction()
gcc_boot(x86_64.smp4 x86_64 x86 -smp 4)
gcc_boot(x86_64-minimal.smp4 x86_64-minimal x86 -smp 4)
gcc_boot(arm64-virt.smp4 arm64-virt 0x0,0x1,0x2,0x3 -smp 4)
gcc_boot(arm64-virt-minimal.smp4 arm64-virt-minimal 0x0,0x1,0x2,0x3 -smp 4)
gcc_boot(arm64-raspi3b-minimal arm64-raspi3b-minimal 0x0,0x1,0x2,0x3)
