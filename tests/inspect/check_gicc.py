#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# smpboot-inspect on arm64 ACPI tables compiled by iasl (tests/data/madt/
# madt-arm64-*.dsl, fadt-arm64-*.dsl), on patched copies (Online Capable,
# GICC lengths of each ACPI revision, malformed entries) and on acpidump -b
# style directories. The expected CPU list comes from decoding the GICCs
# here with the rules of ACPI 6.5 5.2.12.14 and Linux arm64, independently
# of the C++ parser.
#
#   check_gicc.py INSPECT AML_DIR WORK_DIR CASE
import pathlib
import struct
import sys

import harness
from harness import Checks

INSPECT, AML, WORK = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
checks = Checks(INSPECT)
check, run = checks.check, checks.run
AFFINITY = 0xFF00FFFFFF   # Arm ARM D17.2.101: Aff3, Aff2, Aff1, Aff0
ENABLED, ONLINE_CAPABLE = 1, 8   # ACPI 6.5 Table 5.48


def inspect_json(*args, expect_rc=0):
    return checks.json(*args, expect_rc=expect_rc, fallback={"cpus": [], "errors": [], "plan": [], "input": {}})


def table(name):
    return (AML / f"{name}.aml").read_bytes()


def fix(t):
    """Set the length field to the table's size and make the checksum right."""
    t = bytearray(t)
    struct.pack_into("<I", t, 4, len(t))
    t[9] = 0
    t[9] = (-sum(t)) & 0xFF
    return bytes(t)


def structures(t):
    off, i = 44, 0
    while off < struct.unpack_from("<I", t, 4)[0]:
        yield i, off, t[off], t[off:off + t[off + 1]]
        off, i = off + t[off + 1], i + 1


def giccs(t):
    """(index, offset, fields) of every GICC (ACPI 6.5 Table 5.47)."""
    for i, off, typ, s in structures(t):
        if typ == 0xB:
            yield i, off, dict(length=s[1], uid=struct.unpack_from("<I", s, 8)[0],
                               flags=struct.unpack_from("<I", s, 12)[0],
                               parking_version=struct.unpack_from("<I", s, 16)[0],
                               parked_address=struct.unpack_from("<Q", s, 24)[0],
                               mpidr=struct.unpack_from("<Q", s, 68)[0])


def expected(t, boot=None, psci=True, cap=4096):
    rows = list(giccs(t))
    if boot is None:
        boot = next((g["mpidr"] for _, _, g in rows if g["flags"] & ENABLED and not g["mpidr"] & ~AFFINITY), None)
    boot_idx = next((i for i, _, g in rows if g["mpidr"] == boot and g["flags"] & (ENABLED | ONLINE_CAPABLE)), None)
    cpus, seen, logical = [], set(), 1
    for i, off, g in rows:
        enabled = bool(g["flags"] & ENABLED)
        oc = not enabled and bool(g["flags"] & ONLINE_CAPABLE)
        method = "psci" if psci else ("parking-protocol" if g["parking_version"] and g["parked_address"] else None)
        use, lg = ("present" if enabled else "possible" if oc else "disabled"), None
        if use != "disabled":
            if g["mpidr"] & ~AFFINITY or (i != boot_idx and (g["mpidr"] in seen or g["mpidr"] == boot)):
                use = "rejected"
            elif i == boot_idx:
                use, lg = "present", 0
            elif boot_idx is None or method is None:
                use = "rejected"
            elif method == "parking-protocol" and (g["parking_version"] != 1 or g["parked_address"] % 4096):
                use = "rejected"   # parking.hpp: version 1, a 4 KiB-aligned mailbox
            elif logical < cap:
                seen.add(g["mpidr"])
                lg, logical = logical, logical + 1
            else:
                use = "dropped"
        cpus.append(dict(node=str(i), hwid=g["mpidr"], enable_method=method, usable=use == "present",
                         use=use, logical=lg, enabled=enabled, online_capable=bool(g["flags"] & ONLINE_CAPABLE),
                         uid=g["uid"]))
    return cpus


