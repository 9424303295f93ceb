# SPDX-License-Identifier: MIT
# arm64 QEMU tests: each boots an example kernel and checks that every CPU in
# the DT QEMU built printed an online line with exactly its MPIDR, the result
# line, and the semihosting exit status. Kept small: 2 host cores run the
# whole project's tests.
#
# The expected MPIDRs come from QEMU itself: at configure time each virt
# configuration's DT is dumped (-machine dumpdtb) and its /cpus reg values
# read with fdtget (device-tree-compiler). Without qemu or fdtget the tests
# fall back to the harness's own "dtb" lookup.
find_program(SMPBOOT_QEMU_AARCH64 qemu-system-aarch64)
find_program(SMPBOOT_FDTGET fdtget)

# arm64_dt_mpidrs(<out var> <dtb file>): the /cpus MPIDRs, comma separated.
function(arm64_dt_mpidrs out dtb)
  execute_process(COMMAND ${SMPBOOT_FDTGET} ${dtb} /cpus "#address-cells"
                  OUTPUT_VARIABLE cells OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
  execute_process(COMMAND ${SMPBOOT_FDTGET} -l ${dtb} /cpus
                  OUTPUT_VARIABLE nodes OUTPUT_STRIP_TRAILING_WHITESPACE)
  string(REPLACE "\n" ";" nodes "${nodes}")
  set(ids "")
  foreach(n ${nodes})
    execute_process(COMMAND ${SMPBOOT_FDTGET} ${dtb} /cpus/${n} device_type
                    OUTPUT_VARIABLE type OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    if(NOT type STREQUAL "cpu")
      continue()
    endif()
    execute_process(COMMAND ${SMPBOOT_FDTGET} -t u ${dtb} /cpus/${n} reg
                    OUTPUT_VARIABLE reg OUTPUT_STRIP_TRAILING_WHITESPACE)
    string(REPLACE " " ";" reg "${reg}")
    set(v 0)
    foreach(c ${reg})
      math(EXPR v "(${v} << 32) | ${c}")
    endforeach()
    math(EXPR v "${v}" OUTPUT_FORMAT HEXADECIMAL)
    list(APPEND ids ${v})
  endforeach()
  string(REPLACE ";" "," ids "${ids}")
  set(${out} "${ids}" PARENT_SCOPE)
endfunction()

# arm64_virt_test(NAME n [EXAMPLE e] [MODE m] MACHINE <-M value> CPU <model> SMP <n>
#                 [QEMU args...] [APPEND words...] [FAILED hwid...] [LINES regex...]
#                 [TIMEOUT s] [MADT] [PARKED])
# FAILED hwids are expected on "failed:" lines; every other CPU of the DT online.
# MADT (an ACPI boot): the guest also dumps its MADT (smpboot.acpidump=1), and
# the enabled GICCs there must be the DT's CPUs (check_run.py --check-madt).
# PARKED: that dumped MADT must give every AP a parking protocol mailbox
# (--check-parked).
# EXAMPLE: a run-example target booting the virt kernel (default arm64-virt);
# QEMU: more QEMU arguments (e.g. -m 4G).
function(arm64_virt_test)
  cmake_parse_arguments(V "MADT;PARKED" "NAME;EXAMPLE;MODE;MACHINE;CPU;SMP;TIMEOUT" "QEMU;APPEND;FAILED;LINES" ${ARGN})
  set(madt)
  if(V_MADT OR V_PARKED)
    list(APPEND V_APPEND smpboot.acpidump=1)
  endif()
  if(V_MADT)
    list(APPEND madt CHECK_MADT)
  endif()
  if(V_PARKED)
    list(APPEND madt CHECK_PARKED)
  endif()
  if(NOT V_EXAMPLE)
    set(V_EXAMPLE arm64-virt)
  endif()
  set(args -M ${V_MACHINE} -cpu ${V_CPU} -smp ${V_SMP} ${V_QEMU})
  set(expect dtb)
  if(SMPBOOT_QEMU_AARCH64 AND SMPBOOT_FDTGET)
    # One dump per distinct machine configuration, kept across reconfigures.
    string(MD5 key "${args}")
    set(dtb ${CMAKE_CURRENT_BINARY_DIR}/arm64-dt/${key}.dtb)
    if(NOT EXISTS ${dtb})
      file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/arm64-dt)
      execute_process(COMMAND ${SMPBOOT_QEMU_AARCH64} -m 256M ${args} -machine dumpdtb=${dtb}
                      -display none OUTPUT_QUIET ERROR_QUIET)
    endif()
    if(EXISTS ${dtb})
      arm64_dt_mpidrs(expect ${dtb})
      string(REPLACE "," ";" expect "${expect}")
      foreach(f ${V_FAILED})
        list(REMOVE_ITEM expect ${f})
      endforeach()
      string(REPLACE ";" "," expect "${expect}")
    endif()
  endif()
  if(NOT V_MODE)
    set(V_MODE parallel)
  endif()
  if(NOT V_TIMEOUT)
    set(V_TIMEOUT 180)
  endif()
  foreach(w ${V_APPEND})
    list(APPEND args -append ${w})
  endforeach()
  smpboot_qemu_test(NAME ${V_NAME} EXAMPLE ${V_EXAMPLE} EXPECT_HWIDS ${expect} MODE ${V_MODE}
    TIMEOUT ${V_TIMEOUT} EXPECT_FAILED ${V_FAILED} EXPECT_LINES ${V_LINES} ${madt} ARGS ${args})
endfunction()

# virt, GICv2 (at most 8 CPUs, 8 per cluster in MPIDR)
arm64_virt_test(NAME arm64-virt-gicv2-smp1 MACHINE virt,gic-version=2 CPU cortex-a53 SMP 1)
arm64_virt_test(NAME arm64-virt-gicv2-smp2-seq MODE seq MACHINE virt,gic-version=2 CPU cortex-a53 SMP 2)
arm64_virt_test(NAME arm64-virt-gicv2-smp4-a72 MACHINE virt,gic-version=2 CPU cortex-a72 SMP 4)
arm64_virt_test(NAME arm64-virt-gicv2-smp8 MACHINE virt,gic-version=2 CPU cortex-a53 SMP 8)
arm64_virt_test(NAME arm64-virt-gicv2-smp8-seq MODE seq MACHINE virt,gic-version=2 CPU cortex-a53 SMP 8)

# virt, GICv3
arm64_virt_test(NAME arm64-virt-gicv3-smp8-max MACHINE virt,gic-version=3 CPU max SMP 8)
arm64_virt_test(NAME arm64-virt-gicv3-smp8-max-seq MODE seq MACHINE virt,gic-version=3 CPU max SMP 8)
arm64_virt_test(NAME arm64-virt-gicv3-smp64 MACHINE virt,gic-version=3 CPU cortex-a72 SMP 64
  LINES "^arm64-virt: starting and online steps ran on the AP itself for 63/63 online APs \\(runs: starting 63, online 63, on another cpu 0\\); teardowns prepare=0 starting=0 online=0$")
arm64_virt_test(NAME arm64-virt-gicv3-smp64-seq MODE seq MACHINE virt,gic-version=3 CPU cortex-a72 SMP 64
  LINES "^arm64-virt: starting and online steps ran on the AP itself for 63/63 online APs \\(runs: starting 63, online 63, on another cpu 0\\); teardowns prepare=0 starting=0 online=0$")
# 16 CPUs per cluster with GICv3: CPUs 16-19 have MPIDR Aff1 = 1 (0x100-0x103).
arm64_virt_test(NAME arm64-virt-gicv3-smp20-aff1 MACHINE virt,gic-version=3 CPU cortex-a53 SMP 20
  LINES "^arm64-virt: starting and online steps ran on the AP itself for 19/19 online APs \\(runs: starting 19, online 19, on another cpu 0\\); teardowns prepare=0 starting=0 online=0$")
arm64_virt_test(NAME arm64-virt-gicv3-smp20-aff1-seq MODE seq MACHINE virt,gic-version=3 CPU cortex-a53 SMP 20)

# Entered at EL2, PSCI by SMC: every CPU leaves EL2 in the library's entry.
arm64_virt_test(NAME arm64-virt-el2 MACHINE virt,gic-version=3,virtualization=on CPU cortex-a72 SMP 4)
arm64_virt_test(NAME arm64-virt-el2-seq MODE seq MACHINE virt,gic-version=3,virtualization=on CPU max SMP 4)

# raspi3b: four Cortex-A53 released by spin-table from QEMU's firmware stub.
smpboot_qemu_test(NAME arm64-raspi3b EXAMPLE arm64-raspi3b EXPECT_HWIDS 0x0,0x1,0x2,0x3
  EXPECT_LINES "^arm64-raspi3b: starting and online steps ran on the AP itself for 3/3 online APs \\(runs: starting 3, online 3, on another cpu 0\\); teardowns prepare=0 starting=0 online=0$")
smpboot_qemu_test(NAME arm64-raspi3b-seq EXAMPLE arm64-raspi3b EXPECT_HWIDS 0x0,0x1,0x2,0x3 MODE seq)

# ---- Runtime offline/online and fault injection ---------------------------
set(stress_ok "^smpboot: stress cycles=200 downs=[1-9][0-9]* ups=[1-9][0-9]* errors=0$")
# PSCI CPU_OFF + AFFINITY_INFO, then CPU_ON again, 200 times.
arm64_virt_test(NAME arm64-virt-stress200 MACHINE virt,gic-version=3 CPU cortex-a72 SMP 8
  APPEND smpboot.stress=200 LINES ${stress_ok})
# The same through SMC from EL1 after the EL2 drop, sequential bring-up first.
arm64_virt_test(NAME arm64-virt-el2-stress200-seq MODE seq MACHINE virt,gic-version=2,virtualization=on
  CPU cortex-a53 SMP 8 APPEND smpboot.stress=200 smpboot.seed=7 LINES ${stress_ok})
# Spin-table CPUs go down into the library's park loop and come back from it.
smpboot_qemu_test(NAME arm64-raspi3b-stress200 EXAMPLE arm64-raspi3b EXPECT_HWIDS 0x0,0x1,0x2,0x3
  EXPECT_LINES ${stress_ok} ARGS -append smpboot.stress=200)

# The demo's own step fails for CPU 2 in each section (prepare on the boot
# CPU, starting and online on the AP): that CPU is reported with the cause and
# rolled back (an AP leaves by CPU_OFF / the park loop), the others come up.
foreach(section prepare starting online)
  arm64_virt_test(NAME arm64-virt-fail-${section} MACHINE virt,gic-version=3 CPU cortex-a72 SMP 4
    APPEND smpboot.fail=2:${section} FAILED 0x2
    LINES "^smpboot: cpu 2 hwid 0x2 failed: callback failed at demo:${section} \\(rc -22\\)$")
endforeach()
arm64_virt_test(NAME arm64-virt-el2-fail-online-seq MODE seq MACHINE virt,gic-version=3,virtualization=on
  CPU max SMP 4 APPEND smpboot.fail=1:online FAILED 0x1
  LINES "^smpboot: cpu 1 hwid 0x1 failed: callback failed at demo:online \\(rc -22\\)$")
smpboot_qemu_test(NAME arm64-raspi3b-fail-starting-seq EXAMPLE arm64-raspi3b MODE seq
  EXPECT_HWIDS 0x0,0x1,0x2 EXPECT_FAILED 0x3
  EXPECT_LINES "^smpboot: cpu 3 hwid 0x3 failed: callback failed at demo:starting \\(rc -22\\)$"
  ARGS -append smpboot.fail=3:starting)

# A CPU that never calls in (a spin-table release word nobody polls), and one
# whose PSCI CPU_ON firmware refuses (an MPIDR QEMU does not have).
arm64_virt_test(NAME arm64-virt-ghost MACHINE virt,gic-version=3 CPU cortex-a72 SMP 4
  APPEND smpboot.ghost=0x55 smpboot.callin_ms=1000 FAILED 0x55
  LINES "^smpboot: cpu 4 hwid 0x55 failed: callin timeout at bp:bringup$")
arm64_virt_test(NAME arm64-virt-psci-ghost-seq MODE seq MACHINE virt,gic-version=3 CPU cortex-a72 SMP 4
  APPEND smpboot.psci_ghost=0x203 FAILED 0x203
  LINES "^smpboot: cpu 4 hwid 0x203 failed: firmware refused \\(PSCI INVALID_PARAMETERS\\) at bp:bringup \\(rc -2\\)$")
smpboot_qemu_test(NAME arm64-raspi3b-ghost EXAMPLE arm64-raspi3b
  EXPECT_HWIDS 0x0,0x1,0x2,0x3 EXPECT_FAILED 0x100
  EXPECT_LINES "^smpboot: cpu 4 hwid 0x100 failed: callin timeout at bp:bringup$"
  ARGS -append smpboot.ghost=0x100 -append smpboot.callin_ms=1000)

# Another image on an AP (the multikernel case): the separately built guest
# runs on one CPU (entered by CPU_ON / spin-table release with x0 = its
# mailbox), prints from there, reports back, hands the CPU to the library's
# park loop; then every CPU, that one included, comes online as usual.
arm64_virt_test(NAME arm64-virt-guest MACHINE virt,gic-version=3 CPU cortex-a72 SMP 4
  APPEND smpboot.guest=2
  LINES "^guest: hello from the guest image on MPIDR 0x2 at EL1$"
        "^guest on cpu 2: reported sum\\(1..1002\\)=502503 from MPIDR 0x2 at EL1 on stack 0x[0-9a-f]+: ok$")
arm64_virt_test(NAME arm64-virt-el2-guest-stress MACHINE virt,gic-version=3,virtualization=on CPU max SMP 4
  APPEND smpboot.guest=1 smpboot.stress=50
  LINES "^guest on cpu 1: reported sum\\(1..1001\\)=501501 from MPIDR 0x1 at EL1 on stack 0x[0-9a-f]+: ok$"
        "^smpboot: stress cycles=50 downs=[1-9][0-9]* ups=[1-9][0-9]* errors=0$")
smpboot_qemu_test(NAME arm64-raspi3b-guest-seq EXAMPLE arm64-raspi3b MODE seq EXPECT_HWIDS 0x0,0x1,0x2,0x3
  EXPECT_LINES "^guest: hello from the guest image on MPIDR 0x3 at EL1$"
               "^guest on cpu 3: reported sum\\(1..1003\\)=503506 from MPIDR 0x3 at EL1 on stack 0x[0-9a-f]+: ok$"
  ARGS -append smpboot.guest=3)

# The real board DTB from Debian's arm64 kernel package (unpacked by
# scripts/install-deps into build/debian/arm64), instead of our board.dts.
file(GLOB debian_rpi3_dtb
  ${PROJECT_SOURCE_DIR}/build/debian/arm64/root/usr/lib/linux-image-*/broadcom/bcm2837-rpi-3-b.dtb)
if(debian_rpi3_dtb)
  list(GET debian_rpi3_dtb 0 debian_rpi3_dtb)
  smpboot_qemu_test(NAME arm64-raspi3b-debian-dtb EXAMPLE arm64-raspi3b EXPECT_HWIDS 0x0,0x1,0x2,0x3
    EXPECT_LINES "model \"Raspberry Pi 3 Model B\"" ARGS -dtb ${debian_rpi3_dtb})
  smpboot_qemu_test(NAME arm64-raspi3b-debian-dtb-seq EXAMPLE arm64-raspi3b MODE seq
    EXPECT_HWIDS 0x0,0x1,0x2,0x3 ARGS -dtb ${debian_rpi3_dtb})
endif()

# ---- Any kernel layout: the arm64 park / leave / entry paths -------------
# An AP cleans its block and leaves the MMU on through the library's
# identity map, so a kernel linked at VA != PA works on every path. The -high
# images are the same kernels in TTBR1 (every PA at 0xffffff8000000000 + PA)
# with TTBR0 empty and EPD0 set after early boot.
set(stress100_ok "^smpboot: stress cycles=100 downs=[1-9][0-9]* ups=[1-9][0-9]* errors=0$")
set(refused_off "^warning: arm64: cpu [1-9]: PSCI CPU_OFF failed. parked instead \\(rc -1\\)$")
set(high_banner "kernel at PA \\+ 0xffffff8000000000 \\(TTBR1, TTBR0 empty\\)")
arm64_virt_test(NAME arm64-virt-high-smp8 EXAMPLE arm64-virt-high MACHINE virt,gic-version=3 CPU cortex-a72 SMP 8
  LINES ${high_banner} "^arm64-virt: entered at EL1, MMU off: own higher-half map; DTB at 0x[0-9a-f]+ from x0; ")
arm64_virt_test(NAME arm64-virt-high-gicv2-smp4-seq EXAMPLE arm64-virt-high MODE seq MACHINE virt,gic-version=2
  CPU cortex-a53 SMP 4)
# PSCI CPU_OFF / CPU_ON, both bring-up modes.
arm64_virt_test(NAME arm64-virt-high-stress100 EXAMPLE arm64-virt-high MACHINE virt,gic-version=3 CPU cortex-a72 SMP 8
  APPEND smpboot.stress=100 LINES ${stress100_ok})
arm64_virt_test(NAME arm64-virt-high-el2-stress100-seq EXAMPLE arm64-virt-high MODE seq
  MACHINE virt,gic-version=3,virtualization=on CPU max SMP 4 APPEND smpboot.stress=100 smpboot.seed=3
  LINES ${stress100_ok})
# CPU_OFF refused by firmware: every PSCI CPU that leaves parks in the
# library's loop (MMU off from the identity alias) and comes back from it.
arm64_virt_test(NAME arm64-virt-high-refused-off-stress100 EXAMPLE arm64-virt-high MACHINE virt,gic-version=3
  CPU cortex-a72 SMP 4 APPEND smpboot.refuse_cpu_off=1 smpboot.stress=100 LINES ${stress100_ok} ${refused_off})
arm64_virt_test(NAME arm64-virt-refused-off-stress100-seq MODE seq MACHINE virt,gic-version=2 CPU cortex-a53 SMP 4
  APPEND smpboot.refuse_cpu_off=1 smpboot.stress=100 LINES ${stress100_ok} ${refused_off})
# An image started on an AP and handed back (MMU off both ways).
arm64_virt_test(NAME arm64-virt-high-guest EXAMPLE arm64-virt-high MACHINE virt,gic-version=3 CPU cortex-a72 SMP 4
  APPEND smpboot.guest=3
  LINES "^guest on cpu 3: reported sum\\(1..1003\\)=503506 from MPIDR 0x3 at EL1 on stack 0x[0-9a-f]+: ok$")
# Spin-table: down into the library's park loop and up from it.
smpboot_qemu_test(NAME arm64-raspi3b-high EXAMPLE arm64-raspi3b-high EXPECT_HWIDS 0x0,0x1,0x2,0x3
  EXPECT_LINES ${high_banner})
smpboot_qemu_test(NAME arm64-raspi3b-high-stress100-seq EXAMPLE arm64-raspi3b-high MODE seq
  EXPECT_HWIDS 0x0,0x1,0x2,0x3 EXPECT_LINES ${stress100_ok} ARGS -append smpboot.stress=100)
smpboot_qemu_test(NAME arm64-raspi3b-high-stress100 EXAMPLE arm64-raspi3b-high
  EXPECT_HWIDS 0x0,0x1,0x2,0x3 EXPECT_LINES ${stress100_ok} ARGS -append smpboot.stress=100 -append smpboot.seed=11)
smpboot_qemu_test(NAME arm64-raspi3b-high-guest-seq EXAMPLE arm64-raspi3b-high MODE seq EXPECT_HWIDS 0x0,0x1,0x2,0x3
  EXPECT_LINES "^guest on cpu 2: reported sum\\(1..1002\\)=502503 from MPIDR 0x2 at EL1 on stack 0x[0-9a-f]+: ok$"
  ARGS -append smpboot.guest=2)

# A spin-table CPU that calls in after the library gave up on it parks on
# its own block; the next bring-up must release it from there (the
# firmware's cpu-release-addr is polled by nobody any more).
foreach(ex arm64-raspi3b arm64-raspi3b-high)
  smpboot_qemu_test(NAME ${ex}-late EXAMPLE ${ex} EXPECT_HWIDS 0x0,0x1,0x2,0x3
    EXPECT_LINES "^arm64-raspi3b: late cpu 3: first cpu_up: callin timeout. released it late$"
    ARGS -append smpboot.late=3 -append smpboot.callin_ms=1000)
endforeach()

# Leaving EL2 must not leave SVE trapped to an EL2 without vectors: every
# CPU runs RDVL at EL1 with the boot CPU's vector length (QEMU's max: 256).
arm64_virt_test(NAME arm64-virt-el2-sve MACHINE virt,gic-version=3,virtualization=on CPU max SMP 4
  LINES "^arm64-virt: SVE vector length 256 bytes at EL1 on the boot CPU; AP starts checked 3, other lengths 0$")

# ---- Real firmware: UEFI (AAVMF) and U-Boot -------------------------------
# The same kernel, loaded by firmware instead of QEMU's -kernel: the UEFI
# application takes the DT from the EFI configuration table and its
# command line from \cmdline.txt; U-Boot passes QEMU's DT with bootargs
# from boot.scr. A UEFI boot takes seconds under TCG: few tests, generous
# hang detectors, and they run in parallel with the rest.
set(uefi_el1 "^arm64-virt: entered at EL1, MMU on: kept the firmware's identity map \\(TTBR0_EL1 0x[0-9a-f]+, ")
set(uefi_el2 "^arm64-virt: entered at EL2, MMU off: own identity map; DTB at 0x[0-9a-f]+$")
set(uefi_loader "^arm64-virt: loader UEFI: firmware at EL[12] \\(SCTLR 0x[0-9a-f]+, TTBR0 0x[0-9a-f]+\\); DTB from the EFI configuration table; no ACPI; cmdline from \\\\cmdline.txt on the boot volume; ExitBootServices calls 1$")
function(arm64_uefi_test name)
  arm64_virt_test(NAME arm64-virt-uefi-${name} EXAMPLE arm64-virt-uefi TIMEOUT 600 ${ARGN})
endfunction()
arm64_uefi_test(gicv2-smp1 MACHINE virt,gic-version=2,acpi=off CPU cortex-a53 SMP 1 LINES ${uefi_el1} ${uefi_loader})
arm64_uefi_test(gicv2-smp4-seq MODE seq MACHINE virt,gic-version=2,acpi=off CPU cortex-a72 SMP 4
  LINES ${uefi_el1} "^arm64-virt: before bring-up, PSCI AFFINITY_INFO: 3 APs off, 0 on, 0 on-pending, 0 refused$")
arm64_uefi_test(gicv2-smp8 MACHINE virt,gic-version=2,acpi=off CPU cortex-a53 SMP 8 LINES ${uefi_el1})
arm64_uefi_test(gicv2-el2-smp8-seq MODE seq MACHINE virt,gic-version=2,acpi=off,virtualization=on CPU cortex-a53 SMP 8
  LINES ${uefi_el2} ${uefi_loader} "psci smc")
arm64_uefi_test(gicv3-smp4 MACHINE virt,gic-version=3,acpi=off CPU cortex-a72 SMP 4 LINES ${uefi_el1} ${uefi_loader} "psci hvc")
# The first ExitBootServices gets a stale map key on purpose: the loader
# must read the map again and retry (UEFI 2.10 7.4).
arm64_uefi_test(gicv3-smp16 MACHINE virt,gic-version=3,acpi=off CPU cortex-a72 SMP 16
  APPEND smpboot.efi_stale_key=1 LINES ${uefi_el1} "; ExitBootServices calls 2$")
# 4 GiB of RAM: AAVMF hands out memory from the top, above the 4 GiB the
# kernel's own map covers at EL2; the loader must ask for memory below it.
arm64_uefi_test(gicv3-el2-smp4-4g MACHINE virt,gic-version=3,acpi=off,virtualization=on CPU max SMP 4
  QEMU -m 4G LINES ${uefi_el2} "^arm64-virt-uefi: kernel loaded at 0x[0-9a-f]{1,8} ")
arm64_uefi_test(gicv3-el2-smp16-seq MODE seq MACHINE virt,gic-version=3,acpi=off,virtualization=on CPU cortex-a72 SMP 16
  LINES ${uefi_el2} "^arm64-virt: before bring-up, PSCI AFFINITY_INFO: 15 APs off, 0 on, 0 on-pending, 0 refused$")
# 100 offline/online cycles with the firmware's page tables on every AP.
arm64_uefi_test(stress100 MACHINE virt,gic-version=3,acpi=off CPU cortex-a72 SMP 4
  APPEND smpboot.stress=100 LINES ${uefi_el1} ${stress100_ok})
# ---- ACPI: AAVMF publishing QEMU's ACPI tables (virt's default) ------------
# No device tree reaches the kernel: CPUs from the MADT's GICCs, PSCI and its
# conduit from the FADT, the GIC from the MADT. The MPIDRs expected are the
# DT's of the same machine (dumpdtb, as above) and, read on their own, the
# enabled GICCs of the MADT the guest dumps as hex (tests/qemu/acpi_dump.py):
# QEMU's two descriptions and the CPUs online must all agree.
set(acpi_entry "; no DTB, ACPI RSDP at 0x[0-9a-f]+$")
set(acpi_loader "^arm64-virt: loader UEFI: .*; DTB from nowhere \\(the firmware published ACPI only\\); ACPI RSDP from the EFI configuration table; ")
set(acpi_cpus "^arm64-virt: [0-9]+ cpus, psci %.*, from ACPI \\(RSDP 0x[0-9a-f]+, FADT and MADT\\)")
string(REPLACE "%" "hvc" acpi_hvc "${acpi_cpus}")
string(REPLACE "%" "smc" acpi_smc "${acpi_cpus}")
function(arm64_acpi_test name)
  arm64_virt_test(NAME arm64-virt-acpi-${name} EXAMPLE arm64-virt-acpi TIMEOUT 600 MADT ${ARGN})
endfunction()
arm64_acpi_test(gicv3-smp4 MACHINE virt,gic-version=3 CPU cortex-a72 SMP 4 LINES ${acpi_entry} ${acpi_loader} ${acpi_hvc})
# check_run's own guard against firmware that never hands over: with a grace
# of 1 s AAVMF has not reached the loader, so both tries are stopped and the
# check fails, saying so.
add_test(NAME qemu.harness.firmware-stall
  COMMAND ${CMAKE_COMMAND} -E env SMPBOOT_HANDOVER_GRACE_S=1
          ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/check_run.py --example arm64-virt-acpi
          --expect-hwids 0x0,0x1 --timeout 120 -- -M virt,gic-version=3 -smp 2)
set_tests_properties(qemu.harness.firmware-stall PROPERTIES LABELS "qemu;arm64-virt-acpi" TIMEOUT 180
  PASS_REGULAR_EXPRESSION "the firmware did not hand over; booting once more.*did not hand over in either run")
arm64_acpi_test(gicv2-smp8-seq MODE seq MACHINE virt,gic-version=2 CPU cortex-a53 SMP 8 LINES ${acpi_hvc})
# More than 16 CPUs: GICv3 numbers them 16 per cluster, CPUs 16-19 have Aff1 = 1.
arm64_acpi_test(gicv3-smp20 MACHINE virt,gic-version=3 CPU cortex-a53 SMP 20 LINES ${acpi_hvc})
# Entered at EL2: the FADT says PSCI by SMC (PSCI_USE_HVC clear).
arm64_acpi_test(gicv3-el2-smp8 MACHINE virt,gic-version=3,virtualization=on CPU max SMP 8 LINES ${acpi_smc})
arm64_acpi_test(gicv2-el2-smp4-seq MODE seq MACHINE virt,gic-version=2,virtualization=on CPU cortex-a53 SMP 4
  LINES ${acpi_smc})
# CPU_OFF and CPU_ON again, on CPUs that ACPI described.
arm64_acpi_test(stress50 MACHINE virt,gic-version=3 CPU cortex-a72 SMP 4 APPEND smpboot.stress=50
  LINES "^smpboot: stress cycles=50 downs=[1-9][0-9]* ups=[1-9][0-9]* errors=0$")

# ---- The ACPI parking protocol (arm64-parking) -----------------------------
# Neither QEMU nor AAVMF implements it: the test firmware stage
# (examples/fwstage-arm64) starts every AP itself with PSCI CPU_ON into a WFI
# loop in the firmware half of the AP's mailbox, publishes the mailboxes in
# the MADT and takes PSCI out of the FADT, then runs the same UEFI loader.
# The kernel must wake every AP through its mailbox (jump address, CPU ID,
# SGI: with no SGI the loop never looks) and says so per CPU; the MADT the
# guest dumps must be QEMU's CPUs (the DT's MPIDRs) with a mailbox per AP.
# The stress runs take CPUs down into the library's park loop (the protocol
# has no way back to the firmware) and up again from there.
# arm64_parking_test(name <APs> <GIC version> <hvc|smc> <EL> [LINES ...] <arm64_virt_test args>)
function(arm64_parking_test name aps gic conduit el)
  cmake_parse_arguments(P "" "" "LINES" ${ARGN})
  smpboot_mailbox_lines(woken ${aps} parking)
  arm64_virt_test(NAME arm64-parking-${name} EXAMPLE arm64-parking TIMEOUT 600 MADT PARKED
    LINES "^fwstage: ${aps} of ${aps} APs wait in the parking protocol loop \\(mailboxes from 0x[0-9a-f]+, GICv${gic}, PSCI ${conduit}, EL${el}\\)$"
          "^arm64-virt: [0-9]+ cpus, psci absent, .*from ACPI" ${woken} ${P_LINES} ${P_UNPARSED_ARGUMENTS})
endfunction()
arm64_parking_test(gicv3-smp4 3 3 hvc 1 MACHINE virt,gic-version=3 CPU cortex-a72 SMP 4
  LINES "ran on the AP itself for 3/3 online APs")
arm64_parking_test(gicv3-smp4-seq 3 3 hvc 1 MODE seq MACHINE virt,gic-version=3 CPU cortex-a72 SMP 4)
arm64_parking_test(gicv2-smp8 7 2 hvc 1 MACHINE virt,gic-version=2 CPU cortex-a53 SMP 8)
# More than 16 CPUs: CPUs 16-19 have Aff1 = 1 and GIC CPU Interface Numbers 16-19.
arm64_parking_test(gicv3-smp20 19 3 hvc 1 MACHINE virt,gic-version=3 CPU cortex-a53 SMP 20)
# Entered at EL2: the stage runs there, so the woken CPUs arrive at EL2 and
# leave it in the library's entry.
arm64_parking_test(gicv3-el2-smp8 7 3 smc 2 MACHINE virt,gic-version=3,virtualization=on CPU max SMP 8
  LINES "^arm64-virt: entered at EL2, ")
arm64_parking_test(gicv2-el2-smp4-seq 3 2 smc 2 MODE seq MACHINE virt,gic-version=2,virtualization=on CPU cortex-a53 SMP 4)
arm64_parking_test(gicv3-stress50 3 3 hvc 1 MACHINE virt,gic-version=3 CPU cortex-a72 SMP 4 APPEND smpboot.stress=50
  LINES "^smpboot: stress cycles=50 downs=[1-9][0-9]* ups=[1-9][0-9]* errors=0$")
arm64_parking_test(gicv2-el2-stress50 3 2 smc 2 MACHINE virt,gic-version=2,virtualization=on CPU cortex-a53 SMP 4
  APPEND smpboot.stress=50 LINES "^smpboot: stress cycles=50 downs=[1-9][0-9]* ups=[1-9][0-9]* errors=0$")
# fwstage.deaf=MPIDR: that AP waits in the loop but never reads its mailbox,
# so it never clears the jump address: its callin times out, the others come
# online.
foreach(mode parallel seq)
  arm64_virt_test(NAME arm64-parking-gicv3-deaf-${mode} EXAMPLE arm64-parking TIMEOUT 600 PARKED MODE ${mode}
    MACHINE virt,gic-version=3 CPU cortex-a72 SMP 4 FAILED 0x2 APPEND fwstage.deaf=0x2 smpboot.callin_ms=1000
    LINES "^fwstage: MPIDR 0x2 is deaf: it never reads its mailbox$"
          "^warning: arm64: cpu 2: parking protocol: the mailbox's jump address was never cleared \\(no answer\\)$"
          "^mailbox: cpu 1 woken by parking$" "^mailbox: cpu 2 not woken$" "^mailbox: cpu 3 woken by parking$"
          "^smpboot: cpu 2 hwid 0x2 failed: callin timeout at bp:bringup$")
endforeach()

# U-Boot's own UEFI implementation (bootefi) runs the same application.
arm64_virt_test(NAME arm64-virt-uboot-efi-gicv3-smp4 EXAMPLE arm64-virt-uboot-efi TIMEOUT 300
  MACHINE virt,gic-version=3 CPU cortex-a72 SMP 4 LINES ${uefi_el1} ${uefi_loader}
  "^arm64-virt-uefi: started at EL1 by \"Das U-Boot\" ")
arm64_virt_test(NAME arm64-virt-uboot-efi-el2-gicv2-smp8-seq EXAMPLE arm64-virt-uboot-efi TIMEOUT 300 MODE seq
  MACHINE virt,gic-version=2,virtualization=on CPU cortex-a53 SMP 8 LINES ${uefi_el2} ${uefi_loader})

set(uboot_entry "^arm64-virt: entered at EL%, MMU off: own identity map; DTB at 0x[0-9a-f]+ from x0; cmdline from /chosen/bootargs$")
string(REPLACE "%" "1" uboot_el1 "${uboot_entry}")
string(REPLACE "%" "2" uboot_el2 "${uboot_entry}")
function(arm64_uboot_test name)
  arm64_virt_test(NAME arm64-virt-uboot-${name} EXAMPLE arm64-virt-uboot TIMEOUT 300 ${ARGN})
endfunction()
arm64_uboot_test(gicv3-smp4 MACHINE virt,gic-version=3 CPU cortex-a72 SMP 4 LINES ${uboot_el1} "psci hvc")
arm64_uboot_test(gicv2-el2-smp8-seq MODE seq MACHINE virt,gic-version=2,virtualization=on CPU cortex-a53 SMP 8
  LINES ${uboot_el2} "psci smc")
arm64_uboot_test(gicv3-el2-smp16 MACHINE virt,gic-version=3,virtualization=on CPU max SMP 16 LINES ${uboot_el2})
arm64_uboot_test(el2-stress100 MACHINE virt,gic-version=3,virtualization=on CPU cortex-a72 SMP 4
  APPEND smpboot.stress=100 LINES ${uboot_el2} ${stress100_ok})
