#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# smpboot-inspect on iasl-compiled MADTs (tests/data/madt/*.dsl), on
# corrupted copies of them, and on directories of tables as `acpidump -b`
# writes them. The expected CPU list comes from decoding the table here,
# independently of the C++ parser, with the rules of ACPI 6.5 5.2.12.
#
#   check_madt.py INSPECT AML_DIR WORK_DIR CASE
import pathlib
import struct
import sys

import harness
from harness import Checks

INSPECT, AML, WORK = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
checks = Checks(INSPECT)
check, run, failures = checks.check, checks.run, checks.failures


def inspect_json(*args, expect_rc=0):
    return checks.json(*args, expect_rc=expect_rc, fallback={"cpus": [], "errors": [], "plan": [], "input": {}})


def fix_checksum(table):
    t = bytearray(table)
    t[9] = 0
    t[9] = (-sum(t)) & 0xFF
    return bytes(t)


def structures(table):
    """(index, offset, type, bytes) of every MADT structure (ACPI 6.5 Table 5.19)."""
    off, i = 44, 0
    length = struct.unpack_from("<I", table, 4)[0]
    while off < length:
        t, n = table[off], table[off + 1]
        yield i, off, t, table[off:off + n]
        off, i = off + n, i + 1


def expected_cpus(table, boot=None):
    """The CPU entries in table order with what the parser must decide."""
    rev = table[8]
    cpus, ids, logical = [], set(), 0
    rows = []
    for i, off, t, s in structures(table):
        if t == 0:
            uid, hwid, flags = s[2], s[3], struct.unpack_from("<I", s, 4)[0]
            broadcast = 0xFF
        elif t == 9:
            hwid, flags, uid = struct.unpack_from("<III", s, 4)
            broadcast = 0xFFFFFFFF
        else:
            continue
        rows.append(dict(node=str(i), hwid=hwid, flags=flags, uid=uid, broadcast=broadcast,
                         enable_method="apic" if t == 0 else "x2apic"))
    # The boot CPU: --boot-hwid, else the first enabled entry that is not a broadcast ID.
    boot_row = next((r for r in rows if (r["hwid"] == boot if boot is not None else r["flags"] & 1)
                     and not (r["hwid"] == r["broadcast"] and r["flags"] & 3)), None)
    if boot_row is not None:
        ids.add(boot_row["hwid"])
    if boot_row is not None or boot is not None:
        logical = 1   # a boot CPU the table does not list still runs as logical 0 (Linux does so too)
    for r in rows:
        enabled, oc = bool(r["flags"] & 1), bool(r["flags"] & 2)
        if r is boot_row:
            use, lg = "present", 0
        elif r["hwid"] == r["broadcast"] and (enabled or oc):
            use, lg = "rejected", None
        elif enabled or (oc and rev >= 5):
            if r["hwid"] in ids:
                use, lg = "rejected", None
            else:
                ids.add(r["hwid"])
                use, lg = ("present" if enabled else "possible"), logical
                logical += 1
        else:
            use, lg = "disabled", None
        cpus.append(dict(node=r["node"], hwid=r["hwid"], enable_method=r["enable_method"], release_addr=None,
                         usable=use == "present", use=use, logical=lg, enabled=enabled,
                         online_capable=oc, uid=r["uid"]))
    return cpus


def compare(rep, table, label, boot=None):
    keys = ("node", "hwid", "enable_method", "release_addr", "usable", "use", "logical", "enabled",
            "online_capable", "uid")
    got = [{k: c.get(k) for k in keys} for c in rep["cpus"]]
    want = expected_cpus(table, boot)
    check(got == want, f"{label}: cpus differ\n  inspect {got}\n  oracle  {want}")
    check(rep["source"] == "madt" and rep["psci_method"] is None, f"{label}: source/psci")
    for c in rep["cpus"]:
        check(c["usable"] == (c["problem"] is None), f"{label}: entry {c['node']} usable/problem disagree")
    # The plan: every present or possible CPU in logical order, boot first.
    plan = [(p["logical"], p["hwid"]) for p in rep["plan"]]
    want_plan = sorted((c["logical"], c["hwid"]) for c in want if c["logical"] is not None)
    if boot is not None and not any(c["logical"] == 0 for c in want):
        want_plan.insert(0, (0, boot))
    check(plan == want_plan, f"{label}: plan {plan} != {want_plan}")
    start = "mp-wakeup" if wakeup_mailbox(table) else "init-sipi-sipi"
    for p in rep["plan"][1:]:
        w = next(c for c in want if c["logical"] == p["logical"])
        check(p["method"] == (start if w["use"] == "present" else "none"), f"{label}: plan step {p}")
    return want