def compare(rep, t, label, **kw):
    keys = ("node", "hwid", "enable_method", "usable", "use", "logical", "enabled", "online_capable", "uid")
    got = [{k: c.get(k) for k in keys} for c in rep["cpus"]]
    want = expected(t, **kw)
    check(got == want, f"{label}: cpus differ\n  inspect {got}\n  oracle  {want}")
    check(rep["source"] == "madt" and rep["arch"] == "arm64", f"{label}: source/arch {rep['source']} {rep.get('arch')}")
    for c in rep["cpus"]:
        check(c["usable"] == (c["problem"] is None), f"{label}: entry {c['node']} usable/problem disagree")
        g = dict((f["mpidr"], f) for _, _, f in giccs(t)).get(c["hwid"])
        check(g is not None and c["gicc"]["parked_address"] == next(
            f["parked_address"] for i, _, f in giccs(t) if str(i) == c["node"]), f"{label}: gicc fields of {c['node']}")
    plan = [(p["logical"], p["hwid"]) for p in rep["plan"]]
    want_plan = sorted((c["logical"], c["hwid"]) for c in want if c["logical"] is not None)
    if not want_plan and kw.get("boot") is not None:
        want_plan = [(0, kw["boot"])]   # not in the table, but running
    check(plan == want_plan, f"{label}: plan {plan} != {want_plan}")
    return want


def patched(t, index, flags=None, length=None):
    """A copy with GICC `index`'s flags or length changed (cut or zero-padded)."""
    out, done = bytearray(t[:44]), False
    for i, off, typ, s in structures(t):
        s = bytearray(s)
        if i == index:
            if flags is not None:
                struct.pack_into("<I", s, 12, flags)
            if length is not None:
                s = (s + bytes(max(0, length - len(s))))[:length]
                s[1] = length
            done = True
        out += s
    assert done
    return fix(out)


def case_flags():
    t = table("madt-arm64-flags")
    rep = inspect_json(AML / "madt-arm64-flags.aml")
    compare(rep, t, "flags")
    by = {c["node"]: c for c in rep["cpus"]}
    check(by["3"]["use"] == "disabled", "flags: disabled GICC")
    check(by["5"]["problem"] == "duplicate CPU MPIDR", f"flags: duplicate {by['5']}")
    check(by["6"]["problem"] == "duplicate CPU MPIDR (the boot CPU's)", "flags: duplicate boot")
    check("affinity" in by["8"]["problem"], "flags: bad MPIDR bits")
    check(by["7"]["usable"] and by["7"]["topology"]["package"] == 0x1000, f"flags: Aff3 {by['7']}")
    check(by["9"]["gicc"]["parking_version"] == 1 and by["9"]["gicc"]["parked_address"] == 0x8FFF0000,
          f"flags: parking fields {by['9']['gicc']}")
    check(by["4"]["gicc"]["flags"] == 7, "flags: interrupt mode bits kept")
    check(rep["psci_method"] == "hvc" and rep["input"]["fadt"] == "--psci hvc", "flags: --psci default")
    check("MADT entry 5 at offset 0x184: duplicate CPU MPIDR 0x1" in rep["errors"], f"flags: errors {rep['errors']}")
    text = run(AML / "madt-arm64-flags.aml").stdout
    for s in ("parking v1 mailbox 0x8fff0000", "CPU_ON (0xc4000003) by hvc, target_cpu 0x1000000000",
              "GIC CPU Interface (GICC) (11)", "GIC Distributor (GICD) (12)"):
        check(s in text, f"flags: text lacks {s!r}")

    # Online Capable (ACPI 6.5), patched in: alone a possible CPU; with Enabled, a note.
    p = WORK / "arm64-oc.aml"
    p.write_bytes(patched(patched(t, 10, flags=ONLINE_CAPABLE), 4, flags=7 | ONLINE_CAPABLE))
    rep = inspect_json(p)
    compare(rep, p.read_bytes(), "online capable")
    by = {c["node"]: c for c in rep["cpus"]}
    check(by["10"]["use"] == "possible" and by["10"]["logical"] == 5 and not by["10"]["usable"], f"oc: {by['10']}")
    check(by["4"]["usable"] and "online capable" in (by["4"]["note"] or ""), f"oc+enabled: {by['4']}")
    check(rep["plan"][-1]["method"] == "none", f"oc: plan {rep['plan'][-1]}")

    # The conduit assumed for a MADT alone; without PSCI the parking GICC
    # (version 1, mailbox 0x8fff0000) is started through its mailbox.
    rep = inspect_json("--psci", "smc", AML / "madt-arm64-flags.aml")
    check(rep["psci_method"] == "smc" and "by smc" in rep["plan"][1]["detail"], f"--psci smc: {rep['plan']}")
    rep = inspect_json("--psci", "none", AML / "madt-arm64-flags.aml")
    compare(rep, t, "--psci none", psci=False)
    check(len(rep["plan"]) == 2 and rep["cpus"][8]["enable_method"] == "parking-protocol" and
          rep["plan"][1]["method"] == "parking-protocol" and "mailbox 0x8fff0000" in rep["plan"][1]["detail"],
          f"--psci none: {rep['plan']}")
    # The boot CPU named on the command line, and one that is not there.
    rep = inspect_json("--boot-hwid", 0x1000000000, AML / "madt-arm64-flags.aml")
    compare(rep, t, "boot Aff3", boot=0x1000000000)
    check(rep["plan"][0]["hwid"] == 0x1000000000 and rep["cpus"][6]["boot"], "boot Aff3: logical 0")
    rep = inspect_json("--boot-hwid", 0x77, AML / "madt-arm64-flags.aml", expect_rc=1)
    compare(rep, t, "boot missing", boot=0x77)
    check("MADT: missing boot CPU MPIDR, not enabling secondaries" in rep["errors"], f"boot missing: {rep['errors']}")
    # --max-cpus drops what does not fit.
    rep = inspect_json("--max-cpus", 3, AML / "madt-arm64-flags.aml")
    compare(rep, t, "max 3", cap=3)
    check(sum(c["use"] == "dropped" for c in rep["cpus"]) == 3, "max 3: dropped")


