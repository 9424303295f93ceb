# SPDX-License-Identifier: MIT
# QEMU tests of the x86-64 example. Each run checks the
# cpu lines against the APIC IDs QEMU assigns for that -smp (check_run.py
# "x86"), the result line, the exit status, and the demo's line saying the
# starting/online steps ran on each AP itself (examples/common/demo.hpp).
# Small runs take about a second; -smp 255 about 5-60 s depending on load.

# x86_test(name mode smp-spec aps [qemu args...])
function(x86_test name mode smp aps)
  smpboot_qemu_test(NAME x86_64.${name} EXAMPLE x86_64 EXPECT_HWIDS x86 MODE ${mode}
    EXPECT_LINES "ran on the AP itself for ${aps}/${aps} online APs \\(runs: starting ${aps}, online ${aps}, on another cpu 0\\)"
    ARGS -smp ${smp} ${ARGN})
endfunction()

# q35 (the runner's default machine) with qemu64: 1, 2, 4, 8, 64 in both
# modes, 255 (the most without x2APIC emulation) in parallel.
foreach(mode parallel seq)
  x86_test(q35.smp1.${mode} ${mode} 1 0)
  x86_test(q35.smp2.${mode} ${mode} 2 1)
  x86_test(q35.smp4.${mode} ${mode} 4 3)
  x86_test(q35.smp8.${mode} ${mode} 8 7)
  x86_test(q35.smp64.${mode} ${mode} 64 63)
endforeach()
smpboot_qemu_test(NAME x86_64.q35.smp255.parallel EXAMPLE x86_64 EXPECT_HWIDS x86 MODE parallel
  TIMEOUT 300 EXPECT_LINES "ran on the AP itself for 254/254 online APs \\(runs: starting 254, online 254, on another cpu 0\\)" ARGS -smp 255)

# i440fx (-M pc) and -cpu max.
foreach(mode parallel seq)
  x86_test(pc.smp8.${mode} ${mode} 8 7 -M pc)
  x86_test(pc.smp4.cpumax.${mode} ${mode} 4 3 -M pc -cpu max)
endforeach()
x86_test(q35.smp8.cpumax.parallel parallel 8 7 -cpu max)
x86_test(q35.smp4.qemu64.seq seq 4 3 -cpu qemu64)

# Non-contiguous APIC IDs: 2 sockets x 3 cores -> IDs 0,1,2,4,5,6.
x86_test(q35.topo-2x3.parallel parallel 6,sockets=2,cores=3,threads=1 5)
x86_test(q35.topo-2x3.seq seq 6,sockets=2,cores=3,threads=1 5)
x86_test(pc.topo-2x2x2.parallel parallel 8,sockets=2,cores=2,threads=2 7 -M pc)

# Hot-pluggable slots are disabled MADT entries: N must be 2, not 8.
smpboot_qemu_test(NAME x86_64.q35.maxcpus.parallel EXAMPLE x86_64 EXPECT_HWIDS x86
  EXPECT_LINES "ran on the AP itself for 1/1 online APs \\(runs: starting 1, online 1, on another cpu 0\\)" "present 2 possible 0 disabled 6"
               "madt entry 1 type 0 apic 0x1 flags 0x1 present cpu 1$"
               "madt entry 7 type 0 apic 0x7 flags 0x0 disabled$"
  ARGS -smp 2,maxcpus=8 -append smpboot.madt=list)

# Opt-in broadcast INIT-SIPI-SIPI (config::broadcast_cpus). Used only when
# one kick starts every AP the MADT lists: so in parallel mode, in both
# pacings, and under stress (whose cpu_up kicks one CPU: per AP again); not
# with disabled MADT entries (maxcpus), a CPU the MADT lacks (ghost) or in
# sequential mode. A CPU that exists but is not listed (smpboot.hide) is
# reached by the broadcast, finds no slot and halts in the trampoline page:
# it enters the trampoline (3 entries for 2 APs online) and never calls in.
set(broadcast_line "; [1-9][0-9]* broadcast INIT-SIPI-SIPI$")
x86_test(q35.broadcast.smp64.parallel parallel 64 63 -append smpboot.ipi=broadcast)
smpboot_qemu_test(NAME x86_64.q35.broadcast.smp8.legacy-delays.parallel EXAMPLE x86_64 EXPECT_HWIDS x86
  EXPECT_LINES "legacy delays${broadcast_line}" ARGS -smp 8 -append smpboot.ipi=broadcast -append smpboot.delays=legacy)
