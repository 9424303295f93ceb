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


def gicc(uid, mpidr, flags=1, parking_version=0, parked_address=0, gicr=0, perf_gsiv=23):
    """ACPI 6.5 5.2.12.14: GIC CPU Interface (80 bytes, as iasl 20200925
    writes it: ACPI 6.0 with the 6.3 SPE interrupt). Flags bit 0 Enabled,
    1 Performance Interrupt Mode, 2 VGIC Maintenance Interrupt Mode, 3 Online
    Capable (ACPI 6.5; iasl does not decode it but writes the value)."""
    return f"""
[0001]                      Subtable Type : 0B [Generic Interrupt Controller]
[0001]                             Length : 50
[0002]                           Reserved : 0000
[0004]               CPU Interface Number : {uid:08X}
[0004]                      Processor UID : {uid:08X}
[0004]              Flags (decoded below) : {flags:08X}
                        Processor Enabled : {flags & 1}
       Performance Interrupt Trigger Mode : {flags >> 1 & 1}
       Virtual GIC Interrupt Trigger Mode : {flags >> 2 & 1}
[0004]           Parking Protocol Version : {parking_version:08X}
[0004]              Performance Interrupt : {perf_gsiv:08X}
[0008]                     Parked Address : {parked_address:016X}
[0008]                       Base Address : 0000000000000000
[0008]           Virtual GIC Base Address : 0000000000000000
[0008]        Hypervisor GIC Base Address : 0000000000000000
[0004]              Virtual GIC Interrupt : 00000019
[0008]         Redistributor Base Address : {gicr:016X}
[0008]                          ARM MPIDR : {mpidr:016X}
[0001]                   Efficiency Class : 00
[0001]                           Reserved : 00
[0002]             SPE Overflow Interrupt : 0000
"""


def gicd(base=0x08000000, version=3):
    """ACPI 6.5 5.2.12.15: GIC Distributor (not a CPU)."""
    return f"""
[0001]                      Subtable Type : 0C [Generic Interrupt Distributor]
[0001]                             Length : 18
[0002]                           Reserved : 0000
[0004]              Local GIC Hardware ID : 00000000
[0008]                       Base Address : {base:016X}
[0004]                     Interrupt Base : 00000000
[0001]                            Version : {version:02X}
[0003]                           Reserved : 000000
"""


def _gas(name):
    """ACPI 6.5 5.2.3.2: an empty Generic Address Structure."""
    return f"""[0012] {name:>34} : [Generic Address Structure]
[0001]                           Space ID : 00 [SystemMemory]
[0001]                          Bit Width : 00
[0001]                         Bit Offset : 00
[0001]               Encoded Access Width : 00 [Undefined/Legacy]
[0008]                            Address : 0000000000000000
"""


# ACPI 6.5 Table 5.9: the FADT fields between the header and the IA-PC Boot
# Architecture Flags, all zero on a hardware-reduced arm64 system.
_FADT_LEGACY = [(4, "FACS Address"), (4, "DSDT Address"), (1, "Model"), (1, "PM Profile"),
                (2, "SCI Interrupt"), (4, "SMI Command Port"), (1, "ACPI Enable Value"),
                (1, "ACPI Disable Value"), (1, "S4BIOS Command"), (1, "P-State Control"),
                (4, "PM1A Event Block Address"), (4, "PM1B Event Block Address"),
                (4, "PM1A Control Block Address"), (4, "PM1B Control Block Address"),
                (4, "PM2 Control Block Address"), (4, "PM Timer Block Address"),
                (4, "GPE0 Block Address"), (4, "GPE1 Block Address"), (1, "PM1 Event Block Length"),
                (1, "PM1 Control Block Length"), (1, "PM2 Control Block Length"),
                (1, "PM Timer Block Length"), (1, "GPE0 Block Length"), (1, "GPE1 Block Length"),
                (1, "GPE1 Base Offset"), (1, "_CST Support"), (2, "C2 Latency"), (2, "C3 Latency"),
                (2, "CPU Cache Size"), (2, "Cache Flush Stride"), (1, "Duty Cycle Offset"),
                (1, "Duty Cycle Width"), (1, "RTC Day Alarm Index"), (1, "RTC Month Alarm Index"),
                (1, "RTC Century Index")]
# ACPI 6.5 Tables 5.12 (IA-PC Boot Architecture Flags) and 5.10 (Fixed
# Feature Flags), in bit order, with the names iasl decodes them by.
_FADT_BOOT_BITS = ["Legacy Devices Supported (V2)", "8042 Present on ports 60/64 (V2)",
                   "VGA Not Present (V4)", "MSI Not Supported (V4)", "PCIe ASPM Not Supported (V4)",
                   "CMOS RTC Not Present (V5)"]
_FADT_FLAG_BITS = ["WBINVD instruction is operational (V1)", "WBINVD flushes all caches (V1)",
                   "All CPUs support C1 (V1)", "C2 works on MP system (V1)",
                   "Control Method Power Button (V1)", "Control Method Sleep Button (V1)",
                   "RTC wake not in fixed reg space (V1)", "RTC can wake system from S4 (V1)",
                   "32-bit PM Timer (V1)", "Docking Supported (V1)", "Reset Register Supported (V2)",
                   "Sealed Case (V3)", "Headless - No Video (V3)", "Use native instr after SLP_TYPx (V3)",
                   "PCIEXP_WAK Bits Supported (V4)", "Use Platform Timer (V4)", "RTC_STS valid on S4 wake (V4)",
                   "Remote Power-on capable (V4)", "Use APIC Cluster Model (V4)",
                   "Use APIC Physical Destination Mode (V4)", "Hardware Reduced (V5)", "Low Power S0 Idle (V5)"]
_FADT_X = ["PM1A Event Block", "PM1B Event Block", "PM1A Control Block", "PM1B Control Block",
           "PM2 Control Block", "PM Timer Block", "GPE0 Block", "GPE1 Block",
           "Sleep Control Register", "Sleep Status Register"]


def fadt_arm(generated_by, arm_flags, rev=6, minor=3, hw_reduced=True, table_id="INSPECT"):
    """ACPI 6.5 5.2.9: a FADT for an arm64 system; arm_flags is ARM_BOOT_ARCH
    (Table 5.11: bit 0 PSCI_COMPLIANT, bit 1 PSCI_USE_HVC)."""
    s = sdt_header("FACP", rev, table_id, generated_by) + "\n"
    s += "".join(f"[{n:04d}] {name:>34} : {0:0{2 * n}X}\n" for n, name in _FADT_LEGACY)
    s += "[0002]         Boot Flags (decoded below) : 0000\n"
    s += "".join(f"{name:>41} : 0\n" for name in _FADT_BOOT_BITS)
    s += "[0001]                           Reserved : 00\n"
    flags = (1 << 20) if hw_reduced else 0
    s += f"[0004]              Flags (decoded below) : {flags:08X}\n"
    s += "".join(f"{name:>41} : {flags >> bit & 1}\n" for bit, name in enumerate(_FADT_FLAG_BITS))
    s += _gas("Reset Register")
    s += "[0001]               Value to cause reset : 00\n"
    s += f"""[0002]          ARM Flags (decoded below) : {arm_flags:04X}
                           PSCI Compliant : {arm_flags & 1}
                    Must use HVC for PSCI : {arm_flags >> 1 & 1}
[0001]                FADT Minor Revision : {minor:02X}
[0008]                       FACS Address : 0000000000000000
[0008]                       DSDT Address : 0000000000000000
"""
    s += "".join(_gas(n) for n in _FADT_X)
    s += "[0008]                      Hypervisor ID : 0000000000000000\n"
    return s
