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

# arm64_virt_test(NAME n [MODE m] MACHINE <-M value> CPU <model> SMP <n>)
function(arm64_virt_test)
  cmake_parse_arguments(V "" "NAME;MODE;MACHINE;CPU;SMP" "" ${ARGN})
  set(args -M ${V_MACHINE} -cpu ${V_CPU} -smp ${V_SMP})
  set(expect dtb)
  if(SMPBOOT_QEMU_AARCH64 AND SMPBOOT_FDTGET)
    set(dtb ${CMAKE_CURRENT_BINARY_DIR}/arm64-dt/${V_NAME}.dtb)
    file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/arm64-dt)
    execute_process(COMMAND ${SMPBOOT_QEMU_AARCH64} -m 256M ${args} -machine dumpdtb=${dtb}
                    -display none OUTPUT_QUIET ERROR_QUIET)
    if(EXISTS ${dtb})
      arm64_dt_mpidrs(expect ${dtb})
    endif()
  endif()
  if(NOT V_MODE)
    set(V_MODE parallel)
  endif()
  smpboot_qemu_test(NAME ${V_NAME} EXAMPLE arm64-virt EXPECT_HWIDS ${expect} MODE ${V_MODE} ARGS ${args})
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
arm64_virt_test(NAME arm64-virt-gicv3-smp64 MACHINE virt,gic-version=3 CPU cortex-a72 SMP 64)
arm64_virt_test(NAME arm64-virt-gicv3-smp64-seq MODE seq MACHINE virt,gic-version=3 CPU cortex-a72 SMP 64)
# 16 CPUs per cluster with GICv3: CPUs 16-19 have MPIDR Aff1 = 1 (0x100-0x103).
arm64_virt_test(NAME arm64-virt-gicv3-smp20-aff1 MACHINE virt,gic-version=3 CPU cortex-a53 SMP 20)
arm64_virt_test(NAME arm64-virt-gicv3-smp20-aff1-seq MODE seq MACHINE virt,gic-version=3 CPU cortex-a53 SMP 20)

# Entered at EL2, PSCI by SMC: every CPU leaves EL2 in the library's entry.
arm64_virt_test(NAME arm64-virt-el2 MACHINE virt,gic-version=3,virtualization=on CPU cortex-a72 SMP 4)
arm64_virt_test(NAME arm64-virt-el2-seq MODE seq MACHINE virt,gic-version=3,virtualization=on CPU max SMP 4)

# raspi3b: four Cortex-A53 released by spin-table from QEMU's firmware stub.
smpboot_qemu_test(NAME arm64-raspi3b EXAMPLE arm64-raspi3b EXPECT_HWIDS 0x0,0x1,0x2,0x3)
smpboot_qemu_test(NAME arm64-raspi3b-seq EXAMPLE arm64-raspi3b EXPECT_HWIDS 0x0,0x1,0x2,0x3 MODE seq)
