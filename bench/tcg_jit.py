#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Count what an x86 bring-up makes QEMU's TCG translate and throw away.

    bench/tcg_jit.py [--smp 8,64] [--modes parallel,seq] [--runs 3] [--append WORD]...
                     [--floor-append WORD]... [--writes] [--check] [--keep DIR] <x86_64|floor-x86_64> [...]

Boots each run-example target with `-append smpboot.pause=1` and an HMP
monitor on a unix socket. The kernel stops before its first kick and again
after its result line, prints `... pause before|after bring-up ...` and waits
until the monitor writes COM1's scratch register; at each stop this script
reads `info jit`, then writes the register. The difference of the two readings
is what the bring-up alone cost QEMU:

  TB invalidate  translation blocks thrown away, almost always because a
                 guest write hit a page holding translated code (QEMU's
                 self-modifying-code handling) and so for every vCPU;
  TBs            translation blocks created (the code cache's TB count);
  TLB flushes    full and partial softmmu TLB flushes.

With --writes, QEMU also traces `memory_notdirty_write_access`: every guest
write to a page that holds translated code (the slow path that invalidates
it), so the table names the written addresses; `translate_block`, so it
counts translations per page; and `apic_mem_readl`/`apic_mem_writel`, the
xAPIC register accesses of all CPUs (the boot CPU's ICR polls among them).
--check makes it a test: exit 1 if a boot failed, a TB was invalidated or
(with --writes) a page of translated code was written during bring-up. The trace file is split at the pauses by its
size then, which needs QEMU to have written it out: the script asks the
monitor for `info jit` first, which runs after the vCPUs' earlier output.

Counts only (the machine may be loaded; times are shown but not compared).
Standard library only. Needs the x86_64 preset's kernels (run-example builds them).
"""
import argparse
import collections
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROMPT = b"(qemu) "
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# `info jit` lines read (QEMU 7.2 accel/tcg/translate-all.c dump_exec_info).
COUNTERS = {"TB count": "tbs", "TB flush count": "flushes", "TB invalidate count": "invalidates",
            "TLB full flushes": "tlb_full", "TLB partial flushes": "tlb_partial",
            "cross page TB count": "cross_page"}
PAUSE = re.compile(r"pause (before|after) bring-up: waiting for the monitor")
RESULT = re.compile(r"^smpboot: result .*online=(\d+)/(\d+) .*bringup_us=(\d+)")
NOTDIRTY = re.compile(r"memory_notdirty_write_access (0x[0-9a-f]+) ram_addr (0x[0-9a-f]+) size (\d+)")
TRANSLATE = re.compile(r"translate_block tb:\S+ pc:(0x[0-9a-f]+)")
APIC = re.compile(r"apic_mem_(readl|writel) (0x[0-9a-f]+)")
# xAPIC register offsets (Intel SDM Vol. 3A 10.4.1, Table 10-1).
APIC_REGS = {0x20: "ID", 0xb0: "EOI", 0xf0: "SVR", 0x280: "ESR", 0x300: "ICR low", 0x310: "ICR high"}


class Monitor:
    """HMP over a unix socket: a command, then everything up to the next prompt."""

    def __init__(self, path, timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self.sock.settimeout(timeout)
        self._read()   # the banner

    def _read(self):
        buf = b""
        while not buf.endswith(PROMPT):
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("the monitor closed")
            buf += chunk
        return ANSI.sub("", buf.decode(errors="replace"))

    def cmd(self, line):
        self.sock.sendall(line.encode() + b"\n")
        return self._read()

    def close(self):
        self.sock.close()


def parse_jit(text):
    out = {}
    for line in text.splitlines():
        for label, key in COUNTERS.items():
            if line.startswith(label):
                m = re.match(r"\s*(\d+)", line[len(label):])
                if m:
                    out[key] = int(m[1])
    missing = set(COUNTERS.values()) - set(out)
    if missing:
        raise ValueError(f"`info jit` lacks {sorted(missing)}: {text!r}")
    return out


def page_name(addr, tramp):
    """Where a guest address lies, for the --writes listing."""
    if tramp <= addr < tramp + 0x1000:
        return f"trampoline page +{addr - tramp:#05x}"
    if tramp + 0x1000 <= addr < tramp + 6 * 0x1000:
        return f"transition tables +{addr - tramp:#x}"
    return f"{addr:#x}"


def boot(target, n, mode, extra_words, want_writes, keep):
    """One boot; returns a dict with the counters' differences and what the guest said.
    Its serial log, stderr and trace stay under `keep` if given, else they are removed."""
    work = tempfile.mkdtemp(prefix="tcg-jit-", dir=keep or None)
    try:
        return count(work, target, n, mode, extra_words, want_writes)
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


def count(work, target, n, mode, extra_words, want_writes):
    sock = os.path.join(work, "monitor.sock")
    trace = os.path.join(work, "qemu-trace.log")
    cmd = [os.path.join(ROOT, "scripts", "run-example"), target, "-smp", str(n),
           "-monitor", f"unix:{sock},server,nowait", "-append", "smpboot.pause=1"]
    if mode == "seq":
        cmd += ["-append", "smpboot.mode=seq"]
    for w in extra_words:
        cmd += ["-append", w]
    if want_writes:
        cmd += ["-trace", "memory_notdirty_write_access", "-trace", "translate_block",
                "-trace", "apic_mem_readl", "-trace", "apic_mem_writel", "-D", trace]
    env = dict(os.environ, SMPBOOT_LOG=os.path.join(work, "serial.log"))
    with open(os.path.join(work, "stderr"), "w") as err:
        p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=err, text=True, errors="replace")
    mon = None
    jit, offsets, result, tramp = {}, {}, None, 0x8000
    try:
        for line in p.stdout:
            m = re.search(r"trampoline (0x[0-9a-f]+) from", line)
            if m:
                tramp = int(m[1], 16)
            m = RESULT.match(line)
            if m:
                result = (int(m[1]), int(m[2]), int(m[3]))
            m = PAUSE.search(line)
            if not m:
                continue
            mon = mon or Monitor(sock)
            jit[m[1]] = parse_jit(mon.cmd("info jit"))
            if want_writes:
                offsets[m[1]] = os.path.getsize(trace) if os.path.exists(trace) else 0
            mon.cmd("o /b 0x3ff 1")
    finally:
        if mon:
            mon.close()
        rc = p.wait()
    row = {"target": target, "n": n, "mode": mode, "ok": rc == 0 and result is not None, "dir": work}
    if "before" not in jit or "after" not in jit:
        row["ok"] = False
        row["error"] = "the kernel never paused (does it take smpboot.pause=1?)"
        return row
    row.update({k: jit["after"][k] - jit["before"][k] for k in COUNTERS.values()})
    row["us"] = result[2] if result else None
    if want_writes:
        with open(trace, errors="replace") as f:
            f.seek(offsets["before"])
            window = f.read(offsets["after"] - offsets["before"])
        writes, pages, apic = collections.Counter(), collections.Counter(), collections.Counter()
        for w in NOTDIRTY.finditer(window):
            writes[page_name(int(w[1], 16), tramp)] += 1
        for t in TRANSLATE.finditer(window):
            pages[page_name(int(t[1], 16) & ~0xfff, tramp)] += 1
        for a in APIC.finditer(window):
            off = int(a[2], 16) & 0xfff
            apic[f"{'read' if a[1] == 'readl' else 'write'} {APIC_REGS.get(off, hex(off))}"] += 1
        row["writes"], row["translated_pages"], row["apic"] = writes, pages, apic
        if not pages:   # a bring-up always translates its own code: the trace was not written out
            row["ok"] = False
            row["error"] = "no translation traced between the pauses; the trace is unusable"
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("targets", nargs="+", help="x86_64 and/or floor-x86_64")
    ap.add_argument("--smp", default="8,64", help="comma-separated CPU counts (default 8,64)")
    ap.add_argument("--modes", default="parallel,seq", help="parallel and/or seq")
    ap.add_argument("--runs", type=int, default=3, help="boots per configuration (default 3)")
    ap.add_argument("--append", action="append", default=[], help="a word for the smpboot kernel's command line")
    ap.add_argument("--floor-append", action="append", default=[], help="a word for the floor's command line")
    ap.add_argument("--writes", action="store_true", help="trace writes to code pages and translations")
    ap.add_argument("--check", action="store_true",
                    help="exit 1 unless every boot passed with no TB invalidated and (with --writes) "
                         "no write to a page of translated code during bring-up")
    ap.add_argument("--keep", help="keep each boot's serial log and trace under this directory")
    args = ap.parse_args()
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)

    rows = []
    for n in [int(x) for x in args.smp.split(",")]:
        for mode in args.modes.split(","):
            for run in range(args.runs):
                for target in args.targets:   # interleaved, as bench.py does
                    words = args.floor_append if target.startswith("floor") else args.append
                    r = boot(target, n, mode, words, args.writes, args.keep)
                    rows.append(r)
                    if not r["ok"]:
                        print(f"tcg_jit: {target} -smp {n} {mode}: FAILED ({r.get('error', 'run-example failed; --keep DIR keeps its logs')})",
                              file=sys.stderr)
                        continue
                    print(f"tcg_jit: {target} -smp {n} {mode} run {run + 1}: invalidated {r['invalidates']}, "
                          f"translated {r['tbs']}, TB flushes {r['flushes']}, bringup_us={r['us']}",
                          file=sys.stderr)
                    if args.writes:
                        for where, k in r["writes"].most_common(8):
                            print(f"    {k:6} writes to a code page at {where}", file=sys.stderr)
                        for where, k in r["translated_pages"].most_common(4):
                            print(f"    {k:6} translations in page {where}", file=sys.stderr)
                        print("    xAPIC accesses (all CPUs): " +
                              ", ".join(f"{what} {k}" for what, k in sorted(r["apic"].items())), file=sys.stderr)

    print("| target | N | mode | runs | TB invalidate | TBs translated | TB flushes "
          "| TLB full / partial flushes |")
    print("|---|---|---|---|---|---|---|---|")
    groups = collections.OrderedDict()
    for r in rows:
        groups.setdefault((r["target"], r["n"], r["mode"]), []).append(r)

    def cell(rs, key):
        v = [r[key] for r in rs]
        return f"{statistics.median(v):g} ({min(v)}–{max(v)})" if len(v) > 1 else f"{v[0]}"

    failed = 0
    for (target, n, mode), rs in groups.items():
        good = [r for r in rs if r["ok"]]
        failed += len(rs) - len(good)
        if not good:
            print(f"| {target} | {n} | {mode} | 0 of {len(rs)} | | | | |")
            continue
        tlb = f"{cell(good, 'tlb_full')} / {cell(good, 'tlb_partial')}"
        print(f"| {target} | {n} | {mode} | {len(good)} | {cell(good, 'invalidates')} | {cell(good, 'tbs')} "
              f"| {cell(good, 'flushes')} | {tlb} |")
    if args.check:
        bad = [r for r in rows if r["ok"] and (r["invalidates"] or sum(r.get("writes", {}).values()))]
        for r in bad:
            print(f"tcg_jit: CHECK FAILED: {r['target']} -smp {r['n']} {r['mode']}: {r['invalidates']} TBs "
                  f"invalidated, writes to code pages: {dict(r.get('writes', {}))}", file=sys.stderr)
        if bad or failed:
            return 1
        print("tcg_jit: check passed: no TB invalidated, no write to a page of translated code", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