smpboot_qemu_test(NAME x86_64.q35.broadcast.stress100.parallel EXAMPLE x86_64 EXPECT_HWIDS x86
  EXPECT_LINES "${broadcast_line}" "^smpboot: stress cycles=100 downs=[1-9][0-9]* ups=[1-9][0-9]* errors=0$"
  ARGS -smp 8 -append smpboot.ipi=broadcast -append smpboot.stress=100)
smpboot_qemu_test(NAME x86_64.q35.broadcast.hidden-cpu.parallel EXAMPLE x86_64 EXPECT_HWIDS 0,1,2
  EXPECT_LINES "entered 3 times, 0 traps in the park IDT.*${broadcast_line}" "^smpboot: result arch=x86_64 online=3/3 "
  ARGS -smp 4 -append smpboot.ipi=broadcast -append smpboot.hide=3)
smpboot_qemu_test(NAME x86_64.q35.broadcast.maxcpus.parallel EXAMPLE x86_64 EXPECT_HWIDS x86
  EXPECT_LINES "present 2 possible 0 disabled 6" REJECT_LINES "${broadcast_line}"
  ARGS -smp 2,maxcpus=8 -append smpboot.ipi=broadcast)
smpboot_qemu_test(NAME x86_64.q35.broadcast.ghost.parallel EXAMPLE x86_64 EXPECT_HWIDS x86 EXPECT_FAILED 9
  EXPECT_LINES "^smpboot: cpu 4 hwid 0x9 failed: callin timeout at bp:bringup$" REJECT_LINES "${broadcast_line}"
  ARGS -smp 4 -append smpboot.ghost=9 -append smpboot.callin_ms=1000 -append smpboot.ipi=broadcast)
smpboot_qemu_test(NAME x86_64.q35.broadcast.smp8.seq EXAMPLE x86_64 EXPECT_HWIDS x86 MODE seq
  REJECT_LINES "${broadcast_line}" ARGS -smp 8 -append smpboot.ipi=broadcast)
x86_test(q35.smp8.per-cpu.parallel parallel 8 7 REJECT_LINES "${broadcast_line}")

# The SDM's legacy INIT-SIPI-SIPI pacing (10 ms, 200 us, 200 us).
smpboot_qemu_test(NAME x86_64.q35.legacy-delays.parallel EXAMPLE x86_64 EXPECT_HWIDS x86
  EXPECT_LINES "ran on the AP itself for 7/7 online APs \\(runs: starting 7, online 7, on another cpu 0\\)" "legacy delays"
  ARGS -smp 8 -append smpboot.delays=legacy)
smpboot_qemu_test(NAME x86_64.pc.legacy-delays.seq EXAMPLE x86_64 EXPECT_HWIDS x86 MODE seq
  EXPECT_LINES "ran on the AP itself for 3/3 online APs \\(runs: starting 3, online 3, on another cpu 0\\)" "legacy delays"
  ARGS -M pc -smp 4 -append smpboot.delays=legacy)

# The RSDP found by the legacy EBDA / BIOS-area search instead of PVH's.
smpboot_qemu_test(NAME x86_64.q35.rsdp-scan.parallel EXAMPLE x86_64 EXPECT_HWIDS x86
  EXPECT_LINES "RSDP by legacy search"
  ARGS -smp 4 -append smpboot.rsdp=scan)

# ---- Runtime hotplug, fault injection, another image on an AP -------------

# Random APs offline and online again (park + INIT, then INIT-SIPI-SIPI);
# every online AP's idle counter must move, no offline one's may.
smpboot_qemu_test(NAME x86_64.q35.stress200.parallel EXAMPLE x86_64 EXPECT_HWIDS x86
  TIMEOUT 300 EXPECT_LINES "^smpboot: stress cycles=200 downs=[1-9][0-9]* ups=[1-9][0-9]* errors=0$"
  ARGS -smp 8 -append smpboot.stress=200)
