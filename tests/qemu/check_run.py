#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Boot an example with scripts/run-example and check what the guest printed.

  check_run.py --example EX --expect-hwids SPEC [--expect-failed HWID ...]
               [--expect-line REGEX ...] [--mode seq|parallel] [--needs-kvm]
               -- [QEMU args...]

SPEC is a comma list of hex/decimal IDs, or "x86" (APIC IDs computed from -smp
the way QEMU assigns them; the arm64 tests read theirs from QEMU's own DT at
configure time, tests/qemu/arm64.cmake). The check passes only if:
every expected hwid has exactly one cpu line, no other hwid has one, logical 0
is the boot CPU, the result line is last with K/N matching, the mode matches,
and the runner's exit status agrees (0 iff no failure was expected).

--needs-kvm: the run uses KVM (SMPBOOT_X86_ACCEL=kvm). If /dev/kvm is not
usable here the check prints why and exits with SKIP (77), which ctest
reports as skipped (SKIP_RETURN_CODE), never as passed.

With --check-madt the MADT the guest dumped as hex (smpboot.acpidump=1, an
ACPI boot) is decoded here (acpi_dump.py, not the guest's parser): its
enabled GICCs must be exactly the expected MPIDRs, the boot CPU's first.

With --check-parked the same dump must be a parking protocol MADT: every
enabled GICC but the boot CPU's has Parking Protocol Version 1 and its own
4 KiB-aligned Parked Address (the firmware stage's, examples/fwstage-arm64).

With --expect-error REGEX the guest must instead stop before any CPU line:
a line matches REGEX, no cpu or result line is printed, and QEMU ends with
the guest's own failure status 1 (not a timeout, not a crash).

Firmware that never hands over: if QEMU has run for HANDOVER_GRACE_S seconds
and none of the project's own programs (firmware stage, loader, kernel) has
printed a line, the firmware stalled before any of our code ran (seen, rarely,
with AAVMF at EL2 under TCG). That run is stopped and the boot is tried once
more, saying so; the checks apply to the second run. Anything that stalls
once our code has printed is not retried: the timeout then fails the test.
"""
import fcntl
import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

import acpi_dump

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CPU_RE = re.compile(r"^smpboot: cpu (\d+) hwid (0x[0-9a-f]+) (online|failed: .*)$")
SKIP = 77
# linux/kvm.h: KVM_GET_API_VERSION = _IO(KVMIO = 0xAE, 0x00); the API is 12
# since Linux 2.6.22 (Documentation/virt/kvm/api.rst 4.1).
KVM_GET_API_VERSION = 0xAE00
KVM_API_VERSION = 12
RESULT_RE = re.compile(
    r"^smpboot: result arch=(\S+) online=(\d+)/(\d+) mode=(seq|parallel) bringup_us=(\d+)$")
# The lines of the project's own programs (kernels, UEFI loaders, firmware
# stages), as opposed to the firmware's: the sign that the firmware handed over.
OURS_RE = re.compile(r"^(smpboot|fwstage|floor|mailbox|guest|x86_64[\w-]*|arm64[\w-]*): ")
QEMU_STARTS = "run-example: qemu-system"
HANDOVER_GRACE_S = int(os.environ.get("SMPBOOT_HANDOVER_GRACE_S", "240"))   # env: to test this check


def run_example(cmd, env):
    """Run run-example, streaming its output. Returns (exit status, output,
    stalled): stalled if QEMU ran HANDOVER_GRACE_S without a line of ours,
    in which case the run was stopped."""
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         start_new_session=True)
    out, seen = [], {"qemu": None, "ours": False}

    def read():
        for raw in p.stdout:
            line = raw.decode("utf-8", "replace")
            out.append(line)
            if seen["qemu"] is None and line.startswith(QEMU_STARTS):
                seen["qemu"] = time.monotonic()
            if OURS_RE.match(line.rstrip("\r\n")):
                seen["ours"] = True

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    stalled = False
    while p.poll() is None:
        started = seen["qemu"]
        if not stalled and not seen["ours"] and started and time.monotonic() - started > HANDOVER_GRACE_S:
            stalled = True
            os.killpg(p.pid, signal.SIGTERM)
        time.sleep(0.2)
    reader.join()
    return p.returncode, "".join(out), stalled


def bits_for(count):
    return (count - 1).bit_length() if count > 1 else 0


def x86_apic_ids(qemu_args):
    """APIC IDs of the CPUs present at boot, as QEMU 7.2 numbers them
    (hw/i386/topology.h: thread, core, die, socket fields, each as wide as
    its count needs)."""
    smp = "1"
    for i, a in enumerate(qemu_args):
        if a == "-smp" and i + 1 < len(qemu_args):
            smp = qemu_args[i + 1]
    fields = {}
    parts = smp.split(",")
    for p in parts:
        if "=" in p:
            k, v = p.split("=", 1)
            fields[k] = int(v)
        else:
            fields["cpus"] = int(p)
    threads = fields.get("threads", 1)
    cores = fields.get("cores", 1)
    dies = fields.get("dies", 1)
    cpus = fields.get("cpus")
    if cpus is None:
        cpus = fields.get("sockets", 1) * dies * cores * threads
    tb, cb, db = bits_for(threads), bits_for(cores), bits_for(dies)
    ids = []
    for i in range(cpus):
        t = i % threads
        c = (i // threads) % cores
        d = (i // (threads * cores)) % dies
        s = i // (threads * cores * dies)
        ids.append((s << (db + cb + tb)) | (d << (cb + tb)) | (c << tb) | t)
    return ids


def kvm_problem():
    """None if /dev/kvm opens read-write and answers KVM_GET_API_VERSION
    with 12; otherwise why not."""
    try:
        fd = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
    except OSError as e:
        return "cannot open /dev/kvm read-write: %s" % e.strerror
    try:
        version = fcntl.ioctl(fd, KVM_GET_API_VERSION)
    except OSError as e:
        return "KVM_GET_API_VERSION failed: %s" % e.strerror
    finally:
        os.close(fd)
    if version != KVM_API_VERSION:
        return "KVM API version %d, expected %d" % (version, KVM_API_VERSION)
    return None


def parse_ids(spec):
    return [int(x, 0) for x in spec.split(",") if x]


def check_error(pattern, lines, status):
    problems = []
    if not any(re.search(pattern, l) for l in lines):
        problems.append("no line matches %r" % pattern)
    if any(CPU_RE.match(l) or RESULT_RE.match(l) for l in lines):
        problems.append("cpu or result lines printed, expected none")
    if status != 1 or not any("no result line (QEMU status 1)" in l for l in lines):
        problems.append("run-example status %d; expected 1 with QEMU's status 1 (the guest's exit)" % status)
    if problems:
        print("check_run: FAIL\n  " + "\n  ".join(problems))
        return 1
    print("check_run: PASS: the guest stopped with the expected error")
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--example", required=True)
    ap.add_argument("--expect-hwids", required=True)
    ap.add_argument("--expect-failed", action="append", default=[],
                    help="hwid expected on a 'failed:' line (not counted as present-online)")
    ap.add_argument("--expect-line", action="append", default=[])
    ap.add_argument("--reject-line", action="append", default=[], help="no line may match this regex")
    ap.add_argument("--expect-error", help="the guest must stop with this line, no CPU brought up "
                    "(--expect-hwids is then not read)")
    ap.add_argument("--check-madt", action="store_true",
                    help="the guest's dumped MADT must list exactly the expected MPIDRs (enabled GICCs)")
    ap.add_argument("--check-parked", action="store_true",
                    help="every enabled GICC of the dumped MADT but the boot CPU's has a version-1 mailbox")
    ap.add_argument("--mode", default="parallel")
    ap.add_argument("--timeout", default="300")
    ap.add_argument("--needs-kvm", action="store_true")
    ap.add_argument("qemu_args", nargs="*")
    a = ap.parse_args()

    env = dict(os.environ, SMPBOOT_TIMEOUT=a.timeout)
    if a.needs_kvm:
        why = kvm_problem()
        if why:
            print("check_run: SKIPPED: this test needs KVM: %s" % why)
            return SKIP
        env["SMPBOOT_X86_ACCEL"] = "kvm"
    env["SMPBOOT_LOG"] = tempfile.NamedTemporaryFile(suffix=".log", delete=False).name
    cmd = [os.path.join(ROOT, "scripts/run-example"), a.example] + a.qemu_args
    returncode, out, stalled = run_example(cmd, env)
    sys.stdout.write(out)
    if stalled:
        print("check_run: QEMU ran %d s and none of our programs printed a line: the firmware "
              "did not hand over; booting once more" % HANDOVER_GRACE_S, flush=True)
        returncode, out, stalled = run_example(cmd, env)
        sys.stdout.write(out)
        if stalled:
            print("check_run: FAIL\n  the firmware did not hand over in either run")
            return 1
    lines = [l.rstrip("\r") for l in out.splitlines()]

    if a.expect_error:
        return check_error(a.expect_error, lines, returncode)
    if a.expect_hwids == "x86":
        expected = x86_apic_ids(a.qemu_args)
    else:
        expected = parse_ids(a.expect_hwids)
    failed = [int(x, 0) for x in a.expect_failed]

    problems = []
    if a.check_madt:
        try:
            madt = acpi_dump.gicc_mpidrs(lines)
        except ValueError as e:
            problems.append(str(e))
        else:
            if sorted(madt) != sorted(expected) or madt[:1] != expected[:1]:
                problems.append("the MADT's enabled GICCs are %s; expected %s" %
                                ([hex(x) for x in madt], [hex(x) for x in expected]))
    if a.check_parked:
        try:
            problems += acpi_dump.parking_problems(lines)
        except ValueError as e:
            problems.append(str(e))
    cpu_lines = [CPU_RE.match(l) for l in lines]
    cpu_lines = [m for m in cpu_lines if m]
    seen = {}
    for m in cpu_lines:
        hw = int(m.group(2), 16)
        if hw in seen:
            problems.append("hwid %#x printed twice" % hw)
        seen[hw] = (int(m.group(1)), m.group(3))
    want = set(expected) | set(failed)
    if set(seen) != want:
        problems.append("hwids printed %s, QEMU assigned %s" %
                        (sorted(hex(x) for x in seen), sorted(hex(x) for x in want)))
    for hw, (logical, status) in seen.items():
        if hw in failed and not status.startswith("failed"):
            problems.append("hwid %#x should have failed, got %r" % (hw, status))
        if hw not in failed and status != "online":
            problems.append("hwid %#x not online: %r" % (hw, status))
    if expected and seen.get(expected[0], (None,))[0] != 0:
        problems.append("boot CPU (hwid %#x) is not logical cpu 0" % expected[0])
    results = [RESULT_RE.match(l) for l in lines]
    results = [m for m in results if m]
    contract = [l for l in lines if l.startswith("smpboot: ")]
    if not results:
        problems.append("no result line")
    else:
        r = results[-1]
        k, n = int(r.group(2)), int(r.group(3))
        if n != len(want) or k != len(expected):
            problems.append("result online=%d/%d, expected %d/%d" % (k, n, len(expected), len(want)))
        if r.group(4) != a.mode:
            problems.append("mode=%s, expected %s" % (r.group(4), a.mode))
        if not contract or not RESULT_RE.match(contract[-1]):
            problems.append("result line is not the last smpboot line")
    for pat in a.expect_line:
        if not any(re.search(pat, l) for l in lines):
            problems.append("no line matches %r" % pat)
    for pat in a.reject_line:
        for l in lines:
            if re.search(pat, l):
                problems.append("line %r matches %r, which must not appear" % (l, pat))
    want_status = 1 if failed else 0
    if returncode != want_status:
        problems.append("run-example exit status %d, expected %d" % (returncode, want_status))

    if problems:
        print("check_run: FAIL\n  " + "\n  ".join(problems))
        return 1
    print("check_run: PASS: %d CPUs, hwids %s" % (len(expected), ",".join(hex(x) for x in expected)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
