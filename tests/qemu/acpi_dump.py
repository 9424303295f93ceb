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


def gicc_mpidrs(lines):
    """The MPIDRs of the enabled GICCs (type 0xB, Enabled = flags bit 0) of
    the dumped MADT, in table order; raises ValueError if there is none."""
    madt = tables(lines).get("APIC")
    if madt is None:
        raise ValueError("no complete acpidump of the MADT (APIC) in the log")
    if sum(madt) & 0xFF:
        raise ValueError("the dumped MADT has a bad checksum")
    ids, off = [], 44
    while off + 2 <= len(madt):
        typ, length = madt[off], madt[off + 1]
        if length < 2:
            raise ValueError("MADT structure of length %d at offset %#x" % (length, off))
        if typ == 0xB and length >= 76 and struct.unpack_from("<I", madt, off + 12)[0] & 1:
            ids.append(struct.unpack_from("<Q", madt, off + 68)[0])
        off += length
    return ids