def wakeup_mailbox(table):
    """The mailbox of the first usable Multiprocessor Wakeup structure (ACPI 6.4
    5.2.12.19, Table 5.44: type 0x10, MailboxAddress at offset 8, 4 KiB aligned), or None."""
    for _, _, t, s in structures(table):
        if t == 0x10 and len(s) >= 16:
            addr = struct.unpack_from("<Q", s, 8)[0]
            if addr and addr % 4096 == 0:
                return addr
    return None


def with_mp_wakeup(table, *structs):
    """`table` with Multiprocessor Wakeup structures appended: (mailbox, version, reset vector)."""
    t = bytearray(table)
    for mailbox, version, reset in structs:
        t += struct.pack("<BBHIQ", 0x10, 24 if version >= 1 else 16, version, 0, mailbox)
        if version >= 1:
            t += struct.pack("<Q", reset)
    struct.pack_into("<I", t, 4, len(t))
    return fix_checksum(t)


def table(name):
    return (AML / f"{name}.aml").read_bytes()


def case_many():
    t = table("madt-300")
    rep = inspect_json(AML / "madt-300.aml")
    compare(rep, t, "madt-300")
    check(len(rep["cpus"]) == 300, f"madt-300: {len(rep['cpus'])} cpus listed")
    check(sum(c["usable"] for c in rep["cpus"]) == 294, "madt-300: 294 usable")
    big = [c for c in rep["cpus"] if c["hwid"] > 255 and c["usable"]]
    check(len(big) == 44 and all(c["enable_method"] == "x2apic" for c in big), "madt-300: x2APIC IDs > 255 usable")
    check(rep["input"].get("madt_revision") == 5, "madt-300: revision")
    check(not rep["errors"], f"madt-300: errors {rep['errors']}")
    # --max-cpus: the parser drops what does not fit, and says so per entry.
    rep = inspect_json("--max-cpus", 100, AML / "madt-300.aml")
    check(len(rep["plan"]) == 100, f"--max-cpus 100: plan has {len(rep['plan'])} steps")
    dropped = [c for c in rep["cpus"] if c.get("use") == "dropped"]
    check(len(dropped) == 298 - 100, f"--max-cpus 100: {len(dropped)} dropped")   # 298 present or possible
    check(all(not c["usable"] and "capacity" in c["problem"] for c in dropped), "--max-cpus: dropped problem")


def case_override():
    t = table("madt-override")
    rep = inspect_json(AML / "madt-override.aml")
    compare(rep, t, "madt-override")
    check(rep["input"].get("lapic_address") == 0xFED00000, f"override: lapic_address {rep['input']}")
    check([m["type"] for m in rep["madt"]] == [0, 0, 0, 0, 1, 2, 2, 4, 5], f"override: structures {rep['madt']}")
    check([c["hwid"] for c in rep["cpus"] if c["usable"]] == [0, 2, 4, 6], "override: usable APIC IDs")
    text = run(AML / "madt-override.aml").stdout
    check("local APIC at 0xfed00000 (from a type 5 override)" in text, "override: text output")


