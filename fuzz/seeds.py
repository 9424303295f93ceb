#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Writes the seed corpora of the fuzz targets from real blobs:
#   fdt, arm64_cpus  the repo's test DTBs, QEMU's own DTBs (-machine dumpdtb),
#                    a sample of Debian's arm64 DTBs whole, and many more of
#                    them cut down to their root, /cpus and PSCI nodes (small
#                    seeds fuzz faster and keep what discovery reads);
#   acpi_madt        every MADT source in tests/data/{madt,acpi} compiled by iasl;
#   acpi_gicc        the same MADTs after a mode byte (the FADT's PSCI flags);
#   acpi_tables      memory images RSDP -> XSDT or RSDT -> MADT built around them,
#                    and QEMU 7.2's own tables (tests/data/acpi/qemu72-*.tables).
#   The DTB targets also get small hand-written trees (DTS below) for cases
#   no shipped DTB has.
#
#   seeds.py SOURCE_DIR OUT_DIR
import hashlib
import pathlib
import shutil
import struct
import subprocess
import sys
import tempfile

SRC, OUT = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])


def put(target, data, stem=None):
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    name = (stem + "-" if stem else "") + hashlib.sha1(data).hexdigest()[:12]
    (d / name).write_bytes(data)


# Small trees for what no shipped DTB has: a disabled or 0.1 PSCI node, an
# odd conduit, a deep cpu-map with threads, one-cell addresses and release
# words, three address cells, reservations, nesting at the depth limit.
DTS = {
    "psci-disabled": """/ { #address-cells = <2>; #size-cells = <2>;
        psci { compatible = "arm,psci-1.0", "arm,psci-0.2", "arm,psci"; method = "hvc"; status = "disabled"; };
        cpus { #address-cells = <1>; #size-cells = <0>;
            cpu@0 { device_type = "cpu"; reg = <0>; enable-method = "psci"; };
            cpu@1 { device_type = "cpu"; reg = <1>; enable-method = "psci"; }; }; };""",
    "psci-0.1": """/ { psci { compatible = "arm,psci"; method = "smc"; cpu_on = <0x84000003>; cpu_off = <0x84000002>; };
        cpus { #address-cells = <2>; #size-cells = <0>;
            cpu@0 { device_type = "cpu"; reg = <0 0>; enable-method = "psci"; };
            cpu@100000000 { device_type = "cpu"; reg = <1 0>; enable-method = "psci"; };
            cpu@101 { device_type = "cpu"; reg = <0 0x101>; enable-method = "psci"; status = "okay"; }; }; };""",
    "psci-0.1-no-cpu-on": """/ { psci { compatible = "arm,psci"; method = "hvc"; };
        cpus { #address-cells = <1>; #size-cells = <0>;
            cpu@0 { device_type = "cpu"; reg = <0>; enable-method = "psci"; };
            cpu@1 { device_type = "cpu"; reg = <1>; enable-method = "psci"; }; }; };""",
    "psci-bad-method": """/ { psci { compatible = "arm,psci-0.2"; method = "svc"; };
        cpus { #address-cells = <1>; #size-cells = <0>;
            cpu@0 { device_type = "cpu"; reg = <0>; enable-method = "psci"; };
            cpu@1 { device_type = "cpu"; reg = <1>; enable-method = "psci"; }; }; };""",
    "cpu-map-threads": """/ { cpus { #address-cells = <1>; #size-cells = <0>;
            cpu-map { socket0 { cluster0 { core0 { thread0 { cpu = <&c0>; }; thread1 { cpu = <&c1>; }; };
                                           core1 { thread0 { cpu = <&c2>; }; thread1 { cpu = <&c3>; }; }; }; };
                      socket1 { cluster3 { core7 { cpu = <&c4>; }; }; }; };
            c0: cpu@0 { device_type = "cpu"; reg = <0>; enable-method = "spin-table"; cpu-release-addr = <0xd8>; };
            c1: cpu@1 { device_type = "cpu"; reg = <1>; enable-method = "spin-table"; cpu-release-addr = <0 0xe0>; };
            c2: cpu@2 { device_type = "cpu"; reg = <2>; enable-method = "spin-table"; cpu-release-addr = <0 0 0>; };
            c3: cpu@3 { device_type = "cpu"; reg = <3>; enable-method = "spin-table", "psci"; cpu-release-addr = <0 0>; };
            c4: cpu@10000 { device_type = "cpu"; reg = <0x10000>; enable-method = "spin-table"; cpu-release-addr = <0 0xf0>; };
            l2: l2-cache { compatible = "cache"; }; }; };""",
    "three-address-cells": """/dts-v1/; /memreserve/ 0x1000 0x2000; /memreserve/ 0xffff0000 0x10000;
        / { cpus { #address-cells = <3>; #size-cells = <0>;
            cpu@0 { device_type = "cpu"; reg = <0 0 0>; }; }; };""",
    "deep": "/ { " + "".join(f"n{i} {{ " for i in range(31)) + "x = <1>; " + "}; " * 31 + "};",
    "too-deep": "/ { " + "".join(f"n{i} {{ " for i in range(33)) + "}; " * 33 + "};",
}