smpboot_qemu_test(NAME x86_64.pc.stress50.seq EXAMPLE x86_64 EXPECT_HWIDS x86 MODE seq
  EXPECT_LINES "^smpboot: stress cycles=50 downs=[1-9][0-9]* ups=[1-9][0-9]* errors=0$"
  ARGS -M pc -smp 4 -append smpboot.stress=50 -append smpboot.seed=7)

# A host step that fails for CPU 2 in each section: prepare runs on the boot
# CPU, starting and online on the AP. The CPU must end offline with its
# completed steps undone (the teardown counts), the others online.
function(x86_fail_test section mode teardowns)
  smpboot_qemu_test(NAME x86_64.q35.fail-${section}.${mode} EXAMPLE x86_64 MODE ${mode}
    EXPECT_HWIDS 0,1,3 EXPECT_FAILED 2
    EXPECT_LINES "^smpboot: cpu 2 hwid 0x2 failed: callback failed at demo:${section} \\(rc -22\\)$"
                 "cpu 2 rolled back to offline" "teardowns ${teardowns}$"
    ARGS -smp 4 -append smpboot.fail=2:${section})
endfunction()
x86_fail_test(prepare parallel "prepare=0 starting=0 online=0")
x86_fail_test(starting parallel "prepare=1 starting=0 online=0")
x86_fail_test(online parallel "prepare=1 starting=1 online=0")
x86_fail_test(starting seq "prepare=1 starting=0 online=0")

# A CPU that never calls in (APIC ID 9 does not exist): callin timeout, the
# CPU is abandoned with INIT, everyone else comes online.
smpboot_qemu_test(NAME x86_64.q35.ghost.parallel EXAMPLE x86_64 EXPECT_HWIDS x86 EXPECT_FAILED 9
  EXPECT_LINES "^smpboot: cpu 4 hwid 0x9 failed: callin timeout at bp:bringup$"
  ARGS -smp 4 -append smpboot.ghost=9 -append smpboot.callin_ms=1000)
smpboot_qemu_test(NAME x86_64.q35.ghost.seq EXAMPLE x86_64 EXPECT_HWIDS x86 EXPECT_FAILED 0x20
  MODE seq EXPECT_LINES "^smpboot: cpu 2 hwid 0x20 failed: callin timeout at bp:bringup$"
  ARGS -smp 2 -append smpboot.ghost=0x20 -append smpboot.callin_ms=1000)

# The guest image (built separately) runs on CPU 2, prints from there and
# answers through shared memory; then the kernel takes the CPU back.
smpboot_qemu_test(NAME x86_64.q35.guest.parallel EXAMPLE x86_64 EXPECT_HWIDS x86
  EXPECT_LINES "^guest: hello from the guest image on APIC ID 2$"
               "guest on cpu 2: reported sum\\(1..1002\\)=502503 from APIC ID 0x2 .*: ok$"
  ARGS -smp 4 -append smpboot.guest=2)

# An AP parked in the trampoline page (started with no slot armed) takes an
# NMI: the page's park IDT catches it (the check reads the frame it pushed);
# without that IDT the NMI triple-faults and QEMU stops with no result line.
foreach(mode parallel seq)
  smpboot_qemu_test(NAME x86_64.q35.nmi-park.${mode} EXAMPLE x86_64 EXPECT_HWIDS x86 MODE ${mode}
    EXPECT_LINES "^x86_64: nmi check: cpu 2 parked unarmed in the trampoline, NMI frame cs 0x8 rip 0x[0-9a-f]+ rsp 0x9000: survived$"
    ARGS -smp 4 -append smpboot.nmi=2)
endforeach()

# A fault on an AP before the kernel loaded its IDT (a UD2 in the early
# hook): the park IDT stops that CPU, which misses its callin; the machine
# goes on (before the park IDT: a triple fault, no result line).
smpboot_qemu_test(NAME x86_64.q35.early-fault.parallel EXAMPLE x86_64 EXPECT_HWIDS 0,1,3 EXPECT_FAILED 2
  EXPECT_LINES "^smpboot: cpu 2 hwid 0x2 failed: callin timeout at bp:bringup$" ", 1 traps in the park IDT"
  ARGS -smp 4 -append smpboot.early_fault=2 -append smpboot.callin_ms=1000)

