#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Count what an x86 kernel makes KVM do, per phase of its serial output.

    bench/kvm_exits.py [--smp 8] [--seq] [--append WORD]... [--keep DIR] <x86_64|floor-x86_64> [...]

Boots each run-example target under `-accel kvm` (SMPBOOT_X86_ACCEL=kvm) inside
`perf record` of the kvm tracepoints (PIO, MMIO, MSR, CPUID, IPIs, vCPU wake-ups,
exits to QEMU, instructions KVM emulated), then splits the events by what the
guest had printed when they happened: KVM sees every byte written to COM1
(kvm_pio, port 0x3f8), so the serial lines are markers in the event stream and
need no change in the guest. The window of interest is the "bring-up": from
the last line printed before the first kick to the first `smpboot: cpu` line.

Counts only (the machine may be loaded): each row is how many events of a
kind, split by what they were (port, MMIO page offset, MSR, emulated mode).
Needs root (perf and the kvm tracepoints; tracefs mounted at /sys/kernel/tracing)
and a usable /dev/kvm. Standard library only.
"""
import argparse
import collections
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EVENTS = ["kvm:kvm_pio", "kvm:kvm_mmio", "kvm:kvm_msr", "kvm:kvm_cpuid", "kvm:kvm_apic_ipi",
          "kvm:kvm_userspace_exit", "kvm:kvm_vcpu_wakeup", "kvm:kvm_emulate_insn"]
# Firmware (SeaBIOS and the PVH option ROM) runs below 1 MiB and is emulated
# instruction by instruction here: millions of events that are the same for
# every kernel. Keep only the kernel's (and the SIPI page's, 0x8000).
EMULATE_FILTER = "rip >= 0x100000 || csbase == 0x8000"
COM1 = 0x3f8
LINE = re.compile(r"^\s*(\S+)\s+(\d+)\s+\[(\d+)\]\s+([\d.]+):\s+kvm:(\w+):\s*(.*)$")


def record(target, args, data, log):
    cmd = ["perf", "record", "-q", "-o", data]
    for e in EVENTS:
        cmd += ["-e", e]
        if e == "kvm:kvm_emulate_insn":
            cmd += ["--filter", EMULATE_FILTER]
    cmd += ["--", os.path.join(ROOT, "scripts", "run-example"), target, "-smp", str(args.smp)]
    if args.seq:
        cmd += ["-append", "smpboot.mode=seq"]
    for w in args.append:
        cmd += ["-append", w]
    env = dict(os.environ, SMPBOOT_X86_ACCEL="kvm", SMPBOOT_LOG=log)
    p = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return p.returncode == 0, p.stderr


def classify(event, text):
    """A short name for one event: what the guest did."""
    if event == "kvm_pio":
        m = re.search(r"pio_(\w+) at 0x([0-9a-f]+)", text)
        port = int(m[2], 16)
        name = {COM1: "COM1 data", COM1 + 5: "COM1 status", 0x61: "PIT gate/status", 0x42: "PIT ch2",
                0x43: "PIT cmd", 0xf4: "debug-exit"}.get(port, f"port {port:#x}")
        return f"pio {m[1]} {name}"
    if event == "kvm_mmio":
        m = re.search(r"mmio (\S+) len \d+ gpa 0x([0-9a-f]+)", text)
        gpa = int(m[2], 16)
        if gpa & ~0xfff == 0xfee00000:
            reg = {0x20: "ID", 0xb0: "EOI", 0xf0: "SVR", 0x280: "ESR", 0x300: "ICR low",
                   0x310: "ICR high"}.get(gpa & 0xfff, f"{gpa & 0xfff:#x}")
            return f"mmio {m[1]} xAPIC {reg}"
        return f"mmio {m[1]} page {gpa & ~0xfff:#x}"
    if event == "kvm_msr":
        m = re.search(r"msr_(\w+) ([0-9a-f]+)", text)
        return f"msr {m[1]} {int(m[2], 16):#x}" if m else "msr"
    if event == "kvm_emulate_insn":
        m = re.search(r"\((\w+)\)", text)
        return f"emulated insn ({m[1] if m else '?'})"
    if event == "kvm_userspace_exit":
        m = re.search(r"reason (\S+)", text)
        return f"exit to QEMU {m[1] if m else ''}"
    if event == "kvm_apic_ipi":
        return "IPI sent"
    if event == "kvm_vcpu_wakeup":
        return "vCPU wake-up"
    return event


def split(data):
    """Events per phase; a phase is named by the serial line printed just before it."""
    p = subprocess.Popen(["perf", "script", "-i", data, "-F", "comm,tid,cpu,time,event,trace"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, errors="replace")
    phases = [["(boot)", collections.Counter()]]
    current = ""
    for raw in p.stdout:
        m = LINE.match(raw)
        if not m:
            continue
        event, text = m[5], m[6]
        phases[-1][1][classify(event, text)] += 1
        if event == "kvm_pio":
            w = re.search(r"pio_write at 0x([0-9a-f]+) size \d+ count \d+ val 0x([0-9a-f]+)", text)
            if w and int(w[1], 16) == COM1:
                c = chr(int(w[2], 16) & 0xff)
                if c == "\n":
                    phases.append([current, collections.Counter()])
                    current = ""
                elif c != "\r":
                    current += c
    p.wait()
    return phases


def bringup(phases):
    """The first phase after the firmware's that sends IPIs (the firmware
    wakes the APs too, to count them). Neither kernel prints while it brings
    CPUs up, so that phase runs from its last line before the first kick to
    its first line after the last callin."""
    return next((p for p in phases[1:] if p[1]["IPI sent"]), None)   # [0]: firmware


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("targets", nargs="+", help="x86_64, floor-x86_64")
    ap.add_argument("--smp", type=int, default=8)
    ap.add_argument("--seq", action="store_true", help="smpboot.mode=seq")
    ap.add_argument("--append", action="append", default=[], metavar="WORD")
    ap.add_argument("--all-phases", action="store_true", help="print every phase, not only the bring-up")
    ap.add_argument("--keep", help="keep perf data and serial logs in this directory")
    args = ap.parse_args()
    work = args.keep or tempfile.mkdtemp(prefix="kvm-exits-")
    os.makedirs(work, exist_ok=True)
    for target in args.targets:
        tag = f"{target}-{args.smp}-{'seq' if args.seq else 'parallel'}"
        data, log = os.path.join(work, tag + ".perf"), os.path.join(work, tag + ".log")
        ok, err = record(target, args, data, log)
        result = next((l.strip() for l in open(log, errors="replace") if l.startswith("smpboot: result")),
                      "no result line") if os.path.exists(log) else "no log"
        print(f"== {target} -smp {args.smp} {'seq' if args.seq else 'parallel'} "
              f"{' '.join(args.append)}: {result}{'' if ok else ' (run-example FAILED)'}")
        if not ok:
            print(err.strip())
        phases = split(data)
        shown = phases if args.all_phases else [p for p in [bringup(phases)] if p]
        for name, counts in shown:
            total = sum(n for k, n in counts.items() if not k.startswith("emulated"))
            print(f"-- after \"{name}\": {total} exits/events (+ {counts_emulated(counts)} emulated insns)")
            for k, n in sorted(counts.items(), key=lambda kv: -kv[1]):
                print(f"   {n:8d}  {k}")
        if not args.keep:
            os.remove(data)
    return 0


def counts_emulated(counts):
    return sum(n for k, n in counts.items() if k.startswith("emulated"))


if __name__ == "__main__":
    sys.exit(main())