def dtb_seeds():
    for p in sorted((SRC / "tests/data/dtb").glob("*.dtb")):
        for t in ("fdt", "arm64_cpus"):
            put(t, p.read_bytes(), p.stem)
    if shutil.which("dtc"):
        for name, text in DTS.items():
            src = text if text.startswith("/dts-v1/") else "/dts-v1/;\n" + text
            r = subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-@"], input=src.encode(), capture_output=True)
            if r.returncode != 0:
                print(f"seeds: dtc refused {name}: {r.stderr.decode()}", file=sys.stderr)
                continue
            for t in ("fdt", "arm64_cpus"):
                put(t, r.stdout, "dts-" + name)
    # QEMU's DTBs, repacked by dtc (QEMU pads them to 1 MiB).
    qemu = shutil.which("qemu-system-aarch64")
    if qemu and shutil.which("dtc"):
        with tempfile.TemporaryDirectory() as tmp:
            for i, (machine, args) in enumerate([
                    ("virt,gic-version=3", ["-cpu", "cortex-a72", "-smp", "8"]),
                    ("virt,gic-version=2", ["-cpu", "cortex-a53", "-smp", "4"]),
                    ("virt,gic-version=3,virtualization=on", ["-cpu", "max", "-smp", "3"]),
                    ("virt,gic-version=3", ["-cpu", "max", "-smp", "64", "-m", "512"])]):
                raw, packed = pathlib.Path(tmp) / f"{i}.raw", pathlib.Path(tmp) / f"{i}.dtb"
                r = subprocess.run([qemu, "-M", f"{machine},dumpdtb={raw}", *args, "-display", "none"],
                                   capture_output=True)
                if r.returncode == 0 and raw.exists():
                    subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dtb", "-o", str(packed), str(raw)], check=True)
                    for t in ("fdt", "arm64_cpus"):
                        put(t, packed.read_bytes(), f"qemu-virt{i}")
    debian = sorted((SRC / "build/debian/arm64/root/usr/lib").rglob("*.dtb"))
    if not debian:
        print("seeds: no Debian DTBs (scripts/install-deps unpacks them); using the others", file=sys.stderr)
        return
    # Whole blobs: the small ones, one per vendor directory.
    vendors = {}
    for p in debian:
        if p.stat().st_size <= 16384:
            vendors.setdefault(p.parent.name, p)
    for p in vendors.values():
        put("fdt", p.read_bytes(), "debian-" + p.stem)
    try:
        import libfdt
    except ImportError:
        print("seeds: python3-libfdt missing, no cut-down Debian DTBs", file=sys.stderr)
        return
    # Cut-down blobs: one per distinct /cpus shape.
    shapes = {}
    for p in debian:
        try:
            small = cut_down(libfdt, p.read_bytes())
        except Exception as e:  # a blob libfdt cannot walk is not a seed
            print(f"seeds: {p.name}: {e}", file=sys.stderr)
            continue
        if small is not None:
            shapes.setdefault(small[1], (p, small[0]))
    for p, data in shapes.values():
        for t in ("fdt", "arm64_cpus"):
            put(t, data, "debian-cpus-" + p.stem)