# ---- The higher-half layout: no identity map, tables above 4 GiB ---------
# The example always runs at -2 GiB with a direct map and drops the boot
# identity map before smpboot starts (examples/x86_64/memory.hpp). With
# -m 6G its page tables, and so the APs' CR3, are above 4 GiB; with -cpu max
# (TCG has LA57) the boot CPU and so the APs use 5-level paging. Every run
# also checks the early hook: on each AP entry the AP had the boot CPU's PAT
# (which the example sets to Linux's, not the reset value) and MTRRs.
set(x86_hook_line "early hook: runs ([1-9][0-9]*), PAT as the boot CPU's \\1, MTRRs as the boot CPU's \\1 ")
set(x86_stress100 "^smpboot: stress cycles=100 downs=[1-9][0-9]* ups=[1-9][0-9]* errors=0$")
foreach(mode parallel seq)
  smpboot_qemu_test(NAME x86_64.q35.higher-half.m6G.stress100.${mode} EXAMPLE x86_64 EXPECT_HWIDS x86
    MODE ${mode} TIMEOUT 300
    EXPECT_LINES "no identity map, page tables \\([0-9]+ pages\\) at 0x1[0-9a-f]{8} \\(above 4 GiB\\), 4-level$"
                 "ran on the AP itself for 7/7 online APs" "${x86_stress100}" "${x86_hook_line}"
    ARGS -m 6G -smp 8 -append smpboot.stress=100)
  smpboot_qemu_test(NAME x86_64.q35.higher-half.m6G.la57.stress100.${mode} EXAMPLE x86_64 EXPECT_HWIDS x86
    MODE ${mode} TIMEOUT 300
    EXPECT_LINES "no identity map, page tables \\([0-9]+ pages\\) at 0x1[0-9a-f]{8} \\(above 4 GiB\\), 5-level$"
                 "ran on the AP itself for 5/5 online APs" "${x86_stress100}" "${x86_hook_line}"
    ARGS -m 6G -cpu max -smp 6,sockets=2,cores=3,threads=1 -append smpboot.stress=100)
endforeach()
# The guest image on its own address space (config::image_cr3) in 5-level mode.
smpboot_qemu_test(NAME x86_64.q35.higher-half.la57.guest.parallel EXAMPLE x86_64 EXPECT_HWIDS x86
  EXPECT_LINES "5-level$" "guest on cpu 1: reported sum\\(1..1001\\)=501501 from APIC ID 0x1 .*: ok$"
  ARGS -m 6G -cpu max -smp 2 -append smpboot.guest=1)

# ---- KVM: x2APIC (QEMU 7.2 TCG has none) -----------------------------------
# Registered always; each run checks /dev/kvm itself (check_run.py
# --needs-kvm) and is reported skipped, with the reason, where it is not
# usable. The runner then puts -accel kvm first. The boot CPU is switched to
# x2APIC as firmware would (smpboot.x2apic=on), so the backend runs in x2APIC
# mode and addresses APIC IDs above 255 (socket 1 of 2 x 129 cores starts at
# 0x100).
foreach(mode parallel seq)
  smpboot_qemu_test(NAME x86_64.kvm.x2apic.smp8.${mode} EXAMPLE x86_64 KVM EXPECT_HWIDS x86
    MODE ${mode} EXPECT_LINES "traps in the park IDT. x2APIC, " "ran on the AP itself for 7/7 online APs \\(runs: starting 7, online 7, on another cpu 0\\)"
    ARGS -smp 8 -cpu qemu64,+x2apic -append smpboot.x2apic=on)
endforeach()
smpboot_qemu_test(NAME x86_64.kvm.x2apic.broadcast.smp16 EXAMPLE x86_64 KVM EXPECT_HWIDS x86
  EXPECT_LINES "traps in the park IDT. x2APIC, .*; 1 broadcast INIT-SIPI-SIPI$"
  ARGS -smp 16 -cpu qemu64,+x2apic -append smpboot.x2apic=on -append smpboot.ipi=broadcast)
