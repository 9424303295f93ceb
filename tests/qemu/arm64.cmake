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

# arm64_virt_test(NAME n [EXAMPLE arm64-virt|arm64-virt-minimal] [MODE m] MACHINE <-M value> CPU <model> SMP <n>
#                 [APPEND words...] [FAILED hwid...] [LINES regex...] [TIMEOUT s])
# FAILED hwids are expected on "failed:" lines; every other CPU of the DT online.
function(arm64_virt_test)
  cmake_parse_arguments(V "" "NAME;EXAMPLE;MODE;MACHINE;CPU;SMP;TIMEOUT" "APPEND;FAILED;LINES" ${ARGN})
  if(NOT V_EXAMPLE)
    set(V_EXAMPLE arm64-virt)
  endif()
  set(args -M ${V_MACHINE} -cpu ${V_CPU} -smp ${V_SMP})
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
    TIMEOUT ${V_TIMEOUT} EXPECT_FAILED ${V_FAILED} EXPECT_LINES ${V_LINES} ARGS ${args})
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
