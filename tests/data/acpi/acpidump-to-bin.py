#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Turns the x86_64 example's "x86_64: acpidump NAME PHYS LEN OFFSET HEX" serial
# lines (smpboot.acpidump=1) into test data:
#   PREFIX.tables    every dumped table with its physical address:
#                    "SMPBACPI", then per table u64 phys, u32 len, u32 0,
#                    the bytes, zero padding to 8 (little endian)
#   PREFIX.madt.bin  the MADT alone (a seed for fuzzing)
#
#   acpidump-to-bin.py serial.log PREFIX
import re
import struct
import sys

LINE = re.compile(r"acpidump (\w+) 0x([0-9a-f]+) (\d+) (\d+) ([0-9a-f]*)$")


def main():
    log, prefix = sys.argv[1], sys.argv[2]
    tables = {}   # (name, phys) -> bytearray
    order = []
    for line in open(log, encoding="utf-8", errors="replace"):
        m = LINE.search(line.rstrip())
        if not m:
            continue
        name, phys, length, off, hexdata = m.groups()
        key = (name, int(phys, 16))
        if key not in tables:
            tables[key] = bytearray(int(length))
            order.append(key)
        data = bytes.fromhex(hexdata)
        tables[key][int(off):int(off) + len(data)] = data
    if not any(name == "APIC" for name, _ in order):
        sys.exit("no MADT in " + log)
    with open(prefix + ".tables", "wb") as f:
        f.write(b"SMPBACPI")
        for key in order:
            blob = bytes(tables[key])
            f.write(struct.pack("<QII", key[1], len(blob), 0))
            f.write(blob + b"\0" * (-len(blob) % 8))
    for (name, _), blob in tables.items():
        if name == "APIC":
            open(prefix + ".madt.bin", "wb").write(bytes(blob))
    print("wrote", prefix + ".tables", [k[0] for k in order])


if __name__ == "__main__":
    main()
