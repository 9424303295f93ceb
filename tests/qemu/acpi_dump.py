# SPDX-License-Identifier: MIT
"""The MADT a guest printed with smpboot.acpidump=1, decoded here on its own
(ACPI 6.5 5.2.12), so that a QEMU test knows the CPUs the firmware described
without asking the parser under test.

The lines are "<prefix>acpidump SIG 0xPHYS LEN OFFSET HEX" (examples/common/
acpidump.hpp); a table must arrive whole and with a valid checksum."""
import re
import struct

LINE = re.compile(r"acpidump (\w{4}) 0x([0-9a-f]+) (\d+) (\d+) ([0-9a-f]*)$")


def tables(lines):
    """{signature: bytes} of every table dumped completely."""
    got, filled = {}, {}
    for line in lines:
        m = LINE.search(line.rstrip())
        if not m:
            continue
        sig, _, length, off, data = m.groups()
        t = got.setdefault(sig, bytearray(int(length)))
        chunk = bytes.fromhex(data)
        t[int(off):int(off) + len(chunk)] = chunk
        filled[sig] = filled.get(sig, 0) + len(chunk)
    return {s: bytes(t) for s, t in got.items() if filled[s] == len(t)}


def enabled_giccs(lines):
    """(MPIDR, Parking Protocol Version, Parked Address) of each enabled GICC
    (type 0xB, Enabled = flags bit 0; Table 5.47 offsets 68, 16, 24) of the
    dumped MADT, in table order; raises ValueError if there is none."""
    madt = tables(lines).get("APIC")
    if madt is None:
        raise ValueError("no complete acpidump of the MADT (APIC) in the log")
    if sum(madt) & 0xFF:
        raise ValueError("the dumped MADT has a bad checksum")
    giccs, off = [], 44
    while off + 2 <= len(madt):
        typ, length = madt[off], madt[off + 1]
        if length < 2:
            raise ValueError("MADT structure of length %d at offset %#x" % (length, off))
        if typ == 0xB and length >= 76 and struct.unpack_from("<I", madt, off + 12)[0] & 1:
            giccs.append((struct.unpack_from("<Q", madt, off + 68)[0],
                          struct.unpack_from("<I", madt, off + 16)[0],
                          struct.unpack_from("<Q", madt, off + 24)[0]))
        off += length
    return giccs


def gicc_mpidrs(lines):
    """The MPIDRs of the enabled GICCs of the dumped MADT, in table order."""
    return [g[0] for g in enabled_giccs(lines)]


def parking_problems(lines):
    """What is wrong with the dumped MADT as a parking protocol MADT: every
    enabled GICC but the first (the boot CPU's) must have version 1 and its
    own nonzero 4 KiB-aligned Parked Address; the boot CPU's has none."""
    giccs = enabled_giccs(lines)
    problems = []
    for i, (mpidr, version, addr) in enumerate(giccs):
        if i == 0:
            if version or addr:
                problems.append("boot CPU %#x has a mailbox (version %d at %#x)" % (mpidr, version, addr))
        elif version != 1 or addr == 0 or addr % 4096:
            problems.append("GICC %#x: parking version %d, Parked Address %#x" % (mpidr, version, addr))
    addrs = [g[2] for g in giccs[1:]]
    if len(set(addrs)) != len(addrs):
        problems.append("two GICCs share a mailbox")
    return problems