smpboot_qemu_test(NAME x86_64.kvm.x2apic.stress EXAMPLE x86_64 KVM EXPECT_HWIDS x86
  EXPECT_LINES "traps in the park IDT. x2APIC, " "^smpboot: stress cycles=200 downs=[1-9][0-9]* ups=[1-9][0-9]* errors=0$"
  ARGS -smp 8 -cpu qemu64,+x2apic -append smpboot.x2apic=on -append smpboot.stress=200)
smpboot_qemu_test(NAME x86_64.kvm.x2apic.id256 EXAMPLE x86_64 KVM EXPECT_HWIDS x86 TIMEOUT 300
  EXPECT_LINES "traps in the park IDT. x2APIC, " "^smpboot: cpu 129 hwid 0x100 online$"
  ARGS -M q35,kernel-irqchip=split -device intel-iommu,intremap=on,eim=on -cpu qemu64,+x2apic
       -smp 130,sockets=2,cores=129,threads=1,maxcpus=258 -append smpboot.x2apic=on)

# ---- Real boot paths: UEFI (OVMF), GRUB multiboot2 from SeaBIOS and OVMF ---
# Each boot goes through the firmware (seconds under TCG, more under load:
# generous timeouts), so there are few of them; label "firmware" selects
# them (ctest -L firmware -j N runs them side by side). Besides the
# contract, each checks the "boot:" lines saying where the RSDP, the
# command line and the trampoline page came from; the cmdline itself is
# checked by the mode (seq only reaches the kernel through the medium).
# (No ';' in these regexes: CMake would split them; '.' stands for it.)
# x86_fw_test(name example mode smp aps [EXPECT_LINES ...] [ARGS ...])
function(x86_fw_test name example mode smp aps)
  cmake_parse_arguments(F "" "" "EXPECT_LINES;ARGS" ${ARGN})
  smpboot_qemu_test(NAME ${example}.${name} EXAMPLE ${example} EXPECT_HWIDS x86 MODE ${mode} TIMEOUT 400
    EXPECT_LINES "ran on the AP itself for ${aps}/${aps} online APs \\(runs: starting ${aps}, online ${aps}, on another cpu 0\\)"
                 "^x86_64: boot: trampoline 0x[0-9a-f]+ from the lowest free pages in the memory map"
                 ${F_EXPECT_LINES}
    ARGS -smp ${smp} ${F_ARGS})
  set_property(TEST qemu.${example}.${name} APPEND PROPERTY LABELS firmware)
endfunction()

set(uefi_lines "^x86_64: boot: rsdp 0x[0-9a-f]+ from the EFI configuration table \\(ACPI 2.0 GUID\\). cmdline from \\\\cmdline.txt$")
x86_fw_test(q35.smp1.parallel x86_64-uefi parallel 1 0 EXPECT_LINES ${uefi_lines}
  "^x86_64: boot: the firmware's MP services had started 1 CPUs. its APs wait parked")
x86_fw_test(q35.smp4.seq x86_64-uefi seq 4 3 EXPECT_LINES ${uefi_lines}
  "^x86_64: boot: the firmware's MP services had started 4 CPUs. its APs wait parked for INIT-SIPI-SIPI$")
foreach(mode parallel seq)
  x86_fw_test(q35.smp16.${mode} x86_64-uefi ${mode} 16 15 EXPECT_LINES ${uefi_lines}
    "^x86_64: boot: the firmware's MP services had started 16 CPUs")
endforeach()
x86_fw_test(q35.stress100.parallel x86_64-uefi parallel 4 3 EXPECT_LINES ${uefi_lines}
  "^smpboot: stress cycles=100 downs=[1-9][0-9]* ups=[1-9][0-9]* errors=0$"
  ARGS -append smpboot.stress=100)
# The command line as LoadOptions: the UEFI shell starts the loader from
# startup.nsh (run-example, SMPBOOT_UEFI_CMDLINE=shell).
x86_fw_test(q35.shell-loadoptions.seq x86_64-uefi seq 2 1
  EXPECT_LINES "^x86_64: boot: rsdp 0x[0-9a-f]+ from the EFI configuration table \\(ACPI 2.0 GUID\\). cmdline from LoadOptions$")
