# SPDX-License-Identifier: MIT
# iasl data-table syntax for the ACPI structures smpboot's tests need, shared
# by tests/data/acpi/gen-madt.py and tests/data/madt/gen.py. Lengths and
# checksums are left at zero: iasl computes them.


def sdt_header(sig, rev, table_id, generated_by):
    """A system description table header, after a licence and origin comment."""
    return f"""/* SPDX-License-Identifier: MIT */
/* {generated_by} */
[0004]                          Signature : "{sig}"
[0004]                       Table Length : 00000000
[0001]                           Revision : {rev:02X}
[0001]                           Checksum : 00
[0006]                             Oem ID : "SMPBT "
[0008]                       Oem Table ID : "{table_id:8s}"
[0004]                       Oem Revision : 00000001
[0004]                    Asl Compiler ID : "INTL"
[0004]              Asl Compiler Revision : 20200925
"""


def madt_header(rev, lapic_addr, table_id, generated_by):
    """ACPI 6.5 5.2.12: the MADT's header fields, PC-AT compatible."""
    return sdt_header("APIC", rev, table_id, generated_by) + f"""[0004]                 Local Apic Address : {lapic_addr:08X}
[0004]              Flags (decoded below) : 00000001
                      PC-AT Compatibility : 1
"""


def lapic(uid, apic_id, enabled=True, online_capable=False):
    """ACPI 6.5 5.2.12.2: Processor Local APIC; flags bit 0 Enabled, bit 1 Online Capable."""
    flags = (1 if enabled else 0) | (2 if online_capable else 0)
    return f"""
[0001]                      Subtable Type : 00 [Processor Local APIC]
[0001]                             Length : 08
[0001]                       Processor ID : {uid:02X}
[0001]                      Local Apic ID : {apic_id:02X}
[0004]              Flags (decoded below) : {flags:08X}
                        Processor Enabled : {flags & 1}
                   Runtime Online Capable : {flags >> 1}
"""


def x2apic(uid, apic_id, enabled=True):
    """ACPI 6.5 5.2.12.12: Processor Local x2APIC. iasl 20200925 cannot set
    Online Capable here; tests that need it patch the compiled table or build
    it by hand."""
    return f"""
[0001]                      Subtable Type : 09 [Processor Local x2APIC]
[0001]                             Length : 10
[0002]                           Reserved : 0000
[0004]                Processor x2Apic ID : {apic_id:08X}
[0004]              Flags (decoded below) : {1 if enabled else 0:08X}
                        Processor Enabled : {1 if enabled else 0}
[0004]                      Processor UID : {uid:08X}
"""


def ioapic(ident, addr, gsi):
    """ACPI 6.5 5.2.12.3: I/O APIC (not a CPU: discovery must pass it over)."""
    return f"""
[0001]                      Subtable Type : 01 [I/O APIC]
[0001]                             Length : 0C
[0001]                        I/O Apic ID : {ident:02X}
[0001]                           Reserved : 00
[0004]                            Address : {addr:08X}
[0004]                          Interrupt : {gsi:08X}
"""


def lapic_nmi(uid, lint):
    """ACPI 6.5 5.2.12.7: Local APIC NMI (6 bytes: an odd length in the middle)."""
    return f"""
[0001]                      Subtable Type : 04 [Local APIC NMI]
[0001]                             Length : 06
[0001]                       Processor ID : {uid:02X}
[0002]              Flags (decoded below) : 0005
                                 Polarity : 1
                             Trigger Mode : 1
[0001]               Interrupt Input LINT : {lint:02X}
"""


def override(addr):
    """ACPI 6.5 5.2.12.8: Local APIC Address Override."""
    return f"""
[0001]                      Subtable Type : 05 [Local APIC Address Override]
[0001]                             Length : 0C
[0002]                           Reserved : 0000
[0008]                       APIC Address : {addr:016X}
"""