def case_lengths():
    t = table("madt-arm64-flags")
    # ACPI 5.1 (76), 6.5 (82) and a longer one: all accepted, the last with a warning.
    b = patched(patched(patched(t, 1, length=76), 2, length=82), 4, length=96)
    p = WORK / "arm64-lengths.aml"
    p.write_bytes(b)
    rep = inspect_json(p)
    compare(rep, b, "lengths")
    check([c["gicc"]["length"] for c in rep["cpus"][:4]] == [76, 82, 80, 96], f"lengths: {rep['cpus'][:4]}")
    check(any("longer than ACPI 6.5 defines" in e for e in rep["errors"]), f"lengths: warning {rep['errors']}")
    bad = {
        "acpi50-gicc": (patched(t, 3, length=40), "MADT entry 3 at offset 0xe4: too short for a GICC (ACPI 5.1: 76 bytes)"),
        "past-end": (fix(t[:-10]), "MADT entry 10 at offset 0x314: structure runs past the end of the table"),
        "zero-length": (fix(t[:0x94 + 1] + b"\0" + t[0x94 + 2:]), "MADT entry 2 at offset 0x94: structure length below 2"),
    }
    c = bytearray(t)
    c[60] ^= 1
    bad["checksum"] = (bytes(c), "MADT at offset 0x9: bad checksum")
    for name, (data, why) in bad.items():
        p = WORK / f"arm64-bad-{name}.aml"
        p.write_bytes(data)
        rep = inspect_json("--as", "madt", p, expect_rc=1)
        check(rep["errors"] and rep["errors"][0].startswith(why), f"bad {name}: errors {rep['errors']} lack {why!r}")
        check(not any(c["usable"] for c in rep["cpus"]) and rep["plan"] == [], f"bad {name}: something usable")
        check(all(c["problem"].startswith("the MADT is refused") for c in rep["cpus"]), f"bad {name}: rows")
    # Entries before a malformed one are still listed, refused with the table.
    rep = inspect_json(WORK / "arm64-bad-acpi50-gicc.aml", expect_rc=1)
    check([c["node"] for c in rep["cpus"]] == ["1", "2"], f"acpi50 gicc: listed {[c['node'] for c in rep['cpus']]}")


def case_many():
    t = table("madt-arm64-many")
    rep = inspect_json(AML / "madt-arm64-many.aml")
    want = compare(rep, t, "many")
    check(len(want) == 40 and all(c["usable"] for c in rep["cpus"]), "many: 40 usable")
    check([c["hwid"] for c in rep["cpus"]][15:18] == [0xF, 0x100, 0x101], "many: 16 per cluster")
    check(rep["cpus"][39]["topology"] == {"package": 0, "cluster": 2, "core": 7, "thread": 0, "from_cpu_map": False},
          f"many: topology {rep['cpus'][39]['topology']}")
    rep = inspect_json("--max-cpus", 16, "--boot-hwid", 0x101, AML / "madt-arm64-many.aml")
    compare(rep, t, "many max 16", boot=0x101, cap=16)
    check(len(rep["plan"]) == 16 and rep["plan"][0]["hwid"] == 0x101, f"many max 16: {len(rep['plan'])}")


def make_dir(name, files):
    return harness.make_dir(WORK, name, files)