set_property(TEST qemu.x86_64-uefi.q35.shell-loadoptions.seq APPEND PROPERTY ENVIRONMENT SMPBOOT_UEFI_CMDLINE=shell)
# ExitBootServices refuses a stale map key (the loader's first call uses a
# wrong one on purpose): a fresh map and a second call must get through.
x86_fw_test(q35.stale-map-key.parallel x86_64-uefi parallel 2 1
  EXPECT_LINES "^x86_64: boot: UEFI, firmware UEFI, ExitBootServices needed a fresh map key$"
  ARGS -append smpboot.efi_stale_key=1)
# 6 GiB: RAM above 4 GiB. The loader's handoff has no map of it, so the
# kernel's page tables stay in its image (below 4 GiB); the firmware's CR3
# is logged. A CR3 above 4 GiB is covered by the PVH higher-half.m6G tests.
x86_fw_test(q35.m6G.parallel x86_64-uefi parallel 4 3 EXPECT_LINES ${uefi_lines}
  "the firmware's cr3 was 0x[0-9a-f]+$" "page tables \\([0-9]+ pages\\) at 0x[0-9a-f]{1,8} \\(below 4 GiB\\), 4-level$"
  ARGS -m 6G)

# GRUB's memory map shows the RAM above 4 GiB: the kernel's page tables,
# and so the CR3 the APs are given, go there (any 64-bit CR3 works).
x86_fw_test(q35.m6G.parallel x86_64-grub-bios parallel 4 3
  EXPECT_LINES "page tables \\([0-9]+ pages\\) at 0x1[0-9a-f]{8} \\(above 4 GiB\\), 4-level$" ARGS -m 6G)

# GRUB: SeaBIOS's QEMU tables give an ACPI 1.0 RSDP (the old tag), OVMF's a
# 2.0 one (the new tag); GRUB passes a memory map either way. Per firmware:
# 16 CPUs in one mode, the stress run in the other.
function(x86_grub_tests example firmware acpi_tag mode16 stress_mode)
  x86_fw_test(q35.smp16.${mode16} ${example} ${mode16} 16 15
    EXPECT_LINES ". cmdline from the multiboot2 command line tag$"
    "^x86_64: boot: multiboot2, firmware ${firmware}, loader GRUB"
    "^x86_64: boot: rsdp 0x[0-9a-f]+ from the multiboot2 ACPI ${acpi_tag} tag")
  x86_fw_test(q35.stress100.${stress_mode} ${example} ${stress_mode} 4 3
    EXPECT_LINES "^smpboot: stress cycles=100 downs=[1-9][0-9]* ups=[1-9][0-9]* errors=0$"
    ARGS -append smpboot.stress=100)
endfunction()
x86_grub_tests(x86_64-grub-bios BIOS old parallel seq)
x86_grub_tests(x86_64-grub-uefi UEFI new seq parallel)

# ---- The ACPI Multiprocessor Wakeup mailbox (x86_64-mpwakeup) -------------
# QEMU has no mailbox: the test firmware stage (examples/fwstage-x86_64)
# starts every CPU itself, keeps the APs polling a mailbox it adds to QEMU's
# MADT, then boots the example, which must wake every AP through it (no
# INIT-SIPI-SIPI) and say so per CPU. -cpu max: the kernel runs 5-level
# paging and the firmware 4-level, so the wakeup entry goes down through
# protected mode. The stress runs take CPUs down (the library's poll park:
# ACPI 6.4 gives no way back to the firmware) and up again without the
# firmware. fwstage.deaf: that AP never acknowledges; its kick ends in the
# mailbox timeout, the others come online.
# x86_mpwakeup_test(name mode smp aps [EXPECT_LINES ...] [ARGS ...])
function(x86_mpwakeup_test name mode smp aps)
  cmake_parse_arguments(M "" "" "EXPECT_LINES;ARGS" ${ARGN})
  smpboot_mailbox_lines(woken ${aps} mp-wakeup)
  set(lines "^fwstage: ${aps} of ${aps} APs wait in the mailbox loop at 0x[0-9a-f]+"
            "^x86_64: ACPI: Multiprocessor Wakeup mailbox at 0x[0-9a-f]+, version 0$" ${woken})
  smpboot_qemu_test(NAME x86_64-mpwakeup.${name} EXAMPLE x86_64-mpwakeup EXPECT_HWIDS x86 MODE ${mode}
    TIMEOUT 300 EXPECT_LINES ${lines} ${M_EXPECT_LINES} ARGS -smp ${smp} ${M_ARGS})