def cut_down(libfdt, blob):
    """The root's properties, /cpus and the PSCI node, as a new DTB; and a
    key describing the /cpus shape (so similar boards give one seed)."""
    Q = (libfdt.NOTFOUND,)
    fdt = libfdt.Fdt(blob)
    cpus = fdt.path_offset("/cpus", quiet=Q)
    if cpus < 0:
        return None
    psci = fdt.path_offset("/psci", quiet=Q)
    sw = libfdt.FdtSw(len(blob) + 1024)
    sw.finish_reservemap()
    shape = []

    def props(node):
        off = fdt.first_property_offset(node, quiet=Q)
        while off >= 0:
            pr = fdt.get_property_by_offset(off)
            yield pr.name, bytes(pr)
            off = fdt.next_property_offset(off, quiet=Q)

    def copy(node, name, depth):
        sw.begin_node(name)
        for k, v in props(node):
            sw.property(k, v)
            if k in ("enable-method", "reg", "cpu-release-addr", "#address-cells", "method", "compatible") and depth:
                shape.append((depth, k, len(v), v if k != "reg" else b""))
        child = fdt.first_subnode(node, quiet=Q)
        while child >= 0:
            copy(child, fdt.get_name(child), depth + 1)
            child = fdt.next_subnode(child, quiet=Q)
        sw.end_node()

    sw.begin_node("")
    for k, v in props(0):
        if k in ("#address-cells", "#size-cells", "compatible", "model"):
            sw.property(k, v)
    copy(cpus, "cpus", 1)
    if psci >= 0:
        copy(psci, "psci", 1)
    sw.end_node()
    out = sw.as_fdt()
    out.pack()
    data = bytes(out.as_bytearray())
    return data, repr(shape)


def madt_seeds():
    iasl = shutil.which("iasl")
    if not iasl:
        print("seeds: iasl missing, no ACPI seeds", file=sys.stderr)
        return
    madts = []
    with tempfile.TemporaryDirectory() as tmp:
        for dsl in sorted((SRC / "tests/data/madt").glob("*.dsl")) + sorted((SRC / "tests/data/acpi").glob("*.dsl")):
            out = pathlib.Path(tmp) / dsl.stem
            subprocess.run([iasl, "-vs", "-p", str(out), str(dsl)], check=True, capture_output=True)
            data = out.with_suffix(".aml").read_bytes()
            if data[:4] == b"APIC":
                put("acpi_madt", data, dsl.stem)
                madts.append((dsl.stem, data))
                # acpi_gicc: a mode byte (PSCI by HVC), then the table.
                put("acpi_gicc", b"\x03" + data, dsl.stem)
    for stem, madt in madts:
        if len(madt) > 4096:
            continue
        for variant in ("xsdt", "rsdt", "search"):
            put("acpi_tables", image(madt, variant), f"{stem}-{variant}")
        # The RSDP found in the EBDA: mode bits 0 and 2, segment 0xE000.
        data = bytearray(image(madt, "xsdt"))
        data[0], data[2:4] = 5, (0xE000).to_bytes(2, "little")
        put("acpi_tables", bytes(data), f"{stem}-ebda")
    # QEMU 7.2's own tables, dumped by the x86_64 example (tests/data/acpi/README.md).
    for p in sorted((SRC / "tests/data/acpi").glob("qemu72-*.madt.bin")):
        put("acpi_madt", p.read_bytes(), p.name.split(".")[0])
    for p in sorted((SRC / "tests/data/acpi").glob("qemu72-*.tables")):
        for search in (False, True):
            data = qemu_image(p.read_bytes(), search)
            if data:
                put("acpi_tables", data, p.name.split(".")[0] + ("-search" if search else ""))