def case_dirs():
    madt, rsdp, xsdt = table("madt-arm64-flags"), table("rsdp"), table("xsdt")
    for fadt, conduit, fact in (("hvc", "hvc", 0x603), ("smc", "smc", 0x603), ("acpi51", "smc", 0x501)):
        d = make_dir(f"arm64-{fadt}", {"rsdp.dat": rsdp, "xsdt.dat": xsdt, "facp.dat": table(f"fadt-arm64-{fadt}"),
                                       "apic.dat": madt})
        rep = inspect_json(d)
        compare(rep, madt, f"dir {fadt}")
        check(rep["psci_method"] == conduit, f"dir {fadt}: psci {rep['psci_method']}")
        check(rep["input"].get("fadt_file") == "facp.dat" and rep["input"].get("fadt_revision") == fact,
              f"dir {fadt}: input {rep['input']}")
        check({t["signature"] for t in rep["tables"]} == {"RSDP", "XSDT", "FACP", "APIC"}, f"dir {fadt}: tables")
        check(not rep["errors"][3:], f"dir {fadt}: errors {rep['errors']}")
    d = make_dir("arm64-nopsci", {"facp.dat": table("fadt-arm64-nopsci"), "apic.dat": madt})
    rep = inspect_json(d)
    compare(rep, madt, "dir nopsci", psci=False)
    check(rep["psci_method"] is None and [p["method"] for p in rep["plan"]] == ["boot", "parking-protocol"],
          f"dir nopsci: {rep['plan']}")
    check(any("no enable method" in e for e in rep["errors"]), f"dir nopsci: {rep['errors']}")
    d = make_dir("arm64-acpi50", {"facp.dat": table("fadt-arm64-acpi50"), "apic.dat": madt})
    rep = inspect_json(d)
    check(any(e.startswith("facp.dat: FADT at offset 0x8: older than ACPI 5.1") for e in rep["errors"]),
          f"dir acpi50: {rep['errors']}")
    check(len(rep["plan"]) == 1, "dir acpi50: nothing started without ARM boot flags")
    d = make_dir("arm64-no-fadt", {"apic.dat": madt})
    rep = inspect_json(d)
    check(any("no usable FADT" in e for e in rep["errors"]) and len(rep["plan"]) == 1, f"dir no fadt: {rep['errors']}")


def case_qemu():
    # QEMU 7.2 virt's own tables under AAVMF, dumped by the arm64 example
    # (smpboot.acpidump=1; tests/data/acpi/README.md): the MADT alone, and
    # the dump as an acpidump -b directory, where the FADT names the conduit.
    data = pathlib.Path(__file__).resolve().parents[1] / "data" / "acpi"
    for stem, conduit, usable in (("qemu72-virt-gicv3-smp20", "hvc", 20), ("qemu72-virt-gicv2-el2-smp4", "smc", 4)):
        t = (data / f"{stem}.madt.bin").read_bytes()
        rep = inspect_json("--psci", conduit, data / f"{stem}.madt.bin")
        compare(rep, t, stem)
        check(sum(c["usable"] for c in rep["cpus"]) == usable, f"{stem}: usable")
        dump, files, off = (data / f"{stem}.tables").read_bytes(), {}, 8
        while off + 16 <= len(dump):
            _, length, _ = struct.unpack_from("<QII", dump, off)
            blob = dump[off + 16:off + 16 + length]
            files[("rsdp" if blob[:8] == b"RSD PTR " else blob[:4].decode().lower()) + ".dat"] = blob
            off += 16 + length + (-length % 8)
        rep = inspect_json(make_dir(stem, files))
        compare(rep, t, f"{stem} as a directory")
        check(rep["psci_method"] == conduit and all(tb["valid"] for tb in rep["tables"]) and len(rep["tables"]) == 4,
              f"{stem}: psci {rep['psci_method']}, tables {rep['tables']}")
    rep = inspect_json("--psci", "hvc", data / "qemu72-virt-gicv3-smp20.madt.bin")
    check([c["hwid"] for c in rep["cpus"]][14:18] == [0xE, 0xF, 0x100, 0x101], "virt smp20: Aff1 from CPU 16")


CASES = {"flags": case_flags, "lengths": case_lengths, "many": case_many, "dirs": case_dirs, "qemu": case_qemu}

if __name__ == "__main__":
    WORK.mkdir(parents=True, exist_ok=True)
    CASES[sys.argv[4]]()
    checks.finish(sys.argv[4])