endfunction()
foreach(mode parallel seq)
  x86_mpwakeup_test(q35.smp4.${mode} ${mode} 4 3
    EXPECT_LINES "ran on the AP itself for 3/3 online APs \\(runs: starting 3, online 3, on another cpu 0\\)")
  x86_mpwakeup_test(q35.smp8.stress100.${mode} ${mode} 8 7 EXPECT_LINES "${x86_stress100}"
    ARGS -append smpboot.stress=100)
  x86_mpwakeup_test(q35.la57.smp6.stress100.${mode} ${mode} 6,sockets=2,cores=3,threads=1 5
    EXPECT_LINES "5-level$" "${x86_stress100}" ARGS -cpu max -append smpboot.stress=100)
endforeach()
x86_mpwakeup_test(q35.smp16.parallel parallel 16 15)
x86_mpwakeup_test(pc.smp4.parallel parallel 4 3 ARGS -M pc)
foreach(mode parallel seq)
  smpboot_qemu_test(NAME x86_64-mpwakeup.q35.deaf.${mode} EXAMPLE x86_64-mpwakeup EXPECT_HWIDS 0,1,3
    EXPECT_FAILED 2 MODE ${mode}
    EXPECT_LINES "APIC ID 0x2 is deaf$" "^mailbox: cpu 1 woken by mp-wakeup$" "^mailbox: cpu 2 not woken$"
                 "^mailbox: cpu 3 woken by mp-wakeup$"
                 "^smpboot: cpu 2 hwid 0x2 failed: hardware did not respond \\(no acknowledgement in the Multiprocessor Wakeup mailbox \\(ACPI 6.4 5.2.12.19\\)\\) at bp:bringup \\(rc 2\\)$"
    ARGS -smp 4 -append fwstage.deaf=2 -append smpboot.callin_ms=1000)
endforeach()
# The same firmware, the mailbox ignored (smpboot.mpwakeup=off): INIT-SIPI-
# SIPI takes the APs out of the firmware's loop (INIT resets them) into the
# trampoline's 16-bit entry.
smpboot_qemu_test(NAME x86_64-mpwakeup.q35.mailbox-off.parallel EXAMPLE x86_64-mpwakeup EXPECT_HWIDS x86
  EXPECT_LINES "^fwstage: 3 of 3 APs wait in the mailbox loop" "trampoline [0-9]+ bytes at 0x[0-9a-f]+, entered 3 times"
               "ran on the AP itself for 3/3 online APs"
  ARGS -smp 4 -append smpboot.mpwakeup=off)
# Under KVM, the boot CPU in x2APIC mode (the state of a TDX guest): the woken
# APs find their slots by x2APIC ID (CPUID 0xB), and go down and up again.
smpboot_qemu_test(NAME x86_64-mpwakeup.kvm.x2apic.stress50 EXAMPLE x86_64-mpwakeup KVM EXPECT_HWIDS x86
  EXPECT_LINES "^mailbox: cpu 7 woken by mp-wakeup$" "traps in the park IDT. x2APIC, "
               "^smpboot: stress cycles=50 downs=[1-9][0-9]* ups=[1-9][0-9]* errors=0$"
  ARGS -smp 8 -cpu qemu64,+x2apic -append smpboot.x2apic=on -append smpboot.stress=50)
# Counted, not timed: while 8 and 64 CPUs come up in parallel, no guest write
# hits a page that holds translated code and QEMU throws away no translated
# block (bench/tcg_jit.py reads `info jit` and QEMU's traces at the kernel's
# smpboot.pause=1 stops; docs/benchmark.md "The x86 parallel tail under TCG, counted").
add_test(NAME qemu.x86_64.q35.tcg-no-code-page-writes
  COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/bench/tcg_jit.py
          --smp 8,64 --modes parallel --runs 1 --writes --check x86_64)
set_tests_properties(qemu.x86_64.q35.tcg-no-code-page-writes PROPERTIES LABELS "qemu;x86_64" TIMEOUT 600)