def case_flags():
    t = table("madt-flags")
    rep = inspect_json(AML / "madt-flags.aml")
    compare(rep, t, "madt-flags")
    by = {c["node"]: c for c in rep["cpus"]}
    check(by["3"]["use"] == "possible" and by["3"]["logical"] == 2, "flags: online capable -> possible")
    check(by["4"]["usable"] and "online capable" in (by["4"]["note"] or ""), "flags: enabled+oc note")
    check(by["5"]["problem"] == "duplicate APIC ID", "flags: duplicate")
    check("broadcast" in by["6"]["problem"] and "broadcast" in by["8"]["problem"], "flags: broadcast IDs")
    check(by["7"]["usable"] and by["7"]["hwid"] == 0x100, "flags: x2APIC 0x100")
    check("MADT entry 10 at offset 0x90: a second address override (ignored)" in rep["errors"],
          f"flags: errors {rep['errors']}")
    check(rep["input"]["lapic_address"] == 0xFEE00000, "flags: first override wins")
    text = run(AML / "madt-flags.aml").stdout
    for s in ("INIT, SIPI, SIPI to x2APIC ID 0x100 (needs x2APIC mode)", "possible only",
              "MADT entry 5 at offset 0x54: duplicate APIC ID", "Bring-up plan"):
        check(s in text, f"flags: text lacks {s!r}")
    # An x2APIC entry with only Online Capable set (iasl cannot write it).
    raw = bytearray(t)
    idx, off, _, _ = next(s for s in structures(t) if s[0] == 7)
    struct.pack_into("<I", raw, off + 8, 2)
    path = WORK / "madt-x2apic-oc.aml"
    path.write_bytes(fix_checksum(raw))
    rep = inspect_json(path)
    compare(rep, path.read_bytes(), "x2apic-oc")
    check(rep["cpus"][7]["use"] == "possible", "x2apic-oc: possible")
    # The boot CPU named on the command line becomes logical 0 wherever it is.
    rep = inspect_json("--boot-hwid", 0x100, AML / "madt-flags.aml")
    compare(rep, t, "flags --boot-hwid 0x100", boot=0x100)
    check(rep["boot_hwid"] == 0x100 and rep["cpus"][7]["boot"], "flags: --boot-hwid 0x100")
    # A boot CPU the MADT does not list: a warning, and it is logical 0 anyway.
    rep = inspect_json("--boot-hwid", 0x77, AML / "madt-flags.aml")
    compare(rep, t, "flags --boot-hwid 0x77", boot=0x77)
    check("warning: MADT: the boot CPU's APIC ID is not listed (it runs as logical 0 anyway) (0x77)" in rep["errors"],
          f"flags: missing boot {rep['errors']}")
    check(rep["plan"][0] == {"logical": 0, "hwid": 0x77, "method": "boot",
                             "detail": "running already; not listed in the MADT"}, f"flags: missing boot plan {rep['plan'][0]}")
    # A structure longer than ACPI 6.5 defines: read, with a warning.
    b = bytearray(t[:0x3c]) + bytes([0, 10]) + t[0x3e:0x44] + bytes(2) + t[0x44:]
    p = WORK / "madt-longer-entry.aml"
    p.write_bytes(fix_checksum(struct.pack("<I", len(b)).join([b[:4], b[8:]])))
    rep = inspect_json(p)
    compare(rep, p.read_bytes(), "longer entry")
    check(any(e.startswith("warning: MADT entry 2 at offset 0x3c: longer than ACPI 6.5 defines") for e in rep["errors"]),
          f"longer entry: {rep['errors']}")


def case_rev3():
    rep = inspect_json(AML / "madt-rev3.aml")
    compare(rep, table("madt-rev3"), "madt-rev3")
    check(rep["cpus"][1]["use"] == "disabled", "rev3: no Online Capable before revision 5")


def case_x2apic():
    rep = inspect_json(AML / "madt-x2apic.aml")
    compare(rep, table("madt-x2apic"), "madt-x2apic")
    check(rep["boot_hwid"] == 0x1000 and len(rep["plan"]) == 16, "x2apic: boot 0x1000, 16 CPUs")
    rep = inspect_json("--boot-hwid", 0x1010, AML / "madt-x2apic.aml")
    compare(rep, table("madt-x2apic"), "madt-x2apic boot 0x1010", boot=0x1010)
    check(rep["plan"][0]["hwid"] == 0x1010 and rep["plan"][1]["hwid"] == 0x1000, "x2apic: boot order")


