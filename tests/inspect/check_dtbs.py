#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# smpboot-inspect against libfdt on real device trees. For every DTB, the
# JSON's cpus (names, reg, enable-method, cpu-release-addr, in DT order) and
# psci_method must equal what libfdt reads, and each CPU's usable flag must
# follow the rules of include/smpboot/arm64/discovery.hpp applied here
# independently.
#
#   check_dtbs.py INSPECT MIN_COUNT DIR_OR_DTB...
#
# DIRs are searched recursively for *.dtb; fewer than MIN_COUNT DTBs fails
# (a test that found nothing must not pass).
import json
import pathlib
import subprocess
import sys

import libfdt  # python3-libfdt (Debian)

Q = (libfdt.NOTFOUND,)
MPIDR_AFF_MASK = 0xFF00FFFFFF  # Arm ARM D17.2.101: Aff3 [39:32], Aff2..Aff0 [23:0]


def props(fdt, node):
    """All properties of a node as {name: bytes}. (fdt.getprop on a missing
    property crashes python3-libfdt 1.6.1 under Python 3.11, so iterate.)"""
    out = {}
    off = fdt.first_property_offset(node, quiet=Q)
    while off >= 0:
        p = fdt.get_property_by_offset(off)
        out[p.name] = bytes(p)
        off = fdt.next_property_offset(off, quiet=Q)
    return out


def strings(value):
    return [s.decode("utf-8", "replace") for s in value.split(b"\0")[:-1]] if value and value[-1:] == b"\0" else []


def be(value):
    return int.from_bytes(value, "big")


def all_nodes(fdt):
    node, depth = 0, 0
    while node >= 0 and depth >= 0:   # depth < 0: walked out of the root
        yield node
        node, depth = fdt.next_node(node, depth, quiet=Q)


def expected(path):
    fdt = libfdt.Fdt(path.read_bytes())
    # The PSCI node: the first compatible with 1.0, else 0.2, else 0.1.
    psci = None
    for compat in ("arm,psci-1.0", "arm,psci-0.2", "arm,psci"):
        for n in all_nodes(fdt):
            if compat in strings(props(fdt, n).get("compatible")):
                psci = props(fdt, n)
                break
        if psci is not None:
            break
    method = None
    if psci is not None:
        m = strings(psci.get("method"))
        method = m[0] if len(m) == 1 and m[0] in ("hvc", "smc") else None
    psci_ok = psci is not None and method is not None and strings(psci.get("status")) in ([], ["okay"], ["ok"])
    if psci_ok and "arm,psci-0.2" not in strings(psci.get("compatible")) and \
            "arm,psci-1.0" not in strings(psci.get("compatible")):
        psci_ok = "cpu_on" in psci and be(psci["cpu_on"][:4]) != 0

    cpus_node = fdt.path_offset("/cpus", quiet=Q)
    cpus = []
    if cpus_node < 0:
        return method, cpus
    cells = be(props(fdt, cpus_node).get("#address-cells", b"\0\0\0\2"))
    child = fdt.first_subnode(cpus_node, quiet=Q)
    while child >= 0:
        p = props(fdt, child)
        if strings(p.get("device_type")) == ["cpu"]:
            reg = p.get("reg")
            hwid = be(reg) if cells in (1, 2) and reg is not None and len(reg) == 4 * cells else None
            em = strings(p.get("enable-method"))
            ra = p.get("cpu-release-addr")
            cpus.append({
                "node": fdt.get_name(child),
                "hwid": hwid,
                "enable_method": em[0] if em else None,
                "release_addr": be(ra) if ra is not None and len(ra) in (4, 8) else None,
                "status": strings(p.get("status")),
            })
        child = fdt.next_subnode(child, quiet=Q)

    # Usability, after discovery.hpp: the boot CPU is the first node with a
    # valid reg (the tool's default); a node is refused for a bad or
    # duplicate reg, a status other than okay, or an unusable enable-method.
    valid = [c for c in cpus if c["hwid"] is not None and not c["hwid"] & ~MPIDR_AFF_MASK]
    boot = valid[0] if valid else None
    seen = set()
    for c in cpus:
        ok = c in valid and c["hwid"] not in seen
        if ok:
            seen.add(c["hwid"])
        if ok and c is not boot:
            em = c["enable_method"]
            ok = c["status"] in ([], ["okay"], ["ok"]) and (
                (em == "psci" and psci_ok) or (em == "spin-table" and bool(c["release_addr"])))
        c["usable"] = ok
        del c["status"]
    return method, cpus


def main():
    inspect, min_count, inputs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    dtbs = []
    for i in inputs:
        p = pathlib.Path(i)
        dtbs += sorted(p.rglob("*.dtb")) if p.is_dir() else [p]
    if len(dtbs) < min_count:
        sys.exit(f"only {len(dtbs)} DTBs found under {inputs}, expected at least {min_count}")

    # One process for all of them (one JSON object per line), in chunks to
    # stay far from the argument-length limit.
    reports = []
    for start in range(0, len(dtbs), 200):
        chunk = dtbs[start:start + 200]
        run = subprocess.run([inspect, "--json", *map(str, chunk)], capture_output=True, text=True)
        if run.returncode not in (0, 1) or run.stderr:
            sys.exit(f"smpboot-inspect exited {run.returncode}: {run.stderr}")
        lines = run.stdout.splitlines()
        if len(lines) != len(chunk):
            sys.exit(f"{len(lines)} JSON lines for {len(chunk)} DTBs")
        reports += [json.loads(line) for line in lines]

    failures, cpus_total, usable_total, methods = 0, 0, 0, {}
    for dtb, rep in zip(dtbs, reports):
        method, cpus = expected(dtb)
        got = [{k: c[k] for k in ("node", "hwid", "enable_method", "release_addr", "usable")} for c in rep["cpus"]]
        problems = []
        if rep["source"] != "dtb" or rep["file"] != str(dtb):
            problems.append(f"source/file {rep['source']} {rep['file']}")
        if rep["psci_method"] != method:
            problems.append(f"psci_method {rep['psci_method']} != libfdt {method}")
        if got != cpus:
            problems.append(f"cpus differ:\n  inspect {got}\n  libfdt  {cpus}")
        for c in rep["cpus"]:
            if c["usable"] != (c["problem"] is None):
                problems.append(f"{c['node']}: usable {c['usable']} but problem {c['problem']}")
        if not rep["usable"] and any(c["usable"] for c in cpus):
            problems.append("input reported unusable")
        if problems:
            failures += 1
            print(f"FAIL {dtb}:\n  " + "\n  ".join(problems))
        cpus_total += len(cpus)
        usable_total += sum(c["usable"] for c in cpus)
        for c in cpus:
            methods[c["enable_method"]] = methods.get(c["enable_method"], 0) + 1
    print(f"{len(dtbs)} DTBs, {cpus_total} cpu nodes ({usable_total} usable), enable-methods {methods}; "
          f"{failures} mismatches")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
