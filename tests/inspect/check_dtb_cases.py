#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# smpboot-inspect on particular device trees: the boot CPU option, the CPU
# limit, the plan per enable method, refused nodes, and blobs it must refuse.
#
#   check_dtb_cases.py INSPECT DTB_DIR WORK_DIR DEBIAN_DTB_ROOT
#
# DEBIAN_DTB_ROOT holds Debian's arm64 DTBs (scripts/install-deps unpacks them).
import pathlib
import sys

from harness import Checks

INSPECT, DTBS, WORK = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
RPI = next(pathlib.Path(sys.argv[4]).rglob("bcm2837-rpi-3-b.dtb"), None)
if RPI is None:
    sys.exit(f"no bcm2837-rpi-3-b.dtb under {sys.argv[4]} (run scripts/install-deps)")
checks = Checks(INSPECT)
check, run = checks.check, checks.run


def js(*args, expect_rc=0):
    return checks.json(*args, expect_rc=expect_rc, fallback={"cpus": [], "errors": []})


WORK.mkdir(parents=True, exist_ok=True)
v3 = DTBS / "virt-gicv3-smp20.dtb"

# QEMU virt, GICv3, 20 CPUs: PSCI by HVC, MPIDRs 16 per cluster.
rep = js(v3)
check(rep["psci_method"] == "hvc" and len(rep["cpus"]) == 20 and all(c["usable"] for c in rep["cpus"]), "virt20")
check([p["hwid"] for p in rep["plan"]] == list(range(16)) + [0x100, 0x101, 0x102, 0x103], "virt20: plan order")
check(all(p["method"] == "psci" and "CPU_ON (0xc4000003) by hvc" in p["detail"] for p in rep["plan"][1:]),
      "virt20: CPU_ON by hvc")
# QEMU's cpu-map puts every CPU in socket0/cluster0 (core0..19): cpu-map wins over MPIDR.
t = rep["cpus"][16]["topology"]
check(t == {"package": 0, "cluster": 0, "core": 16, "thread": 0, "from_cpu_map": True}, f"virt20: topology {t}")

# --boot-hwid: that CPU is logical 0, the others follow in DT order.
rep = js("--boot-hwid", "0x101", v3)
check(rep["plan"][0]["hwid"] == 0x101 and rep["plan"][1]["hwid"] == 0, "boot 0x101 first")
check(rep["cpus"][17]["boot"] and rep["cpus"][17]["logical"] == 0 and rep["cpus"][0]["logical"] == 1, "boot 0x101 logical")
# A boot CPU that the DT does not describe: Linux (and smpboot) start no secondaries.
rep = js("--boot-hwid", "0x7", DTBS / "virt-gicv2-smp4.dtb", expect_rc=1)
check(any("missing boot CPU MPIDR" in e for e in rep["errors"]), f"missing boot: {rep['errors']}")
check(all(not c["usable"] for c in rep["cpus"]) and len(rep["plan"]) == 1, "missing boot: nothing started")

# --max-cpus: the parser drops what does not fit.
rep = js("--max-cpus", "4", v3)
check(len(rep["plan"]) == 4 and sum(c["usable"] for c in rep["cpus"]) == 4, "max-cpus 4")
check(sum("beyond the configured maximum" in (c["problem"] or "") for c in rep["cpus"]) == 16, "max-cpus 4: dropped")

# EL2 virt: PSCI by SMC.
rep = js(DTBS / "virt-el2-smp2.dtb")
check(rep["psci_method"] == "smc" and "by smc" in rep["plan"][1]["detail"], "el2: smc")

# Raspberry Pi 3 B (Debian's DTB): spin-table at 0xd8..0xf0, no PSCI.
rep = js(RPI)
check(rep["psci_method"] is None and [c["release_addr"] for c in rep["cpus"]] == [0xD8, 0xE0, 0xE8, 0xF0], "rpi3b")
check([p["method"] for p in rep["plan"]] == ["boot"] + ["spin-table"] * 3 and "0xe0" in rep["plan"][1]["detail"],
      "rpi3b plan")

# Refused nodes: each with its path and reason, in the JSON and the text.
rep = js(DTBS / "cpus-bad.dtb")
want = {
    "cpu@2": "missing reg property",
    "cpu@1000000": "invalid reg property (bits outside the MPIDR affinity fields)",
    "cpu-dup@1": "duplicate cpu reg properties in the DT",
    "cpu@3": "unsupported enable-method property",
    "cpu@4": "spin-table without a valid cpu-release-addr",
    "cpu@5": "missing enable-method property",
    "cpu@8": "status is not okay",
}
got = {c["node"]: c["problem"] for c in rep["cpus"]}
for node, why in want.items():
    check(got.get(node) == why, f"cpus-bad {node}: {got.get(node)!r} != {why!r}")
    check(f"/cpus/{node}: {why}" in rep["errors"], f"cpus-bad errors lack {node}")
text = run(DTBS / "cpus-bad.dtb").stdout
for s in ("/cpus/cpu@5: missing enable-method property", "Bring-up plan", "usable, boot CPU", "not usable: status is not okay"):
    check(s in text, f"cpus-bad text lacks {s!r}")

# Blobs it cannot use: a non-zero exit and the reason with its offset.
blob = bytearray(v3.read_bytes())
cases = {
    "truncated": (bytes(blob[:200]), "DTB at offset 0x4: bad totalsize"),
    "bad-version": (bytes(blob[:20] + (15).to_bytes(4, "big") + blob[24:]), "unsupported version"),
    "bad-token": (bytes(blob[:int.from_bytes(blob[8:12], "big")] + b"\0\0\0\x07" +
                        blob[int.from_bytes(blob[8:12], "big") + 4:]), "DTB at offset 0x38: unexpected token"),
}
for name, (data, why) in cases.items():
    p = WORK / f"{name}.dtb"
    p.write_bytes(data)
    rep = js("--as", "dtb", p, expect_rc=1)
    check(rep["source"] == "dtb" and rep["cpus"] == [] and any(why in e for e in rep["errors"]),
          f"{name}: errors {rep['errors']} lack {why!r}")
# No /cpus at all.
rep = js(DTBS / "basic.dtb", expect_rc=1)
check(rep["errors"] == ["/cpus: no /cpus node"] and rep["boot_hwid"] is None, f"no /cpus: {rep}")

checks.finish("dtb cases")