def case_unusable():
    rep = inspect_json(AML / "madt-none-enabled.aml", expect_rc=1)
    check(rep["usable"] is False and any("no enabled CPU entry" in e for e in rep["errors"]),
          f"none-enabled: {rep['errors']}")
    good = table("madt-flags")
    bad = {}
    b = bytearray(good); b[40] ^= 0xFF
    bad["checksum"] = (bytes(b), "bad checksum")
    b = bytearray(good); struct.pack_into("<I", b, 4, len(good) + 64)
    bad["length-beyond"] = (fix_checksum(b), "length beyond the readable table")
    bad["truncated-file"] = (good[:30], "header not readable")
    b = bytearray(good); b[0x3c + 1] = 0
    bad["zero-length-entry"] = (fix_checksum(b), "MADT entry 2 at offset 0x3c: structure length below 2")
    b = bytearray(good); b[0x84 + 1] = 0x40
    bad["entry-past-end"] = (fix_checksum(b), "MADT entry 9 at offset 0x84: structure runs past the end")
    b = bytearray(good); b[0x34 + 1] = 6
    bad["lapic-too-short"] = (fix_checksum(b), "MADT entry 1 at offset 0x34: too short for a Processor Local APIC")
    b = bytearray(good[:0x40]); struct.pack_into("<I", b, 4, 0x40)
    bad["cut-mid-entry"] = (fix_checksum(b), "MADT entry 2 at offset 0x3c: structure runs past the end")
    b = bytearray(good); struct.pack_into("<I", b, 36, 0); b = b[:0x84]; struct.pack_into("<I", b, 4, 0x84)
    bad["no-lapic-address"] = (fix_checksum(b), "no local APIC address")
    for name, (data, why) in bad.items():
        p = WORK / f"bad-{name}.aml"
        p.write_bytes(data)
        rep = inspect_json("--as", "madt", p, expect_rc=1)
        check(any(why in e for e in rep["errors"]), f"bad {name}: errors {rep['errors']} lack {why!r}")
        check(not any(c["usable"] for c in rep["cpus"]) and rep["plan"] == [], f"bad {name}: something usable")
    # A bad checksum refuses the table; its entries are still listed, refused.
    rep = inspect_json(WORK / "bad-checksum.aml", expect_rc=1)
    check(len(rep["cpus"]) == 9 and all(c["problem"].startswith("the MADT is refused: MADT at offset 0x9: bad checksum")
                                        for c in rep["cpus"]), f"bad checksum: {rep['cpus']}")
    # Structures before a malformed one are still listed (refused with the table).
    rep = inspect_json(WORK / "bad-zero-length-entry.aml", expect_rc=1)
    check([c["node"] for c in rep["cpus"]] == ["0", "1"] and
          all(c["problem"].startswith("the MADT is refused: MADT entry 2") for c in rep["cpus"]),
          f"zero-length entry: {rep['cpus']}")
    p = WORK / "not-a-table.bin"
    p.write_bytes(b"hello, world\n" * 10)
    rep = inspect_json(p, expect_rc=1)
    check(any("neither a DTB" in e for e in rep["errors"]), f"not a table: {rep['errors']}")
    rep = inspect_json(WORK / "does-not-exist", expect_rc=1)
    check(any("cannot open" in e for e in rep["errors"]), "missing file")
    run("--bogus", AML / "madt-flags.aml", expect_rc=2)
    run(expect_rc=2)


def make_dir(name, files):
    return harness.make_dir(WORK, name, files)


def case_dirs():
    madt, rsdp, xsdt = table("madt-300"), table("rsdp"), table("xsdt")
    # acpidump -b names tables by signature in lower case.
    d = make_dir("acpi-ok", {"rsdp.dat": rsdp, "xsdt.dat": xsdt, "apic.dat": madt})
    rep = inspect_json(d)
    compare(rep, madt, "dir ok")
    check({t["signature"]: t["valid"] for t in rep["tables"]} == {"APIC": True, "RSDP": True, "XSDT": True},
          f"dir ok: tables {rep['tables']}")
    check(rep["input"].get("madt_file") == "apic.dat", "dir ok: madt_file")
    check(not rep["errors"], f"dir ok: errors {rep['errors']}")
    # The same through --as acpi-dir, and the text form.
    check("RSDP revision 2: RSDT 0x0, XSDT 0x7ffe1000" in run("--as", "acpi-dir", d).stdout, "dir ok: text")

    b = bytearray(madt); b[50] ^= 1
    d = make_dir("acpi-bad-madt", {"rsdp.dat": rsdp, "xsdt.dat": xsdt, "apic.dat": bytes(b)})
    rep = inspect_json(d, expect_rc=1)
    check(any(e.startswith("apic.dat: MADT at offset 0x9: bad checksum") for e in rep["errors"]) and
          any("no usable MADT" in e for e in rep["errors"]),
          f"dir bad madt: {rep['errors']}")
    b = bytearray(xsdt); b[20] ^= 1
    d = make_dir("acpi-bad-xsdt", {"xsdt.dat": bytes(b), "apic.dat": madt})
    rep = inspect_json(d)   # the MADT alone still tells the CPUs
    check(any(e.startswith("xsdt.dat: XSDT") and "bad checksum" in e for e in rep["errors"]),
          f"dir bad xsdt: {rep['errors']}")
    d = make_dir("acpi-no-madt", {"rsdp.dat": rsdp, "xsdt.dat": xsdt})
    rep = inspect_json(d, expect_rc=1)
    check(any("no usable MADT" in e for e in rep["errors"]), f"dir no madt: {rep['errors']}")
    d = make_dir("acpi-two-madts", {"apic.dat": table("madt-override"), "apic2.dat": madt})
    rep = inspect_json(d)
    compare(rep, table("madt-override"), "dir two madts")
    check(any("a second MADT" in e for e in rep["errors"]), f"dir two madts: {rep['errors']}")