def qemu_image(dump, search):
    """A dump of acpidump-to-bin.py ("SMPBACPI", then u64 phys, u32 len, u32 0,
    bytes padded to 8) as a fuzz input: the RSDP where QEMU put it (found by
    the search) or at 0xE0000, the RSDT and the MADT moved into the window and
    the pointers to them rewritten; pointers to tables not dumped stay as they
    were (unmapped, as a parser must expect)."""
    base, size = 0xE0000, 0x20000
    if dump[:8] != b"SMPBACPI":
        return None
    tables, off = [], 8
    while off + 16 <= len(dump):
        phys, length, _ = struct.unpack_from("<QII", dump, off)
        tables.append((phys, bytearray(dump[off + 16:off + 16 + length])))
        off += 16 + length + (-length % 8)
    rsdp = next((t for t in tables if t[1][:8] == b"RSD PTR "), None)
    if rsdp is None:
        return None
    rsdp_off = rsdp[0] - base if search and base <= rsdp[0] < base + size else 0
    mem = bytearray(rsdp_off + 0x40)
    moved, at = {}, 0x1000 if rsdp_off < 0x1000 else 0x100
    for phys, blob in tables:
        if blob[:8] == b"RSD PTR ":
            continue
        if at + len(blob) > size or (rsdp_off <= at < rsdp_off + 0x40):
            return None
        moved[phys] = base + at
        mem.extend(bytes(max(0, at + len(blob) - len(mem))))
        mem[at:at + len(blob)] = blob
        at += (len(blob) + 15) & ~15
    r = bytearray(rsdp[1])
    for phys, blob in tables:
        sig = blob[:4]
        if sig in (b"RSDT", b"XSDT"):
            new = moved[phys]
            start = moved[phys] - base
            ptr = 4 if sig == b"RSDT" else 8
            t = mem[start:start + len(blob)]
            for o in range(36, len(t) - ptr + 1, ptr):
                old = int.from_bytes(t[o:o + ptr], "little")
                if old in moved:
                    t[o:o + ptr] = moved[old].to_bytes(ptr, "little")
            checksum(t, 9)
            mem[start:start + len(t)] = t
            if sig == b"RSDT":
                r[16:20] = new.to_bytes(4, "little")
            elif len(r) >= 36:
                r[24:32] = new.to_bytes(8, "little")
    checksum(r, 8, 20)
    if len(r) >= 36:
        checksum(r, 32)
    mem[rsdp_off:rsdp_off + len(r)] = r
    return bytes([1 if search else 0]) + bytes(15) + bytes(mem)


def checksum(b, at, length=None):
    b[at] = 0
    b[at] = (-sum(b[:length] if length else b)) & 0xFF


def image(madt, variant):
    """16-byte fuzz header, then memory from 0xE0000: RSDP, root table, FACP, MADT."""
    base = 0xE0000
    rsdp_off = 0x100 if variant == "search" else 0
    root_off, facp_off, madt_off = 0x200, 0x300, 0x400
    # A FADT long enough for ARM_BOOT_ARCH (offset 129, ACPI 6.5 Table 5.9):
    # revision 6, PSCI by HVC, so the arm64 walk reaches the MADT too.
    facp = bytearray(b"FACP" + struct.pack("<I", 132) + bytes([6]) + bytes(123))
    facp[129] = 3
    checksum(facp, 9)
    if variant == "rsdt":
        root = bytearray(b"RSDT" + struct.pack("<I", 44) + bytes(28) + struct.pack("<II", base + facp_off, base + madt_off))
        rsdp = bytearray(b"RSD PTR " + bytes(1) + b"SMPBT " + bytes([0]) + struct.pack("<I", base + root_off))
        checksum(rsdp, 8, 20)
    else:
        root = bytearray(b"XSDT" + struct.pack("<I", 52) + bytes(28) + struct.pack("<QQ", base + facp_off, base + madt_off))
        rsdp = bytearray(b"RSD PTR " + bytes(1) + b"SMPBT " + bytes([2]) + struct.pack("<I", 0) +
                         struct.pack("<IQ", 36, base + root_off) + bytes(4))
        checksum(rsdp, 8, 20)
        checksum(rsdp, 32)
    checksum(root, 9)
    mem = bytearray(madt_off + len(madt))
    for off, blob in ((rsdp_off, rsdp), (root_off, root), (facp_off, facp), (madt_off, madt)):
        mem[off:off + len(blob)] = blob
    mode = 1 if variant == "search" else 0
    return bytes([mode]) + bytes(15) + bytes(mem)


if __name__ == "__main__":
    shutil.rmtree(OUT, ignore_errors=True)
    dtb_seeds()
    madt_seeds()
    for d in sorted(OUT.iterdir()):
        print(f"seeds: {d.name}: {len(list(d.iterdir()))} files")