def case_qemu():
    # QEMU 7.2's own MADTs and table dumps (the x86 example's smpboot.acpidump=1;
    # tests/data/acpi/README.md): the MADT alone, and the dump as an acpidump -b directory.
    data = pathlib.Path(__file__).resolve().parents[1] / "data" / "acpi"
    madts = sorted(p for p in data.glob("qemu72-*.madt.bin") if "-virt-" not in p.name)   # virt: arm64 (check_gicc.py)
    check(len(madts) >= 4, f"only {len(madts)} QEMU MADTs in {data}")
    for p in madts:
        t = p.read_bytes()
        rep = inspect_json(p)
        want = compare(rep, t, p.name)
        check(sum(c["usable"] for c in rep["cpus"]) == sum(c["usable"] for c in want) > 0, f"{p.name}: usable")
        dump = p.with_name(p.name.replace(".madt.bin", ".tables")).read_bytes()
        files, off = {}, 8
        while off + 16 <= len(dump):
            _, length, _ = struct.unpack_from("<QII", dump, off)
            blob = dump[off + 16:off + 16 + length]
            files[("rsdp" if blob[:8] == b"RSD PTR " else blob[:4].decode().lower()) + ".dat"] = blob
            off += 16 + length + (-length % 8)
        d = make_dir("qemu-" + p.name.split(".")[0], files)
        rep = inspect_json(d)
        compare(rep, t, f"{p.name} as a directory")
        check(all(tb["valid"] for tb in rep["tables"]) and len(rep["tables"]) == 3, f"{d}: tables {rep['tables']}")
    rep = inspect_json(data / "qemu72-q35-smp255.madt.bin")
    check(sum(c["usable"] for c in rep["cpus"]) == 255 and rep["cpus"][-1]["hwid"] == 254, "q35 smp255")


def case_mpwakeup():
    # iasl 20200925 predates the type 0x10 structure: appended here by hand.
    base = table("madt-override")
    t = with_mp_wakeup(base, (0x7fff000, 0, 0), (0x200000, 0, 0))
    path = WORK / "mpwakeup.bin"
    path.write_bytes(t)
    rep = inspect_json(path)
    compare(rep, t, "mpwakeup")
    wk = [m for m in rep["madt"] if m["type"] == 0x10]
    check(len(wk) == 2 and all(m["type_name"] == "Multiprocessor Wakeup" for m in wk), f"mpwakeup: {wk}")
    check(rep["input"].get("mp_wakeup_mailbox") == 0x7fff000, f"mpwakeup: input {rep['input']}")
    check(any("second Multiprocessor Wakeup" in e for e in rep["errors"]), f"mpwakeup: errors {rep['errors']}")
    check(all(p["method"] == "mp-wakeup" for p in rep["plan"][1:]) and len(rep["plan"]) > 1, "mpwakeup: plan")
    text = run(path).stdout
    check("mailbox 0x7fff000 version 0" in text and "Multiprocessor Wakeup mailbox at 0x7fff000" in text,
          "mpwakeup: text output")
    # ACPI 6.6 version 1 (ResetVector), and a mailbox that is not 4 KiB aligned.
    t = with_mp_wakeup(base, (0x100800, 0, 0), (0x300000, 1, 0x9f000))
    path.write_bytes(t)
    rep = inspect_json(path)
    compare(rep, t, "mpwakeup v1")
    check(rep["input"].get("mp_wakeup_mailbox") == 0x300000, f"mpwakeup v1: input {rep['input']}")
    check(any("not 4 KiB aligned" in e for e in rep["errors"]), f"mpwakeup v1: errors {rep['errors']}")
    check("mailbox 0x300000 version 1 reset vector 0x9f000" in run(path).stdout, "mpwakeup v1: text")
    # No usable structure: INIT-SIPI-SIPI.
    t = with_mp_wakeup(base, (0x100800, 0, 0))
    path.write_bytes(t)
    rep = inspect_json(path)
    compare(rep, t, "mpwakeup misaligned")
    check("mp_wakeup_mailbox" not in rep["input"], "mpwakeup misaligned: no mailbox")


CASES = {"mpwakeup": case_mpwakeup, "many": case_many, "override": case_override, "flags": case_flags, "rev3": case_rev3,
         "x2apic": case_x2apic, "unusable": case_unusable, "dirs": case_dirs, "qemu": case_qemu}

if __name__ == "__main__":
    WORK.mkdir(parents=True, exist_ok=True)
    CASES[sys.argv[4]]()
    checks.finish(sys.argv[4])
